"""The analysis of an engagement run, read from its event log: fates, kill chain, summary, metrics.

:func:`fates_table` says what became of each threat (killed, leaked, survived),
:func:`furthest_link` how far along the kill chain (:data:`KILL_CHAIN`) each got,
:func:`timeline` the durations of each engagement's links, :func:`summary` the per-unit
figures and the run's assumptions.

The outcome of one run as one row of measures -- what a campaign stacks, run by run:
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

from iadsim.engine.decisions import NOT_ENGAGED
from iadsim.engine.events import EventLog
from iadsim.engine.fire_unit import FireUnit
from iadsim.engine.trajectory import Trajectories
from iadsim.engine.world import World
from iadsim.errors import IadsimError
from iadsim.geo.frames import geodetic2enu

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.engine.engagement import EngagementConfig, EngagementResult

#: Kill-chain links before engagement, in order, as (event that marks the link, label of a
#: threat that got no further); beyond them a threat is "engaged (missiles / guns)". A threat's
#: ``furthest_link`` tells an analyst where the chain broke for a leaker.
KILL_CHAIN = (("first_detection", "detected, no confirmed track"),
              ("track_confirmed", "tracked, never assigned"),
              ("assign", "assigned, nothing fired"))

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


#: Every column of the metrics row, in row order. ``{asset_id}``, ``{threat_type}`` and
#: ``{missile_type}`` in a name stand for one column per defended asset (scenario order), per
#: threat type in the raid (sorted) and per missile type aboard the fire units (sorted).
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
    "killed_{threat_type}_count": Metric("", "threats of this type destroyed"),
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
    "fired_after_kill_count": Metric("", "missiles launched at a threat already destroyed at "
                                         "launch (the command post had not yet assessed the "
                                         "kill); part of wasted_interceptors_count"),
    "hold_fire_count": Metric("", "committed missiles and gun bursts not fired because their "
                                  "target was known destroyed or its flight had ended"),
    "interceptors_per_kill": Metric("1", "missiles_fired_count / killed_count (gun bursts are "
                                         "not interceptors; a kill by guns counts as a kill); "
                                         "NaN: no kill", "float"),
    "missiles_at_decoys_count": Metric("", "missiles launched at decoys (threat class 'decoy': "
                                           "what the decoys drew)"),
    "interceptors_per_real_kill": Metric("1", "missiles_fired_count / threats destroyed that are "
                                              "not decoys; NaN: none", "float"),
    "gun_bursts_count": Metric("", "gun bursts fired"),
    "gun_rounds_count": Metric("", "gun rounds fired, all bursts"),
    "arms_launched_count": Metric("", "anti-radiation missiles launched at the radars"),
    "radars_destroyed_count": Metric("", "radars destroyed (by anti-radiation missiles or "
                                         "scripted losses)"),
    "missiles_at_arms_count": Metric("", "missiles launched at anti-radiation missiles (point "
                                         "defence of the radars)"),
    "arms_shot_down_count": Metric("", "anti-radiation missiles destroyed before their impact"),
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
        One row per threat (``EngagementResult.fates``): ``truth_id``, ``fate`` ('killed',
        'leaked', 'survived'), ``time_s``, ``asset_id`` (of a leaker), ``type`` (threat type),
        ``threat_class`` (optional; without it no threat is a decoy).
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
    # objects of the log that are not threats: weapons launched during the run (ARMs)
    weapon = (truth >= 0) & ~np.isin(truth, fates["truth_id"].to_numpy())
    launches, bursts = events[kind == "launch"], events[kind == "gun_burst"]
    kills = events[(kind == "kill") & ~weapon]
    fate = fates["fate"].to_numpy()
    n_threats, n_killed = len(fates), int((fate == "killed").sum())
    n_leaked = int((fate == "leaked").sum())
    leakers = fates[fate == "leaked"]
    asset_ids = list(dict.fromkeys([*asset_ids, *sorted(set(leakers["asset_id"]))]))
    types = sorted({*missile_types, *launches["missile_type"]})
    guns = (engagements[engagements["weapon"] == "gun"]
            if {"weapon", "gun_rounds"} <= set(engagements.columns) else engagements.iloc[:0])
    fired = len(launches)
    decoy = (fates["threat_class"].to_numpy() == "decoy" if "threat_class" in fates
             else np.zeros(len(fates), bool))
    n_real_kills = int(((fate == "killed") & ~decoy).sum())

    def threats_with(mask: np.ndarray) -> int:
        return int(np.unique(truth[mask & (truth >= 0) & ~weapon]).size)

    values: dict[str, object] = {
        "seed": seed, "figure_set": figure_set,
        "threats_count": n_threats,
        "detected_count": threats_with(kind == "first_detection"),
        "engaged_count": threats_with((kind == "launch") | (kind == "gun_burst")),
        "killed_count": n_killed,
        "killed_by_missile_count": int(kills["missile_id"].isin(launches["missile_id"]).sum()),
        "killed_by_gun_count": int(kills["missile_id"].isin(bursts["missile_id"]).sum()),
        "killed_{threat_type}_count": {
            t: int(((fates["type"] == t) & (fate == "killed")).sum())
            for t in sorted(set(fates["type"]))},
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
        "wasted_interceptors_count": wasted_interceptors(events),
        "fired_after_kill_count": _fired_after_kill(launches, fates),
        "hold_fire_count": int((kind == "hold_fire").sum()),
        "interceptors_per_kill": fired / n_killed if n_killed else np.nan,
        "missiles_at_decoys_count": int(np.isin(launches["truth_id"].to_numpy(),
                                                fates["truth_id"].to_numpy()[decoy]).sum()),
        "interceptors_per_real_kill": fired / n_real_kills if n_real_kills else np.nan,
        "gun_bursts_count": len(bursts),
        "gun_rounds_count": int(pd.to_numeric(guns["gun_rounds"]).sum()) if len(guns) else 0,
        "arms_launched_count": int((kind == "arm_launch").sum()),
        "radars_destroyed_count": int((kind == "radar_destroyed").sum()),
        "missiles_at_arms_count": int(((kind == "launch") & weapon).sum()),
        "arms_shot_down_count": int(((kind == "kill") & weapon).sum()),
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


def _fired_after_kill(launches: pd.DataFrame, fates: pd.DataFrame) -> int:
    """Launches later than their target's kill time."""
    killed = fates[fates["fate"] == "killed"]
    when = dict(zip(killed["truth_id"], killed["time_s"], strict=True))
    t_kill = launches["truth_id"].map(when).to_numpy(dtype=float)
    return int((launches["time_s"].to_numpy() > t_kill).sum())


def result_metrics(result: EngagementResult) -> pd.DataFrame:
    """:func:`run_metrics` of an engagement result (its defended assets and the missile types
    aboard its fire units from the summary; seed and figure set from the provenance)."""
    summary, prov = result.summary, result.picture.provenance
    types = {m for unit in summary["fire_units"].values() for m in unit["rounds_left"]}
    return run_metrics(result.events, result.fates, result.engagements,
                       asset_ids=summary["defended_assets"], missile_types=types,
                       seed=prov.get("seed"), figure_set=str(prov.get("figure_set", "")))


def fates_table(traj: Trajectories, kill_time: np.ndarray, fired_at: np.ndarray,
                asset_ids: Sequence[str], asset_enu_m: np.ndarray,
                frame_origin: tuple[float, float, float], leak_radius_m: float,
                log: EventLog, classes: Sequence[str], n_threats: int | None = None
                ) -> pd.DataFrame:
    """One row per threat: killed / leaked (route ended within ``leak_radius_m`` of a defended
    asset, alive) / survived; a ``leak`` event is logged for each leaker. ``classes``: the
    threat class of each object (column ``threat_class``); ``n_threats``: the first objects of
    the truth that are threats (default all; the others are weapons launched during the run,
    anti-radiation missiles, reported by the SEAD summary instead)."""
    rows = []
    for j, obj in enumerate(traj.ids[:n_threats]):
        active = np.flatnonzero(traj.active[:, j])
        t_end = float(traj.time_s[active[-1]]) if active.size else np.nan
        fate, when, where = "survived", t_end, ""
        if np.isfinite(kill_time[j]):
            fate, when = "killed", float(kill_time[j])
        elif active.size:
            e, n, _ = geodetic2enu(traj.lat_deg[active[-1], j], traj.lon_deg[active[-1], j],
                                   traj.alt_msl_m[active[-1], j], *frame_origin)
            d = np.hypot(asset_enu_m[:, 0] - e, asset_enu_m[:, 1] - n)
            if d.size and d.min() <= leak_radius_m:
                fate, where = "leaked", str(asset_ids[int(d.argmin())])
                log.add(time_s=t_end, event="leak", truth_id=j, object_id=obj,
                        detail=f"reached {where}")
        rows.append({"truth_id": j, "object_id": obj, "type": traj.types[j],
                     "threat_class": classes[j], "fate": fate, "time_s": when,
                     "asset_id": where, "missiles_fired": int(fired_at[j])})
    return pd.DataFrame(rows)


def furthest_link(events: pd.DataFrame, not_engaged: np.ndarray) -> np.ndarray:
    """Per threat (truth_id order) the label of the last :data:`KILL_CHAIN` link in ``events``,
    or "engaged (missiles)", "engaged (guns)", "engaged (missiles and guns)". A tracked threat
    never assigned gets the closest :data:`~iadsim.engine.decisions.NOT_ENGAGED` reason over its
    decisions (``not_engaged``: index per threat, -1 if no decision considered it)."""
    n_threats = not_engaged.size

    def reached(event: str) -> np.ndarray:
        tid = events.loc[events["event"] == event, "truth_id"].to_numpy()
        hit = np.zeros(n_threats, bool)
        hit[tid[(tid >= 0) & (tid < n_threats)]] = True
        return hit

    out = np.full(n_threats, "not detected", dtype=object)
    for event, label in KILL_CHAIN:
        out[reached(event)] = label
    why = (out == KILL_CHAIN[1][1]) & (not_engaged >= 0)
    out[why] = [f"{KILL_CHAIN[1][1]}: {NOT_ENGAGED[k]}" for k in not_engaged[why]]
    missiles, guns = reached("launch"), reached("gun_burst")
    out[missiles] = "engaged (missiles)"
    out[guns] = "engaged (guns)"
    out[missiles & guns] = "engaged (missiles and guns)"
    return out


def timeline(engagements: pd.DataFrame) -> pd.DataFrame:
    """Kill-chain durations per engagement: detect → track → assign → launch → intercept."""
    if engagements.empty:
        return engagements
    e = engagements.copy()
    e["detect_to_track_s"] = e["track_confirmed_s"] - e["first_detection_s"]
    e["track_to_assign_s"] = e["assign_s"] - e["track_confirmed_s"]
    e["reaction_s"] = e["launch_s"] - e["assign_s"]
    e["flight_s"] = e["intercept_s"] - e["launch_s"]
    return e


def wasted_interceptors(events: pd.DataFrame) -> int:
    """Missiles that flew at a threat already destroyed: their ``miss`` events say
    :data:`WASTED_DETAIL`."""
    miss = events[events["event"] == "miss"]
    return int(miss["detail"].astype(str).str.startswith(WASTED_DETAIL).sum())


def summary(units: list[FireUnit], events: pd.DataFrame, fates: pd.DataFrame,
            config: EngagementConfig, provenance: dict, run_options: list[str],
            world: World) -> dict:
    """Per threat fate, per fire unit missiles fired by type, kills and achieved Pk; leakers;
    every assumption of the run (its own, then the World's: ``provenance['assumptions']``)."""
    per_unit = {}
    for u in units:
        mine = events[events["unit_id"] == u.id]
        launched = mine[mine["event"] == "launch"]
        bursts = mine[mine["event"] == "gun_burst"]
        kills = mine[mine["event"] == "kill"]
        per_unit[u.id] = {
            "missiles_fired": launched.groupby("missile_type").size().to_dict(),
            "gun_bursts": int(len(bursts)),
            "kills": int(len(kills)),
            "pk_achieved": (float(len(kills) / (len(launched) + len(bursts)))
                            if len(launched) + len(bursts) else None),
            "rounds_left": dict(u.rounds),
            "spare_rounds_left": {m: u.spare(m) for m in u.missiles},
            "gun_rounds_left": None if u.gun is None else u.gun.rounds,
            "reaction_time_s": u.reaction_time_s, "fire_channels": u.target_channels,
            "guidance_channels": u.missile_channels,
            "autonomous_from_s": (None if not np.isfinite(u.command_post_lost_s)
                                  else u.command_post_lost_s),
            "emcon": [{"radar": r.id, "off_s": float(off),
                       "on_s": float(on) if np.isfinite(on) else None}
                      for r in world.radars if r.battalion_id == u.id
                      for off, on in r.off_windows_s if off != r.destroyed_s],
            "radars_destroyed": {r: float(t) for r, t in zip(
                mine.loc[mine["event"] == "radar_destroyed", "object_id"],
                mine.loc[mine["event"] == "radar_destroyed", "time_s"], strict=True)},
        }
    counts = fates["fate"].value_counts().to_dict()
    reload = ("Launchers reload only where the scenario gives spare_rounds and reload_time_s "
              "(an emptied launcher is refilled to its load that long after its last launch); "
              "elsewhere launchers do not reload."
              if any(s for u in units for s in u.spares) else
              "Launchers do not reload (the scenario gives no spare rounds and reload times).")
    silent = (any(len(r.off_windows_s) for r in world.radars)
              or bool((events["event"] == "radar_destroyed").any()))
    return {
        "threats": int(len(fates)), "killed": int(counts.get("killed", 0)),
        "leaked": int(counts.get("leaked", 0)), "survived": int(counts.get("survived", 0)),
        "missiles_fired": int((events["event"] == "launch").sum()),
        "wasted_interceptors": wasted_interceptors(events),
        "gun_bursts": int((events["event"] == "gun_burst").sum()),
        "fire_units": per_unit,
        "arms": arm_shots(events, fates),
        "defended_assets": list(world.asset_ids),
        "leakers": fates[fates["fate"] == "leaked"][["object_id", "type", "time_s", "asset_id",
                                                     "furthest_link"]].to_dict("records"),
        "assumptions": [
            *run_options,
            "Closed loop: the radars scan and the trackers run one report interval at a time "
            f"({config.air_picture.report_interval_s:g} s); a destroyed threat is detected no "
            "more after its kill (its tracks coast and drop), an off or destroyed radar detects "
            "nothing.",
            "Kill assessment from the sensors: after an intercept or a gun burst the command "
            "posts judge the target destroyed when it has not been detected for the "
            "kill-assessment delay (model figure), and withdraw the judgement if it is detected "
            "again; until then a dead target may be engaged again (a wasted interceptor, "
            "counted). They know when a threat's flight has ended. A committed missile or gun "
            "burst whose target is judged destroyed, or whose flight has ended, by its launch "
            "time is not fired (hold_fire, the round stays aboard); a missile in flight when "
            "its target is destroyed ends as a miss.",
            f"Link latency {config.link_latency_s:g} s between the fused picture and the command "
            "posts (ASSUMED).",
            "Each launcher fires again only after the min_launch_interval_s of its type "
            "(library); a salvo takes each missile from the launcher that can fire it earliest "
            "(ties: most rounds aboard, then the first launcher).",
            reload,
            "An engagement holds a target channel of the engagement radar until its last missile "
            "releases its guidance channel; a missile holds a missile-guidance channel from the "
            "decision to fire until its active seeker acquires, or to the end of its flight for "
            "command and semi-active (track-via-missile) guidance.",
            "A fire unit opens at most Doctrine.engagement_cap engagements at one threat "
            f"({config.doctrine.engagement_cap or 'no cap'}; shoot-look-shoot default: "
            "salvo_size looks).",
            "A battalion that loses its command post fights on its own radars' tracks only "
            "(no link latency, own threat evaluation, no cooperative engagement, no knowledge "
            "of the other units' engagements).",
            "Guns: one burst at a time per battalion from the pooled ammunition of its combat "
            "vehicles, only at a target one of its own radars tracks; burst Pk from Poisson hits "
            "on the target's presented area (listed with the model figures).",
            "Threats do not evade; false tracks are not engaged.",
            *([EMCON_DOCTRINE] if silent else []),
            *provenance["assumptions"],
        ],
        "provenance": {k: v for k, v in provenance.items() if k != "assumptions"},
    }


def arm_shots(events: pd.DataFrame, fates: pd.DataFrame) -> list[dict]:
    """One dict per anti-radiation missile launched: its id and type, the carrier, the radar
    aimed at, launch and impact times, miss distance and what the impact did (the impact
    event's detail; ``None`` until it arrives)."""
    kind = events["event"]
    launched = events[kind == "arm_launch"]
    impacts = events[kind == "arm_impact"].set_index("missile_id")
    carrier = dict(zip(fates["truth_id"], fates["object_id"], strict=True))
    downed = dict(zip(events.loc[kind == "kill", "object_id"],
                      events.loc[kind == "kill", "time_s"], strict=True))
    out = []
    for row in launched.itertuples():
        hit = impacts.loc[row.missile_id] if row.missile_id in impacts.index else None
        if hit is None and row.missile_id in downed:
            out.append({"missile_id": row.missile_id, "missile_type": row.missile_type,
                        "carrier": carrier.get(row.truth_id, ""), "radar": row.object_id,
                        "launch_s": float(row.time_s), "impact_s": None, "miss_m": None,
                        "outcome": f"shot down at {downed[row.missile_id]:.1f} s"})
            continue
        out.append({
            "missile_id": row.missile_id, "missile_type": row.missile_type,
            "carrier": carrier.get(row.truth_id, ""), "radar": row.object_id,
            "launch_s": float(row.time_s),
            "impact_s": None if hit is None else float(hit["time_s"]),
            "miss_m": None if hit is None else float(hit["miss_m"]),
            "outcome": None if hit is None else str(hit["detail"])})
    return out


#: What emission control and radar losses do to an engagement (listed in a run's assumptions
#: when a radar of a fire unit is switched off or lost).
EMCON_DOCTRINE = (
    "Emission control: a radar that is off (or destroyed) detects nothing and guides nothing. "
    "Command-guided and semi-active (track-via-missile) missiles are assigned and launched only "
    "while one of their battalion's radars that can guide them emits; one in flight when the "
    "last of them goes off loses guidance and ends then as a miss (no intercept, no kill). "
    "Active-seeker missiles may be launched on the command post's fused track of the other "
    "radars while their own battalion's radars are off (cooperative engagement) and fly out on "
    "the network's midcourse updates. Decisions see the emission state now, not the schedule "
    "ahead.")
