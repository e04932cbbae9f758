"""Radar scans over truth trajectories -> detections (plots) with converted-measurement covariance.

One :class:`RadarSensor` (parameters, SI) and one array kernel, :func:`scan_arrays`, which turns
:class:`~iadsim.engine.trajectory.Trajectories` into the detections of one radar as numpy columns
(:class:`DetectionArrays`); :func:`scan_detections` gives them as the detection table of
ARCHITECTURE.md ("Air picture (issue 3) contracts"). Everything is vectorised over the
``(n_scans, n_objects)`` grid of looks; the only Python loop is the fixed number of beam-time
refinements.

Model
-----
*Scan timing.* Scan ``n`` (an integer counted from ``scan_phase_s``) starts at
``t_n = scan_phase_s + n * scan_period_s``. The beam sweeps the sector clockwise at a constant rate,
from ``sector_start = sector_centre - sector_width / 2`` to ``sector_start + sector_width`` in one
period: it points at azimuth ``a`` at ``t_n + mod(a - sector_start, 2 pi) / sector_width * T``
(a sector scanner flies back instantly; a 360-degree radar simply rotates). An object is looked at
once per scan, when the beam passes its azimuth; objects outside a sector are not looked at.
Beam timing uses the azimuth the antenna scans, ``atan2(east, north)`` of the object in the
radar's local ENU frame (from its interpolated ECEF position); it differs from the geodesic
azimuth of the measurement (below) by < 6e-6 rad up to 400 km range and 10 km height, which
moves look times by ``T * delta_az / sector_width`` (microseconds).
The look time is found by fixed-point iteration: the object's azimuth at ``t_n`` (at
``t_n + T`` if it is not airborne at ``t_n``) gives a first beam time, its azimuth at that time a
refined one, and so on (:data:`BEAM_TIME_REFINEMENTS` passes). The iteration contracts by the ratio
of the object's angular rate to the beam's, ``v / (R Omega)`` (~0.05 for 300 m/s at 10 km under a
10 s rotation, or 600 m/s at 8 km under 4 s), so after three passes the beam misses the object's
azimuth by less than ~1e-4 rad (a few per cent of a beamwidth) even in that second, extreme case.
An object crossing ``sector_start`` during a scan may be looked at twice or not at all in that
scan (as a real track-while-scan radar may see it); looks are kept when their time lies in
``[t_start_s, t_end_s)``, so consecutive windows partition the looks exactly.

*Geometry.* Apparent slant range and elevation on the effective Earth (radius ``k R``,
:func:`iadsim.geo.los.slant_geometry`) from the geodesic ground range; azimuth is the geodesic
azimuth at the radar (:func:`iadsim.geo.frames.geodesic_inverse`). Terrain masking: the object is
visible iff ``alt_msl >= los.sample(lat, lon)`` (:class:`~iadsim.geo.los.MinHeightField`); without
terrain the straight ray over the effective sphere of radius ``k R`` (sea level) must clear it.

*Detection.* Mean RCS at the aspect angle (:mod:`iadsim.sensors.rcs`), mean SNR and
``Pd = RadarModel.pd(range, rcs, elevation)`` (0 outside instrumented range / elevation cover).
``RadarModel.pd`` already integrates the Swerling fluctuation exactly, so one Bernoulli(Pd) draw
per look is the exact law of the detection event. ``snr_db`` of a target detection is the *mean*
single-pulse SNR at the look (not a draw from the SNR conditional on detection).

*Measurement noise.* Independent Gaussian errors on (range, azimuth, elevation) with the sensor's
constant 1-sigma values (SNR-independent: the figures are typical values at detection SNR).
The noisy polar measurement is converted to the command-post ENU frame by the exact inverse of the
geometry above (effective-Earth inversion -> geodesic direct -> geodetic2enu). Its covariance is the
converted-measurement covariance ``J diag(s_r^2, s_az^2, s_el^2) J^T`` with ``J`` the Jacobian of
that conversion at the *measured* point (the truth is unknown to the radar), by central
differences; it already includes the rotation from the radar's to the command post's frame.
The conversion bias (Lerro & Bar-Shalom 1993) is neglected: it scales as ``R s_az^2 / s_r``,
below 0.05 at the instrumented range of every radar in the library.

*False alarms.* Per scan a Poisson number with mean ``pfa * n_cells``,
``n_cells = (R_instr / dR) * (sector / bw_az) * ((el_max - el_min) / bw_el)``
(:meth:`RadarSensor.false_alarm_cells`), placed uniformly in (range, azimuth, elevation) over the
coverage volume (uniform over the cells), ``truth_id = -1``, time = when the beam passes their
azimuth. Their ``snr_db`` is drawn from the noise-only detection statistic conditioned on crossing
the threshold (``Z ~ Gamma(N, 1)`` tail beyond ``T = Q^-1(N, pfa)``), reported as ``Z / N - 1``.

*Emission control.* A radar is silent (it neither emits nor detects) inside its off windows
``RadarSensor.off_windows_s`` (scenario ``emcon``), each ``[off_s, on_s)``: off from ``off_s``
included, on again at ``on_s`` (``inf``: off to the end of the run); :func:`radar_emitting` is
the one definition of that state. A look (target or false alarm) whose beam time falls inside an
off window gives no detection. Every draw is made as if the radar emitted and the silent
detections are dropped afterwards, so the random stream is consumed exactly as without off
windows: the detections of a radar with off windows are those of the same radar without them,
bit for bit, minus the ones inside the windows (a silent radar costs as much to simulate as an
emitting one).

Randomness: only the ``rng`` argument, always in this order: look uniforms (whole look grid),
range/az/el normals of the detections, false-alarm counts, false-alarm (range, az, el, statistic)
uniforms. Same seed -> identical detections.

References
----------
.. [1] M. I. Skolnik, *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001, ch. 2
   (false-alarm number), sect. 8.2 (4/3 Earth).
.. [2] M. A. Richards, J. A. Scheer, W. A. Holm (eds.), *Principles of Modern Radar: Basic
   Principles*, SciTech, 2010, ch. 18 (radar measurements and their accuracy).
.. [3] Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
   Navigation*, Wiley, 2001, sect. 10.4.3 (converted measurements, polar to Cartesian).
.. [4] D. Lerro, Y. Bar-Shalom, "Tracking with debiased consistent converted measurements versus
   EKF", IEEE Trans. Aerosp. Electron. Syst. 29(3), 1015-1022, 1993.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import special

from iadsim.geo.frames import ecef2enu, geodesic_direct, geodesic_inverse, geodetic2enu
from iadsim.geo.los import MinHeightField, effective_earth_radius_m, slant_geometry
from iadsim.sensors.ew import JammerSources, Receiver, jammers_to_noise
from iadsim.sensors.radar import RadarModel
from iadsim.sensors.rcs import aspect_angle_rad, aspect_rcs_m2
from iadsim.units import linear_to_db

__all__ = [
    "BEAM_TIME_REFINEMENTS", "DETECTION_COLUMNS", "DetectionArrays", "RadarSensor", "TruthSampler",
    "scan_arrays", "scan_detections",
    "add_off_window", "full_circle", "off_windows_array", "radar_emitting", "sector_offset",
    "silent_from_s",
]


class TruthSampler(Protocol):
    """What the scan needs from the truth: :class:`iadsim.engine.trajectory.Trajectories`.

    A structural type, because ``sensors`` sits below ``engine`` in the import layers. ``ecef_at``
    (ECEF positions and airborne mask) serves the beam timing, ``at`` the look geometry.
    """

    @property
    def n_objects(self) -> int: ...

    def ecef_at(self, time_s: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def at(self, time_s: np.ndarray, index: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...

#: Columns of the detection table, in order (ARCHITECTURE.md, air picture contracts).
DETECTION_COLUMNS: tuple[str, ...] = (
    "time_s", "radar_id", "scan", "truth_id", "range_m", "az_rad", "el_rad", "snr_db",
    "x_m", "y_m", "z_m", "r_xx_m2", "r_xy_m2", "r_xz_m2", "r_yy_m2", "r_yz_m2", "r_zz_m2",
)


@dataclass(frozen=True)
class DetectionArrays:
    """Detections as numpy columns, one row per detection: the detection table
    (:data:`DETECTION_COLUMNS`, :func:`scan_detections`) without its ``radar_id`` column.

    Attributes
    ----------
    time_s : ndarray (m,)
        Look time, s.
    scan : ndarray (m,) of int64
        Scan number, counted from the scan phase.
    truth_id : ndarray (m,) of int64
        Index of the object in the truth; -1 for a false alarm.
    polar : ndarray (m, 3)
        Measured ``range_m, az_rad, el_rad``.
    snr_db : ndarray (m,)
        Mean SNR of a target look; the noise-only statistic of a false alarm, dB.
    xyz : ndarray (m, 3)
        The measurement in the command-post ENU frame, m.
    cov : ndarray (m, 3, 3)
        Its converted-measurement covariance there, m^2, exactly symmetric (the table's
        ``r_..._m2`` columns are its upper triangle).
    """

    time_s: np.ndarray
    scan: np.ndarray
    truth_id: np.ndarray
    polar: np.ndarray
    snr_db: np.ndarray
    xyz: np.ndarray
    cov: np.ndarray

    def __len__(self) -> int:
        return self.time_s.size

    @classmethod
    def concat(cls, parts: Sequence[DetectionArrays]) -> DetectionArrays:
        """The rows of several parts (at least one), in the order given."""
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def take(self, rows: np.ndarray) -> DetectionArrays:
        """The rows ``rows`` (integer indices or a boolean mask), in that order."""
        return DetectionArrays(*(getattr(self, f.name)[rows] for f in fields(self)))

    def frame(self, radar_id: np.ndarray) -> pd.DataFrame:
        """The detection table of these rows, columns :data:`DETECTION_COLUMNS`; ``radar_id``:
        the radar id of each row (object array)."""
        xyz, cov = self.xyz, self.cov
        return pd.DataFrame({
            "time_s": self.time_s,
            "radar_id": pd.Series(radar_id, dtype=object),
            "scan": self.scan,
            "truth_id": self.truth_id,
            "range_m": self.polar[:, 0],
            "az_rad": self.polar[:, 1],
            "el_rad": self.polar[:, 2],
            "snr_db": self.snr_db,
            "x_m": xyz[:, 0],
            "y_m": xyz[:, 1],
            "z_m": xyz[:, 2],
            "r_xx_m2": cov[:, 0, 0],
            "r_xy_m2": cov[:, 0, 1],
            "r_xz_m2": cov[:, 0, 2],
            "r_yy_m2": cov[:, 1, 1],
            "r_yz_m2": cov[:, 1, 2],
            "r_zz_m2": cov[:, 2, 2],
        }, columns=list(DETECTION_COLUMNS))


#: Fixed-point refinements of the beam-passing time after the first guess at the scan start.
BEAM_TIME_REFINEMENTS = 3

_TWO_PI = 2.0 * math.pi
# Central-difference steps of the conversion Jacobian, as fractions of the 1-sigma errors.
_JACOBIAN_STEP = 1e-2


# ------------------------------------------------------------------------------ emission state
def off_windows_array(windows: Sequence[Sequence[float]] | np.ndarray = ()) -> np.ndarray:
    """Off windows of one radar as a read-only float64 array ``(k, 2)`` of ``[off_s, on_s)``.

    Each row: off from ``off_s`` (finite, s) included, on again at ``on_s`` (> ``off_s``;
    ``inf``: off to the end of the run). Rows sorted by ``off_s`` and not overlapping
    (``off_s[i + 1] >= on_s[i]``); ``ValueError`` otherwise (the scenario check reports a user's
    overlapping windows with file and line before a build gets here).

    Examples
    --------
    >>> off_windows_array([(300.0, 900.0), (1200.0, float("inf"))]).shape
    (2, 2)
    """
    out = np.array(windows, dtype=float).reshape(-1, 2)
    off, on = out[:, 0], out[:, 1]
    if not (np.isfinite(off).all() and (on > off).all()):
        raise ValueError(f"off windows must have finite off_s < on_s; got {out.tolist()}")
    if (np.diff(off) < 0).any() or (off[1:] < on[:-1]).any():
        raise ValueError(f"off windows must be sorted and not overlap; got {out.tolist()}")
    out.flags.writeable = False
    return out


def add_off_window(off_windows_s: np.ndarray, off_s: float, on_s: float = math.inf
                   ) -> np.ndarray:
    """Off windows with ``[off_s, on_s)`` added: a switch-off or a loss decided during a run.

    Windows that overlap or touch the new one merge with it, so the result is again sorted and
    non-overlapping (:func:`off_windows_array`).

    Examples
    --------
    >>> add_off_window(off_windows_array([(300.0, 900.0)]), 600.0).tolist()
    [[300.0, inf]]
    >>> add_off_window(off_windows_array([(300.0, 900.0)]), 100.0, 200.0).tolist()
    [[100.0, 200.0], [300.0, 900.0]]
    """
    rows = sorted([*np.asarray(off_windows_s, dtype=float).reshape(-1, 2).tolist(),
                   [float(off_s), float(on_s)]])
    merged: list[list[float]] = []
    for off, on in rows:
        if merged and off <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], on)
        else:
            merged.append([off, on])
    return off_windows_array(merged)


def radar_emitting(off_windows_s: np.ndarray, time_s: np.ndarray | float) -> np.ndarray:
    """Whether a radar emits (and so can detect and guide) at ``time_s``: outside every off window.

    The one definition of a radar's emission state (scenario ``emcon``); a radar is off on
    ``off_s <= t < on_s`` of each window.

    Parameters
    ----------
    off_windows_s : ndarray (k, 2)
        ``[off_s, on_s)`` rows (:func:`off_windows_array`); ``k = 0``: always emitting.
    time_s : float or ndarray
        Times, s (any shape).

    Returns
    -------
    ndarray of bool, the shape of ``time_s``

    Examples
    --------
    >>> radar_emitting(off_windows_array([(300.0, 900.0)]), [0.0, 300.0, 899.9, 900.0]).tolist()
    [True, False, False, True]
    """
    t = np.asarray(time_s, dtype=float)
    w = np.asarray(off_windows_s, dtype=float).reshape(-1, 2)
    if not w.shape[0]:
        return np.ones(t.shape, dtype=bool)
    off = (t[..., None] >= w[:, 0]) & (t[..., None] < w[:, 1])
    return ~off.any(axis=-1)


def silent_from_s(off_windows_s: Sequence[np.ndarray], t0_s: float, t1_s: float) -> float:
    """First time in ``[t0_s, t1_s)`` at which none of several radars emits; ``inf`` if never.

    ``off_windows_s``: the off windows ``(k_i, 2)`` of each radar (e.g. every radar that can
    guide a missile; no radar at all: silent from ``t0_s``). The set where all are off is an
    intersection of unions of ``[off, on)`` windows, so it starts at ``t0_s`` or at some window's
    ``off_s``: those are the only candidates.

    Examples
    --------
    >>> a, b = off_windows_array([(10.0, 50.0)]), off_windows_array([(30.0, 40.0)])
    >>> silent_from_s([a, b], 0.0, 100.0), silent_from_s([a], 0.0, 100.0), silent_from_s([b], 0.0, 20.0)
    (30.0, 10.0, inf)
    """
    if not t1_s > t0_s:
        return math.inf
    if not off_windows_s:
        return float(t0_s)
    starts = {float(w[i, 0]) for w in off_windows_s for i in range(len(w))}
    candidates = np.array(sorted({float(t0_s), *(s for s in starts if t0_s < s < t1_s)}))
    silent = np.ones(candidates.size, dtype=bool)
    for w in off_windows_s:
        silent &= ~radar_emitting(w, candidates)
    hit = np.flatnonzero(silent)
    return float(candidates[hit[0]]) if hit.size else math.inf


@dataclass(frozen=True)
class RadarSensor:
    """A scanning radar at a site: detection model, scan pattern and measurement errors (SI).

    Attributes
    ----------
    id : str
        Sensor id (scenario unit id); copied to the ``radar_id`` column.
    model : RadarModel
        Detection model (loop gain, Pfa, pulses, Swerling case, range/elevation cover).
    lat_deg, lon_deg : float
        Site, degrees (WGS84).
    antenna_msl_m : float
        Antenna phase-centre height, m above MSL (= HAE, see ARCHITECTURE.md).
    scan_period_s : float
        Time for one sweep of the sector (one revolution for 360-degree radars), s.
    sector_centre_rad : float
        Azimuth of the sector centre, clockwise from north, rad.
    sector_width_rad : float
        Azimuth sector swept per scan, rad, in (0, 2 pi]; 2 pi for rotating search radars.
    sigma_range_m, sigma_az_rad, sigma_el_rad : float
        1-sigma Gaussian measurement errors in slant range (m), azimuth and elevation (rad), > 0.
    range_resolution_m : float
        Range cell size, m (false-alarm cell count).
    beamwidth_az_rad, beamwidth_el_rad : float
        3 dB beamwidths, rad (false-alarm cell count).
    los : MinHeightField or None
        Terrain-masked minimum visible height around this antenna
        (:func:`iadsim.geo.los.radar_min_visible_height`); ``None``: smooth effective Earth.
    k_factor : float
        Effective-Earth-radius factor of the geometry (4/3 standard atmosphere); should equal
        ``los.k`` when ``los`` is given.
    off_windows_s : ndarray (k, 2)
        Emission control: ``[off_s, on_s)`` windows in which the radar is silent (no detection,
        no false alarm), s; ``on_s = inf``: off to the end (:func:`off_windows_array`,
        :func:`radar_emitting`). Default: none, always emitting.
    receiver : Receiver or None
        What noise jamming needs of the radar (:class:`iadsim.sensors.ew.Receiver`); ``None``:
        it cannot be jammed (:func:`scan_arrays` refuses jammers then).
    """

    id: str
    model: RadarModel
    lat_deg: float
    lon_deg: float
    antenna_msl_m: float
    scan_period_s: float
    sector_centre_rad: float
    sector_width_rad: float
    sigma_range_m: float
    sigma_az_rad: float
    sigma_el_rad: float
    range_resolution_m: float
    beamwidth_az_rad: float
    beamwidth_el_rad: float
    los: MinHeightField | None = None
    k_factor: float = 4.0 / 3.0
    off_windows_s: np.ndarray = field(default_factory=off_windows_array)
    receiver: Receiver | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "off_windows_s", off_windows_array(self.off_windows_s))
        positive = (
            "scan_period_s", "sigma_range_m", "sigma_az_rad", "sigma_el_rad",
            "range_resolution_m", "beamwidth_az_rad", "beamwidth_el_rad", "k_factor",
        )
        for name in positive:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0.0):
                raise ValueError(f"radar {self.id}: {name} must be finite and > 0; got {value!r}")
        if not 0.0 < self.sector_width_rad <= _TWO_PI + 1e-12:
            raise ValueError(
                f"radar {self.id}: sector_width_rad must lie in (0, 2 pi]; got {self.sector_width_rad!r}"
            )
        if self.los is not None and (
            abs(self.los.lat_deg - self.lat_deg) > 1e-7 or abs(self.los.lon_deg - self.lon_deg) > 1e-7
        ):
            raise ValueError(
                f"radar {self.id}: los field is centred on ({self.los.lat_deg}, {self.los.lon_deg}), "
                f"not on the radar ({self.lat_deg}, {self.lon_deg})"
            )

    @property
    def sector_start_rad(self) -> float:
        """Azimuth the beam points at when a scan starts, in [0, 2 pi)."""
        return (self.sector_centre_rad - 0.5 * self.sector_width_rad) % _TWO_PI

    def false_alarm_cells(self) -> float:
        """Resolution cells searched per scan: range x azimuth x elevation cells of the coverage."""
        m = self.model
        el_cover = max(min(m.max_elevation_rad, math.pi / 2) - max(m.min_elevation_rad, -math.pi / 2), 0.0)
        return (
            (m.instrumented_range_m / self.range_resolution_m)
            * (self.sector_width_rad / self.beamwidth_az_rad)
            * (el_cover / self.beamwidth_el_rad)
        )

    def mean_false_alarms_per_scan(self) -> float:
        """Poisson mean of the false alarms per scan, ``pfa * false_alarm_cells()``."""
        return self.model.pfa * self.false_alarm_cells()

    def emitting(self, time_s: np.ndarray | float) -> np.ndarray:
        """Whether the radar emits at ``time_s`` (:func:`radar_emitting` of its off windows)."""
        return radar_emitting(self.off_windows_s, time_s)

    def beam_time_s(self, scan: np.ndarray, az_rad: np.ndarray, scan_phase_s: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray]:
        """When scan ``scan`` passes azimuth ``az_rad``; and whether that azimuth is in the sector.

        Broadcasting; times outside the sector are still returned (meaningless there).
        """
        offset, in_sector = sector_offset(az_rad, self.sector_start_rad, self.sector_width_rad)
        scan_f = np.asarray(scan, dtype=float)
        t = scan_phase_s + (scan_f + offset / self.sector_width_rad) * self.scan_period_s
        return t, in_sector


def full_circle(sector_width_rad: float) -> bool:
    """Whether a scanned sector of this width (rad) is the whole horizon (a rotating radar)."""
    return sector_width_rad >= _TWO_PI - 1e-9


def sector_offset(az_rad: np.ndarray, sector_start_rad: float, sector_width_rad: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth past the sector start, in [0, 2 pi), and whether it lies in the sector
    ``[start, start + width)`` (everywhere for a 360-degree radar); azimuths clockwise from
    north, rad."""
    offset = np.mod(np.asarray(az_rad, dtype=float) - sector_start_rad, _TWO_PI)
    if full_circle(sector_width_rad):
        return offset, np.ones_like(offset, dtype=bool)
    return offset, offset < sector_width_rad


# ------------------------------------------------------------------------------ geometry kernels
def _inverse_slant(slant_m: np.ndarray, el_rad: np.ndarray, h_radar_m: float, k: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`iadsim.geo.los.slant_geometry`: ground arc (m) and target height (m)."""
    kr = float(effective_earth_radius_m(k))
    r_r = kr + h_radar_m
    across = slant_m * np.cos(el_rad)
    up = r_r + slant_m * np.sin(el_rad)
    r_t = np.hypot(across, up)
    return kr * np.arctan2(across, up), r_t - kr


def _smooth_earth_visible(ground_m: np.ndarray, h_radar_m: float, h_target_m: np.ndarray, k: float
                          ) -> np.ndarray:
    """Whether the straight ray radar -> target clears a smooth sphere of radius ``k R`` (sea level)."""
    kr = float(effective_earth_radius_m(k))
    theta = ground_m / kr
    r_r, r_t = kr + h_radar_m, kr + h_target_m
    # Radar at (0, r_r), target at (r_t sin th, r_t cos th); closest approach of the segment to 0.
    dx, dy = r_t * np.sin(theta), r_t * np.cos(theta) - r_r
    seg2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.clip(np.where(seg2 > 0, -(r_r * dy) / seg2, 0.0), 0.0, 1.0)
    px, py = s * dx, r_r + s * dy
    return (np.hypot(px, py) >= kr) & (h_target_m >= 0.0)


def _polar_to_cp(sensor: RadarSensor, range_m: np.ndarray, az_rad: np.ndarray, el_rad: np.ndarray,
                 origin: tuple[float, float, float]) -> np.ndarray:
    """Measured (range, az, el) -> command-post ENU (..., 3), exact inverse of the scan geometry."""
    ground, h_t = _inverse_slant(range_m, el_rad, sensor.antenna_msl_m, sensor.k_factor)
    lat, lon = geodesic_direct(sensor.lat_deg, sensor.lon_deg, az_rad, ground)
    e, n, u = geodetic2enu(lat, lon, h_t, *origin)
    return np.stack([np.asarray(e), np.asarray(n), np.asarray(u)], axis=-1)


def _converted(sensor: RadarSensor, polar: np.ndarray, origin: tuple[float, float, float]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Measured ``(range, az, el)`` rows ``(m, 3)`` -> command-post ENU positions ``(m, 3)`` and
    converted-measurement covariances ``(m, 3, 3)`` (exactly symmetric: the lower triangle is a
    copy of the upper). Row by row: the result of a row does not depend on the other rows."""
    m = polar.shape[0]
    sig = np.array([sensor.sigma_range_m, sensor.sigma_az_rad, sensor.sigma_el_rad])
    h = _JACOBIAN_STEP * sig
    # Points: the measurement, then +h and -h along each polar coordinate -> one batched call.
    steps = np.concatenate([np.zeros((1, 3)), np.diag(h), -np.diag(h)])  # (7, 3)
    pts = polar[None, :, :] + steps[:, None, :]  # (7, m, 3)
    xyz = _polar_to_cp(sensor, pts[..., 0].ravel(), pts[..., 1].ravel(), pts[..., 2].ravel(), origin)
    xyz = xyz.reshape(7, m, 3)
    jac = (xyz[1:4] - xyz[4:7]) / (2.0 * h[:, None, None])  # (3 polar, m, 3 cart)
    jac = np.transpose(jac, (1, 2, 0))  # (m, 3 cart, 3 polar)
    cov = np.einsum("mij,j,mkj->mik", jac, sig**2, jac)
    cov[:, [1, 2, 2], [0, 0, 1]] = cov[:, [0, 0, 1], [1, 2, 2]]  # lower triangle := upper
    return xyz[0], cov


# ------------------------------------------------------------------------------ public kernel
def scan_detections(
    sensor: RadarSensor,
    traj: TruthSampler,
    rcs_table_dbsm: np.ndarray,
    t_start_s: float,
    t_end_s: float,
    frame_origin: tuple[float, float, float],
    rng: np.random.Generator,
    scan_phase_s: float = 0.0,
    jammers: JammerSources | None = None,
    alive_until_s: np.ndarray | None = None,
) -> pd.DataFrame:
    """Detections (targets and false alarms) of one radar over ``[t_start_s, t_end_s)``; none
    while the radar is off (``sensor.off_windows_s``, module notes); under noise ``jammers``
    as :func:`scan_arrays` says.

    Parameters
    ----------
    sensor : RadarSensor
        The radar.
    traj : TruthSampler
        Truth of the ``n`` air objects, normally :class:`iadsim.engine.trajectory.Trajectories`
        (``n_objects``, ``ecef_at(time_s, index)`` and ``at(time_s, index)``).
    rcs_table_dbsm : ndarray (n, 3)
        Nose / side / tail mean RCS per object, dBsm (:func:`iadsim.sensors.rcs.aspect_rcs_m2`).
    t_start_s, t_end_s : float
        Time window, s; looks at ``t_start_s <= t < t_end_s`` are returned.
    frame_origin : (lat_deg, lon_deg, alt_m)
        Origin of the command-post ENU frame of ``x_m, y_m, z_m`` and the covariance.
    rng : numpy.random.Generator
        The only source of randomness (order documented in the module docstring).
    scan_phase_s : float
        Start time of scan 0, s (beam at the sector start).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DETECTION_COLUMNS`, one row per detection, sorted by time (then by
        ``truth_id``, false alarms first). ``range_m, az_rad, el_rad`` are the noisy measurement
        (azimuth in [0, 2 pi)); ``x_m, y_m, z_m`` its conversion to the command-post ENU frame and
        ``r_..._m2`` the converted-measurement covariance there; ``truth_id`` indexes ``traj.ids``
        (-1 for a false alarm); ``scan`` is the scan number counted from ``scan_phase_s``.

    Examples
    --------
    >>> import numpy as np
    >>> from iadsim.sensors.radar import RadarModel
    >>> from iadsim.engine.trajectory import Trajectories
    >>> model = RadarModel("demo", 1e20, 1e-6, 1, 1, 100e3)
    >>> s = RadarSensor("r1", model, 53.0, 27.0, 10.0, 5.0, 0.0, 2 * np.pi, 50.0, 2e-3, 3e-3,
    ...                 150.0, 0.02, 0.03)
    >>> t = Trajectories(np.array([0.0, 60.0]), ("a",), ("F-16C",), np.full((2, 1), 53.3),
    ...                  np.full((2, 1), 27.0), np.full((2, 1), 3000.0), np.zeros((2, 1, 3)),
    ...                  np.ones((2, 1), bool))
    >>> df = scan_detections(s, t, np.zeros((1, 3)), 0.0, 60.0, (53.0, 27.0, 0.0),
    ...                      np.random.default_rng(1))
    >>> list(df.columns[:4]), sorted(set(df["truth_id"]) - {-1})
    (['time_s', 'radar_id', 'scan', 'truth_id'], [0])
    """
    det = scan_arrays(sensor, traj, rcs_table_dbsm, t_start_s, t_end_s, frame_origin, rng,
                      scan_phase_s, jammers, alive_until_s)
    return det.frame(np.full(len(det), sensor.id, dtype=object))


def scan_arrays(
    sensor: RadarSensor,
    traj: TruthSampler,
    rcs_table_dbsm: np.ndarray,
    t_start_s: float,
    t_end_s: float,
    frame_origin: tuple[float, float, float],
    rng: np.random.Generator,
    scan_phase_s: float = 0.0,
    jammers: JammerSources | None = None,
    alive_until_s: np.ndarray | None = None,
) -> DetectionArrays:
    """The detections of :func:`scan_detections` (same arguments, same draws) as numpy columns,
    rows in the order of its table: the array kernel, without the cost of a DataFrame.

    Under noise ``jammers`` (:class:`iadsim.sensors.ew.JammerSources`; the radar needs its
    ``receiver``) each look's Pd uses S/(N+J): J/N of every jammer above the radar's smooth
    4/3-Earth horizon, through the beam's gain toward it while the beam looks at the target
    (main lobe for the target's own jammer, sidelobes for others), summed. A carried jammer
    radiates while its carrier is airborne and before ``alive_until_s[carrier]`` (default: all
    alive). The draws are the same with or without jammers; false alarms are unchanged (the
    detector's CFAR threshold follows the noise-plus-jamming level).

    The example of :func:`scan_detections` holds: its table is ``scan_arrays(...).frame(ids)``.
    """
    table = np.asarray(rcs_table_dbsm, dtype=float)
    n_obj = traj.n_objects
    if table.shape != (n_obj, 3):
        raise ValueError(f"rcs_table_dbsm must have shape ({n_obj}, 3); got {table.shape}")
    if not t_end_s > t_start_s:
        raise ValueError(f"t_end_s must exceed t_start_s; got {t_start_s!r} .. {t_end_s!r}")
    origin = (float(frame_origin[0]), float(frame_origin[1]), float(frame_origin[2]))
    period = sensor.scan_period_s
    # Every scan that can have a look in the window: started before t_end, ended after t_start.
    n_first = math.floor((t_start_s - scan_phase_s) / period) - 1
    n_last = math.ceil((t_end_s - scan_phase_s) / period)
    scans = np.arange(n_first, n_last + 1, dtype=np.int64)
    n_scans = scans.size

    # 1. Looks on the (n_scans, n_objects) grid.
    u_look = rng.random((n_scans, n_obj))
    if jammers and sensor.receiver is None:
        raise ValueError(f"radar {sensor.id} has no receiver figures: it cannot be jammed")
    jam = None if not jammers else (jammers, np.full(n_obj, np.inf) if alive_until_s is None
                                    else np.asarray(alive_until_s, dtype=float))
    target = _target_detections(sensor, traj, table, scans, u_look, t_start_s, t_end_s, rng,
                                scan_phase_s, jam)
    clutter = _false_alarms(sensor, scans, t_start_s, t_end_s, rng, scan_phase_s)
    # False alarms first, then sorted by (time, truth id); one conversion for all the rows.
    time_s, scan, truth, polar, snr = (np.concatenate(c) for c in zip(clutter, target, strict=True))
    order = np.lexsort((truth, time_s))
    polar = polar[order]
    xyz, cov = _converted(sensor, polar, origin)
    return DetectionArrays(time_s[order], scan[order], truth[order], polar, snr[order], xyz, cov)


#: Measurements before their conversion: time_s, scan, truth_id, polar (m, 3) and snr_db columns.
_Measured = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _target_detections(
    sensor: RadarSensor, traj: TruthSampler, table: np.ndarray, scans: np.ndarray, u_look: np.ndarray,
    t_start_s: float, t_end_s: float, rng: np.random.Generator, scan_phase_s: float,
    jam: tuple[JammerSources, np.ndarray] | None = None,
) -> _Measured:
    """Detections of the objects (steps 1 and 2 of the draws), not yet converted; ``jam``: the
    jammers and each object's kill time (:func:`scan_arrays`)."""
    n_scans, n_obj = u_look.shape
    scan_g = np.repeat(scans, n_obj)
    obj_g = np.tile(np.arange(n_obj, dtype=np.int64), n_scans)
    if scan_g.size == 0:
        return (np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64), np.empty((0, 3)),
                np.empty(0))

    # Beam-passing time: the object's azimuth at the scan start (at the scan end where it is not
    # airborne at the start), then fixed-point refinements.
    t_scan0 = scan_phase_s + scan_g * sensor.scan_period_s
    az_obj = np.full(scan_g.size, sensor.sector_start_rad)
    for t_guess in (t_scan0 + sensor.scan_period_s, t_scan0):
        az_obj = _object_azimuth(sensor, traj, t_guess, obj_g, az_obj)
    t_look, in_sector = sensor.beam_time_s(scan_g, az_obj, scan_phase_s)
    for _ in range(BEAM_TIME_REFINEMENTS):
        az_obj = _object_azimuth(sensor, traj, t_look, obj_g, az_obj)
        t_look, in_sector = sensor.beam_time_s(scan_g, az_obj, scan_phase_s)

    cand = np.flatnonzero(in_sector & (t_look >= t_start_s) & (t_look < t_end_s))
    lat, lon, alt, vel, act = traj.at(t_look[cand], obj_g[cand])
    idx = cand[act]
    lat, lon, alt, vel = lat[act], lon[act], alt[act], vel[act]
    ground, az = geodesic_inverse(sensor.lat_deg, sensor.lon_deg, lat, lon)
    ground, az = np.asarray(ground, dtype=float), np.asarray(az, dtype=float)
    slant, el = slant_geometry(ground, sensor.antenna_msl_m, alt, sensor.k_factor)
    # Pd = 0 outside the radar's cover: drop those looks before terrain, aspect and Pd.
    cover = sensor.model.covers(slant, el)
    idx, lat, lon, alt, vel, ground, az, slant, el = (
        a[cover] for a in (idx, lat, lon, alt, vel, ground, az, slant, el))
    if sensor.los is not None:
        visible = alt >= sensor.los.sample(lat, lon)
    else:
        visible = _smooth_earth_visible(ground, sensor.antenna_msl_m, alt, sensor.k_factor)
    # Aspect: radar -> target line of sight in the target's own ENU frame (where vel is given).
    e_r, n_r, u_r = geodetic2enu(sensor.lat_deg, sensor.lon_deg, sensor.antenna_msl_m, lat, lon, alt)
    los_enu = -np.stack([np.asarray(e_r), np.asarray(n_r), np.asarray(u_r)], axis=-1)
    rcs = aspect_rcs_m2(table[obj_g[idx]], aspect_angle_rad(los_enu, vel))
    safe = np.maximum(slant, 1.0)
    jn = None if jam is None else _jammer_to_noise(sensor, traj, *jam, t_look[idx], az, el)
    pd_look = np.where(visible, sensor.model.pd(safe, rcs, el, jammer_to_noise=jn), 0.0)
    det = u_look.ravel()[idx] < pd_look
    d = idx[det]
    n_det = d.size

    # 2. Measurement noise of the detections.
    noise = rng.standard_normal((n_det, 3)) * np.array(
        [sensor.sigma_range_m, sensor.sigma_az_rad, sensor.sigma_el_rad])
    r_meas = np.maximum(slant[det] + noise[:, 0], 0.0)
    az_meas = np.mod(az[det] + noise[:, 1], 2.0 * np.pi)
    el_meas = np.clip(el[det] + noise[:, 2], -np.pi / 2, np.pi / 2)
    snr = sensor.model.snr_db(safe[det], rcs[det])
    # Emission control: a silent radar's detections are dropped after the draws (module notes).
    on = sensor.emitting(t_look[d])
    d, r_meas, az_meas, el_meas, snr = (a[on] for a in (d, r_meas, az_meas, el_meas, snr))
    return t_look[d], scan_g[d], obj_g[d], np.stack([r_meas, az_meas, el_meas], axis=-1), snr


def _jammer_to_noise(sensor: RadarSensor, traj: TruthSampler, sources: JammerSources,
                     alive_until_s: np.ndarray, t: np.ndarray, look_az_rad: np.ndarray,
                     look_el_rad: np.ndarray) -> np.ndarray:
    """Total J/N of every jammer at the looks at times ``t`` whose beam points at
    ``look_az_rad``, ``look_el_rad`` (:func:`iadsim.sensors.ew.jammers_to_noise`): stations
    where they are, carried pods where their carriers are at ``t`` while airborne and alive."""
    assert sensor.receiver is not None
    emitters: list = [(jammer, count, *sources.station_geodetic[k], True) for k, (jammer, count)
                      in enumerate(zip(sources.station_jammers, sources.station_counts,
                                       strict=True))]
    for obj, jammer in zip(sources.carriers.tolist(), sources.carried_jammers, strict=True):
        lat, lon, alt, _, active = traj.at(t, np.full(t.size, obj, dtype=np.int64))
        emitters.append((jammer, 1, lat, lon, alt, active & (t < alive_until_s[obj])))
    return jammers_to_noise(sensor.receiver, (sensor.lat_deg, sensor.lon_deg,
                                              sensor.antenna_msl_m), sensor.k_factor,
                            look_az_rad, look_el_rad, emitters)


def _object_azimuth(sensor: RadarSensor, traj: TruthSampler, t: np.ndarray, obj: np.ndarray,
                    fallback: np.ndarray) -> np.ndarray:
    """Azimuth of the objects in the radar's local ENU frame at times ``t`` (where the antenna
    points when the beam passes them), in [0, 2 pi); ``fallback`` where not airborne."""
    xyz, act = traj.ecef_at(t, obj)
    out = np.array(fallback, dtype=float)
    if act.any():
        p = xyz[act]
        e, n, _ = ecef2enu(p[:, 0], p[:, 1], p[:, 2], sensor.lat_deg, sensor.lon_deg, sensor.antenna_msl_m)
        out[act] = np.mod(np.arctan2(e, n), _TWO_PI)
    return out


def _false_alarms(
    sensor: RadarSensor, scans: np.ndarray, t_start_s: float, t_end_s: float,
    rng: np.random.Generator, scan_phase_s: float,
) -> _Measured:
    """False alarms (steps 3 and 4 of the draws), not yet converted."""
    model = sensor.model
    # 3. Counts per scan; 4. positions and detection statistic.
    counts = rng.poisson(sensor.mean_false_alarms_per_scan(), scans.size)
    n_fa = int(counts.sum())
    u = rng.random((n_fa, 4))
    scan_fa = np.repeat(scans, counts)
    el_lo = max(model.min_elevation_rad, -np.pi / 2)
    el_hi = min(model.max_elevation_rad, np.pi / 2)
    r = u[:, 0] * model.instrumented_range_m
    az = np.mod(sensor.sector_start_rad + u[:, 1] * sensor.sector_width_rad, 2.0 * np.pi)
    el = el_lo + u[:, 2] * (el_hi - el_lo)
    # Noise-only statistic beyond the threshold: Q(N, z) = u * pfa, i.e. the Gamma(N, 1) tail.
    n_p = float(model.n_pulses)
    z = special.gammainccinv(n_p, np.maximum(u[:, 3], 1e-300) * model.pfa)
    snr = linear_to_db(np.maximum(z / n_p - 1.0, 1e-12))
    t, _ = sensor.beam_time_s(scan_fa, az, scan_phase_s)
    keep = (t >= t_start_s) & (t < t_end_s) & sensor.emitting(t)
    polar = np.stack([r[keep], az[keep], el[keep]], axis=-1)
    return t[keep], scan_fa[keep], np.full(int(keep.sum()), -1, np.int64), polar, snr[keep]
