"""The outcome of one engagement run as one row of measures: what a campaign stacks, run by run.

:func:`run_metrics` reads the result tables of :func:`iadsim.engine.engagement.run_engagement`
-- the event log, the threats' fates and the engagement timeline -- and returns a one-row
DataFrame (``EngagementResult.metrics``). Every column is documented in :data:`METRICS` (unit,
meaning, kind, in the style of :data:`iadsim.io.tables.COLUMNS`); :func:`metric_columns` gives
the spec of the columns of a row, which the Parquet writer needs (``run_metrics.parquet``).

Rows of different runs of one scenario have the same columns in the same order, so they stack
with :func:`pandas.concat`: one column per defended asset (``leaked_<asset_id>_count``) and per
missile type aboard the fire units (``missiles_fired_<missile_type>_count``), zeros included.

"No value" conventions: a ratio whose denominator is zero is NaN (``interceptors_per_kill``
without a kill, the fractions without a threat); a time of something that did not happen is NaN
(``first_leak_time_s`` without a leak). Counts are never missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iadsim.errors import IadsimError

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.engine.engagement import EngagementResult

#: Start of the ``detail`` of a ``miss`` event of a missile that flew at a threat already
#: destroyed (by another missile or a gun burst): a wasted interceptor.
WASTED_DETAIL = "target already destroyed"


@dataclass(frozen=True)
class Metric:
    """How one column of the metrics row is documented and written.

    Attributes
    ----------
    unit : str
        UDUNITS-style unit (``s``; ``1`` for a dimensionless ratio); ``""`` when the column is
        not a quantity (a count, an identifier, a label).
    description : str
    kind : {'count', 'float', 'id', 'label'}
        As :class:`iadsim.io.tables.Column`: ``count`` and ``id`` are integers, ``float``
        float64, ``label`` a string.
    """

    unit: str
    description: str
    kind: str = "count"


#: Every column of the metrics row, in row order. ``{asset_id}`` and ``{missile_type}`` in a
#: name stand for one column per defended asset (scenario order) and per missile type aboard
#: the fire units (sorted).
METRICS: dict[str, Metric] = {
    "seed": Metric("", "seed of the run", "id"),
    "figure_set": Metric("", "label of the equipment figures of the run (figure set and "
                             "overrides)", "label"),
    "threats_count": Metric("", "threats in the raid (one row each in the fates)"),
    "detected_count": Metric("", "threats detected at least once by any radar"),
    "engaged_count": Metric("", "threats at which at least one missile was launched or one gun "
                                "burst fired"),
    "killed_count": Metric("", "threats destroyed (by a missile or a gun burst)"),
    "killed_by_missile_count": Metric("", "threats destroyed by a missile"),
    "killed_by_gun_count": Metric("", "threats destroyed by a gun burst"),
    "leaked_count": Metric("", "threats not destroyed whose route ended within the leak radius "
                               "of a defended asset"),
    "survived_count": Metric("", "threats neither destroyed nor leaked (route ended away from "
                                 "every defended asset)"),
    "killed_fraction": Metric("1", "killed_count / threats_count; NaN without threats", "float"),
    "leaked_fraction": Metric("1", "leaked_count / threats_count; NaN without threats", "float"),
    "leaked_{asset_id}_count": Metric("", "threats leaked to this defended asset (the nearest "
                                          "one at the end of their route)"),
    "first_leak_time_s": Metric("s", "time of the first leak (end of the leaker's route) since "
                                     "the start of the run; NaN: no leak", "float"),
    "missiles_fired_count": Metric("", "missiles launched, all types (held rounds excluded)"),
    "missiles_fired_{missile_type}_count": Metric("", "missiles of this type launched"),
    "wasted_interceptors_count": Metric("", "missiles launched that flew at a threat already "
                                            "destroyed when they arrived (a 'miss' with detail "
                                            f"'{WASTED_DETAIL}')"),
    "hold_fire_count": Metric("", "committed missiles and gun bursts not fired because their "
                                  "target was known destroyed or its flight had ended"),
    "interceptors_per_kill": Metric("1", "missiles_fired_count / killed_count (gun bursts are "
                                         "not interceptors; a kill by guns counts as a kill); "
                                         "NaN: no kill", "float"),
    "gun_bursts_count": Metric("", "gun bursts fired"),
    "gun_rounds_count": Metric("", "gun rounds fired, all bursts"),
}

_TEMPLATE = re.compile(r"\{(\w+)\}")


def metric_columns(names: Iterable[str]) -> dict[str, Metric]:
    """The documented :class:`Metric` of each column name of a metrics row.

    Raises
    ------
    IadsimError
        A name is not in :data:`METRICS` (directly or by one of its ``{...}`` patterns).
    """
    patterns = [(re.compile("".join(re.escape(part) if i % 2 == 0 else ".+"
                                    for i, part in enumerate(_TEMPLATE.split(key)))), spec)
                for key, spec in METRICS.items() if _TEMPLATE.search(key)]
    out = {}
    for name in names:
        spec = METRICS.get(name) if not _TEMPLATE.search(name) else None
        if spec is None:
            spec = next((s for pattern, s in patterns if pattern.fullmatch(name)), None)
        if spec is None:
            raise IadsimError(f"metrics: column {name!r} is not documented; add its unit and "
                              "description to iadsim.engine.outcome.METRICS")
        out[name] = spec
    return out


def run_metrics(events: pd.DataFrame, fates: pd.DataFrame, engagements: pd.DataFrame, *,
                asset_ids: Sequence[str], missile_types: Iterable[str],
                seed: int | None = None, figure_set: str = "") -> pd.DataFrame:
    """One row of outcome measures of an engagement run (columns: :data:`METRICS`).

    Parameters
    ----------
    events : DataFrame
        The event log (``EngagementResult.events``): ``time_s``, ``event``, ``truth_id``,
        ``missile_type``, ``missile_id``, ``detail`` are read.
    fates : DataFrame
        One row per threat (``EngagementResult.fates``): ``fate`` ('killed', 'leaked',
        'survived'), ``time_s``, ``asset_id`` (of a leaker).
    engagements : DataFrame
        The engagement timeline; the ``gun_rounds`` of its ``weapon == 'gun'`` rows are summed.
    asset_ids : sequence of str
        Every defended asset (one ``leaked_<asset_id>_count`` column each, zeros included).
    missile_types : iterable of str
        Every missile type aboard the fire units (one ``missiles_fired_<type>_count`` column
        each, zeros included).
    seed : int, optional
    figure_set : str
        The run's seed and figure-set label, carried in the row so that stacked rows say
        which run they are.

    Returns
    -------
    DataFrame
        Exactly one row; counts int64 (``seed`` nullable Int64), fractions and times float64.
    """
    kind = events["event"].to_numpy()
    truth = events["truth_id"].to_numpy()
    launches, bursts = events[kind == "launch"], events[kind == "gun_burst"]
    kills = events[kind == "kill"]
    fate = fates["fate"].to_numpy()
    n_threats, n_killed = len(fates), int((fate == "killed").sum())
    n_leaked = int((fate == "leaked").sum())
    leakers = fates[fate == "leaked"]
    asset_ids = list(dict.fromkeys([*asset_ids, *sorted(set(leakers["asset_id"]))]))
    types = sorted({*missile_types, *launches["missile_type"]})
    guns = (engagements[engagements["weapon"] == "gun"]
            if {"weapon", "gun_rounds"} <= set(engagements.columns) else engagements.iloc[:0])
    fired = len(launches)
    detail = events["detail"].astype(str)

    def threats_with(mask: np.ndarray) -> int:
        return int(np.unique(truth[mask & (truth >= 0)]).size)

    values: dict[str, object] = {
        "seed": seed, "figure_set": figure_set,
        "threats_count": n_threats,
        "detected_count": threats_with(kind == "first_detection"),
        "engaged_count": threats_with((kind == "launch") | (kind == "gun_burst")),
        "killed_count": n_killed,
        "killed_by_missile_count": int(kills["missile_id"].isin(launches["missile_id"]).sum()),
        "killed_by_gun_count": int(kills["missile_id"].isin(bursts["missile_id"]).sum()),
        "leaked_count": n_leaked,
        "survived_count": int((fate == "survived").sum()),
        "killed_fraction": n_killed / n_threats if n_threats else np.nan,
        "leaked_fraction": n_leaked / n_threats if n_threats else np.nan,
        "leaked_{asset_id}_count": {
            a: int((leakers["asset_id"] == a).sum()) for a in asset_ids},
        "first_leak_time_s": float(leakers["time_s"].min()) if n_leaked else np.nan,
        "missiles_fired_count": fired,
        "missiles_fired_{missile_type}_count": {
            m: int((launches["missile_type"] == m).sum()) for m in types},
        "wasted_interceptors_count": int(((kind == "miss")
                                          & detail.str.startswith(WASTED_DETAIL).to_numpy()).sum()),
        "hold_fire_count": int((kind == "hold_fire").sum()),
        "interceptors_per_kill": fired / n_killed if n_killed else np.nan,
        "gun_bursts_count": len(bursts),
        "gun_rounds_count": int(pd.to_numeric(guns["gun_rounds"]).sum()) if len(guns) else 0,
    }
    assert list(values) == list(METRICS), "run_metrics and METRICS disagree"
    row: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            slot = _TEMPLATE.search(key)
            assert slot is not None
            row.update({key.replace(slot.group(0), str(k)): v for k, v in value.items()})
        else:
            row[key] = value
    out = pd.DataFrame([row])
    out["seed"] = out["seed"].astype("Int64")
    out["figure_set"] = out["figure_set"].astype(object)
    return out


def result_metrics(result: EngagementResult) -> pd.DataFrame:
    """:func:`run_metrics` of an engagement result (its defended assets and the missile types
    aboard its fire units from the summary; seed and figure set from the provenance)."""
    summary, prov = result.summary, result.picture.provenance
    types = {m for unit in summary["fire_units"].values() for m in unit["rounds_left"]}
    return run_metrics(result.events, result.fates, result.engagements,
                       asset_ids=summary["defended_assets"], missile_types=types,
                       seed=prov.get("seed"), figure_set=str(prov.get("figure_set", "")))
