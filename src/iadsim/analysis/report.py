"""Plain-language coverage summary (Markdown) from coverage Datasets; quotable by a journalist.

Reads results only: coverage Datasets per figure set and target, the published-vs-seen rows, and
the resolved deployment for names. Every summary ends with the assumptions and sources it rests on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from iadsim.version import __version__
from iadsim.analysis.coverage import cell_area_m2
from iadsim.analysis.envelopes import ReachRow
from iadsim.scenario.build import Deployment


@dataclass(frozen=True)
class TargetSpec:
    """A target class for coverage: label shown to users, equipment id, mean RCS (dBsm), and
    whether that RCS is a user override of the equipment's ``rcs_dbsm`` figure."""

    label: str
    threat_id: str | None
    rcs_dbsm: float
    rcs_overridden: bool = False


def covered_area_km2(ds: xr.Dataset, variable: str = "pd_any", level: float = 0.5) -> np.ndarray:
    """Area (km²) per altitude where ``variable ≥ level``, shape ``(n_altitude,)``."""
    area = cell_area_m2(ds.lat.values, ds.lon.values)
    return np.array([(area * (ds[variable].values[i] >= level)).sum() / 1e6
                     for i in range(ds.sizes["altitude"])])


def point_status(ds: xr.Dataset, lat_deg: float, lon_deg: float) -> dict:
    """Detection and engagement status of the grid cell nearest a point, per altitude.

    Returns ``{'inside_grid': bool, 'pd': [...], 'engageable': {missile: [bool...]},
    'in_reach': {missile: [bool...]}}``.
    """
    inside = bool(ds.lat.min() <= lat_deg <= ds.lat.max() and ds.lon.min() <= lon_deg <= ds.lon.max())
    cell = ds.sel(lat=lat_deg, lon=lon_deg, method="nearest")
    out = {"inside_grid": inside, "pd": [float(v) for v in cell["pd_any"].values],
           "engageable": {}, "in_reach": {}}
    for name in ds.data_vars:
        if name.startswith("engageable_"):
            out["engageable"][name[len("engageable_"):]] = [bool(v) for v in cell[name].values]
        elif name.startswith("in_missile_reach_"):
            out["in_reach"][name[len("in_missile_reach_"):]] = [bool(v) for v in cell[name].values]
    return out


def _alts_where(flags: Sequence[bool], alts: Sequence[float]) -> str:
    hit = [f"{a:,.0f} m" for a, f in zip(alts, flags, strict=True) if f]
    return ", ".join(hit) if hit else "none of the altitudes studied"


def _key_findings(reach_rows: Sequence[ReachRow], targets: Sequence[TargetSpec],
                  results: Mapping[str, Mapping[str, xr.Dataset]], alts: Sequence[float]) -> list[str]:
    """Quotable one-liners: published ring vs engageable reach, detection area low vs high."""
    lines = []
    groups: dict[tuple[str, str], list[ReachRow]] = {}
    for r in reach_rows:
        groups.setdefault((r.missile_id, r.battalion_id), []).append(r)
    for (missile, bn), rows in groups.items():
        rows = sorted(rows, key=lambda r: r.altitude_m)
        parts = [f"at {r.altitude_m:,.0f} m above ground out to about "
                 f"{r.terrain_reach_median_m / 1000:,.0f} km ({100 * r.engageable_fraction:.0f} % "
                 f"of the {r.reach_basis} ring)" for r in rows]
        lines.append(f"- **{missile}** of {bn}, quoted at {rows[0].quoted_max_range_m / 1000:,.0f} "
                     f"km: against a target like the {targets[0].label} "
                     f"({targets[0].rcs_dbsm:+.0f} dBsm) its battalion can engage "
                     + "; ".join(parts) + " (nominal figures, median over bearings).")
    nominal = results.get("nominal") or next(iter(results.values()))
    for t in targets:
        area = covered_area_km2(nominal[t.label])
        if len(alts) > 1 and area[-1] > 0:
            lines.append(
                f"- The radars detect a target like the {t.label} ({t.rcs_dbsm:+.0f} dBsm) over "
                f"{area[0]:,.0f} km² at {alts[0]:,.0f} m but {area[-1]:,.0f} km² at "
                f"{alts[-1]:,.0f} m: low flight shrinks the covered area "
                f"{area[-1] / max(area[0], 1.0):,.0f}-fold (Pd ≥ 0.5 per scan, nominal).")
    if {"low", "high"} <= set(results):
        t = targets[0]
        lo, hi = covered_area_km2(results["low"][t.label]), covered_area_km2(results["high"][t.label])
        lines.append(
            f"- Disputed public figures matter: at {alts[0]:,.0f} m the area covered against the "
            f"{t.label} ranges from {lo[0]:,.0f} km² (low end of every figure) to {hi[0]:,.0f} km² "
            "(high end).")
    return lines


def _reach_section(reach_rows: Sequence[ReachRow], target: TargetSpec) -> list[str]:
    if not reach_rows:
        return ["Computed for altitudes above ground (AGL) only: rerun with AGL altitudes."]
    kinematic = any(r.reach_basis == "kinematic" for r in reach_rows)
    lines = [
        "A missile's quoted maximum range is a kinematic limit. To engage, a radar that can guide "
        "it must see the target: near the ground the Earth's curvature and the terrain hide "
        f"low-flying targets long before the quoted range. Nominal figures; target: {target.label}.",
        "",
        "| battalion | missile | quoted max range | target altitude | "
        + ("ring used (outer edge) | " if kinematic else "") + "reach over a smooth Earth "
        "(radar horizon, detection range) | reach over terrain (median / max over bearings) | "
        f"share of the {'ring used' if kinematic else 'published ring'} actually engageable |",
        "|---|---|---|---|---|---|---|" + ("---|" if kinematic else ""),
    ]
    for r in reach_rows:
        used = f"{r.reach_basis} {_km(r.reach_max_range_m)} | " if kinematic else ""
        lines.append(
            f"| {r.battalion_id} | {r.missile_id} | {r.quoted_max_range_m / 1000:,.0f} km | "
            f"{r.altitude_m:,.0f} m | {used}{r.horizon_reach_m / 1000:,.0f} km | "
            f"{r.terrain_reach_median_m / 1000:,.0f} / {r.terrain_reach_max_m / 1000:,.0f} km | "
            f"{100 * r.engageable_fraction:.0f} % |")
    return lines


def _km(range_m: float) -> str:
    return f"{range_m / 1000:,.0f} km" if np.isfinite(range_m) else "no intercept"


def _kinematic_section(ds: xr.Dataset) -> list[str]:
    """Published maximum range beside the kinematic reach, per missile site and altitude.

    Empty unless ``ds`` was computed with ``reach='kinematic'``.
    """
    if "missile_reach_rings" not in ds.attrs:
        return []
    ref = ds.altitude.attrs.get("reference", "AGL")
    lines = [
        "", "## Kinematic reach beside the published ring", "",
        "The missile reach on the maps and in the tables is the kinematic reach from the "
        "calibrated 3-DOF flyout: the nearest and farthest ground distance from the launcher at "
        "which a fuzed intercept of a non-manoeuvring target flying straight at it at "
        f"{ds.attrs['reach_target_speed_m_s']:g} m/s occurs (where missile and target meet, not "
        "where the target is at launch). Missile types without a calibrated flyout model keep "
        "the published ring. Kinematics only: whether a radar sees the target there is in the "
        "next section.",
        "",
        "| battalion | missile | published max range | target altitude | ring used | "
        "kinematic intercept range (nearest – farthest) |",
        "|---|---|---|---|---|---|",
    ]
    done = set()
    for r in json.loads(ds.attrs["missile_reach_rings"]):
        key = (r["battalion_id"], r["missile_id"], r["altitude_m"])
        if key in done:  # one row per battalion even if several launcher types carry the missile
            continue
        done.add(key)
        if r["basis"] != "kinematic":
            reach = "no calibrated flyout model"
        elif np.isfinite(r["max_range_m"]):
            reach = f"{r['min_range_m'] / 1000:,.1f} – {r['max_range_m'] / 1000:,.0f} km"
        else:
            reach = "no intercept at this altitude"
        lines.append(f"| {r['battalion_id']} | {r['missile_id']} | "
                     f"{r['published_max_range_m'] / 1000:,.0f} km | {r['altitude_m']:,.0f} m {ref} "
                     f"| {r['basis']} | {reach} |")
    return lines


def coverage_summary_md(deployment: Deployment,
                        results: Mapping[str, Mapping[str, xr.Dataset]],
                        targets: Sequence[TargetSpec],
                        reach_rows: Sequence[ReachRow],
                        reference_points: Sequence[tuple[str, float, float]],
                        outputs: Sequence[str] = ()) -> str:
    """Markdown summary. ``results[figure_set][target.label]`` are coverage Datasets."""
    nominal = results.get("nominal") or next(iter(results.values()))
    first = next(iter(nominal.values()))
    alts = [float(a) for a in first.altitude.values]
    ref = first.altitude.attrs.get("reference", "AGL")
    lines = [
        f"# {deployment.name}: what the radars and missiles reach",
        "",
        f"iadsim {__version__}. Figure sets computed: {', '.join(results)}. Target altitudes are "
        f"metres **{'above ground' if ref == 'AGL' else 'above mean sea level'}** ({ref}). "
        f"Terrain: {deployment.dem.source}. Refraction: "
        f"effective Earth radius factor k = {deployment.k_factor:.4g}. Grid resolution "
        f"{first.attrs['resolution_m'] / 1000:.3g} km.",
        "",
        "This is a simulation from public, cited figures. It is not a measurement of any real "
        "radar, and its numbers are only as good as the sources and assumptions listed at the end.",
        "",
        "## The deployment",
        "",
        "| battalion | radars | missiles (rounds) |",
        "|---|---|---|",
    ]
    bns = sorted({r.battalion_id for r in deployment.radars} |
                 {m.battalion_id for m in deployment.missiles})
    for bn in bns:
        radars = ", ".join(r.type_id for r in deployment.radars if r.battalion_id == bn)
        missiles = ", ".join(f"{m.missile_id} ({m.rounds})" for m in deployment.missiles
                             if m.battalion_id == bn)
        lines.append(f"| {bn} | {radars or '-'} | {missiles or '-'} |")

    lines += ["", "## Key findings", ""] + _key_findings(reach_rows, targets, results, alts)
    kinematic = "missile_reach_rings" in first.attrs
    lines += _kinematic_section(first)
    lines += ["", f"## The {'missile reach' if kinematic else 'published range ring'} beside what "
              "the radars can see", ""]
    lines += _reach_section(reach_rows, targets[0])
    lines += ["", "## Area covered", "",
              "Area where at least one radar detects the target with the given probability per "
              "scan. 'Certain' uses the low end of every disputed figure, 'possible' the high end.",
              "", "| target | altitude | " + " | ".join(
                  f"Pd ≥ 0.5 ({fs})" for fs in results) + " | Pd ≥ 0.9 (nominal) |",
              "|---|---|" + "---|" * (len(results) + 1)]
    for t in targets:
        per_fs = {fs: covered_area_km2(results[fs][t.label]) for fs in results}
        a90 = covered_area_km2(nominal[t.label], level=0.9)
        for i, alt in enumerate(alts):
            cells = " | ".join(f"{per_fs[fs][i]:,.0f} km²" for fs in results)
            lines.append(f"| {t.label} ({t.rcs_dbsm:+.0f} dBsm) | {alt:,.0f} m | {cells} | "
                         f"{a90[i]:,.0f} km² |")

    ring_word = "reach (kinematic where modelled)" if kinematic else "published range"
    lines += ["", "## Reference points", ""]
    for name, lat, lon in reference_points:
        lines.append(f"**{name}** ({lat:.3f}° N, {lon:.3f}° E)")
        for t in targets:
            st = point_status(nominal[t.label], lat, lon)
            if not st["inside_grid"]:
                lines.append(f"- {t.label}: outside the computed area (beyond every radar's "
                             "instrumented range).")
                continue
            detected = _alts_where([p >= 0.5 for p in st["pd"]], alts)
            lines.append(f"- {t.label}: detected (Pd ≥ 0.5, nominal) at {detected}.")
            reach = [m for m, f in st["in_reach"].items() if any(f)]
            engage = {m: _alts_where(f, alts) for m, f in st["engageable"].items() if any(f)}
            if engage:
                lines.append("  Engageable: " + "; ".join(f"{m} at {a}" for m, a in engage.items())
                             + ".")
            elif reach:
                lines.append(f"  Inside the {ring_word} of {', '.join(reach)}, but no "
                             "guiding radar sees the target there: not engageable.")
            else:
                lines.append(f"  Outside every missile's {ring_word}.")
        lines.append("")

    if outputs:
        lines += ["## Files", ""] + [f"- `{o}`" for o in outputs] + [""]
    lines += ["## Assumptions this rests on", ""]
    lines += [f"- {a}" for a in deployment.assumptions]
    lines += ["", "## Sources", ""]
    for c in deployment.citations:
        lines.append(f"- {c.get('title', '')} — <{c.get('url', '')}>")
    return "\n".join(lines) + "\n"


def provenance(deployment: Deployment) -> dict:
    """Metadata every output file records: version, figure set, sources, assumptions."""
    return {"iadsim_version": __version__, "figure_set": deployment.figure_set,
            "sources": deployment.citations, "assumptions": deployment.assumptions,
            "terrain": deployment.dem.source}

