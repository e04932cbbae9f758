"""The event log and the event queue of an engagement run (deterministic, SimPy-like).

Every event has a time, a kind (:data:`EVENT_PRIORITY`) and a sequence number given when it is
logged or scheduled; the log is read in order of (time, priority of its kind, sequence), so two
runs with the same inputs give the same log row for row. The queue holds what is decided now
and happens later (a launch, a gun burst, an intercept, a kill): :meth:`EventQueue.pop_until`
hands them out in that same order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

import numpy as np
import pandas as pd

__all__ = ["EVENT_PRIORITY", "EventLog", "EventQueue"]

#: Event kinds in the log, with their order at equal times (lower first): state changes, what
#: the picture shows, outcomes known at that time, then the decisions taken on them.
EVENT_PRIORITY = {"command_post_lost": 0, "radar_off": 0, "radar_on": 0, "radar_destroyed": 0,
                  "autonomous": 1, "first_detection": 2,
                  "track_start": 3, "track_confirmed": 3, "track_drop": 6, "reload": 4,
                  "intercept": 5, "miss": 5, "kill": 6, "kill_assessed": 6,
                  "kill_assessment_withdrawn": 6,
                  "assign": 7, "gun_burst": 8, "launch": 9, "hold_fire": 9, "guidance_mode": 10,
                  "missile_exhausted": 11, "gun_exhausted": 11, "leak": 12,
                  "arm_impact": 0, "arm_launch": 9}


class EventLog:
    """Event log rows in order of (time, priority, sequence).

    Columns: ``time_s, event, unit_id, missile_type, missile_id, truth_id, object_id,
    track_id, miss_m, pk, detail``.
    """

    COLUMNS = ("time_s", "event", "unit_id", "missile_type", "missile_id", "truth_id",
               "object_id", "track_id", "miss_m", "pk", "detail")

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.seq = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def add(self, **row) -> None:
        row.setdefault("seq", self.next_seq())
        self.rows.append(row)

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=[*self.COLUMNS, "seq"])
        df["priority"] = df["event"].map(EVENT_PRIORITY)
        df = df.sort_values(["time_s", "priority", "seq"], kind="stable", ignore_index=True)
        for col in ("truth_id", "track_id"):
            df[col] = df[col].fillna(-1).astype(np.int64)
        for col in ("unit_id", "missile_type", "missile_id", "object_id", "detail"):
            df[col] = df[col].astype(object).fillna("").astype(str)
        return df.drop(columns=["seq", "priority"])


class EventQueue:
    """Scheduled items (dicts with ``time_s`` and ``event``), handed out in log order."""

    def __init__(self, log: EventLog) -> None:
        self._heap: list[tuple] = []
        self._log = log

    def schedule(self, ev: dict) -> None:
        heapq.heappush(self._heap, (ev["time_s"], EVENT_PRIORITY[ev["event"]],
                                    self._log.next_seq(), ev))

    def pop_until(self, t: float) -> Iterator[dict]:
        """Every item due by ``t`` (inclusive), including those scheduled while iterating."""
        while self._heap and self._heap[0][0] <= t:
            yield heapq.heappop(self._heap)[3]

    def pop_kind_until(self, kind: str, t: float) -> list[dict]:
        """Every item of one ``kind`` due by ``t`` (inclusive), in order, taken out ahead of the
        others (e.g. a loss that must be known before the looks up to ``t`` are fed)."""
        due = sorted(item for item in self._heap if item[0] <= t and item[3]["event"] == kind)
        if due:
            self._heap = [item for item in self._heap
                          if not (item[0] <= t and item[3]["event"] == kind)]
            heapq.heapify(self._heap)
        return [item[3] for item in due]

    def __len__(self) -> int:
        return len(self._heap)
