"""Radar detection model: range equation lumped into one loop gain, plus Swerling detection.

The single-pulse SNR of a monostatic radar in free space is ``SNR = C * sigma / R**4`` with
``sigma`` in m^2 and ``R`` in m, where the loop gain ``C`` lumps
``Pt G^2 lambda^2 tau / ((4 pi)^3 k T0 F L)``. Published figures rarely give the hardware
terms, but often give "detects a target of RCS X at range R"; :func:`derive_loop_gain`
inverts that figure for ``C`` under a stated Pd, Pfa, pulse count and Swerling case.

References
----------
.. [1] M. A. Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., McGraw-Hill, 2014,
   ch. 2 (radar range equation, SNR = Pt G^2 lambda^2 sigma tau / ((4 pi)^3 R^4 k T0 F L)).
.. [2] M. I. Skolnik, *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001, ch. 2
   (the radar equation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from iadsim.sensors import detection
from iadsim.units import C_M_S, K_BOLTZMANN, T0_K, db_to_linear, linear_to_db

__all__ = ["RadarModel", "derive_loop_gain", "loop_gain_from_hardware"]


@dataclass(frozen=True)
class RadarModel:
    """A search radar reduced to its loop gain and detection settings (SI units).

    Attributes
    ----------
    name : str
        Human-readable name (e.g. ``"91N6E"``).
    loop_gain_m4 : float
        ``C`` in ``SNR = C * rcs_m2 / range_m**4`` (single-pulse SNR, linear). Lumps
        ``Pt G^2 lambda^2 tau / ((4 pi)^3 k T0 F L)``. ``C * rcs_m2`` is in m^4 (it is the
        ``R**4`` at which the SNR is 1), so ``C`` itself carries m^2.
    pfa : float
        False-alarm probability per detection cell, in (0, 1).
    n_pulses : int
        Pulses integrated non-coherently per look, >= 1.
    swerling : int
        Swerling case of the target model, 0..4.
    instrumented_range_m : float
        Maximum range processed, m; Pd is 0 beyond it.
    min_elevation_rad, max_elevation_rad : float
        Elevation coverage, rad; Pd is 0 outside it.
    frequency_hz : float or None
        Carrier frequency, Hz (informational; propagation models may use it).
    """

    name: str
    loop_gain_m4: float
    pfa: float
    n_pulses: int
    swerling: int
    instrumented_range_m: float
    min_elevation_rad: float = -math.pi / 2
    max_elevation_rad: float = math.pi / 2
    frequency_hz: float | None = None

    def __post_init__(self) -> None:
        if not self.loop_gain_m4 > 0.0:
            raise ValueError(f"{self.name}: loop_gain_m4 must be > 0; got {self.loop_gain_m4!r}")
        if not 0.0 < self.pfa < 1.0:
            raise ValueError(f"{self.name}: pfa must lie in (0, 1); got {self.pfa!r}")
        if int(self.n_pulses) != self.n_pulses or self.n_pulses < 1:
            raise ValueError(
                f"{self.name}: n_pulses must be an integer >= 1; got {self.n_pulses!r}"
            )
        if self.swerling not in detection.SWERLING_CASES:
            raise ValueError(
                f"{self.name}: swerling must be one of {detection.SWERLING_CASES}; "
                f"got {self.swerling!r}"
            )
        if not self.instrumented_range_m > 0.0:
            raise ValueError(
                f"{self.name}: instrumented_range_m must be > 0; got {self.instrumented_range_m!r}"
            )
        if not self.min_elevation_rad < self.max_elevation_rad:
            raise ValueError(
                f"{self.name}: min_elevation_rad must be below max_elevation_rad; got "
                f"{self.min_elevation_rad!r} >= {self.max_elevation_rad!r}"
            )

    def snr_db(self, range_m: ArrayLike, rcs_m2: ArrayLike) -> np.ndarray:
        """Mean single-pulse SNR, dB, for targets at ``range_m`` (m, > 0) of ``rcs_m2`` (m^2).

        Broadcasts its arguments. Free space: no propagation or masking losses.
        """
        r = np.asarray(range_m, dtype=float)
        return linear_to_db(self.loop_gain_m4 * np.asarray(rcs_m2, dtype=float) / r**4)

    def pd(
        self, range_m: ArrayLike, rcs_m2: ArrayLike, elevation_rad: ArrayLike | None = None,
        jammer_to_noise: ArrayLike | None = None,
    ) -> np.ndarray:
        """Probability of detection per look; 0 outside instrumented range or elevation cover.

        Parameters
        ----------
        range_m : array_like
            Slant range, m (> 0).
        rcs_m2 : array_like
            Mean radar cross-section, m^2.
        elevation_rad : array_like, optional
            Target elevation seen from the radar, rad; ``None`` skips the elevation check.
        jammer_to_noise : array_like, optional
            Noise-jamming power over receiver noise, J/N (linear, summed over the jammers,
            :mod:`iadsim.sensors.ew`): detection then uses ``S / (N + J)``, the SNR divided by
            ``1 + J/N``. ``None``: no jamming.

        Returns
        -------
        numpy.ndarray
            Pd, broadcast shape of the arguments.
        """
        snr = self.snr_db(range_m, rcs_m2)
        if jammer_to_noise is not None:
            snr = snr - linear_to_db(1.0 + np.asarray(jammer_to_noise, dtype=float))
        p = detection.pd(snr, self.pfa, self.n_pulses, self.swerling)
        return np.where(self.covers(range_m, elevation_rad), p, 0.0)

    def covers(self, range_m: ArrayLike, elevation_rad: ArrayLike | None = None) -> np.ndarray:
        """Whether targets lie within the instrumented range and (if given) the elevation cover.

        Broadcasts its arguments; :meth:`pd` is 0 where this is False.
        """
        covered = np.asarray(range_m, dtype=float) <= self.instrumented_range_m
        if elevation_rad is not None:
            el = np.asarray(elevation_rad, dtype=float)
            covered = covered & (el >= self.min_elevation_rad) & (el <= self.max_elevation_rad)
        return covered

    def detection_range_m(self, rcs_m2: ArrayLike, pd: ArrayLike,
                          jammer_to_noise: ArrayLike = 0.0) -> np.ndarray:
        """Free-space range (m) at which Pd falls to ``pd``, capped at the instrumented range.

        ``R = (C sigma / (snr_req (1 + J/N))) ** (1/4)`` with ``snr_req`` from
        :func:`iadsim.sensors.detection.required_snr_db` and ``jammer_to_noise`` the J/N of
        jamming whose power does not depend on the target's range (stand-off, escort; 0: none;
        :func:`iadsim.sensors.ew.jammed_detection_range_m`). Broadcasts its arguments.
        """
        snr_req = db_to_linear(
            detection.required_snr_db(pd, self.pfa, self.n_pulses, self.swerling)
        ) * (1.0 + np.asarray(jammer_to_noise, dtype=float))
        r = (self.loop_gain_m4 * np.asarray(rcs_m2, dtype=float) / snr_req) ** 0.25
        return np.minimum(r, self.instrumented_range_m)


def derive_loop_gain(
    range_m: float, rcs_m2: float, pd: float, pfa: float, n_pulses: int, swerling: int
) -> float:
    """Loop gain ``C`` that makes a radar detect ``rcs_m2`` at ``range_m`` with probability ``pd``.

    Inverts ``SNR = C sigma / R^4`` at the SNR :func:`~iadsim.sensors.detection.required_snr_db`
    gives for (``pd``, ``pfa``, ``n_pulses``, ``swerling``). Use it on published figures such
    as "detects a 1 m^2 target at 150 km"; the Pd/Pfa behind such a figure is usually unstated
    and must be assumed (and recorded as an assumption with the equipment data).

    Parameters
    ----------
    range_m : float
        Published detection range, m.
    rcs_m2 : float
        RCS of the published target, m^2.
    pd, pfa : float
        Detection and false-alarm probabilities the figure is taken to mean.
    n_pulses : int
        Pulses integrated non-coherently, >= 1.
    swerling : int
        Swerling case, 0..4.

    Returns
    -------
    float
        Loop gain ``C`` (see :class:`RadarModel`).

    References
    ----------
    Richards (2014) ch. 2; Skolnik (2001) ch. 2 (range equation solved for the constant).
    """
    snr_req = 10.0 ** (detection.required_snr_db(pd, pfa, n_pulses, swerling) / 10.0)
    return float(snr_req * range_m**4 / rcs_m2)


def loop_gain_from_hardware(
    peak_power_w: float,
    gain_db: float,
    frequency_hz: float,
    pulse_width_s: float,
    noise_figure_db: float,
    losses_db: float,
) -> float:
    """Loop gain ``C = Pt G^2 lambda^2 tau / ((4 pi)^3 k T0 F L)`` from hardware parameters.

    Monostatic radar, same antenna on transmit and receive, matched filter
    (``B tau = 1``), noise referred to ``T0 = 290 K`` through the noise figure.

    Parameters
    ----------
    peak_power_w : float
        Peak transmit power, W.
    gain_db : float
        Antenna gain, dB (used twice).
    frequency_hz : float
        Carrier frequency, Hz.
    pulse_width_s : float
        (Compressed-pulse energy) pulse width, s.
    noise_figure_db : float
        Receiver noise figure, dB.
    losses_db : float
        Total system losses, dB.

    Returns
    -------
    float
        Loop gain ``C`` (see :class:`RadarModel`).

    References
    ----------
    Richards (2014) ch. 2 (energy form of the range equation); Skolnik (2001) ch. 2.
    """
    wavelength_m = C_M_S / frequency_hz
    numerator = peak_power_w * 10.0 ** (2.0 * gain_db / 10.0) * wavelength_m**2 * pulse_width_s
    denominator = (
        (4.0 * math.pi) ** 3 * K_BOLTZMANN * T0_K * 10.0 ** ((noise_figure_db + losses_db) / 10.0)
    )
    return numerator / denominator
