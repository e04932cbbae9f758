"""Kill assessment: probability of kill from miss distance, salvos and gun bursts.

Pure array kernels on plain floats in SI (numpy-broadcasting, float64), no state.

- :func:`carleton_pk` — single-warhead kill probability as a function of miss distance, the
  circular Carleton damage function.
- :func:`salvo_pk` — several independent shots at one target.
- :func:`gun_burst_pk` — a burst of gun rounds against an aircraft's presented area.

References
----------
Driels, M. R. (2013), *Weaponeering: Conventional Weapon System Effectiveness*, 2nd ed., AIAA
Education Series — the Carleton damage function, D(x, y) = exp[-π(x²/WRx² + y²/WRy²)], whose
integral over the plane is the mean area of effectiveness MAE = WRx·WRy.

Ball, R. E. (2003), *The Fundamentals of Aircraft Combat Survivability Analysis and Design*,
2nd ed., AIAA Education Series — probability of hit of a single round against the presented area
under a circular-normal dispersion, expected number of hits of a burst, and kill given hits with
the Poisson (many rounds, small single-round hit probability) approximation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

LN2 = math.log(2.0)
"""ln 2: the Carleton exponent at the lethal radius R50 (P_k(R50) = exp(-ln 2) = 0.5)."""


def carleton_pk(
    miss_distance_m: ArrayLike, lethal_radius_m: ArrayLike, hardness: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Kill probability of one warhead burst at a miss distance (circular Carleton damage function).

    .. math::

        P_k(r) = \\exp\\left(-\\ln 2 \\; \\frac{r^2}{R_{\\mathrm{eff}}^2}\\right)
               = 2^{-(r/R_{\\mathrm{eff}})^2}, \\qquad R_{\\mathrm{eff}} = R_{50} / h

    This is Driels' Carleton damage function D = exp(-π r²/WR²) for a circular pattern
    (WRx = WRy = WR), written with the **lethal radius R50, the miss distance at which P_k = 0.5**
    (the convention of this package): σ² = R50²/ln 2 in P_k = exp(-r²/σ²), equivalently
    WR = R50·√(π/ln 2) ≈ 2.129 R50 and lethal area MAE = WR² = π R50²/ln 2.

    **Hardness** h > 0 scales the lethal radius: R_eff = R50/h. h = 1 is the target the R50
    figure was quoted against; h = 2 is a target that must be twice as close for the same
    kill probability (a quarter of the lethal area); h < 1 a softer target.

    Parameters
    ----------
    miss_distance_m : array_like
        Closest-approach distance between warhead and target centre, m, ≥ 0.
    lethal_radius_m : array_like
        R50, the miss distance at which P_k = 0.5 against the reference target, m, > 0.
    hardness : array_like, default 1.0
        Target hardness relative to the reference target, > 0.

    Returns
    -------
    numpy.ndarray
        P_k in [0, 1], broadcast shape of the arguments.

    References
    ----------
    Driels (2013), *Weaponeering*, 2nd ed., the Carleton damage function (see module docstring).

    Examples
    --------
    >>> float(carleton_pk(0.0, 10.0)), float(carleton_pk(10.0, 10.0))
    (1.0, 0.5)
    >>> float(carleton_pk(10.0, 20.0, hardness=2.0))
    0.5
    """
    r = np.asarray(miss_distance_m, dtype=np.float64)
    r50 = np.asarray(lethal_radius_m, dtype=np.float64)
    h = np.asarray(hardness, dtype=np.float64)
    if np.any(r < 0.0):
        raise ValueError("miss_distance_m must be >= 0")
    if np.any(r50 <= 0.0):
        raise ValueError("lethal_radius_m must be > 0")
    if np.any(h <= 0.0):
        raise ValueError("hardness must be > 0")
    r_eff = r50 / h
    return np.exp(-LN2 * (r / r_eff) ** 2)


def salvo_pk(pks: ArrayLike | Sequence[float], axis: int = -1) -> NDArray[np.float64]:
    """Kill probability of a salvo of independent shots: 1 − Π(1 − p_k,i).

    Parameters
    ----------
    pks : array_like
        Single-shot kill probabilities in [0, 1]; the shots lie along ``axis``.
    axis : int, default -1
        Axis holding the shots of one salvo.

    Returns
    -------
    numpy.ndarray
        Salvo P_k, the shape of ``pks`` without ``axis`` (0-d for a 1-d input). An empty salvo
        has P_k = 0.

    Examples
    --------
    >>> float(salvo_pk([0.5, 0.5]))
    0.75
    """
    p = np.asarray(pks, dtype=np.float64)
    if np.any((p < 0.0) | (p > 1.0)) or np.any(np.isnan(p)):
        raise ValueError("each single-shot pk must be in [0, 1]")
    return 1.0 - np.prod(1.0 - p, axis=axis)


def gun_burst_pk(
    range_m: ArrayLike,
    rounds: ArrayLike,
    dispersion_mrad: ArrayLike,
    target_area_m2: ArrayLike,
    pk_per_hit: ArrayLike,
) -> NDArray[np.float64]:
    """Kill probability of a gun burst aimed at the target (Poisson hits).

    Each round lands in the plane normal to the line of fire with a circular-normal dispersion of
    standard deviation σ = range × dispersion (per axis), centred on the target (no aiming bias).
    The target's presented area A is taken as a disc of the same area centred on the aim point, so
    the single-round hit probability is the fraction of the dispersion covering it,

    .. math::

        p_h = 1 - \\exp\\left(-\\frac{A}{2\\pi\\sigma^2}\\right) \\;(\\to A/(2\\pi\\sigma^2)
        \\text{ for } A \\ll \\sigma^2),

    the number of hits of a burst of n rounds is Poisson with mean λ = n p_h, and each hit kills
    independently with probability P_k|h, so

    .. math::

        P_k = 1 - \\exp(-\\lambda P_{k|h}) = 1 - \\exp(-n\\, p_h\\, P_{k|h}).

    Parameters
    ----------
    range_m : array_like
        Slant range to the target at impact, m, > 0.
    rounds : array_like
        Rounds fired in the burst, ≥ 0 (non-integer values are accepted as expected counts).
    dispersion_mrad : array_like
        1-σ dispersion per axis (ballistic dispersion and aiming error combined), mrad, > 0.
    target_area_m2 : array_like
        Presented area of the target normal to the line of fire, m², ≥ 0.
    pk_per_hit : array_like
        Probability that one hit kills (P_k|h), in [0, 1].

    Returns
    -------
    numpy.ndarray
        Burst P_k in [0, 1]: 0 for no rounds, increasing with rounds, decreasing with range.

    References
    ----------
    Ball (2003), *The Fundamentals of Aircraft Combat Survivability*, 2nd ed. (see module
    docstring): single-shot P_h against the presented area, expected hits, Poisson P_k.

    Examples
    --------
    >>> float(gun_burst_pk(1000.0, 0, 2.0, 10.0, 0.3))
    0.0
    """
    r = np.asarray(range_m, dtype=np.float64)
    n = np.asarray(rounds, dtype=np.float64)
    disp = np.asarray(dispersion_mrad, dtype=np.float64)
    area = np.asarray(target_area_m2, dtype=np.float64)
    pkh = np.asarray(pk_per_hit, dtype=np.float64)
    if np.any(r <= 0.0):
        raise ValueError("range_m must be > 0")
    if np.any(n < 0.0):
        raise ValueError("rounds must be >= 0")
    if np.any(disp <= 0.0):
        raise ValueError("dispersion_mrad must be > 0")
    if np.any(area < 0.0):
        raise ValueError("target_area_m2 must be >= 0")
    if np.any((pkh < 0.0) | (pkh > 1.0)):
        raise ValueError("pk_per_hit must be in [0, 1]")
    sigma_m = r * disp * 1e-3
    p_hit = -np.expm1(-area / (2.0 * np.pi * sigma_m**2))
    return -np.expm1(-n * p_hit * pkh)
