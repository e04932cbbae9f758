"""Threat evaluation: rank air tracks by how much defended value they threaten, and how soon.

Model
-----
Tracks move in straight lines at constant velocity (the tracker's state, local ENU frame of the
command post, :mod:`iadsim.tracking`); assets are fixed points in the same frame. For track ``i``
and asset ``j`` with relative position ``r = p_i - a_j`` and velocity ``v = v_i``:

* **closing** when ``r . v < 0``; then the closest point of approach (CPA) is at
  ``t_cpa = -(r . v) / |v|^2`` and ``d_cpa = |r + v t_cpa|``. A track that is not closing
  (receding, tangential or stationary) has passed its CPA: ``t_cpa = inf`` and ``d_cpa = |r|``
  (its current distance, the closest it will come).
* **closing speed** ``-(r . v) / |r|`` (minus the range rate), > 0 when closing.
* **threat value** of the pair

  ``w_ij = value_j * priority(type_i) * tau / (tau + t_cpa) * [d_cpa <= R_j] * [closing]``

  -- the asset's value, the type priority (``type_priority[type]``, else ``default_priority``),
  a time-to-go factor that falls from 1 (now) to 1/2 at ``t_cpa = tau`` (``time_scale_s``) and
  to 0 for a receding track, and a cut-off: a track whose CPA misses the asset by more than its
  defended radius ``R_j`` (column ``radius_m`` of ``assets``, else ``defended_radius_m``)
  does not threaten it. The hyperbolic factor (rather than an exponential) keeps distant raids
  ordered by time-to-go instead of flattening them all to ~0.

A track's threat value is that of its **most threatened asset**, ``max_j w_ij``; that asset is
reported (``asset_id``) with the pair's CPA time, CPA distance and closing speed. When the track
threatens no asset (all ``w_ij = 0``) the asset reported is the one it passes closest to.
This is the "value-based" family of threat evaluation (Roux & van Vuuren 2007; Johansson &
Falkman 2008): capability (type priority) x intent/opportunity (CPA inside the defended area)
x imminence (time to go).

:func:`evaluate_threats` checks its DataFrames and returns one; :class:`ThreatModel` holds checked
assets and weights and evaluates numpy arrays (:class:`Threats`, readable reasons on demand),
for callers that evaluate many pictures against the same assets.

References
----------
.. [1] J. N. Roux and J. H. van Vuuren, "Threat evaluation and weapon assignment decision
   support: a review of the state of the art," ORiON 23(2), 151-187, 2007.
.. [2] F. Johansson and G. Falkman, "A comparison between two approaches to threat evaluation in
   an air defense scenario," MDAI 2008, LNCS 5285, 110-121.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iadsim.errors import InputError

__all__ = ["THREAT_COLUMNS", "ThreatModel", "Threats", "evaluate_threats"]

#: Columns of the result of :func:`evaluate_threats`, in order.
THREAT_COLUMNS = ["track_id", "threat_value", "time_to_asset_s", "cpa_distance_m", "closing_speed_m_s",
                  "asset_id", "reasons"]

_TRACK_COLUMNS = ("track_id", "x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s")
_ASSET_COLUMNS = ("asset_id", "x_m", "y_m", "z_m", "value")


def _check_columns(df: pd.DataFrame, name: str, required: tuple[str, ...]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{name}: expected a pandas.DataFrame, got {type(df).__name__}")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{name}: missing columns {missing}; allowed: a DataFrame with columns "
                         f"{list(required)}")


def _finite(df: pd.DataFrame, name: str, columns: tuple[str, ...]) -> np.ndarray:
    arr = np.column_stack([df[c].to_numpy(dtype=float) for c in columns]).reshape(
        len(df), len(columns))
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: non-finite values in {list(columns)}; allowed: finite floats (SI)")
    return arr


def _km(x: float) -> str:
    return f"{x / 1000.0:.1f} km"


def evaluate_threats(tracks: pd.DataFrame, assets: pd.DataFrame,
                     type_priority: Mapping[str, float] | None = None, *,
                     defended_radius_m: float = 10_000.0, time_scale_s: float = 60.0,
                     default_priority: float = 1.0) -> pd.DataFrame:
    """Rank tracks by threat value, most threatening first (model in the module notes).

    Parameters
    ----------
    tracks : pandas.DataFrame
        One row per track: ``track_id, x_m, y_m, z_m, vx_m_s, vy_m_s, vz_m_s`` (local ENU frame,
        SI) and optionally ``type`` (str; missing/NaN -> ``default_priority``).
    assets : pandas.DataFrame
        One row per defended asset: ``asset_id, x_m, y_m, z_m, value`` (value >= 0) and
        optionally ``radius_m`` (defended radius, > 0; default ``defended_radius_m``).
    type_priority : mapping of str to float, optional
        Priority multiplier (>= 0) per track type, e.g. ``{"cruise_missile": 1.5}``.
    defended_radius_m : float
        Default defended radius of an asset, m (> 0).
    time_scale_s : float
        ``tau`` of the time-to-go factor ``tau / (tau + t_cpa)``, s (> 0).
    default_priority : float
        Priority of a type absent from ``type_priority`` (>= 0).

    Returns
    -------
    pandas.DataFrame
        One row per track, sorted by ``threat_value`` descending, then ``time_to_asset_s`` and
        ``cpa_distance_m`` ascending, then input order; columns :data:`THREAT_COLUMNS`:
        ``track_id``, ``threat_value``, ``time_to_asset_s`` (CPA time to the reported asset, s;
        ``inf`` if not closing), ``cpa_distance_m``, ``closing_speed_m_s`` (negative when
        opening), ``asset_id`` (most threatened asset), ``reasons`` (the terms, readable).

    Examples
    --------
    >>> tracks = pd.DataFrame({"track_id": ["T1"], "x_m": [30_000.0], "y_m": [0.0], "z_m": [100.0],
    ...                        "vx_m_s": [-250.0], "vy_m_s": [0.0], "vz_m_s": [0.0],
    ...                        "type": ["cruise_missile"]})
    >>> assets = pd.DataFrame({"asset_id": ["airbase"], "x_m": [0.0], "y_m": [0.0], "z_m": [100.0],
    ...                        "value": [2.0]})
    >>> row = evaluate_threats(tracks, assets, {"cruise_missile": 1.5}).iloc[0]
    >>> float(row.time_to_asset_s), float(row.threat_value)
    (120.0, 1.0)
    >>> row.reasons
    'CPA 0.0 km to airbase in 120 s; closing 250 m/s; type cruise_missile ×1.5; asset value 2'
    """
    _check_columns(tracks, "tracks", _TRACK_COLUMNS)
    model = ThreatModel.of(assets, type_priority, defended_radius_m=defended_radius_m,
                           time_scale_s=time_scale_s, default_priority=default_priority)
    pos = _finite(tracks, "tracks", ("x_m", "y_m", "z_m"))  # (n, 3)
    vel = _finite(tracks, "tracks", ("vx_m_s", "vy_m_s", "vz_m_s"))  # (n, 3)
    types = ([None if (t is None or (isinstance(t, float) and np.isnan(t))) else str(t)
              for t in tracks["type"].tolist()] if "type" in tracks.columns else None)
    th = model.evaluate(pos, vel, types)
    order = th.order
    return pd.DataFrame({
        "track_id": tracks["track_id"].to_numpy()[order],
        "threat_value": th.value[order],
        "time_to_asset_s": th.time_to_asset_s[order],
        "cpa_distance_m": th.cpa_distance_m[order],
        "closing_speed_m_s": th.closing_speed_m_s[order],
        "asset_id": model.asset_ids[th.asset[order]],
        "reasons": np.array([th.reason(int(i)) for i in order], dtype=object),
    }, columns=THREAT_COLUMNS)


@dataclass(frozen=True)
class ThreatModel:
    """Defended assets and weights of the threat evaluation, checked once (SI, module notes).

    The numpy core of :func:`evaluate_threats`, for callers that evaluate many pictures against
    the same assets (the engine's decision loop): :meth:`evaluate` takes position and velocity
    arrays and builds no DataFrame.
    """

    asset_ids: np.ndarray  # (m,) object
    asset_pos: np.ndarray  # (m, 3), m
    asset_value: np.ndarray  # (m,)
    radius_m: np.ndarray  # (m,) defended radii, m
    type_priority: dict[str, float]
    time_scale_s: float
    default_priority: float

    @classmethod
    def of(cls, assets: pd.DataFrame, type_priority: Mapping[str, float] | None = None, *,
           defended_radius_m: float = 10_000.0, time_scale_s: float = 60.0,
           default_priority: float = 1.0) -> ThreatModel:
        """Check and hold the assets and weights (arguments as for :func:`evaluate_threats`)."""
        _check_columns(assets, "assets", _ASSET_COLUMNS)
        if len(assets) == 0:
            raise InputError("assets: empty; allowed: at least one defended asset")
        for name, x, strict in (("defended_radius_m", defended_radius_m, True),
                                ("time_scale_s", time_scale_s, True),
                                ("default_priority", default_priority, False)):
            if not (float(x) > 0.0 if strict else float(x) >= 0.0) or not np.isfinite(float(x)):
                raise InputError(f"{name}: got {x!r}; allowed: a finite float {'>' if strict else '>='} 0")
        priorities = dict(type_priority or {})
        bad = {k: v for k, v in priorities.items() if not (np.isfinite(float(v)) and float(v) >= 0.0)}
        if bad:
            raise InputError(f"type_priority: got {bad!r}; allowed: finite floats >= 0")
        asset_pos = _finite(assets, "assets", ("x_m", "y_m", "z_m"))
        asset_value = _finite(assets, "assets", ("value",))[:, 0]
        if np.any(asset_value < 0):
            raise InputError("assets: negative value; allowed: value >= 0")
        if "radius_m" in assets.columns:
            radius = _finite(assets, "assets", ("radius_m",))[:, 0]
            if np.any(radius <= 0):
                raise InputError("assets: radius_m <= 0; allowed: radius_m > 0 (m)")
        else:
            radius = np.full(len(assets), float(defended_radius_m))
        return cls(assets["asset_id"].to_numpy(dtype=object), asset_pos, asset_value, radius,
                   priorities, time_scale_s, default_priority)

    def evaluate(self, pos: np.ndarray, vel: np.ndarray,
                 types: Sequence[str | None] | None = None) -> Threats:
        """Evaluate ``n`` tracks: positions (n, 3), m, and velocities (n, 3), m/s, in the assets'
        frame; ``types`` one per track (``None``: no type, ``default_priority``)."""
        n = len(pos)
        types = list(types) if types is not None else [None] * n
        priority = np.array([self.type_priority.get(t, self.default_priority) if t is not None
                             else self.default_priority for t in types], dtype=float)  # (n,)
        tau = self.time_scale_s

        # Pairwise kinematics, (n, m).
        r = pos[:, None, :] - self.asset_pos[None, :, :]  # (n, m, 3)
        rv = np.einsum("nmk,nk->nm", r, vel)
        v2 = np.einsum("nk,nk->n", vel, vel)[:, None]
        dist = np.linalg.norm(r, axis=-1)
        closing = rv < 0.0  # implies |v| > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t_cpa = np.where(closing, -rv / np.where(v2 > 0, v2, 1.0), np.inf)
            closing_speed = np.where(dist > 0, -rv / np.where(dist > 0, dist, 1.0), 0.0)
        t_finite = np.where(closing, t_cpa, 0.0)
        d_cpa = np.where(closing, np.linalg.norm(r + vel[:, None, :] * t_finite[..., None], axis=-1), dist)
        inside = d_cpa <= self.radius_m[None, :]
        w = np.where(closing & inside,
                     self.asset_value[None, :] * priority[:, None] * tau / (tau + t_finite), 0.0)

        # Most threatened asset; if none is threatened, the one passed closest.
        if n:
            best = np.where(w.max(axis=1) > 0, np.argmax(w, axis=1), np.argmin(d_cpa, axis=1))
        else:
            best = np.zeros(0, dtype=np.int64)
        rows = np.arange(n)
        value, t_best, d_best = w[rows, best], t_cpa[rows, best], d_cpa[rows, best]
        return Threats(self, types, priority, value, t_best, d_best, closing_speed[rows, best], best,
                       closing[rows, best], inside[rows, best],
                       np.lexsort((rows, d_best, t_best, -value)))


@dataclass(frozen=True)
class Threats:
    """What :meth:`ThreatModel.evaluate` found, one entry per track in input order (SI).

    ``asset``: index of the reported asset (most threatened, else passed closest), with the
    pair's CPA time (``inf`` if not closing), CPA distance, closing speed and whether the track
    closes on it and its CPA falls inside its radius; ``order``: the tracks most threatening
    first (as :func:`evaluate_threats` sorts them).
    """

    model: ThreatModel
    types: list[str | None]
    priority: np.ndarray
    value: np.ndarray
    time_to_asset_s: np.ndarray
    cpa_distance_m: np.ndarray
    closing_speed_m_s: np.ndarray
    asset: np.ndarray
    closing: np.ndarray
    inside: np.ndarray
    order: np.ndarray

    def reason(self, i: int) -> str:
        """The terms of track ``i``'s threat value, readable (the ``reasons`` column)."""
        m, j = self.model, int(self.asset[i])
        name, d, cs = m.asset_ids[j], self.cpa_distance_m[i], self.closing_speed_m_s[i]
        if not self.closing[i]:
            parts = [f"receding from {name} ({_km(d)})", f"opening {-cs:.0f} m/s"]
        elif not self.inside[i]:
            parts = [f"passes {name} at {_km(d)} (outside its {_km(m.radius_m[j])} radius) "
                     f"in {self.time_to_asset_s[i]:.0f} s", f"closing {cs:.0f} m/s"]
        else:
            parts = [f"CPA {_km(d)} to {name} in {self.time_to_asset_s[i]:.0f} s", f"closing {cs:.0f} m/s"]
        if self.types[i] is not None:
            default = "" if self.types[i] in m.type_priority else " (default)"
            parts.append(f"type {self.types[i]} ×{self.priority[i]:g}{default}")
        parts.append(f"asset value {m.asset_value[j]:g}")
        return "; ".join(parts)
