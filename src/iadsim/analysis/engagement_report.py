"""Plain-language summary of an engagement run (Markdown); reads results only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iadsim.version import __version__


def engagement_summary_md(name: str, summary: dict, fates: pd.DataFrame,
                          engagements: pd.DataFrame) -> str:
    """Fates per threat, missiles and kills per fire unit, leakers, kill-chain latencies."""
    prov = summary.get("provenance", {})
    lines = [
        f"# {name}: engagement outcome",
        "",
        f"iadsim {__version__}, seed {prov.get('seed')}, figure set {prov.get('figure_set')}. "
        "A simulation from public, cited figures and the assumptions listed below; not a "
        "prediction of a real engagement.",
        "",
        f"**{summary['threats']} threats: {summary['killed']} destroyed, {summary['leaked']} "
        f"reached a defended asset, {summary['survived']} survived elsewhere; "
        f"{summary['missiles_fired']} missiles fired ({summary['wasted_interceptors']} of them at "
        f"threats already destroyed), {summary.get('gun_bursts', 0)} gun bursts.**",
        "",
        "## Fire units",
        "",
        "Pk achieved = kills / (missiles + gun bursts). Channels: targets engaged at once / "
        "missiles guided at once by the engagement radar(s). Autonomous: the unit fought alone "
        "after losing its command post.",
        "",
        "| fire unit | missiles fired | gun bursts | kills | Pk achieved | rounds left | "
        "reaction time | channels | autonomous from |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for unit, u in summary["fire_units"].items():
        fired = ", ".join(f"{n} × {m}" for m, n in u["missiles_fired"].items()) or "none"
        pk = "-" if u["pk_achieved"] is None else f"{u['pk_achieved']:.2f}"
        left = ", ".join(f"{n} × {m}" for m, n in u["rounds_left"].items())
        if u.get("gun_rounds_left") is not None:
            left += f", {u['gun_rounds_left']} gun rounds"
        guided = u.get("guidance_channels")
        autonomous = u.get("autonomous_from_s")
        lines.append(f"| {unit} | {fired} | {u.get('gun_bursts', 0)} | {u['kills']} | {pk} | "
                     f"{left} | {u['reaction_time_s']:g} s | {u['fire_channels']} / "
                     f"{'unlimited' if guided is None else guided} | "
                     f"{'-' if autonomous is None else f'{autonomous:,.0f} s'} |")
    lines += ["", "## Threats", "",
              "Furthest link: how far the kill chain got against the threat (detected, tracked, "
              "assigned, engaged).", "",
              "| threat | type | fate | time | missiles fired at it | furthest link |",
              "|---|---|---|---|---|---|"]
    for f in fates.itertuples():
        where = f" ({f.asset_id})" if f.asset_id else ""
        lines.append(f"| {f.object_id} | {f.type} | {f.fate}{where} | {f.time_s:,.0f} s | "
                     f"{f.missiles_fired} | {f.furthest_link} |")
    if summary["leakers"]:
        broke = pd.Series([x["furthest_link"] for x in summary["leakers"]]).value_counts()
        lines += ["", "## Leakers", "",
                  "Where the kill chain broke: " + "; ".join(f"{label}: {n}"
                                                             for label, n in broke.items()) + ".",
                  ""] + [
            f"- {x['object_id']} ({x['type']}) reached {x['asset_id']} at {x['time_s']:,.0f} s "
            f"({x['furthest_link']})"
            for x in summary["leakers"]]
    lost = {r: t for u in summary["fire_units"].values()
            for r, t in u.get("radars_destroyed", {}).items()}
    if summary.get("arms") or lost:
        lines += ["", "## Radars lost and anti-radiation missiles", ""]
        lines += [f"- {r} destroyed at {t:,.1f} s" for r, t in sorted(lost.items(),
                                                                     key=lambda x: x[1])]
        if summary.get("arms"):
            lines += ["", "| ARM | carrier | radar | launch | impact | miss | outcome |",
                      "|---|---|---|---|---|---|---|"]
            for a in summary["arms"]:
                impact = "-" if a["impact_s"] is None else f"{a['impact_s']:,.1f} s"
                miss = "-" if a["miss_m"] is None else f"{a['miss_m']:.1f} m"
                lines.append(f"| {a['missile_id']} ({a['missile_type']}) | {a['carrier']} | "
                             f"{a['radar']} | {a['launch_s']:,.1f} s | {impact} | {miss} | "
                             f"{a['outcome'] or 'in flight at the end of the run'} |")
    lines += ["", "## Kill chain", ""]
    if len(engagements):
        med = {c: float(np.nanmedian(engagements[c])) for c in
               ("detect_to_track_s", "track_to_assign_s", "reaction_s", "flight_s")}
        slowest = max(med, key=med.get)
        lines += [
            "Median time spent in each link over all engagements: "
            f"detection → confirmed track {med['detect_to_track_s']:.0f} s, track → assignment "
            f"{med['track_to_assign_s']:.0f} s, reaction (assignment → launch) "
            f"{med['reaction_s']:.0f} s, missile flight {med['flight_s']:.0f} s. The longest "
            f"link is **{slowest.replace('_s', '').replace('_', ' ')}**.",
            "",
        ]
    else:
        lines.append("No engagement took place.")
    lines += ["", "## Assumptions this rests on", ""] + [f"- {a}" for a in summary["assumptions"]]
    lines += ["", "## Sources", ""] + [f"- {s.get('title', '')} — <{s.get('url', '')}>"
                                       for s in prov.get("sources", [])]
    return "\n".join(lines) + "\n"
