"""NetCDF-4 files that follow the CF 1.8 conventions, from labelled ``xarray.Dataset`` results.

Every NetCDF iadsim writes goes through :func:`write_netcdf`, which holds the CF *encoding*; the
*content* (``units``, ``long_name``, ``standard_name``, ``axis``, ``flag_meanings``) belongs to the
variables and is set where the Dataset is made (:mod:`iadsim.analysis`). The writer:

- sets the global attributes ``Conventions = "CF-1.8"``, ``title``, ``institution``, ``source``,
  ``history`` and ``references`` (the titles and addresses of the run's ``sources``); the run's
  provenance attributes (``sources``, ``assumptions``, seed, figure set...) are kept as they are;
- writes float64 data variables as float32, every data variable zlib-compressed, and coordinates
  without ``_FillValue`` (CF §2.5.1);
- writes boolean variables as CF flags (§3.5): ``int8`` 0/1 with ``flag_values = [0, 1]`` and the
  variable's ``flag_meanings`` (default ``"false true"``); xarray reads them back as booleans;
- replaces a text dimension coordinate (e.g. ``target``: CF coordinate variables are numeric
  and monotonic) by the string auxiliary coordinate ``<dim>_label`` on the same dimension (§6.1);
- names a vertical coordinate after its ``standard_name``: a target altitude above ground level
  (``standard_name = "height"``) is written as the dimension ``height``, one above mean sea level
  as ``altitude`` (CF tools read the dimension name as the quantity);
- orders each variable's dimensions T, Z, Y, X (by the coordinates' ``axis``), any other
  dimension to their left (§2.4): the envelope's ``(heading, altitude, range)`` is written as
  ``(heading, range, height)``;
- makes every variable name letters, digits and underscores (``pd_s400-1-92n6e`` is written as
  ``pd_s400_1_92n6e``);
- refuses to write a variable without ``long_name`` or ``standard_name``, or a numeric non-flag
  variable without ``units``, so a new variable cannot be silently undocumented.

Radar cross-sections in dBsm carry the UDUNITS logarithmic unit ``0.1 lg(re 1 m2)`` (a tenth of
a bel relative to 1 m²: UDUNITS has no ``dB``, and this spelling converts exactly, e.g. 10 →
10 m²); the linear value in ``m2`` is written beside it for tools without logarithmic units.

Files are written atomically (a reader sees the old file or the whole new one).

References
----------
Eaton, B. et al., *NetCDF Climate and Forecast (CF) Metadata Conventions*, version 1.8 (2020),
https://cfconventions.org/Data/cf-conventions/cf-conventions-1.8/cf-conventions.html
(§2.3 names, §2.5.1 missing data, §2.6 attributes, §3.5 flags, §4 coordinate types, §6.1 labels).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from iadsim.errors import IadsimError
from iadsim.io.files import current_umask
from iadsim.version import __version__

#: Value of the global ``Conventions`` attribute.
CONVENTIONS = "CF-1.8"
#: Unit of a radar cross-section in dBsm, as UDUNITS spells it (a tenth of a bel re 1 m²).
DBSM_UNITS = "0.1 lg(re 1 m2)"
#: Vertical coordinates are written under their standard name (CF tools read the name).
_VERTICAL = ("altitude", "height", "depth")
_NAME_BAD = re.compile(r"[^A-Za-z0-9_]")


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """Write ``ds`` as a CF-1.8 NetCDF-4 file (see the module docstring for what is applied).

    Parameters
    ----------
    ds : xarray.Dataset
        Every variable has ``long_name`` or ``standard_name``; numeric non-boolean variables
        have ``units``. Not modified.
    path : path-like
        Destination (``.nc``); its directory must exist.
    title : str, optional
        Global ``title``; defaults to ``ds.attrs["title"]`` (one of the two is required).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    IadsimError
        A variable lacks its description or unit, two variables map to the same CF name, or
        there is no title.
    """
    path = Path(path)
    out = _cf_dataset(ds, title)
    encoding = {}
    for name, var in out.variables.items():
        if name in out.coords:
            encoding[name] = {"_FillValue": None}
        elif var.dtype.kind in "fiu":
            encoding[name] = {"zlib": True, "complevel": 4}
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        out.to_netcdf(tmp_name, engine="h5netcdf", encoding=encoding)
        os.chmod(tmp_name, 0o666 & ~current_umask())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def _cf_dataset(ds: xr.Dataset, title: str | None) -> xr.Dataset:
    """The Dataset as it is written: CF names, dtypes, flags and global attributes."""
    out = ds.copy(deep=False)
    # text dimension coordinates become string auxiliary coordinates <dim>_label
    for dim in list(out.dims):
        if dim in out.coords and out[dim].dtype.kind in "OUS":
            label = out[dim]
            attrs = {"long_name": f"{dim} label"} | dict(label.attrs)
            out = out.drop_vars(dim).assign_coords(
                {f"{dim}_label": (dim, label.values.astype(str), attrs)})
    renames: dict[str, str] = {}
    for name, var in out.variables.items():
        std = var.attrs.get("standard_name")
        new = std if name in _VERTICAL and std in _VERTICAL else _NAME_BAD.sub("_", str(name))
        if not new[:1].isalpha():
            new = f"v_{new}"
        if new != name:
            renames[str(name)] = new
    taken: dict[str, str] = {}
    for name in out.variables:
        new = renames.get(str(name), str(name))
        if new in taken:
            raise IadsimError(f"NetCDF: variables {taken[new]!r} and {name!r} would both be "
                              f"written as {new!r}")
        taken[new] = str(name)
    out = out.rename(renames)
    for name in list(out.variables):
        var = out[name]
        attrs = {k: _storable(v) for k, v in var.attrs.items()}
        _check_described(str(name), var, attrs)
        if var.dtype == bool:  # xarray stores it as int8 0/1 (attribute dtype="bool")
            attrs.pop("units", None)
            attrs["flag_values"] = np.array([0, 1], dtype=np.int8)
            attrs.setdefault("flag_meanings", "false true")
            out[name].attrs = attrs
        elif name not in out.coords and var.dtype == np.float64:
            out[name] = var.astype(np.float32).assign_attrs(attrs)
        else:
            out[name].attrs = attrs
    # CF §2.4: the dimensions of a variable in the order T, Z, Y, X, any others to their left
    axis = {d: "TZYX".index(out[d].attrs["axis"]) for d in out.dims
            if d in out.coords and out[d].attrs.get("axis") in tuple("TZYX")}
    for name in list(out.data_vars):
        dims = out[name].dims
        order = [d for d in dims if d not in axis] + sorted((d for d in dims if d in axis),
                                                            key=axis.__getitem__)
        if tuple(order) != dims:
            out[name] = out[name].transpose(*order)
    out.attrs = _global_attrs(ds.attrs, title)
    return out


def _check_described(name: str, var: xr.DataArray, attrs: dict) -> None:
    if not (attrs.get("long_name") or attrs.get("standard_name")):
        raise IadsimError(f"NetCDF: variable {name!r} has no long_name or standard_name attribute; "
                          "describe it where the Dataset is made")
    if var.dtype.kind in "fiu" and not attrs.get("units"):
        raise IadsimError(f"NetCDF: variable {name!r} has no units attribute (use '1' for a "
                          "dimensionless number); set it where the Dataset is made")


def _global_attrs(attrs: dict, title: str | None) -> dict:
    """CF/ACDD global attributes first, then the Dataset's own (provenance), NetCDF-storable."""
    title = title or attrs.get("title")
    if not title:
        raise IadsimError("NetCDF: no title (pass title= or set the Dataset's 'title' attribute)")
    source = f"iadsim {attrs.get('iadsim_version') or __version__} (open-source air-defence " \
             "simulator; model output from public cited data)"
    out = {"Conventions": CONVENTIONS, "title": str(title),
           "institution": "iadsim open-source project (no institution)",
           "source": source,
           "history": f"written by {source.split(' (')[0]}, iadsim.io.netcdf.write_netcdf",
           "references": _references(attrs)}
    for key, value in attrs.items():
        if key in out:
            continue
        out[key] = _storable(value)
    return out


def _references(attrs: dict) -> str:
    """``title <url>`` of every source in the ``sources`` (or ``provenance``) JSON attribute."""
    sources = attrs.get("sources")
    if sources is None and "provenance" in attrs:
        sources = json.loads(attrs["provenance"]).get("sources")
    if isinstance(sources, str):
        sources = json.loads(sources)
    refs = [f"{s.get('title', '')} <{s.get('url', '')}>".strip() for s in sources or []
            if isinstance(s, dict)]
    return "; ".join(dict.fromkeys(refs)) or "see the iadsim equipment data files (citations)"


def _storable(value: object) -> object:
    """A value NetCDF can store as an attribute: numbers, strings, numeric arrays; JSON else."""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, str | int | float | np.number):
        return value
    arr = np.asarray(value) if isinstance(value, list | tuple | np.ndarray) else None
    if arr is not None and arr.dtype.kind in "fiu" and arr.ndim == 1:
        return arr
    return json.dumps(value, ensure_ascii=False, default=str)
