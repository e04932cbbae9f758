"""Closed-loop sensing: the radars scan and the trackers run one report interval at a time.

:class:`Sensing` is the sensor half of a run: at each report time ``t`` (:meth:`Sensing.step`)
it hands the trackers the detections of the window that ends there and reports every track.
What is sensed depends on the state of the run *now*:

- a destroyed threat reflects nothing after its kill time (:meth:`Sensing.destroy`): no
  detection of it later than that time reaches a tracker or the detections table, and its
  tracks coast and are dropped by the trackers' own deletion logic;
- a radar that is off (scenario ``emcon``, :func:`iadsim.sensors.scan.radar_emitting`) or
  destroyed (scenario ``destroyed_at_s``: off for good from then) detects nothing.

Windows. Report times are multiples of ``report_interval_s`` (a multiple of ``frame_s``). The
window of the report at ``t`` holds the looks at raw times ``[t - Δ + f/2, t + f/2)`` (Δ the
report interval, f the frame). The trackers get each look at its frame time (rounded to
``frame_s``), with its covariance widened by the variance of the position error this can cause,
(v_max · f / 2)² / 3 per axis (uniform time error), so the frames of the window are ``(t - Δ,
t]``: the report at ``t`` contains the frame at ``t``, as the batch tracker's always did.
Looks are drawn ahead in batches of ``scan_batch_s``
(:class:`~iadsim.engine.air_picture.AirPictureConfig`) for speed; a detection drawn ahead is
dropped when it falls after its target's death, which is known by the time its window is fed
(a kill is known at the launch of the missile that makes it). The draws of each radar come from
its own stream (radars in scenario order), the same whatever the engagement does; its silences
and its loss are in its off windows (emission control, scripted loss).

Track truth: a track carries the truth id of the last detection of a real object that updated
it (-1 before the first): the engine's bookkeeping of which object a track follows (the
command posts decide on tracks; truth ids only label them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from iadsim.engine.events import EventLog
from iadsim.engine.trajectory import Trajectories
from iadsim.geo.frames import enu2enu_transform
from iadsim.sensors.ew import JammerSources
from iadsim.sensors.scan import (
    DETECTION_COLUMNS,
    DetectionArrays,
    RadarSensor,
    add_off_window,
    scan_arrays,
)
from iadsim.tracking import TrackerConfig
from iadsim.tracking.manager import TrackReport, Tracker

__all__ = ["FUSED", "Reports", "Sensing", "SensingStep"]

#: Name of the fused (command post) tracker in the tracks table.
FUSED = "fused"


@dataclass(frozen=True)
class Reports:
    """Track reports as numpy columns in time order: what the decision loop reads.

    ``pos``, ``vel``: command-post ENU frame about ``frame_origin``, m and m/s; ``tracker``:
    index into ``trackers``.
    """

    time_s: np.ndarray
    truth: np.ndarray
    track_id: np.ndarray
    tracker: np.ndarray
    trackers: tuple[str, ...]
    pos: np.ndarray
    vel: np.ndarray
    frame_origin: tuple[float, float, float]
    #: Positions and velocities of every report in a launcher frame, by its origin.
    frames: dict[tuple[float, float, float], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, compare=False)

    @classmethod
    def concat(cls, parts: list[Reports]) -> Reports:
        """Several reports (same trackers and frame) as one, in the order given."""
        first = parts[0]
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in
                     ("time_s", "truth", "track_id", "tracker")), first.trackers,
                   *(np.concatenate([getattr(p, name) for p in parts]).reshape(-1, 3)
                     for name in ("pos", "vel")), first.frame_origin)

    def of_trackers(self, rows: np.ndarray, trackers: tuple[str, ...]) -> np.ndarray:
        """Those of ``rows`` reported by one of ``trackers``."""
        wanted = np.array([name in trackers for name in self.trackers], dtype=bool)
        return rows[wanted[self.tracker[rows]]] if wanted.size else rows[:0]

    def truth_held(self, trackers: tuple[str, ...]) -> np.ndarray:
        """Truth ids of the tracks held by one of ``trackers``."""
        return self.truth[self.of_trackers(np.arange(self.truth.size), trackers)]

    def in_frame(self, origin: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
        """Positions (m) and velocities (m/s) of every report in the ENU frame about ``origin``
        (computed once per origin)."""
        if origin not in self.frames:
            rotation, offset = enu2enu_transform(self.frame_origin, origin)
            self.frames[origin] = self.pos @ rotation.T + offset, self.vel @ rotation.T
        return self.frames[origin]


@dataclass(frozen=True)
class SensingStep:
    """What one report time produced: the fused tracker's report and the radars' trackers'
    reports (confirmed tracks, command-post frame)."""

    time_s: float
    fused: Reports
    radars: Reports


class Sensing:
    """Sensing and tracking state of one run (module notes).

    Parameters
    ----------
    sensors : sequence of RadarSensor
        The radars, in scenario order (their facings resolved).
    traj : Trajectories
        Truth of every object of the run.
    rcs_table_dbsm : ndarray (n, 3)
        Nose / side / tail mean RCS of each object, dBsm.
    frame_origin : (lat_deg, lon_deg, alt_m)
        Origin of the command-post ENU frame.
    streams : sequence of SeedSequence
        One per radar (same order).
    tracker : TrackerConfig
        Base tracker settings: each radar's tracker gets ``revisit_s`` = its scan period, the
        fused tracker the longest scan period and per-radar revisits; ``max_speed_m_s`` as given.
    report_interval_s, frame_s, scan_batch_s : float
        Report clock, tracker frame, and how far ahead looks are drawn, s.
    keep : set of str
        ``"detections"`` and/or ``"tracks"``: keep those tables for the whole run
        (:meth:`tables`); otherwise nothing of a step is held after the next.
    radar_trackers : set of str, optional
        The radars whose own trackers run (their reports are :attr:`SensingStep.radars`);
        default every radar, and every radar when ``keep`` names tracks. A tracker whose reports
        nobody reads is not run: it changes nothing else (each tracker is deterministic and
        fed only its radar's detections; the fused tracker takes the detections themselves).
    log : EventLog, optional
        Where ``first_detection``, ``track_confirmed``, ``track_start`` and ``track_drop`` of the
        fused picture are logged as they happen.
    jammers : JammerSources, optional
        Noise jammers on station and carried by the objects: the radars' looks use S/(N+J)
        (:func:`iadsim.sensors.scan.scan_arrays`); a carried jammer falls silent with its
        carrier's kill known when a batch of looks is drawn.
    """

    def __init__(self, sensors: tuple[RadarSensor, ...], traj: Trajectories,
                 rcs_table_dbsm: np.ndarray, frame_origin: tuple[float, float, float],
                 streams: list[np.random.SeedSequence], tracker: TrackerConfig, *,
                 report_interval_s: float, frame_s: float, scan_batch_s: float,
                 keep: frozenset[str] = frozenset(), log: EventLog | None = None,
                 radar_trackers: frozenset[str] | None = None,
                 jammers: JammerSources | None = None) -> None:
        self.sensors = tuple(sensors)
        self.traj = traj
        self.rcs = np.asarray(rcs_table_dbsm, dtype=float)
        self.origin = frame_origin
        self.rngs = [np.random.default_rng(s) for s in streams]
        self.report_interval_s = float(report_interval_s)
        self.frame_s = float(frame_s)
        self.scan_batch_s = max(float(scan_batch_s), self.report_interval_s)
        self.keep = frozenset(keep)
        self.log = log
        self.jammers = jammers if jammers else None
        n = traj.n_objects
        #: kill time of each object (inf: alive); nothing of it is sensed after that
        self.death_s = np.full(n, np.inf)
        #: time of the last detection of each object that reached a tracker (-inf: none)
        self.last_detected_s = np.full(n, -np.inf)
        self.first_detection_s: dict[int, float] = {}
        self.confirmed_s: dict[int, float] = {}
        self.v_max = float(tracker.max_speed_m_s)
        base = replace(tracker, report_interval_s=self.report_interval_s, report_tentative=False)
        periods = {s.id: s.scan_period_s for s in self.sensors}
        self.radar_ids = tuple(periods)
        run = None if radar_trackers is None or "tracks" in self.keep else radar_trackers
        #: the radars' own trackers that run, by radar id (``radar_trackers``)
        self.trackers = {s.id: Tracker(replace(base, revisit_s=s.scan_period_s), 3, (s.id,))
                         for s in self.sensors if run is None or s.id in run}
        self.fused_tracker = Tracker(
            replace(base, revisit_s=max(periods.values()), sensor_revisit_s=periods), 3,
            self.radar_ids)
        #: radar index -> the fused tracker's sensor code
        self._fused_code = np.array([self.fused_tracker.sensor_names.index(r)
                                     for r in self.radar_ids], dtype=np.int64)
        #: per tracker, the truth id of each track id (-1: none yet)
        self._track_truth = {name: np.full(0, -1, dtype=np.int64)
                             for name in (*self.radar_ids, FUSED)}
        self._fused_live: dict[int, int] = {}
        self._t_prev: float | None = None
        self._drawn_until: float | None = None
        self._pending = {"time_s": np.zeros(0), "truth_id": np.zeros(0, np.int64),
                         "radar": np.zeros(0, np.int64), "z": np.zeros((0, 3)),
                         "cov": np.zeros((0, 3, 3)), "row": np.zeros(0, np.int64)}
        #: every detection drawn, in batches (only when ``keep`` names detections)
        self._drawn: list[pd.DataFrame] = []
        self._n_drawn = 0
        self._n_fed = 0
        self._kept: dict[str, list] = {"detections": [], "tracks": []}

    # -- state changes ------------------------------------------------------------------------
    def destroy(self, truth_id: int, time_s: float) -> None:
        """Object ``truth_id`` is destroyed at ``time_s`` (the earliest kill counts)."""
        self.death_s[truth_id] = min(self.death_s[truth_id], float(time_s))

    def switch_off(self, radar: int, off_s: float, on_s: float = np.inf) -> None:
        """Radar ``radar`` (index) falls silent over ``[off_s, on_s)`` (``inf``: for good, a
        loss), decided during the run: no look of it in that window reaches a tracker -- those
        drawn ahead are dropped, later batches draw none."""
        s = self.sensors[radar]
        self.sensors = (*self.sensors[:radar],
                        replace(s, off_windows_s=add_off_window(s.off_windows_s, off_s, on_s)),
                        *self.sensors[radar + 1:])
        p = self._pending
        keep = (p["radar"] != radar) | (p["time_s"] < off_s) | (p["time_s"] >= on_s)
        self._pending = {k: v[keep] for k, v in p.items()}

    # -- the clock ----------------------------------------------------------------------------
    def step(self, t: float) -> SensingStep:
        """Feed the window ending at report time ``t`` to the trackers and report them."""
        half = self.frame_s / 2.0
        t_prev = t - self.report_interval_s if self._t_prev is None else self._t_prev
        if self._drawn_until is None:      # nothing is sensed before the run starts
            self._drawn_until = max(t_prev + half, float(self.traj.time_s[0]))
        while self._drawn_until < t + half:
            self._draw(self._drawn_until, self._drawn_until + self.scan_batch_s)
            self._drawn_until += self.scan_batch_s
        cut = int(np.searchsorted(self._pending["time_s"], t + half, side="left"))
        now = {k: v[:cut] for k, v in self._pending.items()}
        self._pending = {k: v[cut:] for k, v in self._pending.items()}
        truth = now["truth_id"]
        alive = (truth < 0) | (now["time_s"] <= self.death_s[np.maximum(truth, 0)])
        now = {k: v[alive] for k, v in now.items()}
        truth, n_det = now["truth_id"], now["time_s"].size
        self._note_detections(now["time_s"], truth)
        # tracker input: frame times, covariances widened by the framing error (module notes)
        when = np.round(now["time_s"] / self.frame_s) * self.frame_s
        # a look exactly half a frame after the previous report rounds (half to even) onto it
        when = np.maximum(when, t_prev + self.frame_s)
        z, cov = now["z"], now["cov"] + (self.v_max * self.frame_s / 2.0) ** 2 / 3.0 * np.eye(3)
        radar = now["radar"]
        index = np.arange(self._n_fed, self._n_fed + n_det, dtype=np.int64)
        parts = []
        for k, name in enumerate(self.radar_ids):
            tracker = self.trackers.get(name)
            if tracker is None:
                continue
            mine = radar == k
            if mine.any():
                tracker.feed_arrays(when[mine], z[mine], cov[mine], None, index[mine])
            parts.append(self._label(name, k, tracker.report_arrays(t), truth))
        if n_det:
            self.fused_tracker.feed_arrays(when, z, cov, self._fused_code[radar], index)
        fused = self._label(FUSED, 0, self.fused_tracker.report_arrays(t), truth)
        self._n_fed += n_det
        self._t_prev = t
        radars = _reports([p[0] for p in parts], self.radar_ids, self.origin, t)
        fused_reports = _reports([fused[0]], (FUSED,), self.origin, t)
        self._fused_events(t, fused_reports)
        if "detections" in self.keep and n_det:
            self._kept["detections"].append(now["row"])
        if "tracks" in self.keep:
            self._kept["tracks"] += [f for _, f in (*parts, fused) if f is not None and f[0].size]
        return SensingStep(t, fused_reports, radars)

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The detections and tracks kept over the run (empty unless ``keep`` asked for them):
        detections sorted by (time, radar), tracks by (tracker in radar order then fused, time,
        track id) as the batch tracker wrote them."""
        det = (pd.concat(self._drawn, ignore_index=True).iloc[
            np.concatenate(self._kept["detections"])].reset_index(drop=True)
            if self._kept["detections"] else _empty_detections())
        if not self._kept["tracks"]:
            return det, _empty_tracks()
        order, time_s, ids, confirmed, x, cov, index, truth = (
            np.concatenate([block[i] for block in self._kept["tracks"]]) for i in range(8))
        names = np.array([FUSED, *self.radar_ids], dtype=object)
        rank = np.where(order == 0, len(names), order)          # radars in order, then fused
        rows = np.lexsort((ids, time_s, rank))
        x = x[rows]
        tracks = pd.DataFrame({
            "tracker": names[order[rows]], "time_s": time_s[rows], "track_id": ids[rows],
            "status": np.where(confirmed[rows], "confirmed", "tentative"),
            "x_m": x[:, 0], "y_m": x[:, 1], "z_m": x[:, 2],
            "vx_m_s": x[:, 3], "vy_m_s": x[:, 4], "vz_m_s": x[:, 5],
            "cov": list(cov[rows]), "detection_index": index[rows], "truth_id": truth[rows]})
        return det, tracks

    # -- internals ----------------------------------------------------------------------------
    def _draw(self, t0: float, t1: float) -> None:
        """Looks of every radar over ``[t0, t1)`` appended to the pending detections (numpy
        columns: time, truth id, radar index, position, covariance, and the row in the table of
        every drawn detection), sorted by (time, radar); their table
        (:func:`~iadsim.sensors.scan.scan_detections`) is built only when ``keep`` names
        detections."""
        parts = [scan_arrays(s, self.traj, self.rcs, t0, t1, self.origin, rng,
                             jammers=self.jammers, alive_until_s=self.death_s)
                 for s, rng in zip(self.sensors, self.rngs, strict=True)]
        radar = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
        if not radar.size:
            return
        order = np.lexsort((radar, np.concatenate([p.time_s for p in parts])))
        new, radar = DetectionArrays.concat(parts).take(order), radar[order]
        rows = np.arange(self._n_drawn, self._n_drawn + len(new), dtype=np.int64)
        self._n_drawn += len(new)
        if "detections" in self.keep:
            self._drawn.append(new.frame(np.array([s.id for s in self.sensors], dtype=object)[radar]))
        add = {"time_s": new.time_s, "truth_id": new.truth_id, "radar": radar, "z": new.xyz,
               "cov": new.cov, "row": rows}
        self._pending = {k: np.concatenate([self._pending[k], add[k]]) for k in add}

    def _note_detections(self, time_s: np.ndarray, truth: np.ndarray) -> None:
        real = truth >= 0
        if not real.any():
            return
        truth, t = truth[real], time_s[real]
        np.maximum.at(self.last_detected_s, truth, t)
        objs, first = np.unique(truth, return_index=True)     # times are sorted: first = earliest
        for obj, k in zip(objs.tolist(), first.tolist(), strict=True):
            if obj not in self.first_detection_s:
                self.first_detection_s[obj] = float(t[k])
                if self.log is not None:
                    self.log.add(time_s=float(t[k]), event="first_detection", truth_id=obj,
                                 object_id=self.traj.ids[obj])

    def _label(self, name: str, code: int, report: TrackReport, truth: np.ndarray
               ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...] | None]:
        """A report's arrays ``(track_id, truth_id, tracker code, state)`` with the truth id of
        each track (module notes), and its columns for the tracks table when tracks are kept."""
        ids = report.track_id
        memory = self._track_truth[name]
        if ids.size and ids.max() >= memory.size:
            memory = np.concatenate([memory, np.full(ids.max() + 1 - memory.size + 64, -1,
                                                     dtype=np.int64)])
            self._track_truth[name] = memory
        det = report.detection_index - self._n_fed
        fresh = (det >= 0) & (det < truth.size)
        seen = np.full(ids.size, -1, dtype=np.int64)
        seen[fresh] = truth[det[fresh]]
        label = np.where(seen >= 0, seen, memory[ids])
        memory[ids] = label
        arrays = (ids, label, np.full(ids.size, code, dtype=np.int64), report.state)
        if "tracks" not in self.keep:
            return arrays, None
        order = 0 if name == FUSED else 1 + self.radar_ids.index(name)      # fused last below
        table = (np.full(ids.size, order), np.full(ids.size, report.time_s), ids,
                 report.confirmed, report.state, report.cov.reshape(ids.size, 36),
                 report.detection_index, label)
        return arrays, table

    def _fused_events(self, t: float, fused: Reports) -> None:
        """Log the picture's events: a threat's first confirmed fused track, and the start and
        drop of every fused track (false tracks included; a drop at the first report without
        the track)."""
        ids, truth = fused.track_id, fused.truth
        for obj in np.unique(truth[truth >= 0]):
            if int(obj) not in self.confirmed_s:
                self.confirmed_s[int(obj)] = t
                if self.log is not None:
                    self.log.add(time_s=t, event="track_confirmed", truth_id=int(obj),
                                 object_id=self.traj.ids[int(obj)])
        live = dict(zip(ids.tolist(), truth.tolist(), strict=True))
        if self.log is not None:
            for k in sorted(live.keys() - self._fused_live.keys()):
                obj = live[k]
                self.log.add(time_s=t, event="track_start", track_id=k, truth_id=obj,
                             object_id=self.traj.ids[obj] if obj >= 0 else "",
                             detail="" if obj >= 0 else "false track")
            for k in sorted(self._fused_live.keys() - live.keys()):
                obj = self._fused_live[k]
                gone = obj >= 0 and self.death_s[obj] <= t
                self.log.add(time_s=t, event="track_drop", track_id=k, truth_id=obj,
                             object_id=self.traj.ids[obj] if obj >= 0 else "",
                             detail=(f"target destroyed at {self.death_s[obj]:.1f} s" if gone
                                     else "track lost"))
        self._fused_live = live


def _reports(parts: list[tuple[np.ndarray, ...]], trackers: tuple[str, ...],
             origin: tuple[float, float, float], t: float) -> Reports:
    """One report time of some trackers as :class:`Reports` (``parts`` may be empty)."""
    empty = (np.zeros(0, np.int64),) * 3 + (np.zeros((0, 6)),)
    ids, truth, code, state = (np.concatenate([p[i] for p in parts] + [empty[i]])
                               for i in range(4))
    state = state.reshape(-1, 6)
    return Reports(np.full(ids.size, t), truth, ids, code, trackers, state[:, :3],
                   state[:, 3:], origin)


def _empty_detections() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c == "radar_id" else
                                      (np.int64 if c in ("scan", "truth_id") else float))
                         for c in DETECTION_COLUMNS})


def _empty_tracks() -> pd.DataFrame:
    return pd.DataFrame(columns=["tracker", "time_s", "track_id", "status", "x_m", "y_m", "z_m",
                                 "vx_m_s", "vy_m_s", "vz_m_s", "cov", "detection_index",
                                 "truth_id"])
