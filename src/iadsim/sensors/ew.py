"""Noise jamming in the radar equation: received signal and jammer powers, jam-to-signal and
jam-to-noise ratios, cross-over and burn-through ranges, detection range under jamming.

Array kernels in SI and linear power ratios (decibels only at the edges, in names ending
``_db``); every function broadcasts its arguments. A radar sees a target echo of power

    S = Pt Gt Gr λ² σ / ((4π)³ R⁴ L)                                    [1], [2]

and a noise jammer at range Rj, radiating Pj with gain Gj toward the radar, of power

    J = Pj Gj Gr(θ) λ² / ((4π)² Rj² Lj) · F_band                      [1], [3]

where ``Gr(θ)`` is the radar's *receive* gain toward the jammer (its main lobe for a
self-screening jammer, usually a sidelobe for a stand-off one: :func:`antenna_gain`) and
``F_band`` the fraction of the jammer's power that falls in the radar's receiver band
(:func:`band_fraction`: ``min(1, Br/Bj)`` for bands with the same centre -- a jammer narrower
than the receiver does not gain). Jammers add in power: J is the sum over jammers. Detection
then uses the signal-to-interference ratio ``S / (N + J)`` with ``N = k T0 F Br`` the receiver
noise [2]: jamming multiplies the noise by ``1 + J/N``.

Two laws follow. A **self-screening** jammer rides on the target (Rj = R): J/S grows as R², so
the echo wins inside the *cross-over* range (J = S) and detection returns inside the
*burn-through* range where S/(N+J) reaches the required value. A **stand-off** jammer's J does
not depend on the target: the detection range shrinks by ``(1 + J/N)^(-1/4)``.

References
----------
.. [1] B. R. Mahafza, *Radar Systems Analysis and Design Using MATLAB*, 3rd ed., CRC Press,
   2013, ch. 2 (the radar range equation; self-screening jammers, eqs. 2.50-2.52, and stand-off
   jammers, eqs. 2.57-2.58, as the book's programs ssj_req.m and soj_req.m name them;
   cross-over and burn-through range).
.. [2] M. I. Skolnik, *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001, ch. 2 (the
   radar equation, receiver noise).
.. [3] Naval Air Warfare Center Weapons Division, *Electronic Warfare and Radar Systems
   Engineering Handbook*, NAWCWPNS TP 8347, 1999, section 4 (jamming-to-signal ratio, burn-through range).
.. [4] D. K. Barton, *Radar Equations for Modern Radar*, Artech House, 2013 (the Gaussian
   approximation of the main lobe).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from iadsim.geo.frames import geodesic_inverse
from iadsim.geo.los import radar_horizon_m, slant_geometry
from iadsim.units import C_M_S, K_BOLTZMANN, T0_K

__all__ = ["JAMMING_MODEL", "JammerSources", "NoiseJammer", "Receiver", "antenna_gain",
           "band_fraction", "burnthrough_range_m", "crossover_range_m",
           "jammed_detection_range_m", "jammer_power_w", "jammer_to_noise", "jammers_to_noise",
           "no_jammers",
           "noise_power_w", "signal_power_w", "ssj_detection_range_m"]

#: What a result computed under jamming rests on, in words (listed with its assumptions).
JAMMING_MODEL = (
    "Jamming: noise jammers add in power; detection uses S/(N+J) (iadsim.sensors.ew). Each "
    "jammer's channel is set on the radar's frequency where its span allows (it knows the "
    "frequency); the fraction of its power in the radar's band is the overlap over its "
    "bandwidth. The radar's beam is a Gaussian main lobe down to a flat average sidelobe floor; "
    "no sidelobe blanking or cancellation, no frequency agility (no public figures). A jammer "
    "is heard when it is above the radar's smooth 4/3-Earth horizon (terrain masking of "
    "jammers ignored); the false-alarm rate is unchanged (CFAR).")

_FOUR_PI = 4.0 * np.pi
#: ln 2 · 4: a Gaussian main lobe exp(-4 ln2 (θ/θ3)²) is half power at θ = θ3/2 [4].
_GAUSS_3DB = 4.0 * np.log(2.0)


def _f(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def signal_power_w(peak_power_w: ArrayLike, tx_gain: ArrayLike, rx_gain: ArrayLike,
                   wavelength_m: ArrayLike, rcs_m2: ArrayLike, range_m: ArrayLike,
                   losses: ArrayLike = 1.0) -> np.ndarray:
    """Echo power at the radar receiver, W: ``Pt Gt Gr λ² σ / ((4π)³ R⁴ L)``.

    Gains and losses are linear power ratios (``losses`` >= 1 divides). References: Mahafza
    (2013) ch. 2; Skolnik (2001) ch. 2.

    Examples
    --------
    >>> float(signal_power_w(1.0, 1.0, 1.0, 1.0, 1.0, 1.0)) * (4 * np.pi) ** 3
    1.0
    """
    return (_f(peak_power_w) * _f(tx_gain) * _f(rx_gain) * _f(wavelength_m) ** 2 * _f(rcs_m2)
            / (_FOUR_PI ** 3 * _f(range_m) ** 4 * _f(losses)))


def jammer_power_w(jammer_power_w: ArrayLike, jammer_gain: ArrayLike, rx_gain: ArrayLike,
                   wavelength_m: ArrayLike, jammer_range_m: ArrayLike,
                   band: ArrayLike = 1.0, jammer_losses: ArrayLike = 1.0) -> np.ndarray:
    """Noise-jammer power in the radar receiver, W: ``Pj Gj Gr λ² / ((4π)² Rj² Lj) · band``.

    ``rx_gain``: the radar's receive gain toward the jammer (:func:`antenna_gain`); ``band``:
    the fraction of the jammer's power inside the receiver band (:func:`band_fraction`).
    One-way propagation: the R² law. Several jammers add in power (sum the results).
    References: Mahafza (2013) ch. 2 (stand-off; self-screening with Rj = R); NAWCWPNS
    TP 8347 section 4.
    """
    return (_f(jammer_power_w) * _f(jammer_gain) * _f(rx_gain) * _f(wavelength_m) ** 2
            * _f(band) / (_FOUR_PI ** 2 * _f(jammer_range_m) ** 2 * _f(jammer_losses)))


def band_fraction(radar_bandwidth_hz: ArrayLike, jammer_bandwidth_hz: ArrayLike,
                  radar_centre_hz: ArrayLike = 0.0, jammer_centre_hz: ArrayLike = 0.0
                  ) -> np.ndarray:
    """Fraction of a noise jammer's power (spread evenly over its band) that falls inside the
    radar's receiver band: the width of the two bands' overlap over the jammer's bandwidth.

    With the same centre frequency it is ``min(1, Br / Bj)``: a barrage jammer wider than the
    receiver wastes ``1 - Br/Bj`` of its power, a spot jammer narrower than the receiver puts
    all of it in (and gains nothing more). Offset bands overlap less; disjoint bands give 0.
    Reference: Mahafza (2013) ch. 2 (the ``Br/Bj`` factor for ``Bj > Br``).

    Examples
    --------
    >>> band_fraction(1e6, [10e6, 0.5e6]).tolist()
    [0.1, 1.0]
    >>> float(band_fraction(1e6, 1e6, 3.0e9, 3.0005e9))
    0.5
    """
    br, bj = _f(radar_bandwidth_hz), _f(jammer_bandwidth_hz)
    lo = np.maximum(_f(radar_centre_hz) - br / 2.0, _f(jammer_centre_hz) - bj / 2.0)
    hi = np.minimum(_f(radar_centre_hz) + br / 2.0, _f(jammer_centre_hz) + bj / 2.0)
    return np.clip(hi - lo, 0.0, None) / bj


def noise_power_w(bandwidth_hz: ArrayLike, noise_figure: ArrayLike = 1.0,
                  temperature_k: float = T0_K) -> np.ndarray:
    """Receiver thermal noise power referred to the input, W: ``k T0 F B`` (``noise_figure``
    linear). Reference: Skolnik (2001) ch. 2."""
    return K_BOLTZMANN * temperature_k * _f(noise_figure) * _f(bandwidth_hz)


def antenna_gain(off_boresight_rad: ArrayLike, peak_gain: ArrayLike, beamwidth_rad: ArrayLike,
                 sidelobe_level: ArrayLike) -> np.ndarray:
    """One-way power gain at ``off_boresight_rad`` from the beam axis: a Gaussian main lobe
    ``G0 exp(-4 ln2 (θ/θ3)²)`` (half power at ``θ3/2``, ``θ3 = beamwidth_rad``) down to a flat
    sidelobe floor ``G0 · sidelobe_level`` (``sidelobe_level`` < 1: the average sidelobe level
    relative to the peak, linear). A stand-off jammer outside the main beam enters through that
    floor. Reference: Barton (2013) (Gaussian beam); Mahafza (2013) ch. 2 (sidelobe
    jamming).

    Examples
    --------
    >>> antenna_gain([0.0, 0.01, 1.0], 1000.0, 0.02, 1e-3).round(3).tolist()
    [1000.0, 500.0, 1.0]
    """
    theta = _f(off_boresight_rad) / _f(beamwidth_rad)
    main = np.exp(-_GAUSS_3DB * theta * theta)
    return _f(peak_gain) * np.maximum(main, _f(sidelobe_level))


def crossover_range_m(signal_m4_w: ArrayLike, jammer_m2_w: ArrayLike) -> np.ndarray:
    """Range of a self-screening jammer's target at which its jamming equals its echo (J = S).

    ``signal_m4_w``: ``S · R⁴`` (W m⁴, :func:`signal_power_w` at 1 m); ``jammer_m2_w``:
    ``J · R²`` (W m², :func:`jammer_power_w` at 1 m). From ``K_s / R⁴ = K_j / R²``:
    ``R = sqrt(K_s / K_j)``. Reference: Mahafza (2013) ch. 2 (cross-over range).
    """
    return np.sqrt(_f(signal_m4_w) / _f(jammer_m2_w))


def burnthrough_range_m(signal_m4_w: ArrayLike, jammer_m2_w: ArrayLike,
                        required_sir: ArrayLike, noise_w: ArrayLike = 0.0) -> np.ndarray:
    """Burn-through range of a self-screening jammer, m: the range inside which the echo
    reaches the required signal-to-interference ratio ``S / (N + J) = required_sir`` (linear).

    ``K_s / R⁴ = q (N + K_j / R²)`` is a quadratic in ``x = 1/R²``:
    ``K_s x² - q K_j x - q N = 0``, whose positive root gives ``R = x^(-1/2)``. Without noise
    (``noise_w`` 0: jamming dominates, the textbook case) it is ``R = sqrt(K_s / (q K_j))``, the
    cross-over range over ``sqrt(q)``. References: Mahafza (2013) ch. 2 (burn-through
    range); NAWCWPNS TP 8347 section 4.
    """
    ks, kj, q, n = _f(signal_m4_w), _f(jammer_m2_w), _f(required_sir), _f(noise_w)
    b = q * kj
    x = (b + np.sqrt(b * b + 4.0 * ks * q * n)) / (2.0 * ks)
    return 1.0 / np.sqrt(x)


def ssj_detection_range_m(range_free_m: ArrayLike, jammer_to_noise_at_1m: ArrayLike
                          ) -> np.ndarray:
    """Detection range against a target carrying a self-screening jammer, m, from the
    jamming-free detection range ``range_free_m`` (where ``S = q N``) and the jammer's J/N at
    1 m (``J/N = jn1 / R²``): the burn-through range of :func:`burnthrough_range_m` in the
    radar's own terms, ``R⁴ = R0⁴ / (1 + jn1 / R²)`` -- the same quadratic.
    """
    r0, jn1 = _f(range_free_m), _f(jammer_to_noise_at_1m)
    return burnthrough_range_m(r0 ** 4, jn1, 1.0, 1.0)


def jammed_detection_range_m(range_free_m: ArrayLike, jammer_to_noise: ArrayLike) -> np.ndarray:
    """Detection range under jamming whose power does not depend on the target's range
    (stand-off and escort jammers, summed), m: ``R0 (1 + J/N)^(-1/4)``, from the
    jamming-free range ``R0`` and the total J/N (linear). Reference: Mahafza (2013) ch. 2
    (stand-off jamming shrinks the range as the fourth root of the interference).

    Examples
    --------
    >>> float(jammed_detection_range_m(100e3, 15.0))
    50000.0
    """
    return _f(range_free_m) * (1.0 + _f(jammer_to_noise)) ** -0.25


# ------------------------------------------------------------------------------ components
@dataclass(frozen=True)
class Receiver:
    """What jamming needs of a radar (SI, linear ratios).

    Attributes
    ----------
    gain : float
        Main-lobe peak gain of the receive antenna.
    azimuth_beamwidth_rad, elevation_beamwidth_rad : float
        Half-power beamwidths.
    sidelobe_level : float
        Average sidelobe level relative to the peak (< 1).
    frequency_hz, bandwidth_hz : float
        Carrier frequency and receiver (noise) bandwidth.
    noise_figure : float
        Receiver noise figure (>= 1).
    """

    gain: float
    azimuth_beamwidth_rad: float
    elevation_beamwidth_rad: float
    sidelobe_level: float
    frequency_hz: float
    bandwidth_hz: float
    noise_figure: float

    def __post_init__(self) -> None:
        for name in ("gain", "azimuth_beamwidth_rad", "elevation_beamwidth_rad", "frequency_hz",
                     "bandwidth_hz"):
            if not getattr(self, name) > 0.0:
                raise ValueError(f"Receiver.{name} must be > 0; got {getattr(self, name)!r}")
        if not 0.0 < self.sidelobe_level < 1.0:
            raise ValueError(f"Receiver.sidelobe_level must lie in (0, 1); got "
                             f"{self.sidelobe_level!r}")
        if not self.noise_figure >= 1.0:
            raise ValueError(f"Receiver.noise_figure must be >= 1; got {self.noise_figure!r}")

    @property
    def wavelength_m(self) -> float:
        return C_M_S / self.frequency_hz

    @property
    def noise_w(self) -> float:
        """Thermal noise power ``k T0 F Br``, W."""
        return float(noise_power_w(self.bandwidth_hz, self.noise_figure))

    def gain_toward(self, off_azimuth_rad: ArrayLike, off_elevation_rad: ArrayLike
                    ) -> np.ndarray:
        """Receive gain toward a direction offset from the beam axis by ``off_azimuth_rad`` and
        ``off_elevation_rad``: :func:`antenna_gain` of the elliptical Gaussian beam (each
        offset in units of its beamwidth)."""
        u = _f(off_azimuth_rad) / self.azimuth_beamwidth_rad
        v = _f(off_elevation_rad) / self.elevation_beamwidth_rad
        return antenna_gain(np.hypot(u, v), self.gain, 1.0, self.sidelobe_level)


@dataclass(frozen=True)
class NoiseJammer:
    """A noise jammer (SI, linear ratios): transmitter power, antenna gain toward the victim,
    noise bandwidth of its channel, the frequency span it can tune over, losses (>= 1).

    Its channel is set on the victim's frequency where the span allows it (the jammer's
    receiver measures it), else as close as the span allows: :meth:`centre_hz`."""

    power_w: float
    gain: float
    bandwidth_hz: float
    min_frequency_hz: float
    max_frequency_hz: float
    losses: float = 1.0

    def __post_init__(self) -> None:
        for name in ("power_w", "gain", "bandwidth_hz", "min_frequency_hz"):
            if not getattr(self, name) > 0.0:
                raise ValueError(f"NoiseJammer.{name} must be > 0; got {getattr(self, name)!r}")
        if not self.max_frequency_hz >= self.min_frequency_hz:
            raise ValueError(f"NoiseJammer.max_frequency_hz must be >= min_frequency_hz; got "
                             f"{self.max_frequency_hz!r} < {self.min_frequency_hz!r}")
        if not self.losses >= 1.0:
            raise ValueError(f"NoiseJammer.losses must be >= 1; got {self.losses!r}")

    def centre_hz(self, victim_hz: ArrayLike) -> np.ndarray:
        """Centre of the jamming channel against a radar at ``victim_hz``: on it when the
        channel fits in the span there, else the nearest channel inside the span (the span's
        middle when the span is narrower than the channel)."""
        lo = self.min_frequency_hz + self.bandwidth_hz / 2.0
        hi = self.max_frequency_hz - self.bandwidth_hz / 2.0
        if lo > hi:
            return np.full(np.shape(victim_hz), (self.min_frequency_hz + self.max_frequency_hz)
                           / 2.0)
        return np.clip(_f(victim_hz), lo, hi)


def jammer_to_noise(receiver: Receiver, jammer: NoiseJammer, jammer_range_m: ArrayLike,
                    off_azimuth_rad: ArrayLike = 0.0, off_elevation_rad: ArrayLike = 0.0
                    ) -> np.ndarray:
    """J/N of one jammer at ``jammer_range_m`` in a radar's receiver whose beam axis is offset
    from the jammer's direction by ``off_azimuth_rad``, ``off_elevation_rad`` (0, 0: the
    jammer in the main lobe, as a self-screening jammer is): :func:`jammer_power_w` with
    :meth:`Receiver.gain_toward` and the :func:`band_fraction` of its channel, over the
    receiver noise. Several jammers: sum their J/N."""
    band = band_fraction(receiver.bandwidth_hz, jammer.bandwidth_hz, receiver.frequency_hz,
                         jammer.centre_hz(receiver.frequency_hz))
    j = jammer_power_w(jammer.power_w, jammer.gain,
                       receiver.gain_toward(off_azimuth_rad, off_elevation_rad),
                       receiver.wavelength_m, jammer_range_m, band, jammer.losses)
    return j / receiver.noise_w


@dataclass(frozen=True)
class JammerSources:
    """The noise jammers of a run, for the radars' looks (:func:`iadsim.sensors.scan.scan_arrays`).

    ``station_geodetic (s, 3)``: stand-off jammers on station (lat_deg, lon_deg, alt_msl_m),
    each ``station_counts`` jammers of ``station_jammers``. ``carriers (c,)``: indices of the
    air objects carrying ``carried_jammers`` (one entry per pod; the same object may appear
    several times); a carried jammer radiates while its carrier is airborne and alive.
    """

    station_geodetic: np.ndarray
    station_jammers: tuple[NoiseJammer, ...]
    station_counts: tuple[int, ...]
    carriers: np.ndarray
    carried_jammers: tuple[NoiseJammer, ...]

    def __bool__(self) -> bool:
        return bool(self.station_jammers) or bool(self.carried_jammers)


def no_jammers() -> JammerSources:
    """A run without jammers."""
    return JammerSources(np.zeros((0, 3)), (), (), np.zeros(0, np.int64), ())


#: One jammer as :func:`jammers_to_noise` reads it: the jammer, how many of it, its position
#: (lat_deg, lon_deg, alt_msl_m, scalars or arrays) and whether it radiates (bool or array).
Emitter = tuple[NoiseJammer, float, ArrayLike, ArrayLike, ArrayLike, ArrayLike]


def jammers_to_noise(receiver: Receiver, site: tuple[float, float, float], k_factor: float,
                     look_az_rad: ArrayLike, look_el_rad: ArrayLike,
                     emitters: Iterable[Emitter]) -> np.ndarray:
    """Total J/N in a radar at ``site`` (lat_deg, lon_deg, antenna_msl_m) whose beam looks
    along ``look_az_rad`` (from north) and ``look_el_rad`` (the geodesic azimuth and the
    refracted elevation of :func:`iadsim.geo.los.slant_geometry`): each emitter's direction
    and range the same way, the beam's gain toward it, summed in power; an emitter off or
    beyond the radar's smooth ``k``-Earth horizon adds nothing (terrain masking of jammers
    ignored)."""
    lat0, lon0, h0 = site
    total = np.zeros(np.broadcast_shapes(np.shape(look_az_rad), np.shape(look_el_rad)))
    for jammer, count, lat, lon, alt, on in emitters:
        on = np.asarray(on, dtype=bool)
        lat, lon, alt = (np.where(on, v, fill) for v, fill in ((lat, lat0), (lon, lon0), (alt, h0)))
        ground, az = geodesic_inverse(lat0, lon0, lat, lon)
        slant, el = slant_geometry(np.asarray(ground, dtype=float), h0, alt, k_factor)
        seen = on & (slant <= radar_horizon_m(max(h0, 0.0), np.maximum(alt, 0.0), k_factor))
        off_az = np.angle(np.exp(1j * (_f(look_az_rad) - az)))          # wrapped to (-pi, pi]
        jn = count * jammer_to_noise(receiver, jammer, np.maximum(slant, 1.0), off_az,
                                     _f(look_el_rad) - el)
        total = total + np.where(seen, jn, 0.0)
    return total
