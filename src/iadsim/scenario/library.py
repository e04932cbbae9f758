"""Equipment library: cited public figures for radars, missiles, launchers, guns and threats.

Data live in ``src/iadsim/data/equipment/*.yaml`` (one file per system). Every numeric figure is
a mapping under a key that ends with its unit suffix (``max_range_km``)::

    max_range_km:
      nominal: 400
      low: 380          # optional; sources disagree -> keep the spread
      high: 402
      sources: [{url: "https://...", title: "...", note: "what it says"}]
      assumed: false    # true -> `reasoning` says why the value was chosen

Rules enforced on load: ``assumed: false`` needs at least one source with url and title;
``assumed: true`` needs a non-empty ``reasoning``; ``low <= nominal <= high``; URLs start with
``http``. A validation failure raises :class:`iadsim.errors.EquipmentError` naming the file, line,
item id, field path, bad value and what is allowed -- never a raw pydantic traceback.

Figure sets
-----------
``figure_set`` is one of ``"low"``, ``"nominal"``, ``"high"``. For air-defence equipment ``low``
is the *least capable* air defence (coverage that is certain) and ``high`` the *most capable*
(coverage that is possible). For most figures larger is more capable, so ``low`` picks the low
value. For the figures named in :data:`INVERTED_FIGURES` (minimum limits, reaction/scan times,
the reference RCS and Pfa of a detection figure) larger means *less* capable, so ``pick`` is
inverted. Threat and jammer figures are never inverted: ``low`` is simply the low value.

Wherever a figure set is accepted (``pick``, ``si``, ``model``, ...), a
:class:`iadsim.scenario.figures.Figures` is accepted too: a figure set plus user overrides,
which answers from its own values (``Figures.of("low")`` holds exactly what ``pick(name, "low")``
gives). A figure set name means ``Figures.of(name)``.

File layout
-----------
Top-level keys: ``system``, ``description``, ``sources`` (YAML anchors for reuse, ignored),
keys starting with ``x_`` (shared anchored blocks, ignored) and ``items`` (list). Each item has
``id``, ``kind`` (radar, missile, launcher, command_post, gun, threat, jammer), ``name``, ``system``,
``description``, optional ``aliases`` and figures; see the item models below.

References
----------
Skolnik, M. I., *Introduction to Radar Systems*, 3rd ed., ch. 2 (radar equation, Pd/Pfa).

Examples
--------
>>> lib = load_library()
>>> lib.get("40N6").id
'40N6E'
>>> round(lib.get("40N6E").si("max_range_km"))
400000
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from iadsim.errors import EquipmentError, InputError, InputProblem
from iadsim.units import C_M_S, split_suffix, suffix_to_si

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.scenario.figures import Figures

__all__ = [
    "FIGURE_SETS",
    "INVERTED_FIGURES",
    "CommandPost",
    "Derived",
    "Figure",
    "Gun",
    "Item",
    "Launcher",
    "Library",
    "Load",
    "Missile",
    "Radar",
    "ReferenceDetection",
    "Source",
    "TextFact",
    "Threat",
    "load_library",
]

FigureSet = Literal["low", "nominal", "high"]
FIGURE_SETS: tuple[str, ...] = ("low", "nominal", "high")

#: Figures (by dotted name inside an item) for which a larger value means a LESS capable air
#: defence; :meth:`Figure.pick` is inverted for them. Threat items are never inverted.
INVERTED_FIGURES: frozenset[str] = frozenset(
    {
        "min_range_km",
        "min_altitude_km",
        "min_elevation_deg",
        "reaction_time_s",
        "scan_period_s",
        # A launcher that needs longer between rounds, a gun with more dispersion: less capable.
        "min_launch_interval_s",
        "dispersion_rad",
        # Larger measurement errors and coarser resolution cells make a less capable radar.
        "range_accuracy_m",
        "azimuth_accuracy_deg",
        "elevation_accuracy_deg",
        "range_resolution_m",
        "azimuth_beamwidth_deg",
        "elevation_beamwidth_deg",
        # A radar that needs a bigger reference target (or a looser Pfa) to reach the same range
        # is less sensitive.
        "reference_detection.rcs_m2",
        "reference_detection.pfa_ratio",
        # A noisier receiver or higher sidelobes let jamming in; a slower tear-down or set-up
        # keeps a battalion exposed or silent longer.
        "noise_figure_db",
        "sidelobe_level_db",
        # A radar's antenna gain enters only the jamming (its echo comes from the loop gain):
        # more gain toward a jammer lets more jamming in.
        "antenna_gain_db",
        "deploy_time_min",
        "stow_time_min",
    }
)

#: Item keys that are not figures.
_NON_FIGURE_KEYS = frozenset(
    {"id", "kind", "name", "aliases", "system", "description", "class", "threat_class"}
)


def _is_figure_key(key: str) -> bool:
    try:
        split_suffix(key)
    except KeyError:
        return False
    return True


# --------------------------------------------------------------------------------------- models
class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """A public source: ``url`` (http/https), ``title`` and a ``note`` on what it says."""

    url: str
    title: str = Field(min_length=1)
    note: str = ""

    @field_validator("url")
    @classmethod
    def _url_http(cls, v: str) -> str:
        if not re.match(r"^https?://\S+$", v):
            raise ValueError("url must start with http:// or https://")
        return v


class Figure(_Frozen):
    """A numeric figure with its spread and provenance (units are given by the field name)."""

    nominal: float
    low: float | None = None
    high: float | None = None
    sources: tuple[Source, ...] = ()
    assumed: bool = False
    reasoning: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Figure:
        if not self.assumed and not self.sources:
            raise ValueError(
                "figure has no sources: give at least one {url, title} or set assumed: true "
                "with a reasoning"
            )
        if self.assumed and not (self.reasoning and self.reasoning.strip()):
            raise ValueError("assumed: true needs a non-empty reasoning (why this value)")
        lo = self.nominal if self.low is None else self.low
        hi = self.nominal if self.high is None else self.high
        if not (lo <= self.nominal <= hi):
            raise ValueError(
                f"need low <= nominal <= high, got low={self.low}, nominal={self.nominal}, "
                f"high={self.high}"
            )
        return self

    def pick(self, figure_set: str = "nominal", *, inverted: bool = False) -> float:
        """Value for a figure set; a missing low/high falls back to nominal.

        ``inverted=True`` swaps low and high (figures where larger is less capable).
        """
        if figure_set not in FIGURE_SETS:
            raise InputError(f"figure set {figure_set!r}: allowed values are {', '.join(FIGURE_SETS)}")
        if inverted and figure_set != "nominal":
            figure_set = "high" if figure_set == "low" else "low"
        value = getattr(self, figure_set)
        return float(self.nominal if value is None else value)


class TextFact(_Frozen):
    """A non-numeric fact (band, guidance) with sources or an assumption."""

    value: str | tuple[str, ...]
    sources: tuple[Source, ...] = ()
    assumed: bool = False
    reasoning: str | None = None

    @model_validator(mode="after")
    def _check(self) -> TextFact:
        if not self.assumed and not self.sources:
            raise ValueError("fact has no sources: give one or set assumed: true with a reasoning")
        if self.assumed and not (self.reasoning and self.reasoning.strip()):
            raise ValueError("assumed: true needs a non-empty reasoning")
        return self


class ReferenceDetection(_Frozen):
    """A published 'detects RCS X at range R' point and the detector assumptions behind it.

    ``range_km`` and ``rcs_m2`` vary with the figure set (``rcs_m2`` inverted); ``pd_ratio``,
    ``pfa_ratio``, ``n_pulses_count`` and ``swerling`` define the detector model. They are read
    for the figure set like every figure (``pfa_ratio`` inverted), so an override reaches the
    model; the data give them no spread, so every figure set uses their nominal values.
    """

    range_km: Figure
    rcs_m2: Figure
    pd_ratio: Figure
    pfa_ratio: Figure
    n_pulses_count: Figure
    swerling: Figure

    @model_validator(mode="after")
    def _check(self) -> ReferenceDetection:
        if not 0.0 < self.pd_ratio.nominal < 1.0:
            raise ValueError("pd_ratio must lie in (0, 1)")
        if not 0.0 < self.pfa_ratio.nominal < 1.0:
            raise ValueError("pfa_ratio must lie in (0, 1)")
        if int(self.swerling.nominal) not in (0, 1, 2, 3, 4):
            raise ValueError("swerling must be 0, 1, 2, 3 or 4")
        if self.n_pulses_count.nominal < 1:
            raise ValueError("n_pulses_count must be >= 1")
        return self


class Derived(_Frozen):
    """Values derived from the figures and recorded in the data (checked by the tests)."""

    loop_gain_db: dict[Literal["low", "nominal", "high"], float]
    derivation: str = Field(min_length=1)


class Load(_Frozen):
    """Missiles of one type carried by a launcher."""

    missile: str
    missiles_count: Figure


class _ItemBase(_Frozen):
    """Common item fields; every key ending in a unit suffix is collected into ``figures``."""

    id: str = Field(min_length=1)
    kind: str
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    system: str = ""
    description: str = ""
    figures: dict[str, Figure] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _no_dot(cls, v: str) -> str:
        if "." in v:  # figure names are "<ITEM_ID>.<figure name>" (iadsim.scenario.figures)
            raise ValueError("an item id may not contain '.'")
        return v

    #: Figure names every item of the kind must carry.
    REQUIRED_FIGURES: ClassVar[tuple[str, ...]] = ()
    #: Whether :data:`INVERTED_FIGURES` applies (False for threats).
    INVERTS: ClassVar[bool] = True

    @model_validator(mode="before")
    @classmethod
    def _collect_figures(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        figures = dict(data.pop("figures", {}) or {})
        for key in list(data):
            if key not in _NON_FIGURE_KEYS and key not in cls.model_fields and _is_figure_key(key):
                figures[key] = data.pop(key)
        data["figures"] = figures
        return data

    @model_validator(mode="after")
    def _required(self) -> _ItemBase:
        missing = [f for f in self.REQUIRED_FIGURES if f not in self.figures]
        if missing:
            raise ValueError(f"{self.kind} {self.id!r} lacks required figures: {', '.join(missing)}")
        return self

    # -- access ------------------------------------------------------------------------------
    def figure(self, name: str) -> Figure:
        """The :class:`Figure` called ``name`` (dotted for nested, e.g. ``reference_detection.range_km``)."""
        fig = self.figures.get(name) if "." not in name else dict(self._walk_figures()).get(name)
        if not isinstance(fig, Figure):
            raise KeyError(f"{self.id}: no figure {name!r}; has {', '.join(self.figure_names())}")
        return fig

    def figure_names(self) -> list[str]:
        """Names of every figure of the item, nested ones dotted."""
        return [name for name, _ in self._walk_figures()]

    def is_inverted(self, name: str) -> bool:
        return self.INVERTS and name in INVERTED_FIGURES

    def pick(self, name: str, figure_set: str | Figures = "nominal") -> float:
        """Raw value (in the unit of the field name) for a figure set, honouring inversion.

        ``figure_set`` may be a :class:`~iadsim.scenario.figures.Figures`: its value of
        ``"<id>.<name>"`` (overrides included).
        """
        if not isinstance(figure_set, str):
            return float(figure_set[f"{self.id}.{name}"])
        return self.figure(name).pick(figure_set, inverted=self.is_inverted(name))

    def si(self, name: str, figure_set: str | Figures = "nominal") -> float:
        """Value converted to SI from the unit suffix of the (last part of the) name.

        Mach figures convert with the sea-level ISA speed of sound (see :mod:`iadsim.units`).
        ``figure_set``: a figure set or a :class:`~iadsim.scenario.figures.Figures`.
        """
        _, suffix = split_suffix(name.rsplit(".", 1)[-1])
        return float(suffix_to_si(self.pick(name, figure_set), suffix))

    # -- provenance --------------------------------------------------------------------------
    def _walk_figures(self) -> Iterable[tuple[str, Figure]]:
        yield from self.figures.items()

    def _walk_facts(self) -> Iterable[tuple[str, Figure | TextFact]]:
        yield from self._walk_figures()

    def facts(self) -> list[tuple[str, Figure | TextFact]]:
        """Every figure and text fact of the item as ``(name, fact)``, nested names dotted."""
        return list(self._walk_facts())

    def citations(self) -> list[Source]:
        """Every source cited by the item (unique by url and title, in order of appearance)."""
        seen: set[tuple[str, str]] = set()
        out: list[Source] = []
        for _, fact in self._walk_facts():
            for src in fact.sources:
                key = (src.url, src.title)
                if key not in seen:
                    seen.add(key)
                    out.append(src)
        return out

    def assumptions(self) -> list[tuple[str, str]]:
        """``(figure name, reasoning)`` for every assumed figure or fact of the item."""
        return [
            (name, fact.reasoning or "") for name, fact in self._walk_facts() if fact.assumed
        ]


class Radar(_ItemBase):
    """A radar. The coverage model needs ``reference_detection`` and the elevation/range limits."""

    kind: Literal["radar"]
    role: Literal[
        "acquisition", "fire_control", "all_altitude_detector", "search", "tracking"
    ]
    band: TextFact | None = None
    reference_detection: ReferenceDetection
    derived: Derived
    known_limitation: TextFact | None = None

    REQUIRED_FIGURES: ClassVar[tuple[str, ...]] = (
        "instrumented_range_km",
        "min_elevation_deg",
        "max_elevation_deg",
        "antenna_height_m",
        "frequency_ghz",
    )

    def _walk_figures(self) -> Iterable[tuple[str, Figure]]:
        yield from super()._walk_figures()
        for fname in ReferenceDetection.model_fields:
            yield f"reference_detection.{fname}", getattr(self.reference_detection, fname)

    def _walk_facts(self) -> Iterable[tuple[str, Figure | TextFact]]:
        yield from super()._walk_facts()
        if self.band is not None:
            yield "band", self.band
        if self.known_limitation is not None:
            yield "known_limitation", self.known_limitation

    def detector(self, figure_set: str | Figures = "nominal") -> tuple[float, float, int, int]:
        """``(pd, pfa, n_pulses, swerling)`` of the reference detection for a figure set (or
        :class:`~iadsim.scenario.figures.Figures`); see :class:`ReferenceDetection`."""
        return (
            self.pick("reference_detection.pd_ratio", figure_set),
            self.pick("reference_detection.pfa_ratio", figure_set),
            int(self.pick("reference_detection.n_pulses_count", figure_set)),
            int(self.pick("reference_detection.swerling", figure_set)),
        )

    def loop_gain(self, figure_set: str | Figures = "nominal") -> float:
        """Radar-equation constant C (SNR = C*sigma/R^4, SI) derived from the reference detection.

        Uses :func:`iadsim.sensors.radar.derive_loop_gain` (imported lazily).
        """
        from iadsim.sensors.radar import derive_loop_gain

        pd, pfa, n_pulses, swerling = self.detector(figure_set)
        return float(
            derive_loop_gain(
                self.si("reference_detection.range_km", figure_set),
                self.si("reference_detection.rcs_m2", figure_set),
                pd,
                pfa,
                n_pulses,
                swerling,
            )
        )

    def loop_gain_db(self, figure_set: str | Figures = "nominal") -> float:
        return 10.0 * math.log10(self.loop_gain(figure_set))

    def recorded_loop_gain_db(self, figure_set: str = "nominal") -> float:
        """The loop gain recorded in the data file (``derived.loop_gain_db``)."""
        return float(self.derived.loop_gain_db[figure_set])  # type: ignore[index]

    #: Figures :meth:`receiver` needs (jamming).
    RECEIVER_FIGURES: ClassVar[tuple[str, ...]] = (
        "antenna_gain_db", "azimuth_beamwidth_deg", "elevation_beamwidth_deg",
        "sidelobe_level_db", "frequency_ghz", "range_resolution_m", "noise_figure_db")

    def receiver(self, figure_set: str | Figures = "nominal") -> Any:
        """An :class:`iadsim.sensors.ew.Receiver` for the figure set, what jamming needs: the
        receiver bandwidth is that of the range resolution, ``B = c / (2 ΔR)`` (Skolnik 2001,
        ch. 2). ``None`` when the item lacks one of :attr:`RECEIVER_FIGURES`."""
        from iadsim.sensors.ew import Receiver

        if any(name not in self.figures for name in self.RECEIVER_FIGURES):
            return None
        return Receiver(
            gain=self.si("antenna_gain_db", figure_set),
            azimuth_beamwidth_rad=self.si("azimuth_beamwidth_deg", figure_set),
            elevation_beamwidth_rad=self.si("elevation_beamwidth_deg", figure_set),
            sidelobe_level=self.si("sidelobe_level_db", figure_set),
            frequency_hz=self.si("frequency_ghz", figure_set),
            bandwidth_hz=C_M_S / (2.0 * self.si("range_resolution_m", figure_set)),
            noise_figure=self.si("noise_figure_db", figure_set))

    def model(self, figure_set: str | Figures = "nominal") -> Any:
        """An :class:`iadsim.sensors.radar.RadarModel` for the figure set (SI throughout)."""
        from iadsim.sensors import radar as radar_mod

        _, pfa, n_pulses, swerling = self.detector(figure_set)
        values = {
            "name": self.id,
            "loop_gain_m4": self.loop_gain(figure_set),
            "loop_gain": None,  # filled below if the class uses this name
            "pfa": pfa,
            "n_pulses": n_pulses,
            "swerling": swerling,
            "instrumented_range_m": self.si("instrumented_range_km", figure_set),
            "min_elevation_rad": self.si("min_elevation_deg", figure_set),
            "max_elevation_rad": self.si("max_elevation_deg", figure_set),
            "frequency_hz": self.si("frequency_ghz", figure_set),
        }
        values["loop_gain"] = values["loop_gain_m4"]
        cls = radar_mod.RadarModel
        if dataclasses.is_dataclass(cls):
            names = {f.name for f in dataclasses.fields(cls)}
        else:  # pragma: no cover - defensive
            import inspect

            names = set(inspect.signature(cls).parameters)
        return cls(**{k: v for k, v in values.items() if k in names})


class Missile(_ItemBase):
    """A surface-to-air missile; ``guided_by`` radars and ``launched_from`` launchers by id.

    ``seeker`` is the kind of terminal guidance, stated by the cited ``guidance`` fact:
    ``active`` (own radar seeker: the ground radar is needed only until it acquires),
    ``semi_active`` (semi-active / track-via-missile: the ground radar illuminates or tracks to
    the end) or ``command`` (radio command guidance to the end).
    """

    kind: Literal["missile"]
    seeker: Literal["active", "semi_active", "command"]
    guidance: TextFact
    guided_by: tuple[str, ...] = Field(min_length=1)
    launched_from: tuple[str, ...] = Field(min_length=1)

    REQUIRED_FIGURES: ClassVar[tuple[str, ...]] = (
        "max_range_km",
        "min_range_km",
        "max_altitude_km",
        "min_altitude_km",
        "max_target_speed_m_s",
        "warhead_mass_kg",
    )

    @model_validator(mode="after")
    def _speed(self) -> Missile:
        if not any(n.startswith("max_speed_") for n in self.figures):
            raise ValueError(f"missile {self.id!r} needs max_speed_mach or max_speed_m_s")
        return self

    def _walk_facts(self) -> Iterable[tuple[str, Figure | TextFact]]:
        yield from super()._walk_facts()
        yield "guidance", self.guidance

    def max_speed_m_s(self, figure_set: str | Figures = "nominal") -> float:
        name = next(n for n in self.figures if n.startswith("max_speed_"))
        return self.si(name, figure_set)


class Launcher(_ItemBase):
    """A launcher and its missile loads (missiles per launcher, by missile type)."""

    kind: Literal["launcher"]
    loads: tuple[Load, ...] = Field(min_length=1)

    def _walk_figures(self) -> Iterable[tuple[str, Figure]]:
        yield from super()._walk_figures()
        for load in self.loads:
            yield f"loads.{load.missile}.missiles_count", load.missiles_count

    def missiles_per_launcher(self, missile: str, figure_set: str | Figures = "nominal") -> int:
        for load in self.loads:
            if load.missile == missile:
                return int(self.pick(f"loads.{missile}.missiles_count", figure_set))
        raise KeyError(f"{self.id} carries no {missile!r}; carries {[l.missile for l in self.loads]}")


class CommandPost(_ItemBase):
    kind: Literal["command_post"]


class Gun(_ItemBase):
    kind: Literal["gun"]
    REQUIRED_FIGURES: ClassVar[tuple[str, ...]] = ("max_range_km", "max_altitude_km")


class Jammer(_ItemBase):
    """A noise jammer (an aircraft's pod or system, a decoy's payload): what
    :mod:`iadsim.sensors.ew` needs -- transmitter power, antenna gain toward the victim radar,
    noise bandwidth, the frequency span it can cover, and its losses. Figures are never
    inverted (like threats: they are the attacker's)."""

    kind: Literal["jammer"]
    INVERTS: ClassVar[bool] = False
    REQUIRED_FIGURES: ClassVar[tuple[str, ...]] = (
        "power_w", "antenna_gain_db", "bandwidth_mhz", "min_frequency_ghz", "max_frequency_ghz")

    def model(self, figure_set: str | Figures = "nominal") -> Any:
        """An :class:`iadsim.sensors.ew.NoiseJammer` for the figure set (``losses_db`` 0 dB
        when the item gives none)."""
        from iadsim.sensors.ew import NoiseJammer

        return NoiseJammer(
            power_w=self.si("power_w", figure_set), gain=self.si("antenna_gain_db", figure_set),
            bandwidth_hz=self.si("bandwidth_mhz", figure_set),
            min_frequency_hz=self.si("min_frequency_ghz", figure_set),
            max_frequency_hz=self.si("max_frequency_ghz", figure_set),
            losses=self.si("losses_db", figure_set) if "losses_db" in self.figures else 1.0)


class Threat(_ItemBase):
    """An air threat. Figures are never inverted; all RCS values are estimates."""

    kind: Literal["threat"]
    threat_class: Literal[
        "aircraft", "cruise_missile", "ballistic_missile", "drone", "arm", "helicopter", "decoy"
    ] = Field(alias="class")
    INVERTS: ClassVar[bool] = False
    REQUIRED_FIGURES: ClassVar[tuple[str, ...]] = ("rcs_dbsm",)

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _speed(self) -> Threat:
        if not any(n.startswith("max_speed_") for n in self.figures):
            raise ValueError(f"threat {self.id!r} needs a max_speed_<unit> figure")
        return self

    def max_speed_name(self) -> str:
        """Name of the maximum-speed figure (``max_speed_<unit>``, not the low-altitude one)."""
        return next(n for n in self.figures
                    if n.startswith("max_speed_") and "low_altitude" not in n)

    def max_speed_m_s(self, figure_set: str | Figures = "nominal") -> float:
        return self.si(self.max_speed_name(), figure_set)


Item = Annotated[
    Radar | Missile | Launcher | CommandPost | Gun | Threat | Jammer, Field(discriminator="kind")
]
_ITEM_ADAPTER: TypeAdapter[Any] = TypeAdapter(Item)
KINDS: tuple[str, ...] = ("radar", "missile", "launcher", "command_post", "gun", "threat",
                          "jammer")


# ------------------------------------------------------------------------------ error reporting
def _node_at(node: yaml.Node | None, path: Sequence[Any]) -> yaml.Node | None:
    """Deepest YAML node reachable along ``path`` (keys and list indices)."""
    for part in path:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    nxt = v
                    break
            if nxt is None:
                return node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _line(root: yaml.Node | None, path: Sequence[Any]) -> int | None:
    node = _node_at(root, path)
    return None if node is None else node.start_mark.line + 1


def _allowed_for(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    etype = err.get("type", "")
    if "expected_tags" in ctx:
        return str(ctx["expected_tags"])
    if "expected" in ctx:
        return str(ctx["expected"])
    if etype == "extra_forbidden":
        return "known fields, or a figure name ending in a unit suffix (e.g. _km, _m_s, _deg)"
    if etype in ("float_parsing", "float_type"):
        return "a number"
    return ""


def _problems_from_validation(
    exc: ValidationError, item_index: int, item_id: str, root: yaml.Node | None
) -> list[InputProblem]:
    problems = []
    kinds = set(KINDS)
    for err in exc.errors():
        loc = list(err["loc"])
        if loc and loc[0] in kinds:  # discriminator tag inserted by pydantic
            loc = loc[1:]
        if loc and loc[0] == "figures":  # our collection; the file has the key at item level
            loc = loc[1:]
        ctx = err.get("ctx") or {}
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = [*loc, "kind"]
        dotted = ".".join(str(p) for p in loc)
        field = f"items[{item_index}] ({item_id})" + (f".{dotted}" if dotted else "")
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        if "tag" in ctx:
            value = ctx["tag"]
        elif isinstance(value, (dict, list)):
            value = None  # a whole mapping: the message names the offending values
        problems.append(
            InputProblem(
                field=field,
                message=msg,
                value=value,
                allowed=_allowed_for(err),
                line=_line(root, ["items", item_index, *loc]),
            )
        )
    return problems


# --------------------------------------------------------------------------------------- library
def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


class Library:
    """Items by id, with case-insensitive lookup that also matches aliases."""

    def __init__(self, items: Sequence[Any], files: Sequence[str] = ()) -> None:
        self._items: dict[str, Any] = {}
        self.files: tuple[str, ...] = tuple(files)
        for item in items:
            if item.id in self._items:
                raise EquipmentError(
                    "<equipment library>",
                    [InputProblem("id", "duplicate item id", item.id, "unique ids")],
                )
            self._items[item.id] = item
        self._index: dict[str, str] = {}
        explicit: dict[str, str] = {}
        for item in items:
            for alias in (item.id, *item.aliases):
                key = _norm(alias)
                if key in explicit and explicit[key] != item.id:
                    raise EquipmentError(
                        "<equipment library>",
                        [
                            InputProblem(
                                f"{item.id}.aliases",
                                f"alias {alias!r} also names {explicit[key]!r}",
                                alias,
                                "aliases unique across the library",
                            )
                        ],
                    )
                explicit[key] = item.id
        self._index.update(explicit)
        for item in items:  # automatic alias: export suffix 'E' dropped (40N6E -> 40N6)
            if re.match(r"^\d.*\dE$", item.id):
                self._index.setdefault(_norm(item.id[:-1]), item.id)
        self._check_references()

    def _check_references(self) -> None:
        problems: list[InputProblem] = []
        for item in self._items.values():
            if isinstance(item, Missile):
                for rid in item.guided_by:
                    if not isinstance(self._items.get(rid), Radar):
                        problems.append(
                            InputProblem(
                                f"{item.id}.guided_by", "not a radar in the library", rid,
                                ", ".join(self.names("radar")),
                            )
                        )
                for lid in item.launched_from:
                    if not isinstance(self._items.get(lid), Launcher):
                        problems.append(
                            InputProblem(
                                f"{item.id}.launched_from", "not a launcher in the library", lid,
                                ", ".join(self.names("launcher")),
                            )
                        )
            if isinstance(item, Launcher):
                for load in item.loads:
                    if not isinstance(self._items.get(load.missile), Missile):
                        problems.append(
                            InputProblem(
                                f"{item.id}.loads", "not a missile in the library", load.missile,
                                ", ".join(self.names("missile")),
                            )
                        )
        if problems:
            raise EquipmentError("<equipment library>", problems)

    # -- lookup ------------------------------------------------------------------------------
    def get(self, name: str, kind: str | None = None) -> Any:
        """Item by id, name or alias (case and punctuation insensitive).

        Raises :class:`EquipmentError` listing the closest known names when nothing matches.
        """
        item_id = self._index.get(_norm(name))
        item = self._items.get(item_id) if item_id else None
        if item is not None and (kind is None or item.kind == kind):
            return item
        candidates = self.names(kind)
        keys = {_norm(a): i for a, i in self._index.items() if i in candidates}
        close = difflib.get_close_matches(_norm(name), list(keys), n=5, cutoff=0.4)
        suggestions = list(dict.fromkeys(keys[c] for c in close)) or candidates
        what = f"{kind} " if kind else ""
        raise EquipmentError(
            "<equipment library>",
            [
                InputProblem(
                    field="name",
                    message=f"unknown {what}equipment {name!r}",
                    value=name,
                    allowed=", ".join(suggestions),
                )
            ],
        )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _norm(name) in self._index

    def __len__(self) -> int:
        return len(self._items)

    def names(self, kind: str | None = None) -> list[str]:
        """Sorted item ids, optionally of one kind."""
        return sorted(i.id for i in self.items(kind))

    def items(self, kind: str | None = None) -> list[Any]:
        if kind is not None and kind not in KINDS:
            raise InputError(f"equipment kind {kind!r}: allowed values are {', '.join(KINDS)}")
        return [i for i in self._items.values() if kind is None or i.kind == kind]

    def citations(self) -> list[Source]:
        seen: set[tuple[str, str]] = set()
        out = []
        for item in self._items.values():
            for s in item.citations():
                if (s.url, s.title) not in seen:
                    seen.add((s.url, s.title))
                    out.append(s)
        return out


# ----------------------------------------------------------------------------------------- load
_TOP_KEYS = {"system", "description", "sources", "items"}


def _load_file(text: str, path: str) -> list[Any]:
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EquipmentError(
            path,
            [
                InputProblem(
                    "<yaml>", f"not valid YAML: {getattr(exc, 'problem', exc)}",
                    line=None if mark is None else mark.line + 1,
                )
            ],
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise EquipmentError(
            path, [InputProblem("items", "file must be a mapping with a list under 'items'",
                                type(data).__name__, "mapping with 'items: [...]'")]
        )
    problems: list[InputProblem] = []
    for key in data:
        if key not in _TOP_KEYS and not str(key).startswith("x_"):
            problems.append(
                InputProblem(str(key), "unknown top-level key", key,
                             "system, description, sources, items, x_* (anchor blocks)",
                             _line(root, [key]))
            )
    items = []
    for i, raw in enumerate(data["items"]):
        item_id = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
        try:
            items.append(_ITEM_ADAPTER.validate_python(raw))
        except ValidationError as exc:
            problems.extend(_problems_from_validation(exc, i, item_id, root))
    if problems:
        raise EquipmentError(path, problems)
    return items


def _default_files() -> list[tuple[str, str]]:
    base = resources.files("iadsim") / "data" / "equipment"
    out = []
    for entry in sorted(base.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            out.append((f"iadsim/data/equipment/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


@functools.lru_cache(maxsize=1)
def _default_library() -> Library:
    items: list[Any] = []
    names = []
    for name, text in _default_files():
        items.extend(_load_file(text, name))
        names.append(name)
    return Library(items, names)


def load_library(paths: Iterable[str | Path] | None = None) -> Library:
    """Load the equipment library.

    Parameters
    ----------
    paths : iterable of path-like, optional
        YAML files (or directories of ``*.yaml``) to load instead of the packaged data. ``None``
        returns the packaged library (cached).

    Raises
    ------
    EquipmentError
        A file fails validation (file, line, item id, field path, value, allowed values), or a
        cross-reference (guided_by, launched_from, loads) does not resolve.
    """
    if paths is None:
        return _default_library()
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    items: list[Any] = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except OSError as exc:
            raise EquipmentError(str(f), [InputProblem("<file>", f"cannot read: {exc}")]) from None
        items.extend(_load_file(text, str(f)))
    return Library(items, [str(f) for f in files])
