"""Missile reach rings of a coverage run: the published range ring or the kinematic reach.

``published`` (the default): every missile site reaches from its published minimum to its
published maximum range, at any altitude. ``kinematic``: a missile type with a calibrated flyout
model (:func:`iadsim.weapons.calibration.aero_ids`) reaches, per target altitude, from the
nearest to the farthest ground distance of a fuzed intercept of a non-manoeuvring target
approaching at a reference speed (:func:`iadsim.analysis.kinematic_envelope.kinematic_reach`);
types without a model keep their published ring, and the assumptions say so. The published
altitude limits apply in both cases (the minimum is a fuze / clutter limit, not kinematics).

The flyout flies over a smooth sphere without terrain: the target height used for the kinematic
ring is its height above the launcher's ground (AGL altitudes: the altitude itself; MSL
altitudes: minus the launcher's ground height).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from iadsim.analysis.kinematic_envelope import (
    ENVELOPE_CAVEAT,
    REFERENCE_TARGET_SPEED_M_S,
    check_target_speed,
    kinematic_reach,
)
from iadsim.errors import InputError
from iadsim.scenario.build import Deployment
from iadsim.weapons.calibration import aero_ids

__all__ = ["PUBLISHED_REACH_NOTE_START", "REACH_CHOICES", "Ring", "check_reach", "missile_rings",
           "with_reach_provenance"]

#: Allowed values of the ``reach`` option of a coverage run.
REACH_CHOICES = ("published", "kinematic")

#: Start of the build's assumption that missile reach is the published range only.
PUBLISHED_REACH_NOTE_START = "Missile reach uses published maximum/minimum range"


@dataclass(frozen=True)
class Ring:
    """Ground-range limits (m) of one missile site at one target altitude.

    ``max_range_m`` is NaN where a kinematic reach has no intercept at that altitude.
    ``basis`` is ``'published'`` or ``'kinematic'``.
    """

    min_range_m: float
    max_range_m: float
    basis: str


def check_reach(reach: str, target_speed_m_s: float) -> None:
    """Raise :class:`InputError` for an unknown ``reach`` or a non-positive reference speed."""
    if reach not in REACH_CHOICES:
        raise InputError(f"missile reach {reach!r}: allowed values are {', '.join(REACH_CHOICES)}")
    check_target_speed(target_speed_m_s)


def missile_rings(deployment: Deployment, altitudes_m: npt.ArrayLike, altitude_reference: str,
                  reach: str = "published",
                  target_speed_m_s: float = REFERENCE_TARGET_SPEED_M_S) -> list[list[Ring]]:
    """Reach ring of every ``deployment.missiles`` site (outer list) at every altitude (inner).
    A kinematic ring flies the flyout fitted to the site's maximum range and ceiling (its figure
    set's, overrides included; :func:`~iadsim.analysis.kinematic_envelope.kinematic_reach`).

    Kinematic flyouts are cached per (missile, heights, speed), so repeated calls (figure sets,
    targets, reports) cost nothing more.
    """
    check_reach(reach, target_speed_m_s)
    alts = np.asarray(altitudes_m, dtype=float)
    calibrated = set(aero_ids()) if reach == "kinematic" else set()
    rings = []
    for m in deployment.missiles:
        if m.missile_id not in calibrated:
            rings.append([Ring(m.min_range_m, m.max_range_m, "published")] * alts.size)
            continue
        heights = alts if altitude_reference == "agl" else alts - m.ground_msl_m
        kr = kinematic_reach(m.missile_id, tuple(float(h) for h in heights),
                             float(target_speed_m_s), m.max_range_m, m.max_altitude_m)
        rings.append([Ring(lo, hi, "kinematic") for lo, hi in
                      zip(kr.min_intercept_range_m, kr.max_intercept_range_m, strict=True)])
    return rings


def with_reach_provenance(deployment: Deployment, reach: str,
                          target_speed_m_s: float = REFERENCE_TARGET_SPEED_M_S) -> Deployment:
    """The deployment with the kinematic-reach assumptions (unchanged for ``published``).

    The build's statement that missile reach is the published range only
    (:data:`iadsim.scenario.build.MODEL_ASSUMPTIONS`, starting with
    :data:`PUBLISHED_REACH_NOTE_START`) is replaced by the kinematic one. Idempotent: lines
    already among the assumptions are not added again.
    """
    check_reach(reach, target_speed_m_s)
    if reach == "published":
        return deployment
    calibrated = set(aero_ids())
    notes = [
        f"Missile reach: kinematic reach from the 3-DOF flyout (calibrated to the published "
        "maximum range and ceiling, re-fitted where the figure set or an override gives others, "
        "as in an engagement run), non-manoeuvring "
        f"approaching target at {target_speed_m_s:g} m/s, straight and level at the map "
        "altitude taken as height above the launcher's ground (smooth spherical Earth, no terrain); "
        "the ring runs from the nearest to the farthest ground distance of a fuzed intercept "
        "(not the launch range). No reaction time, detection, Pk or ECM in it; published "
        "altitude limits still apply; 'engageable' additionally requires a radar of the same "
        "battalion that can guide the missile to see the target with the stated Pd. "
        + ENVELOPE_CAVEAT]
    notes += [f"{mid}: no calibrated flyout model; its published range ring is used for its reach."
              for mid in dict.fromkeys(m.missile_id for m in deployment.missiles)
              if mid not in calibrated]
    kept = [a for a in deployment.assumptions if not a.startswith(PUBLISHED_REACH_NOTE_START)]
    return replace(deployment, assumptions=kept + [n for n in notes if n not in kept])
