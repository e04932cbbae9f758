"""Track management and the multi-target tracker: :class:`TrackerConfig`, :class:`Tracker`,
:func:`run_tracker`.

One run tracks every detection it is given in one Cartesian frame (e.g. the command-post ENU
frame), so measurement-level fusion of several radars is simply feeding all their detections in.

Scan processing
---------------
Rows with the same ``time_s`` form one scan. Within a scan, detections are processed
**sequentially by** ``sensor_id`` (sorted; one group when the column is absent): every track is
predicted to the scan time once, then each sensor's detections are associated and used in turn
(zero-time-step updates). So a target seen by two radars at the same instant is updated by both
detections instead of one of them spawning a duplicate track. Track logic (M-of-N, misses)
counts scans, not sensors: a track is "hit" at a scan if any sensor's detection updated it.

Per sensor group: GNN association (:mod:`iadsim.tracking.association`) of confirmed tracks
first, then of tentative tracks on the detections left over (confirmed tracks have priority, as
in Stone Soup's ``MultiTargetTracker`` with a ``MultiMeasurementInitiator``); Kalman/IMM update
of the assigned tracks; each detection still unassigned starts a tentative track.

Track initiation (single point, [1]_, [2]_): position
= detection, position covariance = the detection's ``R``; velocity 0 with covariance
``(max_speed_m_s / 2)^2 I`` (the maximum speed is a 2-sigma bound); zero cross-covariance.

Confirmation and deletion ([1]_, sequential M-of-N logic): a tentative track is confirmed
as soon as it has ``confirm_m`` hits among its first ``confirm_n`` scans (birth scan counted as a
hit) and deleted as soon as that can no longer happen. A confirmed track is deleted after
``delete_misses`` consecutive scans without an update; until then it coasts on its prediction.

Asynchronous sensors (``revisit_s`` set): a rotating radar stamps each detection with the instant
its beam crossed the target, so detections rarely share a time and counting "scans" as distinct
times is meaningless. With ``revisit_s`` the track logic becomes time-based: a tentative track is
confirmed once it has ``confirm_m`` updates and deleted if that has not happened within
``confirm_n * revisit_s`` of its birth; a confirmed track is deleted after ``delete_misses *
revisit_s`` without an update (as Stone Soup's ``UpdateTimeDeleter``). With several sensors of
different revisit intervals (``sensor_revisit_s``), a tentative track expires on the interval of
the sensor that started it, so a fast radar's false alarms die fast while a slow radar's true
targets still have time to be confirmed; confirmed tracks use ``revisit_s`` (the longest).
Every frame (distinct time) predicts all tracks to that exact time.

Reports (``report_interval_s`` set): instead of one output row per live track at every frame,
the tracker reports every live track at multiples of ``report_interval_s`` (tracks predicted,
without being altered, from the last frame to the report time), which bounds the output of long
asynchronous runs and gives metrics a regular clock. A scan exactly at a report time is
included in that report.

Streaming: :class:`Tracker` is the same tracker fed window by window (``feed`` complete scans in
time order, ``report`` at chosen times, both also on plain arrays); :func:`run_tracker` is one
such run over a whole table.

Outputs combine the IMM modes by moment matching. Track ids are consecutive integers in order of
creation (scan time, then sensor, then detection row order), never reused.

References
----------
.. [1] S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House,
   1999 (track initiation, M-of-N confirmation, deletion).
.. [2] Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
   Navigation*, Wiley, 2001.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from iadsim.errors import InputError
from iadsim.tracking import association as assoc
from iadsim.tracking import filters, kernels

__all__ = ["TrackReport", "Tracker", "TrackerConfig", "run_tracker"]

_COV_2D = ("r_xx_m2", "r_xy_m2", "r_yy_m2")
_COV_3D = ("r_xx_m2", "r_xy_m2", "r_xz_m2", "r_yy_m2", "r_yz_m2", "r_zz_m2")


@dataclass(frozen=True)
class TrackerConfig:
    """Parameters of :func:`run_tracker` (SI units).

    Attributes
    ----------
    q_m2_s3 : float
        Power spectral density of the white-noise acceleration of the CV model, m^2/s^3, per axis
        (Bar-Shalom et al. 2001 §6.2.2). A rule of thumb: ``q ~ a_max^2 T`` for manoeuvres of
        ``a_max`` m/s^2 over a scan period ``T`` s.
    motion_model : {"cv", "imm"}
        ``"cv"``: one nearly-constant-velocity Kalman filter. ``"imm"``: IMM over
        ``[CV, CT(+turn_rate_rad_s), CT(-turn_rate_rad_s)]`` (see :mod:`iadsim.tracking.filters`).
    turn_rate_rad_s : float
        Turn rate of the IMM's two coordinated-turn models, rad/s (> 0). Default 0.1 rad/s
        (a 3 g turn at 300 m/s).
    ct_q_m2_s3 : float
        Process-noise spectral density of the CT models, m^2/s^3.
    imm_p_stay : float
        Diagonal of the IMM Markov transition matrix per scan, in (0, 1); the rest is shared
        equally by the other models.
    imm_cv_initial_probability : float
        Initial probability of the CV mode of a new track, in (0, 1); the CT modes share the rest.
    gate_probability : float
        Probability that a true detection falls inside the chi-square gate, in (0, 1).
    max_speed_m_s : float
        Maximum target speed, m/s (> 0); new tracks get velocity std ``max_speed_m_s / 2``.
    confirm_m, confirm_n : int
        M-of-N confirmation: ``confirm_m`` hits among the first ``confirm_n`` scans,
        ``1 <= confirm_m <= confirm_n``.
    delete_misses : int
        Consecutive misses that delete a confirmed track, >= 1.
    revisit_s : float or None
        Sensor revisit interval, s; when set, M-of-N and deletion are time-based (module notes).
    sensor_revisit_s : mapping of str to float, or None
        Revisit interval per ``sensor_id`` for the expiry of tentative tracks (default
        ``revisit_s`` for every sensor).
    report_interval_s : float or None
        Output clock, s; when set, tracks are reported at multiples of it (module notes).
    report_tentative : bool
        Whether tentative tracks get output rows (default ``True``); ``False`` keeps confirmed
        tracks only (a tracker fed with many false alarms holds far more tentative tracks).
    """

    q_m2_s3: float = 5.0
    motion_model: Literal["cv", "imm"] = "cv"
    turn_rate_rad_s: float = 0.1
    ct_q_m2_s3: float = 5.0
    imm_p_stay: float = 0.95
    imm_cv_initial_probability: float = 0.8
    gate_probability: float = 0.99
    max_speed_m_s: float = 700.0
    confirm_m: int = 2
    confirm_n: int = 3
    delete_misses: int = 3
    revisit_s: float | None = None
    sensor_revisit_s: Mapping[str, float] | None = None
    report_interval_s: float | None = None
    report_tentative: bool = True

    def __post_init__(self) -> None:
        def bad(name: str, allowed: str) -> InputError:
            value = getattr(self, name)
            return InputError(f"TrackerConfig.{name}: got {value!r}; allowed: {allowed}")

        for name in ("q_m2_s3", "ct_q_m2_s3"):
            if not float(getattr(self, name)) >= 0.0:
                raise bad(name, "a float >= 0 (m^2/s^3)")
        for name in ("turn_rate_rad_s", "max_speed_m_s"):
            if not float(getattr(self, name)) > 0.0:
                raise bad(name, "a float > 0")
        for name in ("imm_p_stay", "imm_cv_initial_probability", "gate_probability"):
            if not 0.0 < float(getattr(self, name)) < 1.0:
                raise bad(name, "a float in (0, 1)")
        if self.motion_model not in ("cv", "imm"):
            raise bad("motion_model", "'cv' or 'imm'")
        for name in ("confirm_m", "confirm_n", "delete_misses"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise bad(name, "an integer >= 1")
        for name in ("revisit_s", "report_interval_s"):
            value = getattr(self, name)
            if value is not None and not float(value) > 0.0:
                raise bad(name, "None or a float > 0 (s)")
        if self.sensor_revisit_s is not None and (
                self.revisit_s is None or not all(float(v) > 0.0
                                                  for v in self.sensor_revisit_s.values())):
            raise bad("sensor_revisit_s", "None, or a mapping sensor_id -> float > 0 (s) "
                      "together with revisit_s")
        if not isinstance(self.report_tentative, bool):
            raise bad("report_tentative", "True or False")
        if self.confirm_m > self.confirm_n:
            raise bad("confirm_m", f"an integer <= confirm_n ({self.confirm_n})")


@dataclass(frozen=True)
class _Detections:
    """Validated detections as arrays: ``z (k, m)``, ``r (k, m, m)``, ``time_s (k,)``, ``sensor (k,)``
    (codes into ``sensor_names``)."""

    z: np.ndarray
    r: np.ndarray
    time_s: np.ndarray
    sensor: np.ndarray
    sensor_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Motion:
    """Model bank of one run: ``omegas (r,)`` (0 = CV), ``q (r,)``, Markov matrix, initial mu."""

    omegas: np.ndarray
    q: np.ndarray
    transition: np.ndarray
    mu0: np.ndarray
    n_dim: int

    @classmethod
    def from_config(cls, config: TrackerConfig, n_dim: int) -> _Motion:
        if config.motion_model == "cv":
            return cls(np.zeros(1), np.array([config.q_m2_s3]), np.ones((1, 1)), np.ones(1), n_dim)
        w = config.turn_rate_rad_s
        p = config.imm_p_stay
        transition = np.full((3, 3), (1.0 - p) / 2.0)
        np.fill_diagonal(transition, p)
        p_cv = config.imm_cv_initial_probability
        return cls(
            np.array([0.0, w, -w]),
            np.array([config.q_m2_s3, config.ct_q_m2_s3, config.ct_q_m2_s3]),
            transition,
            np.array([p_cv, (1.0 - p_cv) / 2.0, (1.0 - p_cv) / 2.0]),
            n_dim,
        )

    def matrices(self, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
        """``F (r, d, d)`` and ``Q (r, d, d)`` for a time step ``dt_s`` (read-only, cached)."""
        return _model_matrices(float(dt_s), tuple(self.omegas), tuple(self.q), self.n_dim)

    def bank(self, steps_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`matrices` of each of ``k`` time steps: ``F (k, r, d, d)``, ``Q (k, r, d, d)``
        (left unset for steps <= 0, which predict nothing)."""
        d = 2 * self.n_dim
        f = np.empty((len(steps_s), len(self.omegas), d, d))
        q = np.empty_like(f)
        for k, dt_s in enumerate(steps_s):
            if dt_s > 0.0:
                f[k], q[k] = self.matrices(dt_s)
        return f, q


@functools.lru_cache(maxsize=1024)
def _model_matrices(dt_s: float, omegas: tuple[float, ...], q: tuple[float, ...],
                    n_dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Stacked model matrices; a tracker run meets few distinct time steps (frames)."""
    pairs = [filters.ct_model(dt_s, w, qq, n_dim) for w, qq in zip(omegas, q, strict=True)]
    f, qm = np.stack([f for f, _ in pairs]), np.stack([qq for _, qq in pairs])
    f.flags.writeable = qm.flags.writeable = False
    return f, qm


class _Tracks:
    """Struct of arrays of the live tracks, sorted by id; each field is a view of the first
    ``n`` rows of a buffer that grows by doubling. The compiled steps
    (:func:`~iadsim.tracking.kernels.process_scans`, :func:`~iadsim.tracking.kernels.prune`)
    append and remove rows in place in the whole buffers, then set ``n``.

    ``x (n, r, d)``, ``p (n, r, d, d)``, ``mu (n, r)``; integer counters ``age`` (scans since
    birth), ``hits`` (scans with an update), ``misses`` (consecutive scans without one);
    ``confirmed (n,)`` bool; ``t_birth``, ``t_hit`` (time of birth and of the last update, s);
    ``revisit`` (revisit interval of the sensor that started the track, s; NaN if unset);
    per-scan scratch ``hit (n,)`` and ``detection (n,)``; ``reported (n,)``: last detection row
    that updated the track since its last report (-1: none); ``xc (n, m)``, ``pc (n, m, m)``:
    the moment-matched position and its covariance (``m = d / 2``), the gate's inputs, kept up
    to date by the compiled steps after every prediction, update and initiation (so a scan
    reads them instead of recombining every track).
    """

    FIELDS = ("ids", "x", "p", "mu", "confirmed", "age", "hits", "misses", "hit", "detection",
              "t_birth", "t_hit", "revisit", "reported", "xc", "pc")

    def __init__(self, r: int, d: int, capacity: int = 64) -> None:
        m = d // 2
        shapes = {"x": (r, d), "p": (r, d, d), "mu": (r,), "xc": (m,), "pc": (m, m)}
        types = {"confirmed": bool, "hit": bool, "t_birth": float, "t_hit": float,
                 "revisit": float, "x": float, "p": float, "mu": float, "xc": float,
                 "pc": float}
        buf = {name: np.zeros((capacity, *shapes.get(name, ())), types.get(name, np.int64))
               for name in self.FIELDS}
        #: number of live tracks (set after a kernel added or removed rows in place)
        self.n = 0
        self._buf = buf
        #: the whole buffers in FIELDS order (live rows ``:n``), for the compiled steps
        self.buffers = tuple(buf[name] for name in self.FIELDS)

    def __getattr__(self, name: str) -> np.ndarray:
        buf = self.__dict__["_buf"]
        if name not in buf:
            raise AttributeError(name)
        return buf[name][: self.n]

    def reserve(self, k: int) -> None:
        """Make room for ``k`` more tracks after the live ones (buffers double as they fill)."""
        n, buf = self.n, self._buf
        if n + k > len(buf["ids"]):
            size = max(2 * len(buf["ids"]), n + k)
            for name, a in buf.items():
                grown = np.zeros((size, *a.shape[1:]), a.dtype)
                grown[:n] = a[:n]
                buf[name] = grown
            self.buffers = tuple(buf[name] for name in self.FIELDS)


def _cholesky_exists(r: np.ndarray) -> bool:
    """Whether LAPACK factorises every matrix of ``r (k, m, m)``: is positive definite."""
    try:
        np.linalg.cholesky(r)
    except np.linalg.LinAlgError:
        return False
    return True


def _column_error(message: str, allowed: str) -> InputError:
    return InputError(f"detections: {message}; allowed: {allowed}")


def _numeric(df: pd.DataFrame, name: str, allowed: str) -> np.ndarray:
    try:
        values = df[name].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise _column_error(f"column {name!r} is not numeric ({exc})", allowed) from exc
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise _column_error(f"column {name!r} has a non-finite value at row {row}", allowed)
    return values


def _read_detections(detections: pd.DataFrame) -> _Detections:
    """Validate the input table and convert it to arrays (see :func:`run_tracker`)."""
    allowed = (
        "columns time_s, x_m, y_m, optional z_m (3-D), and either sigma_m (isotropic std, m) or "
        "r_xx_m2, r_xy_m2, r_yy_m2 (2-D) / r_xx_m2, r_xy_m2, r_xz_m2, r_yy_m2, r_yz_m2, r_zz_m2 "
        "(3-D); optional sensor_id"
    )
    if not isinstance(detections, pd.DataFrame):
        raise _column_error(f"expected a pandas.DataFrame, got {type(detections).__name__}", allowed)
    n_dim = 3 if "z_m" in detections.columns else 2
    axes = ("x_m", "y_m", "z_m")[:n_dim]
    for name in ("time_s", *axes):
        if name not in detections.columns:
            raise _column_error(f"missing column {name!r}", allowed)
    z = np.column_stack([_numeric(detections, a, allowed) for a in axes])
    time_s = _numeric(detections, "time_s", allowed)
    cov_names = _COV_3D if n_dim == 3 else _COV_2D
    present = [c for c in cov_names if c in detections.columns]
    k = len(detections)
    if present:
        missing = [c for c in cov_names if c not in detections.columns]
        if missing:
            raise _column_error(f"covariance columns {missing} missing (have {present})", allowed)
        c = {name: _numeric(detections, name, allowed) for name in cov_names}
        if n_dim == 2:
            rows = [[c["r_xx_m2"], c["r_xy_m2"]], [c["r_xy_m2"], c["r_yy_m2"]]]
        else:
            rows = [
                [c["r_xx_m2"], c["r_xy_m2"], c["r_xz_m2"]],
                [c["r_xy_m2"], c["r_yy_m2"], c["r_yz_m2"]],
                [c["r_xz_m2"], c["r_yz_m2"], c["r_zz_m2"]],
            ]
        r = np.moveaxis(np.array(rows, dtype=float).reshape(n_dim, n_dim, k), -1, 0)
        try:
            np.linalg.cholesky(r)                  # exists iff every matrix is positive definite
        except np.linalg.LinAlgError:
            low = np.linalg.eigvalsh(r)[:, 0]
            bad = np.flatnonzero(low <= 0.0)      # first such row (borderline: the least PD)
            row = int(bad[0] if bad.size else np.argmin(low))
            raise _column_error(f"covariance at row {row} is not positive definite", allowed
                                ) from None
    elif "sigma_m" in detections.columns:
        sigma = _numeric(detections, "sigma_m", allowed)
        if (sigma <= 0.0).any():
            row = int(np.flatnonzero(sigma <= 0.0)[0])
            raise _column_error(f"sigma_m must be > 0 (row {row}: {sigma[row]!r})", allowed)
        r = sigma[:, None, None] ** 2 * np.eye(n_dim)
    else:
        raise _column_error("no measurement noise: missing column 'sigma_m' or r_*_m2", allowed)
    if "sensor_id" in detections.columns:
        codes, names = pd.factorize(detections["sensor_id"], sort=True)
        if (codes < 0).any():
            row = int(np.flatnonzero(codes < 0)[0])
            raise _column_error(f"column 'sensor_id' has a missing value at row {row}", allowed)
        sensor, sensor_names = codes.astype(np.int64), tuple(str(n) for n in names)
    else:
        sensor, sensor_names = np.zeros(k, dtype=np.int64), ("",)
    return _Detections(z, r, time_s, sensor, sensor_names)


class TrackReport(NamedTuple):
    """The tracks at one report time as arrays (:meth:`Tracker.report_arrays`); ``d = 2 n_dim``.

    Attributes
    ----------
    time_s : float
        Report time, s.
    track_id : array of int (n,)
        Track ids, ascending.
    confirmed : array of bool (n,)
        Confirmed (else tentative).
    state : array (n, d)
        ``[x_m, y_m, (z_m), vx_m_s, vy_m_s, (vz_m_s)]`` (IMM modes combined).
    cov : array (n, d, d)
        Covariance of ``state``, SI.
    detection_index : array of int (n,)
        Index of the detection that last updated the track since the previous report, -1 if
        none.
    """

    time_s: float
    track_id: np.ndarray
    confirmed: np.ndarray
    state: np.ndarray
    cov: np.ndarray
    detection_index: np.ndarray


def _sorted_sensor_names(sensor_names: object) -> tuple[str, ...]:
    """``sensor_names`` as distinct strings in processing order: sorted as values (numbers
    numerically, as pandas sorts a ``sensor_id`` column), then compared as ``str``."""
    if isinstance(sensor_names, str) or not isinstance(sensor_names, Iterable):
        raise InputError(f"Tracker.sensor_names: got {sensor_names!r}; allowed: a tuple of "
                         "sensor_id values, e.g. ('radar_a', 'radar_b')")
    values = set(sensor_names)
    if not values:
        raise InputError("Tracker.sensor_names: got (); allowed: one or more sensor_id values "
                         "('' when the detections have no sensor_id column)")
    try:
        ordered = sorted(values)
    except TypeError:                              # mixed types: sort by their text
        ordered = sorted(values, key=str)
    names = tuple(str(v) for v in ordered)
    if len(set(names)) != len(names):
        raise InputError(f"Tracker.sensor_names: got {ordered!r}, two of which are the same "
                         "text; allowed: values distinct as strings (sensor_id is compared as str)")
    return names


class Tracker:
    """Stateful multi-target tracker: detections are fed in time order, reports asked for at will.

    This is the tracker of :func:`run_tracker` (module notes) with its loop opened up for a
    caller that senses the world window by window (the closed-loop engine): :meth:`feed` a
    window of detections, then :meth:`report` the tracks at the window's end, and so on.
    Feeding the detections of :func:`run_tracker` window by window and reporting at its report
    times gives exactly (bit for bit) its output.

    Parameters
    ----------
    config : TrackerConfig
        Tracker parameters. ``report_interval_s`` is not used here: the caller chooses the
        report times (``report_tentative`` is).
    n_dim : {2, 3}
        Tracking dimension; the detections must have ``z_m`` exactly when it is 3.
    sensor_names : tuple of str
        Every ``sensor_id`` value the tracker may be fed (``("",)`` for detections without a
        ``sensor_id`` column). Within a scan, sensors are processed in sorted order, as by
        :func:`run_tracker`; their revisit intervals come from ``config.sensor_revisit_s``.

    Notes
    -----
    **Complete scans per feed.** Rows with equal ``time_s`` form one scan, processed when fed
    (track logic included), so a scan cannot be continued by a later call: every detection fed
    must be later than the last processed time, which is the later of the last scan (see
    :attr:`time_s`) and the last report. A caller feeding report windows should feed the
    detections with ``R_prev < time_s <= R``, then report at ``R`` (a scan exactly at a report
    time belongs to that report, as in :func:`run_tracker`).

    **Detection indices.** Each fed detection has a global index, reported in
    ``detection_index``; by default its position in the concatenation of every table fed so far
    (rows of empty tables not counted), or the caller's own through ``feed(..., index=)``.

    **Cost.** Per call, the work is proportional to the rows fed and the live tracks, never to
    the history. :meth:`feed_arrays` and :meth:`report_arrays` do the same as :meth:`feed` and
    :meth:`report` on plain arrays, without the per-call cost of building or reading a table
    (the larger part of a call on a small window).

    Examples
    --------
    >>> det = pd.DataFrame({"time_s": [0.0, 1.0, 2.0], "x_m": [0.0, 100.0, 200.0],
    ...                     "y_m": [0.0, 0.0, 0.0], "sigma_m": [10.0, 10.0, 10.0]})
    >>> tracker = Tracker(TrackerConfig(), n_dim=2)
    >>> tracker.feed(det.iloc[:2])
    >>> tracker.feed(det.iloc[2:])
    >>> out = tracker.report(2.5)          # predicted half a second past the last scan
    >>> out[["time_s", "track_id", "status", "detection_index"]].values.tolist()
    [[2.5, 0, 'confirmed', 2]]
    >>> tracker.time_s
    2.0
    """

    def __init__(self, config: TrackerConfig, n_dim: int = 3,
                 sensor_names: tuple[str, ...] = ("",)) -> None:
        if not isinstance(config, TrackerConfig):
            raise InputError(f"config: expected a TrackerConfig, got {type(config).__name__}")
        if isinstance(n_dim, bool) or n_dim not in (2, 3):
            raise InputError(f"Tracker.n_dim: got {n_dim!r}; allowed: 2 or 3")
        self.config = config
        #: tracking dimension (2 or 3)
        self.n_dim = int(n_dim)
        #: the sensor_id values accepted, in processing order
        self.sensor_names = _sorted_sensor_names(sensor_names)
        self._code = {name: k for k, name in enumerate(self.sensor_names)}
        #: revisit interval of confirmed tracks, s (NaN: unset, scan-based logic)
        self._revisit_s = np.nan if config.revisit_s is None else float(config.revisit_s)
        per_sensor = config.sensor_revisit_s or {}
        #: revisit interval (s) per sensor code (NaN: unset)
        self._sensor_revisit = np.array([float(per_sensor.get(n, self._revisit_s))
                                         for n in self.sensor_names])
        self._motion = _Motion.from_config(config, self.n_dim)
        self._gamma = assoc.gate_threshold(config.gate_probability, self.n_dim)
        self._tracks = _Tracks(len(self._motion.omegas), 2 * self.n_dim)
        #: variance of each velocity component of a new track, m^2/s^2 (module notes)
        self._velocity_var = (config.max_speed_m_s / 2.0) ** 2
        self._next_id = 0
        self._scan_time: float | None = None       # time of the last scan, s (as given)
        # the filter clock: first scan time plus the scan-to-scan steps (kept as run_tracker
        # has always summed it; it can differ from _scan_time in the last bits)
        self._clock = 0.0
        self._processed: float | None = None      # last scan or report time, s
        self._n_fed = 0

    @property
    def time_s(self) -> float | None:
        """Time of the last processed scan, s (``None`` before the first)."""
        return self._scan_time

    # -- public streaming API ------------------------------------------------------------

    def feed(self, detections: pd.DataFrame, index: np.ndarray | None = None) -> None:
        """Process detections: every scan in them, in time order (see the class notes).

        Parameters
        ----------
        detections : pandas.DataFrame
            Columns as for :func:`run_tracker` (``z_m`` exactly when ``n_dim`` is 3,
            ``sensor_id`` among ``sensor_names``, or absent when they are ``("",)``), in any
            row order, every ``time_s`` later than the last processed time. An empty table
            does nothing.
        index : array of int, optional
            Global index of each row (``>= 0``), reported as ``detection_index``; default the
            running count of rows fed.

        Raises
        ------
        iadsim.errors.InputError
            A column is invalid (as :func:`run_tracker`), the dimension or a ``sensor_id`` is
            not this tracker's, ``index`` does not fit, or a ``time_s`` is not after the last
            processed time. Nothing is processed then.
        """
        k = len(detections) if isinstance(detections, pd.DataFrame) else None
        if k is not None:
            index = self._index(index, k)
        if k == 0:
            return
        det = _read_detections(detections)
        m = det.z.shape[1]
        if m != self.n_dim:
            raise _column_error(f"{m}-D detections ({'with' if m == 3 else 'no'} column z_m) "
                                f"fed to a {self.n_dim}-D tracker",
                                f"columns x_m, y_m{', z_m' if self.n_dim == 3 else ''}")
        if "sensor_id" not in detections.columns and "" not in self._code:
            raise _column_error("no column sensor_id", "column sensor_id with values in "
                                f"{list(self.sensor_names)}")
        unknown = [n for n in det.sensor_names if n not in self._code]
        if unknown:
            raise _column_error(f"sensor_id {unknown[0]!r} is not one of this tracker's sensors",
                                f"{list(self.sensor_names)} (Tracker sensor_names)")
        codes = np.array([self._code[n] for n in det.sensor_names], np.int64)[det.sensor]
        self._feed_checked(det, codes, index, "detections: time_s")

    def feed_arrays(self, time_s: np.ndarray, position_m: np.ndarray, cov_m2: np.ndarray,
                    sensor: np.ndarray | None = None, index: np.ndarray | None = None) -> None:
        """:meth:`feed` without a table (no pandas work per call, for a simulation loop).

        Parameters
        ----------
        time_s : array (k,)
            Detection times, s, all later than the last processed time.
        position_m : array (k, n_dim)
            Measured positions, m.
        cov_m2 : array (k, n_dim, n_dim)
            Measurement covariances, m^2 (symmetric positive definite).
        sensor : array of int (k,), optional
            Position of each detection's sensor in :attr:`sensor_names`; may be omitted when
            there is one sensor.
        index : array of int (k,), optional
            As for :meth:`feed`.

        Raises
        ------
        iadsim.errors.InputError
            A shape, value or time is not allowed (nothing is processed then).
        """
        z, r, t = (np.asarray(a, dtype=float) for a in (position_m, cov_m2, time_s))
        k, m = len(t), self.n_dim
        if t.shape != (k,) or z.shape != (k, m) or r.shape != (k, m, m):
            raise InputError(f"Tracker.feed_arrays: shapes time_s {t.shape}, position_m "
                             f"{z.shape}, cov_m2 {r.shape}; allowed: (k,), (k, {m}), "
                             f"(k, {m}, {m})")
        index = self._index(index, k)
        n_sensors = len(self.sensor_names)
        if sensor is None and n_sensors > 1:
            raise InputError(f"Tracker.feed_arrays: sensor missing; allowed: positions in "
                             f"{list(self.sensor_names)}, one per detection")
        codes = np.zeros(k, np.int64) if sensor is None else np.asarray(sensor)
        if codes.shape != (k,) or not np.issubdtype(codes.dtype, np.integer) or (
                k and not 0 <= codes.min() <= codes.max() < n_sensors):
            raise InputError(f"Tracker.feed_arrays: sensor of shape {codes.shape} and dtype "
                             f"{codes.dtype}; allowed: {k} integers in [0, {n_sensors}), "
                             f"positions in {list(self.sensor_names)}")
        if k == 0:
            return
        check = kernels.spd_check(t, z, r)       # 3: LAPACK decides (borderline matrices)
        if check == 1:
            raise InputError("Tracker.feed_arrays: a non-finite time_s, position_m or cov_m2; "
                             "allowed: finite values")
        if check == 2 or (check == 3 and not _cholesky_exists(r)):
            raise InputError("Tracker.feed_arrays: a cov_m2 matrix is not symmetric positive "
                             "definite; allowed: covariance matrices")
        det = _Detections(z, r, t, codes.astype(np.int64), self.sensor_names)
        self._feed_checked(det, det.sensor, index, "Tracker.feed_arrays: time_s")

    def _feed_checked(self, det: _Detections, codes: np.ndarray, index: np.ndarray,
                      what: str) -> None:
        """Check the times of validated detections, then process them (``codes``: sensor
        positions in :attr:`sensor_names`)."""
        first = float(det.time_s.min())
        if self._processed is not None and not first > self._processed:
            raise InputError(f"{what} {first!r} is not after the last processed time "
                             f"{self._processed!r} (last scan or report); allowed: times > "
                             f"{self._processed!r}: feed complete scans in time order")
        self._process(det, codes, np.lexsort((codes, det.time_s)), index)
        self._n_fed += len(index)

    def report(self, time_s: float) -> pd.DataFrame:
        """The live tracks at ``time_s``, predicted from the last scan without being altered.

        Parameters
        ----------
        time_s : float
            Report time, s, not before the last processed time. Tracks that have timed out by
            then (time-based logic, ``config.revisit_s`` set) are deleted first.

        Returns
        -------
        pandas.DataFrame
            The rows of :func:`run_tracker`'s output at one report time (same columns, dtypes
            and order; tentative tracks only if ``config.report_tentative``);
            ``detection_index`` is the index of the detection that last updated the track
            since the previous report, ``-1`` if none.

        Raises
        ------
        iadsim.errors.InputError
            ``time_s`` is not finite or is before the last processed time.
        """
        return _output_frame([self.report_arrays(time_s)], self.n_dim)

    def report_arrays(self, time_s: float) -> TrackReport:
        """:meth:`report` without a table: the same rows as a :class:`TrackReport`.

        Raises
        ------
        iadsim.errors.InputError
            ``time_s`` is not finite or is before the last processed time.
        """
        try:
            t = float(time_s)
        except (TypeError, ValueError) as exc:
            raise InputError(f"Tracker.report: time_s {time_s!r} is not a number") from exc
        if not np.isfinite(t) or (self._processed is not None and t < self._processed):
            raise InputError(f"Tracker.report: time_s {time_s!r} is before the last processed "
                             f"time {self._processed!r} (last scan or report) or not finite; "
                             f"allowed: a time >= {self._processed!r}")
        self._processed = t
        return TrackReport(t, *self._report(t))

    # -- internals ------------------------------------------------------------------------

    def _index(self, index: np.ndarray | None, k: int) -> np.ndarray:
        if index is None:
            return np.arange(self._n_fed, self._n_fed + k, dtype=np.int64)
        a = np.asarray(index)
        if a.shape != (k,) or not (np.issubdtype(a.dtype, np.integer) and (a >= 0).all()):
            raise InputError(f"Tracker.feed: index of shape {a.shape} and dtype {a.dtype}; "
                             f"allowed: {k} integers >= 0, one per detection row")
        return a.astype(np.int64)

    def _process(self, det: _Detections, codes: np.ndarray, rows: np.ndarray,
                 index: np.ndarray, on_scan: Callable[[float], None] | None = None) -> None:
        """Process detection rows ``rows`` of ``det`` (sorted by time, then sensor ``codes``;
        starting a new scan); ``index``: global index of every row of ``det``. ``on_scan(t)``
        is called after each scan.

        The scan loop is one compiled call (:func:`~iadsim.tracking.kernels.process_scans`,
        one per scan with ``on_scan``); here only the model matrices of each scan's time step.
        """
        if not len(rows):
            return
        previous = det.time_s[rows[0]] if self._scan_time is None else self._scan_time
        group_start, scan_start, scan_s, dt = kernels.scan_layout(det.time_s, codes, rows,
                                                                  previous)
        if self._scan_time is None:                # the clock starts at the first scan
            self._clock = float(previous)
        cfg, t = self.config, self._tracks
        t.reserve(len(rows))
        inputs = (det.z, det.r, index, codes, rows, group_start, scan_start, dt,
                  *self._motion.bank(dt), self._motion.transition, self._sensor_revisit)
        scan = 0
        while scan < len(scan_s):
            t.n, self._next_id, self._clock, scan = kernels.process_scans(
                *t.buffers, t.n, self._next_id, self._clock, *inputs, scan, on_scan is not None,
                self._gamma, assoc.FORBIDDEN_COST, self._motion.mu0, self._velocity_var,
                cfg.confirm_m, cfg.confirm_n, cfg.delete_misses, self._revisit_s)
            self._scan_time = float(scan_s[scan - 1])
            if on_scan is not None:
                on_scan(self._scan_time)
        self._processed = self._scan_time

    def _snapshot(self) -> tuple[np.ndarray, ...]:
        """``ids, confirmed, x (n, d), p (n, d, d), detection`` of the live tracks."""
        t = self._tracks
        x, p = kernels.imm_combine(t.x, t.p, t.mu, 2 * self.n_dim)
        return t.ids.copy(), t.confirmed.copy(), x, p, t.detection.copy()

    def _report(self, time_s: float) -> tuple[np.ndarray, ...]:
        """The reported rows of :meth:`_snapshot` (:func:`_reported_rows`) at ``time_s`` >= the
        clock, the tracks predicted (not altered); only those rows are predicted.

        ``detection`` is the last detection that updated each track since its last report.
        Tracks that have timed out by ``time_s`` are deleted first.
        """
        t = self._tracks
        if self.config.revisit_s is not None:
            cfg = self.config
            t.n = kernels.prune(*t.buffers, t.n, time_s, cfg.confirm_m, cfg.confirm_n,
                                cfg.delete_misses, self._revisit_s, False)
        rows = _reported_rows(t.confirmed, self.config)
        x, p, mu = t.x[rows], t.p[rows], t.mu[rows]          # copies: the tracks stay as they are
        dt = time_s - self._clock
        if dt > 0.0 and len(rows):
            kernels.imm_predict(x, p, mu, self._motion.transition, *self._motion.matrices(dt))
        xc, pc = kernels.imm_combine(x, p, mu, 2 * self.n_dim)
        detection = t.reported[rows]
        t.reported[:] = -1
        return t.ids[rows], t.confirmed[rows], xc, pc, detection


def _reported_rows(confirmed: np.ndarray, config: TrackerConfig) -> np.ndarray:
    """The rows of the live tracks that a report shows: tentative ones only with
    ``config.report_tentative``."""
    return np.arange(confirmed.size) if config.report_tentative else np.flatnonzero(confirmed)


def _chunk(time_s: float, tracks: tuple[np.ndarray, ...], config: TrackerConfig) -> tuple:
    """One output time: ``(time_s, ids, confirmed, x, p, detection)``, the rows a report shows
    (:func:`_reported_rows`)."""
    keep = _reported_rows(tracks[1], config)
    return (time_s, *(a[keep] for a in tracks))


def _output_frame(chunks: list[tuple[np.ndarray, ...]], n_dim: int) -> pd.DataFrame:
    names = ["x_m", "y_m", "z_m"][:n_dim] + ["vx_m_s", "vy_m_s", "vz_m_s"][:n_dim]
    time_s = np.concatenate([np.full(len(c[1]), c[0]) for c in chunks]) if chunks else np.zeros(0)
    d = 2 * n_dim

    def cat(i: int, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        return np.concatenate([c[i] for c in chunks]) if chunks else np.zeros(shape, dtype)

    ids = cat(1, (0,), np.int64)
    confirmed = cat(2, (0,), bool)
    x = cat(3, (0, d), float)
    p = cat(4, (0, d, d), float)
    out = {
        "time_s": time_s,
        "track_id": ids.astype(np.int64),
        "status": np.where(confirmed, "confirmed", "tentative"),
    }
    out.update({name: x[:, i] for i, name in enumerate(names)})
    out["cov"] = list(p.reshape(len(p), d * d))        # row views (pyarrow: list<double>)
    out["detection_index"] = cat(5, (0,), np.int64).astype(np.int64)
    return pd.DataFrame(out)


def run_tracker(detections: pd.DataFrame, config: TrackerConfig) -> pd.DataFrame:
    """Track all targets in a detection table (GNN, Kalman or IMM, M-of-N logic).

    Parameters
    ----------
    detections : pandas.DataFrame
        One row per detection in one Cartesian frame (e.g. command-post ENU). Columns:
        ``time_s`` (s); ``x_m``, ``y_m`` and optional ``z_m`` (m; tracking is 3-D when ``z_m`` is
        present); measurement noise as either ``sigma_m`` (isotropic std, m) or the full
        covariance ``r_xx_m2, r_xy_m2, r_yy_m2`` (2-D) / ``r_xx_m2, r_xy_m2, r_xz_m2, r_yy_m2,
        r_yz_m2, r_zz_m2`` (3-D), m^2 (used when both are given); optional ``sensor_id``.
        Rows with equal ``time_s`` form one scan (see the module notes on several sensors).
        Scans exist only where there are detections: a radar scan with no detection at all
        is not seen, so it neither predicts nor counts as a miss.
    config : TrackerConfig
        Tracker parameters.

    Returns
    -------
    pandas.DataFrame
        One row per (scan time, live track; confirmed tracks only unless
        ``config.report_tentative``), sorted by ``(time_s, track_id)``: ``time_s``,
        ``track_id`` (int), ``status`` (``'tentative'`` or ``'confirmed'``), ``x_m, y_m,
        [z_m]``, ``vx_m_s, vy_m_s, [vz_m_s]``, ``cov`` (list of float, row-major ``d x d``
        covariance of the state ``[x, y, (z), vx, vy, (vz)]``, SI), ``detection_index`` (int,
        positional row of ``detections`` that last updated the track at that scan, ``-1`` when
        coasted). A track deleted at a scan has no row at that scan.

    Raises
    ------
    iadsim.errors.InputError
        A column is missing, non-numeric, non-finite, or a covariance is not positive definite.

    See Also
    --------
    Tracker : the same tracker fed window by window.

    Examples
    --------
    >>> det = pd.DataFrame({"time_s": [0.0, 1.0, 2.0], "x_m": [0.0, 100.0, 200.0],
    ...                     "y_m": [0.0, 0.0, 0.0], "sigma_m": [10.0, 10.0, 10.0]})
    >>> out = run_tracker(det, TrackerConfig())
    >>> out[["time_s", "track_id", "status", "detection_index"]].values.tolist()
    [[0.0, 0, 'tentative', 0], [1.0, 0, 'confirmed', 1], [2.0, 0, 'confirmed', 2]]
    """
    if not isinstance(config, TrackerConfig):
        raise InputError(f"config: expected a TrackerConfig, got {type(config).__name__}")
    det = _read_detections(detections)
    values = tuple(pd.unique(detections["sensor_id"])) if "sensor_id" in detections else ("",)
    tracker = Tracker(config, det.z.shape[1], values)
    codes = np.array([tracker._code[n] for n in det.sensor_names], np.int64)[det.sensor]
    order = np.lexsort((codes, det.time_s))
    index = np.arange(len(order), dtype=np.int64)
    chunks: list[tuple[np.ndarray, ...]] = []
    step = config.report_interval_s
    if step is None:                               # a snapshot after every scan
        tracker._process(det, codes, order, index,
                         lambda t: chunks.append(_chunk(t, tracker._snapshot(), config)))
        return _output_frame(chunks, tracker.n_dim)
    times = det.time_s[order]
    start = 0
    if len(order):
        # reports at R0 = ceil(t0 / step) step, R0 + step, ... up to the last scan; each after
        # the scans at times <= R (the clock is summed, as it always has been)
        report_s = np.ceil(times[0] / step) * step
        while report_s <= times[-1]:
            end = int(np.searchsorted(times, report_s, side="right"))
            tracker._process(det, codes, order[start:end], index)
            chunks.append((report_s, *tracker._report(report_s)))
            start = end
            report_s += step
    tracker._process(det, codes, order[start:], index)
    return _output_frame(chunks, tracker.n_dim)
