"""Decisions of a command post: what the picture shows, and which (fire unit, threat) pairs are
feasible -- the inputs of threat evaluation (:mod:`iadsim.c2.threat`) and weapon assignment
(:mod:`iadsim.c2.assignment`).

:func:`feasibility` decides per fire unit and threat which missile it would fire and the
planning Pk, and for a threat no unit can engage, how close the best unit came
(:data:`NOT_ENGAGED`).
"""

from __future__ import annotations

import numpy as np

from iadsim.engine.fire_unit import FireUnit
from iadsim.engine.sensing import Reports
from iadsim.engine.world import MissileType
from iadsim.weapons.flyout import altitude_m, ground_range_m

__all__ = ["NOT_ENGAGED", "feasibility", "intercept_time_s"]

#: Why a tracked threat was not engaged at a decision, best case over the fire units (later
#: entries are closer to a shot); a threat tracked but never assigned carries the closest it
#: came over all the decisions that considered it.
NOT_ENGAGED = ("no rounds aboard", "out of missile reach", "no engagement-radar track",
               "no free fire channel or doctrine (salvo, minimum Pk, engagement cap)",
               "no launch solution (the flyout found no loft that intercepts)")
OUT_OF_REACH, NO_TRACK, FEASIBLE, NO_SOLUTION = 1, 2, 3, 4     # indices in NOT_ENGAGED


def intercept_time_s(pos_m: np.ndarray, vel_m_s: np.ndarray, speed_m_s: float) -> np.ndarray:
    """Time for a missile flying straight from the origin at ``speed_m_s`` to meet targets at
    ``pos_m (n, 3)`` moving at constant ``vel_m_s (n, 3)``: the least τ >= 0 with
    ``|pos + vel τ| = speed τ`` (the intercept triangle), ``inf`` where there is none.

    Squaring gives ``(|v|² - s²) τ² + 2 (p·v) τ + |p|² = 0``; a target slower than the missile
    always has one positive root.

    Examples
    --------
    >>> float(intercept_time_s(np.array([[3000.0, 0, 0]]), np.array([[-1000.0, 0, 0]]),
    ...                        2000.0)[0])
    1.0
    """
    a = np.einsum("ij,ij->i", vel_m_s, vel_m_s) - speed_m_s ** 2
    b = 2.0 * np.einsum("ij,ij->i", pos_m, vel_m_s)
    c = np.einsum("ij,ij->i", pos_m, pos_m)
    disc = b * b - 4.0 * a * c
    root = np.sqrt(np.maximum(disc, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = np.stack([(-b - root) / (2.0 * a), (-b + root) / (2.0 * a)])
        linear = np.stack([-c / b, np.full(c.shape, np.inf)])     # |v| = s: one root
    roots = np.where(a == 0.0, linear, roots)
    roots = np.where((roots >= 0.0) & (disc >= 0.0), roots, np.inf)
    return np.min(roots, axis=0)


def feasibility(units: list[FireUnit], missiles: dict[str, MissileType],
                frames: list[tuple[np.ndarray, np.ndarray]], truth: np.ndarray,
                held: Reports, planning_pk: float, *, t: float
                ) -> tuple[list[list[str | None]], np.ndarray, np.ndarray]:
    """Per (unit, threat): the missile to use (shortest-ranged feasible, saving long-range rounds)
    and the planning Pk (``planning_pk`` if feasible, else 0).

    Feasible: a real target (not a false track); rounds aboard; the predicted intercept point
    (target extrapolated at constant velocity over reaction time + time of flight at the
    missile's planning speed, :attr:`MissileType.planning_speed_m_s`: :func:`intercept_time_s`;
    none when the target outruns it), expressed in the
    launcher's ENU frame (great-circle ground range, height above the launcher's level on the
    sphere, as the flyout measures them), lies inside the published range and altitude limits;
    and guidance is possible -- an active-seeker missile needs only the track it is given
    (cooperative engagement on the fused picture), a command-guided or semi-active one a
    confirmed track of the same target held by one of the battalion's engagement radars
    (``held``: the radars' reports of the last two report periods), and one of those radars
    emitting at the decision time ``t`` (emission control; a silent radar's coasting tracks do
    not count).

    ``frames``: per unit, the threats' positions (m) and velocities (m/s) in its launcher's
    ENU frame; ``truth``: their truth ids (-1: false track).

    Returns the missile choice per (unit, threat), the planning Pk (0: not feasible) and per
    threat how close the best unit came to a shot, an index in :data:`NOT_ENGAGED`.
    """
    choice: list[list[str | None]] = []
    pk = np.zeros((len(units), truth.size))
    closest = np.zeros(truth.size, dtype=int)
    for iu, (u, (rel, vel_u)) in enumerate(zip(units, frames, strict=True)):
        row: list[str | None] = [None] * truth.size
        aboard = u.rounds
        for m_id, m in sorted(u.missiles.items(), key=lambda kv: kv[1].max_range_m):
            if aboard[m_id] <= 0:
                continue
            tof = intercept_time_s(rel + vel_u * u.reaction_time_s, vel_u,
                                   missiles[m_id].planning_speed_m_s)
            aim = rel + vel_u * (u.reaction_time_s + np.where(np.isfinite(tof), tof, 0.0))[:, None]
            ground = ground_range_m(aim)
            height = altitude_m(aim)
            ok = ((truth >= 0) & np.isfinite(tof) & (ground >= m.min_range_m)
                  & (ground <= m.max_range_m)
                  & (height >= m.min_altitude_m) & (height <= m.max_altitude_m))
            closest = np.maximum(closest, np.where(ok, NO_TRACK, OUT_OF_REACH))
            if missiles[m_id].seeker.needs_ground_radar:
                ok &= np.isin(truth, held.truth_held(m.guided_by)) & u.emitting(m.guided_by, t)
            closest = np.maximum(closest, np.where(ok, FEASIBLE, 0))
            for k in np.flatnonzero(ok):
                if row[k] is None:
                    row[k] = m_id
                    pk[iu, k] = planning_pk
        choice.append(row)
    return choice, pk, closest
