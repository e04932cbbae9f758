"""Coordinate frames on the WGS84 ellipsoid: geodetic, ECEF, local ENU, AER, and geodesics.

Geodetic latitude/longitude are in degrees (the one exception to SI, see ARCHITECTURE.md);
heights in metres above the WGS84 ellipsoid (``_hae``); azimuth and elevation in radians,
azimuth clockwise from north. Every function broadcasts its array arguments (numpy rules) and
keeps the pymap3d argument order (lat, lon, alt).

References
----------
.. [1] NIMA TR8350.2, "Department of Defense World Geodetic System 1984", 3rd ed., 2000.
.. [2] C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87, 43-55 (2013),
   doi:10.1007/s00190-012-0578-z (the algorithm behind ``pyproj.Geod``).
.. [3] J. Sanz Subirana et al., "Transformations between ECEF and ENU coordinates",
   ESA Navipedia (2011), eq. (1).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
from numpy.typing import ArrayLike

from iadsim.units import WGS84_A_M

__all__ = [
    "aer2enu",
    "ecef2enu",
    "ecef2geodetic",
    "enu2aer",
    "enu2ecef",
    "enu2enu",
    "enu2enu_transform",
    "enu2geodetic",
    "geodesic_direct",
    "geodesic_inverse",
    "geodetic2ecef",
    "geodetic2enu",
]

_GEOD = pyproj.Geod(ellps="WGS84")
#: WGS84 first eccentricity squared, e^2 = f (2 - f) with f = 1/298.257223563 (TR8350.2).
_E2 = (2.0 - 1.0 / 298.257223563) / 298.257223563


@lru_cache(maxsize=2)
def _transformer(forward: bool) -> pyproj.Transformer:
    """Geodetic 3D (EPSG:4979) <-> ECEF (EPSG:4978), axis order lon, lat, h."""
    src, dst = ("EPSG:4979", "EPSG:4978") if forward else ("EPSG:4978", "EPSG:4979")
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _f64(*args: ArrayLike) -> list[np.ndarray]:
    """Broadcast the arguments against each other as float64 arrays."""
    return list(np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args)))


def _out(a: np.ndarray) -> np.ndarray:
    """Return 0-d results as numpy scalars, arrays unchanged."""
    return a[()] if a.ndim == 0 else a


def geodetic2ecef(
    lat_deg: ArrayLike, lon_deg: ArrayLike, alt_hae_m: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geodetic (WGS84) to Earth-centred, Earth-fixed Cartesian coordinates.

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Geodetic latitude and longitude, degrees.
    alt_hae_m : array_like
        Height above the WGS84 ellipsoid, m.

    Returns
    -------
    x_m, y_m, z_m : ndarray
        ECEF coordinates (EPSG:4978), m.

    References
    ----------
    NIMA TR8350.2 (2000), eq. 4-14 (evaluated by PROJ).

    Examples
    --------
    >>> x, y, z = geodetic2ecef(0.0, 0.0, 0.0)
    >>> float(x), abs(float(y)) < 1e-9, abs(float(z)) < 1e-9
    (6378137.0, True, True)
    """
    lat, lon, alt = _f64(lat_deg, lon_deg, alt_hae_m)
    x, y, z = _transformer(True).transform(lon, lat, alt)
    return _out(np.asarray(x)), _out(np.asarray(y)), _out(np.asarray(z))


def ecef2geodetic(
    x_m: ArrayLike, y_m: ArrayLike, z_m: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF Cartesian coordinates to geodetic (WGS84).

    Parameters
    ----------
    x_m, y_m, z_m : array_like
        ECEF coordinates (EPSG:4978), m.

    Returns
    -------
    lat_deg, lon_deg : ndarray
        Geodetic latitude and longitude, degrees.
    alt_hae_m : ndarray
        Height above the WGS84 ellipsoid, m.
    """
    x, y, z = _f64(x_m, y_m, z_m)
    lon, lat, _ = _transformer(False).transform(x, y, z)
    # PROJ's closed-form inverse loses ~1 mm at 300 km height and ~1 cm at 1000 km; two
    # fixed-point steps (TR8350.2 sect. 4.2 iteration, error factor ~e^2 each) restore < 1 um.
    p = np.hypot(x, y)
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    for _ in range(2):
        sin_phi = np.sin(phi)
        n = WGS84_A_M / np.sqrt(1.0 - _E2 * sin_phi**2)
        h = p * np.cos(phi) + z * sin_phi - n * (1.0 - _E2 * sin_phi**2)
        phi = np.arctan2(z, p * (1.0 - _E2 * n / (n + h)))
    sin_phi = np.sin(phi)
    alt = p * np.cos(phi) + z * sin_phi - WGS84_A_M * np.sqrt(1.0 - _E2 * sin_phi**2)
    return _out(np.degrees(phi)), _out(np.asarray(lon)), _out(alt)


def _enu_rotation(lat0_deg: np.ndarray, lon0_deg: np.ndarray) -> tuple[np.ndarray, ...]:
    """sin/cos of the ENU origin latitude and longitude."""
    phi, lam = np.radians(lat0_deg), np.radians(lon0_deg)
    return np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)


def ecef2enu(
    x_m: ArrayLike,
    y_m: ArrayLike,
    z_m: ArrayLike,
    lat0_deg: ArrayLike,
    lon0_deg: ArrayLike,
    alt0_hae_m: ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF coordinates to local East-North-Up about a geodetic origin.

    Parameters
    ----------
    x_m, y_m, z_m : array_like
        ECEF coordinates, m.
    lat0_deg, lon0_deg, alt0_hae_m : array_like
        Origin of the local frame (geodetic, degrees; height above ellipsoid, m).

    Returns
    -------
    e_m, n_m, u_m : ndarray
        East, north, up, m.

    References
    ----------
    Navipedia, "Transformations between ECEF and ENU coordinates", eq. (1).
    """
    x, y, z = _f64(x_m, y_m, z_m)
    lat0, lon0, alt0 = _f64(lat0_deg, lon0_deg, alt0_hae_m)  # not broadcast to the points: once per origin
    x0, y0, z0 = geodetic2ecef(lat0, lon0, alt0)
    dx, dy, dz = x - x0, y - y0, z - z0
    sp, cp, sl, cl = _enu_rotation(lat0, lon0)
    e = -sl * dx + cl * dy
    n = -sp * cl * dx - sp * sl * dy + cp * dz
    u = cp * cl * dx + cp * sl * dy + sp * dz
    return _out(e), _out(n), _out(u)


def enu2ecef(
    e_m: ArrayLike,
    n_m: ArrayLike,
    u_m: ArrayLike,
    lat0_deg: ArrayLike,
    lon0_deg: ArrayLike,
    alt0_hae_m: ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local East-North-Up about a geodetic origin to ECEF (inverse of :func:`ecef2enu`)."""
    e, n, u = _f64(e_m, n_m, u_m)
    lat0, lon0, alt0 = _f64(lat0_deg, lon0_deg, alt0_hae_m)
    x0, y0, z0 = geodetic2ecef(lat0, lon0, alt0)
    sp, cp, sl, cl = _enu_rotation(lat0, lon0)
    x = x0 - sl * e - sp * cl * n + cp * cl * u
    y = y0 + cl * e - sp * sl * n + cp * sl * u
    z = z0 + cp * n + sp * u
    return _out(x), _out(y), _out(z)


def _enu_matrix(lat0_deg: float, lon0_deg: float) -> np.ndarray:
    """Rotation ECEF -> ENU about a geodetic origin, rows east, north, up (Navipedia eq. 1)."""
    sp, cp, sl, cl = _enu_rotation(np.float64(lat0_deg), np.float64(lon0_deg))
    return np.array([[-sl, cl, 0.0], [-sp * cl, -sp * sl, cp], [cp * cl, cp * sl, sp]])


@lru_cache(maxsize=1024)
def enu2enu_transform(from_origin: tuple[float, float, float], to_origin: tuple[float, float, float]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Rigid transform between two local ENU frames: ``x_to = rotation @ x_from + offset_m``.

    Both frames are Cartesian and Earth-fixed, so the change of frame is a rotation
    ``R_to R_from^T`` (``R``: the ECEF -> ENU rotation of each origin) and a translation
    ``R_to (o_from - o_to)`` (``o``: the origins in ECEF). Velocities and other displacements
    transform by the rotation alone. Cached per pair of origins (geodetic ``(lat0_deg, lon0_deg,
    alt0_hae_m)``): the same result as :func:`enu2ecef` then :func:`ecef2enu`, point for point,
    without the two conversions per call. The returned arrays are read-only.

    Examples
    --------
    >>> rot, off = enu2enu_transform((53.9, 27.56, 0.0), (53.9, 27.56, 100.0))
    >>> [round(float(v), 9) + 0.0 for v in off], bool(np.allclose(rot, np.eye(3)))
    ([0.0, 0.0, -100.0], True)
    """
    o_from = np.array(geodetic2ecef(*from_origin))
    o_to = np.array(geodetic2ecef(*to_origin))
    r_to = _enu_matrix(to_origin[0], to_origin[1])
    rotation = r_to @ _enu_matrix(from_origin[0], from_origin[1]).T
    offset = r_to @ (o_from - o_to)
    rotation.flags.writeable = offset.flags.writeable = False
    return rotation, offset


def enu2enu(
    e_m: ArrayLike,
    n_m: ArrayLike,
    u_m: ArrayLike,
    lat0_deg: float,
    lon0_deg: float,
    alt0_hae_m: float,
    lat1_deg: float,
    lon1_deg: float,
    alt1_hae_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local ENU about origin 0 to local ENU about origin 1 (:func:`enu2enu_transform`).

    Examples
    --------
    >>> e, n, u = enu2enu(0.0, 0.0, 0.0, 53.9, 27.56, 100.0, 53.9, 27.56, 0.0)
    >>> round(float(e), 6) + 0.0, round(float(n), 6) + 0.0, round(float(u), 6)
    (0.0, 0.0, 100.0)
    """
    rotation, offset = enu2enu_transform((float(lat0_deg), float(lon0_deg), float(alt0_hae_m)),
                                         (float(lat1_deg), float(lon1_deg), float(alt1_hae_m)))
    e, n, u = _f64(e_m, n_m, u_m)
    out = np.tensordot(rotation, np.stack([e, n, u]), axes=1) + offset.reshape((3,) + (1,) * e.ndim)
    return _out(out[0]), _out(out[1]), _out(out[2])


def geodetic2enu(
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    alt_hae_m: ArrayLike,
    lat0_deg: ArrayLike,
    lon0_deg: ArrayLike,
    alt0_hae_m: ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geodetic point to local East-North-Up about a geodetic origin.

    Parameters
    ----------
    lat_deg, lon_deg, alt_hae_m : array_like
        Point (degrees, degrees, m above ellipsoid).
    lat0_deg, lon0_deg, alt0_hae_m : array_like
        Origin of the local frame.

    Returns
    -------
    e_m, n_m, u_m : ndarray
        East, north, up, m.

    Examples
    --------
    >>> e, n, u = geodetic2enu(53.9, 27.56, 1100.0, 53.9, 27.56, 100.0)
    >>> round(float(e), 6) + 0.0, round(float(n), 6) + 0.0, round(float(u), 6)
    (0.0, 0.0, 1000.0)
    """
    x, y, z = geodetic2ecef(lat_deg, lon_deg, alt_hae_m)
    return ecef2enu(x, y, z, lat0_deg, lon0_deg, alt0_hae_m)


def enu2geodetic(
    e_m: ArrayLike,
    n_m: ArrayLike,
    u_m: ArrayLike,
    lat0_deg: ArrayLike,
    lon0_deg: ArrayLike,
    alt0_hae_m: ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local East-North-Up about a geodetic origin to geodetic (inverse of :func:`geodetic2enu`).

    Returns
    -------
    lat_deg, lon_deg : ndarray
        Geodetic latitude and longitude, degrees.
    alt_hae_m : ndarray
        Height above the WGS84 ellipsoid, m.
    """
    x, y, z = enu2ecef(e_m, n_m, u_m, lat0_deg, lon0_deg, alt0_hae_m)
    return ecef2geodetic(x, y, z)


def enu2aer(
    e_m: ArrayLike, n_m: ArrayLike, u_m: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local East-North-Up to azimuth, elevation and slant range.

    Returns
    -------
    az_rad : ndarray
        Azimuth clockwise from north, in [0, 2*pi).
    el_rad : ndarray
        Elevation above the local horizontal plane, in [-pi/2, pi/2].
    range_m : ndarray
        Slant range, m.
    """
    e, n, u = _f64(e_m, n_m, u_m)
    horizontal = np.hypot(e, n)
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    return _out(az), _out(np.arctan2(u, horizontal)), _out(np.hypot(horizontal, u))


def aer2enu(
    az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Azimuth (clockwise from north), elevation and slant range to local East-North-Up."""
    az, el, r = _f64(az_rad, el_rad, range_m)
    horizontal = r * np.cos(el)
    return _out(horizontal * np.sin(az)), _out(horizontal * np.cos(az)), _out(r * np.sin(el))


def geodesic_inverse(
    lat1_deg: ArrayLike, lon1_deg: ArrayLike, lat2_deg: ArrayLike, lon2_deg: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Shortest path on the WGS84 ellipsoid between two points (inverse geodesic problem).

    Parameters
    ----------
    lat1_deg, lon1_deg : array_like
        Start point, degrees.
    lat2_deg, lon2_deg : array_like
        End point, degrees.

    Returns
    -------
    distance_m : ndarray
        Geodesic distance, m.
    azimuth_rad : ndarray
        Forward azimuth at the start point, clockwise from north, in [0, 2*pi).

    References
    ----------
    Karney (2013), "Algorithms for geodesics", via ``pyproj.Geod(ellps="WGS84").inv``.

    Examples
    --------
    >>> d, az = geodesic_inverse(0.0, 0.0, 90.0, 0.0)   # quarter meridian
    >>> round(float(d), 3), float(az)
    (10001965.729, 0.0)
    """
    lat1, lon1, lat2, lon2 = _f64(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    shape = lat1.shape
    az_deg, _, dist = _GEOD.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel())
    az = np.mod(np.radians(np.asarray(az_deg, dtype=np.float64)), 2.0 * np.pi)
    return _out(np.asarray(dist, dtype=np.float64).reshape(shape)), _out(az.reshape(shape))


def geodesic_direct(
    lat_deg: ArrayLike, lon_deg: ArrayLike, azimuth_rad: ArrayLike, distance_m: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """End point of a geodesic of given start, azimuth and length (direct geodesic problem).

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Start point, degrees.
    azimuth_rad : array_like
        Forward azimuth at the start, clockwise from north, rad.
    distance_m : array_like
        Geodesic length, m.

    Returns
    -------
    lat_deg, lon_deg : ndarray
        End point, degrees (longitude in [-180, 180]).

    References
    ----------
    Karney (2013), "Algorithms for geodesics", via ``pyproj.Geod(ellps="WGS84").fwd``.
    """
    lat, lon, az, dist = _f64(lat_deg, lon_deg, azimuth_rad, distance_m)
    shape = lat.shape
    lon2, lat2, _ = _GEOD.fwd(lon.ravel(), lat.ravel(), np.degrees(az).ravel(), dist.ravel())
    return (
        _out(np.asarray(lat2, dtype=np.float64).reshape(shape)),
        _out(np.asarray(lon2, dtype=np.float64).reshape(shape)),
    )
