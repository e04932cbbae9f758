"""Figures: the value of every equipment figure a build reads, from a figure set plus overrides.

A :class:`Figures` names every numeric figure of the equipment library as
``"<ITEM_ID>.<figure name>"`` -- ``"48N6E3.max_range_km"``, nested figures dotted like
``"92N6E.reference_detection.range_km"`` or ``"5P85SM2-01.loads.48N6E3.missiles_count"`` (the
figure names are those of :meth:`iadsim.scenario.library._ItemBase.figure_names`) -- and maps
each to its value **in the unit of the name's suffix** (km, deg, dBsm, ...; not SI).

It is made from a figure set (``"low"``, ``"nominal"``, ``"high"``; see
:mod:`iadsim.scenario.library` for their meaning and for :data:`~iadsim.scenario.library.
INVERTED_FIGURES`, which it honours exactly as :meth:`Item.pick` does) and optional overrides::

    Figures.of("nominal", {"48N6E3.max_range_km": 230})

Every place that reads a figure for a figure set (:meth:`Item.pick` / :meth:`Item.si`) accepts a
``Figures`` where it accepts a figure-set name, the name meaning ``Figures.of(name)``; a
``Figures`` answers from its own values. Reports print :attr:`Figures.label` as the figure set
and list the overridden figures among their assumptions (:meth:`Figures.override_notes`).

Physical limits
---------------
An override is checked against the physical limits of its figure (:func:`figure_limit`). The
limits live in two tables of this module, and nowhere else:

- :data:`SUFFIX_LIMITS`, by unit suffix: lengths and durations >= 0; speeds, frequencies,
  powers, masses and areas > 0 (a time of flight divides by a speed, the radar equation by an
  RCS, the lethal-radius scaling takes a mass); angles within one turn either way (deg, rad);
  counts integers >= 0; ``_ratio`` >= 0 (a ratio is not always a probability: the load factor is
  a ratio); dB and dBsm any finite number.
- :data:`NAME_LIMITS`, by the last part of a figure name, tighter where the meaning says so:
  detection and kill probabilities (``pd_ratio``, ``pfa_ratio`` in (0, 1), ``pk_*_ratio`` in
  [0, 1]), elevation limits in [-90, 90] deg, a scanned sector in (0, 360] deg, measurement
  errors, resolutions, beamwidths, dispersions and scan periods > 0 (covariances and beam
  geometry divide by them), ``n_pulses_count`` >= 1, a load factor >= 1 g (level flight needs
  1 g), ``swerling`` one of 0..4 (the only figure without a unit suffix).

Every value must be a finite real number. The test suite checks every library value against
these limits (a limit that rejects a published figure is wrong).

Examples
--------
>>> f = Figures.of("nominal", {"48N6E3.max_range_km": 230})
>>> f["48N6E3.max_range_km"], f.base, f.label
(230.0, 'nominal', 'nominal + 1 override (48N6E3.max_range_km=230)')
>>> Figures.of("low")["48N6E3.min_range_km"] >= Figures.of("high")["48N6E3.min_range_km"]
True
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from iadsim.errors import InputError
from iadsim.scenario.library import FIGURE_SETS, Figure, Library, Source, load_library
from iadsim.units import split_suffix

__all__ = ["NAME_LIMITS", "SUFFIX_LIMITS", "FigureProvenance", "Figures", "Limit", "figure_limit"]


# ----------------------------------------------------------------------------------- limits
@dataclass(frozen=True)
class Limit:
    """Allowed values of a figure (in the unit of its suffix).

    ``low``/``high`` bound the value (``*_open``: the bound itself is excluded); ``integer``
    requires a whole number; ``values`` (when given) lists the only allowed values.
    """

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    values: tuple[float, ...] | None = None

    def allows(self, value: float) -> bool:
        """Whether ``value`` (a finite float) lies within the limit."""
        if self.values is not None:
            return value in self.values
        if self.integer and value != round(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self, unit: str = "") -> str:
        """The allowed values in words, e.g. ``'numbers > 0 (km)'``."""
        if self.values is not None:
            return "one of " + ", ".join(f"{v:g}" for v in self.values)
        parts = []
        if math.isfinite(self.low):
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if math.isfinite(self.high):
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        what = "integers" if self.integer else "numbers"
        text = f"{what} " + " and ".join(parts) if parts else f"finite {what}"
        return text + (f" ({unit})" if unit else "")


_NON_NEGATIVE = Limit(0.0)
_POSITIVE = Limit(0.0, low_open=True)
_FINITE = Limit()
_PROBABILITY = Limit(0.0, 1.0)
_OPEN_PROBABILITY = Limit(0.0, 1.0, low_open=True, high_open=True)

#: Physical limits by unit suffix (every suffix of :data:`iadsim.units.SUFFIX_TO_SI`, dB, dBsm).
SUFFIX_LIMITS: dict[str, Limit] = {
    # lengths: ranges, altitudes, heights (0 is a real minimum range or altitude)
    "m": _NON_NEGATIVE, "km": _NON_NEGATIVE, "ft": _NON_NEGATIVE, "nmi": _NON_NEGATIVE,
    "mi": _NON_NEGATIVE,
    # durations: reaction times, intervals (0: immediate)
    "s": _NON_NEGATIVE, "min": _NON_NEGATIVE, "h": _NON_NEGATIVE,
    # speeds: a time of flight divides by them
    "m_s": _POSITIVE, "km_h": _POSITIVE, "kt": _POSITIVE, "mph": _POSITIVE, "mach": _POSITIVE,
    # angles: at most one turn either way (elevations may be negative)
    "deg": Limit(-360.0, 360.0), "rad": Limit(-2.0 * math.pi, 2.0 * math.pi),
    # frequencies, rates, powers, masses, areas
    "hz": _POSITIVE, "ghz": _POSITIVE, "mhz": _POSITIVE, "rpm": _NON_NEGATIVE,
    "w": _POSITIVE, "kw": _POSITIVE, "kg": _POSITIVE, "m2": _POSITIVE,
    "count": Limit(0.0, integer=True),
    # a ratio is not always a probability (max_load_factor_ratio); probabilities by name below
    "ratio": _NON_NEGATIVE,
    # logarithmic: any finite number
    "db": _FINITE, "dbsm": _FINITE,
}

#: Tighter limits by the last part of a figure name (override :data:`SUFFIX_LIMITS`).
NAME_LIMITS: dict[str, Limit] = {
    "pd_ratio": _OPEN_PROBABILITY,
    "pfa_ratio": _OPEN_PROBABILITY,
    "min_elevation_deg": Limit(-90.0, 90.0),
    "max_elevation_deg": Limit(-90.0, 90.0),
    "sector_deg": Limit(0.0, 360.0, low_open=True),
    "azimuth_beamwidth_deg": Limit(0.0, 360.0, low_open=True),
    "elevation_beamwidth_deg": Limit(0.0, 180.0, low_open=True),
    "azimuth_accuracy_deg": Limit(0.0, 360.0, low_open=True),
    "elevation_accuracy_deg": Limit(0.0, 180.0, low_open=True),
    "range_accuracy_m": _POSITIVE,
    "range_resolution_m": _POSITIVE,
    "dispersion_rad": Limit(0.0, 2.0 * math.pi, low_open=True),
    "scan_period_s": _POSITIVE,
    "burst_duration_s": _POSITIVE,
    "n_pulses_count": Limit(1.0, integer=True),
    "max_load_factor_ratio": Limit(1.0),
    "swerling": Limit(values=(0.0, 1.0, 2.0, 3.0, 4.0)),
}


def figure_limit(name: str) -> Limit:
    """Physical limits of a figure, by the last part of its (dotted) name.

    :data:`NAME_LIMITS` first; a ``_ratio`` named ``pk_*`` or ``p_*`` is a probability in
    [0, 1]; otherwise :data:`SUFFIX_LIMITS` of its unit suffix.
    """
    last = name.rsplit(".", 1)[-1]
    if last in NAME_LIMITS:
        return NAME_LIMITS[last]
    _, suffix = split_suffix(last)
    if suffix == "ratio" and last.startswith(("pk_", "p_")):
        return _PROBABILITY
    return SUFFIX_LIMITS[suffix]


def _fmt(value: float) -> str:
    """A value as typed: ``230``, ``0.05``, ``1234567`` (12 significant digits)."""
    return f"{value:.12g}"


def _unit(name: str) -> str:
    try:
        return split_suffix(name.rsplit(".", 1)[-1])[1]
    except KeyError:
        return ""


# ------------------------------------------------------------------------------ provenance
@dataclass(frozen=True)
class _Record:
    """One library figure: its item, its name within the item, the figure and its inversion."""

    item_id: str
    name: str
    figure: Figure
    inverted: bool

    def pick(self, figure_set: str) -> float:
        # the library's own rule (Figure.pick, as Item.pick calls it): one inversion rule
        return self.figure.pick(figure_set, inverted=self.inverted)


@dataclass(frozen=True)
class FigureProvenance:
    """Where one figure's value comes from (values in the unit ``unit`` of its suffix).

    ``low``/``nominal``/``high`` are the library's values for the three figure sets (inversion
    applied: ``low`` is the least capable air defence), ``value`` the one in use.
    """

    name: str
    value: float
    unit: str
    low: float
    nominal: float
    high: float
    inverted: bool
    sources: tuple[Source, ...]
    assumed: bool
    reasoning: str
    overridden: bool

    def basis(self) -> str:
        """The library's basis for the figure: its sources, or ASSUMED and the reasoning."""
        if self.assumed:
            return f"ASSUMED: {self.reasoning}"
        return "sources: " + "; ".join(s.title for s in self.sources)

    def describe(self) -> str:
        """One line for a report, e.g. ``'48N6E3.max_range_km = 230 km: user override (...)'``."""
        unit = f" {self.unit}" if self.unit else ""
        spread = f"{_fmt(self.low)}/{_fmt(self.nominal)}/{_fmt(self.high)}{unit}"
        what = "user override" if self.overridden else "library value"
        return (f"{self.name} = {_fmt(self.value)}{unit}: {what} (library low/nominal/high {spread}; "
                f"{self.basis()})")


@functools.lru_cache(maxsize=8)
def _records(library: Library) -> dict[str, _Record]:
    """Every figure of the library by ``"<ITEM_ID>.<figure name>"`` (library order)."""
    out = {}
    for item in library.items():
        for name in item.figure_names():
            out[f"{item.id}.{name}"] = _Record(item.id, name, item.figure(name),
                                               item.is_inverted(name))
    return out


@functools.lru_cache(maxsize=8)
def _set_values(library: Library, figure_set: str) -> dict[str, float]:
    return {key: rec.pick(figure_set) for key, rec in _records(library).items()}


def _check_set(figure_set: object) -> str:
    if not isinstance(figure_set, str) or figure_set not in FIGURE_SETS:
        raise InputError(f"figure set {figure_set!r}: allowed values are {', '.join(FIGURE_SETS)}")
    return figure_set


# --------------------------------------------------------------------------------- Figures
@dataclass(frozen=True, eq=False, repr=False)
class Figures(Mapping[str, float]):
    """The value of every equipment figure, by ``"<ITEM_ID>.<figure name>"``, unit of the suffix.

    Make it with :meth:`Figures.of`; it is immutable (a value: equal Figures give equal
    results), hashable and picklable. Read access is that of a mapping: ``figures[name]``,
    ``name in figures``, :meth:`names`, ``items()``.

    Attributes
    ----------
    base : {'low', 'nominal', 'high'}
        The figure set the values come from, before the overrides.
    """

    base: str
    _values: dict[str, float] = field(repr=False)
    _overrides: dict[str, float] = field(repr=False)
    _records: dict[str, _Record] = field(repr=False)

    # -- construction --------------------------------------------------------------------
    @classmethod
    def of(cls, figures: str | Figures = "nominal", overrides: Mapping[str, float] | None = None,
           library: Library | None = None) -> Figures:
        """The figures of a figure set (or of existing figures) with ``overrides`` on top.

        Parameters
        ----------
        figures : {'low', 'nominal', 'high'} or Figures
            A figure set, or a ``Figures`` (returned as is when there are no overrides).
        overrides : mapping of str to float, optional
            ``"<ITEM_ID>.<figure name>"`` -> value in the unit of the name's suffix. An item id
            may be given by any of the library's names for it (``"40N6.max_range_km"``).
        library : Library, optional
            Equipment library; default the packaged one. Ignored when ``figures`` is a
            ``Figures`` (it already holds its values).

        Raises
        ------
        InputError
            An unknown figure set; an unknown figure name (with the closest known names); a
            value that is not a finite number or lies outside the figure's physical limits
            (:func:`figure_limit`), naming the figure, the value and the allowed range.
        """
        if isinstance(figures, Figures):
            if not overrides:
                return figures
            base, values, merged, records = (figures.base, dict(figures._values),
                                             dict(figures._overrides), figures._records)
            lib = library if library is not None else load_library()
        else:
            base = _check_set(figures)
            lib = library if library is not None else load_library()
            records = _records(lib)
            values, merged = dict(_set_values(lib, base)), {}
        for raw, value in (overrides or {}).items():
            name = _canonical(raw, records, lib)
            merged[name] = values[name] = _checked(name, value)
        return cls(base, values, merged, records)

    # -- read access ---------------------------------------------------------------------
    def __getitem__(self, name: str) -> float:
        try:
            return self._values[name]
        except KeyError:
            raise _unknown(name, self._records) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def names(self) -> list[str]:
        """Every figure name, ``"<ITEM_ID>.<figure name>"``, in library order."""
        return list(self._values)

    @property
    def overrides(self) -> dict[str, float]:
        """The overridden figures and their values (a copy)."""
        return dict(self._overrides)

    @property
    def label(self) -> str:
        """The figure set as reports print it: ``'nominal'`` or
        ``'nominal + 1 override (48N6E3.max_range_km=230)'``."""
        n = len(self._overrides)
        if not n:
            return self.base
        listed = ", ".join(f"{k}={_fmt(v)}" for k, v in self._overrides.items())
        return f"{self.base} + {n} override{'s' if n > 1 else ''} ({listed})"

    def canonical(self, name: str, library: Library | None = None) -> str:
        """The exact figure name for ``name``, whose item part may be any of the item's library
        names (``"40N6.max_range_km"`` -> ``"40N6E.max_range_km"``).

        Raises
        ------
        InputError
            An unknown figure, with the closest known names.
        """
        return _canonical(name, self._records, library if library is not None else load_library())

    def provenance(self, name: str) -> FigureProvenance:
        """Value, unit, library spread, sources or assumption, and whether it is overridden."""
        value = self[name]
        rec = self._records[name]
        fig = rec.figure
        return FigureProvenance(
            name=name, value=value, unit=_unit(name), low=rec.pick("low"),
            nominal=rec.pick("nominal"), high=rec.pick("high"), inverted=rec.inverted,
            sources=tuple(fig.sources), assumed=fig.assumed, reasoning=fig.reasoning or "",
            overridden=name in self._overrides)

    def override_notes(self) -> list[str]:
        """One assumption line per overridden figure (:meth:`FigureProvenance.describe`)."""
        return [self.provenance(name).describe() for name in self._overrides]

    # -- value semantics -----------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Figures):
            return NotImplemented
        return (self is other or (self.base == other.base and self._overrides == other._overrides
                                  and self._values == other._values))

    def __hash__(self) -> int:
        return hash((self.base, tuple(sorted(self._overrides.items()))))

    def __repr__(self) -> str:
        return f"Figures({self.label!r})"


def _canonical(name: object, records: Mapping[str, _Record], library: Library) -> str:
    """The exact figure name for ``name`` (the item part may be any library name of the item)."""
    if not isinstance(name, str):
        raise InputError(f"figure name {name!r}: allowed values are names like "
                         "'48N6E3.max_range_km' (<ITEM_ID>.<figure name>)")
    if name in records:
        return name
    head, _, rest = name.partition(".")
    if rest and head in library:
        item_id = library.get(head).id
        if f"{item_id}.{rest}" in records:
            return f"{item_id}.{rest}"
    raise _unknown(name, records, library)


def _unknown(name: str, records: Mapping[str, _Record], library: Library | None = None
             ) -> InputError:
    """Error for an unknown figure name, listing the closest known names."""
    head, _, rest = str(name).partition(".")
    item_id = None
    if library is not None and head in library:
        item_id = library.get(head).id
    elif any(r.item_id == head for r in records.values()):
        item_id = head
    if item_id is not None:  # a known item: its closest figures (or all of them)
        own = [k for k, r in records.items() if r.item_id == item_id]
        close = difflib.get_close_matches(f"{item_id}.{rest}", own, n=5, cutoff=0.5) or own
        hint = f"figures of {item_id}: "
    else:
        close = difflib.get_close_matches(str(name), list(records), n=5, cutoff=0.5)
        hint = "closest known names: "
    allowed = hint + ", ".join(close) if close else (
        "names like 48N6E3.max_range_km (<ITEM_ID>.<figure name>; `iadsim equipment show ID` "
        "lists an item's figures)")
    return InputError(f"unknown figure {name!r}: allowed values are {allowed}")


def _checked(name: str, value: object) -> float:
    """``value`` as a float, if it is a finite real number within the figure's limits."""
    unit = _unit(name)
    limit = figure_limit(name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"figure {name} = {value!r}: not a number; allowed values are "
                         f"{limit.describe(unit)}")
    v = float(value)
    if not math.isfinite(v) or not limit.allows(v):
        raise InputError(f"figure {name} = {_fmt(v)}{' ' + unit if unit else ''}: outside its "
                         f"physical limits; allowed values are {limit.describe(unit)}")
    return v
