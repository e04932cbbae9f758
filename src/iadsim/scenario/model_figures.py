"""Model figures: the cited figures of the engagement and route models (not equipment).

Data live in ``src/iadsim/data/engagement_model.yaml``: target hardness and gun presented area
by threat class, the lethal-radius scaling reference, the command post's planning Pk and
planning speed, fallbacks (reaction time, target channels, ceiling) and the route turn load
factors and climb angles. Each figure is validated by the equipment library's
:class:`~iadsim.scenario.library.Figure` (same rules: sources, or ``assumed: true`` with a
reasoning; ``low <= nominal <= high``); a figure given per threat class (``by_threat_class``)
is one :class:`Figure` per class sharing the provenance, and must name every threat class.

:func:`engagement_model` turns the file into an :class:`EngagementModel`: plain floats and dicts
in SI (the nominal values) plus the provenance of every figure, so the engine needs neither
pydantic nor the library to use them, and a run's assumption list is made from the metadata
(:meth:`EngagementModel.describe`), not retyped prose. A broken file raises
:class:`iadsim.errors.EquipmentError` naming the file, line and figure.

Examples
--------
>>> m = engagement_model()
>>> m.target_hardness["cruise_missile"], m.gun_target_area_m2["aircraft"]
(1.5, 10.0)
>>> m.figure("target_hardness_ratio.aircraft").assumed
True
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from iadsim.errors import EquipmentError, InputProblem
from iadsim.scenario.library import Figure, Threat, _line
from iadsim.units import split_suffix, suffix_to_si

__all__ = ["THREAT_CLASSES", "EngagementModel", "ModelFigure", "engagement_model"]

#: Threat classes of the library (:class:`iadsim.scenario.library.Threat`); a per-class figure
#: needs a value for each.
THREAT_CLASSES: tuple[str, ...] = typing.get_args(Threat.model_fields["threat_class"].annotation)

#: Packaged data file (inside the ``iadsim`` package).
DATA_FILE = "data/engagement_model.yaml"

def _positive(x: float) -> bool:
    return x > 0.0


#: Figure name in the file -> (attribute of :class:`EngagementModel`, given per threat class,
#: physical limit of the value in the file's unit, that limit in words).
_FIELDS: dict[str, tuple[str, bool, typing.Callable[[float], bool], str]] = {
    "target_hardness_ratio": ("target_hardness", True, _positive, "> 0"),
    "gun_target_area_m2": ("gun_target_area_m2", True, lambda x: x >= 0.0, ">= 0"),
    "reference_lethal_radius_m": ("reference_lethal_radius_m", False, _positive, "> 0"),
    "reference_warhead_mass_kg": ("reference_warhead_mass_kg", False, _positive, "> 0"),
    "planning_pk_ratio": ("planning_pk", False, lambda x: 0.0 < x <= 1.0, "(0, 1]"),
    "planning_speed_ratio": ("planning_speed_ratio", False, lambda x: 0.0 < x <= 1.0, "(0, 1]"),
    "default_reaction_time_s": ("default_reaction_time_s", False, lambda x: x >= 0.0, ">= 0"),
    "default_target_channels_count": ("default_target_channels", False,
                                      lambda x: x >= 1 and x == int(x), "an integer >= 1"),
    "turn_load_factor_ratio": ("turn_load_factor", True, lambda x: x > 1.0,
                               "> 1 (a level turn needs more than 1 g)"),
    "max_climb_angle_deg": ("max_climb_angle_rad", True, lambda x: 0.0 < x < 90.0, "(0, 90)"),
    "defended_radius_m": ("defended_radius_m", False, _positive, "> 0"),
    "threat_time_scale_s": ("threat_time_scale_s", False, _positive, "> 0"),
    "default_ceiling_m": ("default_ceiling_m", False, _positive, "> 0"),
    "kill_assessment_delay_s": ("kill_assessment_delay_s", False, _positive, "> 0"),
}
_TOP_KEYS = {"schema", "figures"}
_ENTRY_KEYS = {"description", "by_threat_class"}


@dataclass(frozen=True)
class ModelFigure:
    """Provenance of one model figure (plain values; no pydantic).

    ``name`` is the figure's key in the file, dotted with the threat class for a per-class
    figure (``"target_hardness_ratio.cruise_missile"``); ``value`` the nominal value in the
    file's unit (``unit``, the name's suffix); ``sources`` ``(url, title)`` pairs.
    """

    name: str
    value: float
    unit: str
    description: str
    sources: tuple[tuple[str, str], ...]
    assumed: bool
    reasoning: str

    @property
    def table(self) -> str:
        """The figure's key in the file (without the threat class)."""
        return self.name.split(".", 1)[0]


@dataclass(frozen=True)
class EngagementModel:
    """The model figures, nominal values in SI, and their provenance.

    Attributes
    ----------
    target_hardness : dict of str to float
        Carleton hardness by threat class (R_eff = R50 / h).
    gun_target_area_m2 : dict of str to float
        Presented area of a threat to a gun burst by threat class, m².
    reference_lethal_radius_m, reference_warhead_mass_kg : float
        Reference of the cube-root lethal-radius scaling (m, kg).
    planning_pk : float
        Single-shot Pk the command post plans with for a feasible pair.
    planning_speed_ratio : float
        Planning mean missile speed as a fraction of its maximum speed.
    default_reaction_time_s : float
        Reaction time of a battalion without one in the library, s.
    default_target_channels : int
        Target channels of a battalion whose radars have no such figure.
    turn_load_factor : dict of str to float
        Load factor of route turns by threat class (dimensionless, in g).
    max_climb_angle_rad : dict of str to float
        Steepest climb or descent of a route by threat class, rad.
    defended_radius_m : float
        Threat evaluation: radius around a defended asset that a threat's predicted closest
        approach must reach, m (:class:`iadsim.c2.threat.ThreatModel`).
    threat_time_scale_s : float
        Threat evaluation: time-to-go at which a threat's urgency halves, s.
    kill_assessment_delay_s : float
        Kill assessment: time after an intercept without a detection of the target after which
        the command post judges it destroyed, s.
    default_ceiling_m : float
        Route ceiling of a threat type without a ceiling figure, m.
    figures : tuple of ModelFigure
        Provenance of every figure, in file order.
    path : str
        The file the figures came from.
    """

    target_hardness: dict[str, float]
    gun_target_area_m2: dict[str, float]
    reference_lethal_radius_m: float
    reference_warhead_mass_kg: float
    planning_pk: float
    planning_speed_ratio: float
    default_reaction_time_s: float
    default_target_channels: int
    turn_load_factor: dict[str, float]
    max_climb_angle_rad: dict[str, float]
    defended_radius_m: float
    threat_time_scale_s: float
    default_ceiling_m: float
    kill_assessment_delay_s: float
    figures: tuple[ModelFigure, ...] = field(repr=False)
    path: str = ""

    def figure(self, name: str) -> ModelFigure:
        """Provenance of the figure ``name`` (dotted with the class for a per-class figure)."""
        for f in self.figures:
            if f.name == name:
                return f
        raise KeyError(f"{self.path}: no model figure {name!r}; has "
                       f"{', '.join(f.name for f in self.figures)}")

    def assumptions(self, names: typing.Iterable[str] | None = None
                    ) -> list[tuple[str, float, str, str]]:
        """``(name, value, unit, reasoning)`` of every assumed figure (of ``names``, if given)."""
        keep = None if names is None else set(names)
        return [(f.name, f.value, f.unit, f.reasoning) for f in self.figures
                if f.assumed and (keep is None or f.name in keep)]

    def citations(self, names: typing.Iterable[str] | None = None) -> list[tuple[str, str]]:
        """``(url, title)`` of every source cited (by ``names``, if given), each once."""
        keep = None if names is None else set(names)
        out: dict[tuple[str, str], None] = {}
        for f in self.figures:
            if keep is None or f.name in keep:
                out.update(dict.fromkeys(f.sources))
        return list(out)

    def describe(self, names: typing.Iterable[str]) -> list[str]:
        """One line per figure key of ``names`` (each key once, in file order): the description,
        the values used (per class for a per-class figure) with their unit, and the provenance
        (``ASSUMED: reasoning`` and/or the sources' titles)."""
        wanted = set(names)
        unknown = wanted - {f.name for f in self.figures}
        if unknown:
            raise KeyError(f"{self.path}: no model figure {', '.join(sorted(unknown))}")
        lines = []
        for table in dict.fromkeys(f.table for f in self.figures):
            used = [f for f in self.figures if f.table == table and f.name in wanted]
            if not used:
                continue
            first = used[0]
            unit = {"ratio": "", "count": ""}.get(first.unit, f" {first.unit}")
            values = ", ".join(
                (f"{f.name.split('.', 1)[1]} " if "." in f.name else "") + f"{f.value:g}{unit}"
                for f in used)
            text = f"{first.description.rstrip('.')} [{table}]: {values}."
            if first.assumed:
                text += f" ASSUMED: {first.reasoning}"
            if first.sources:
                text += " Sources: " + "; ".join(title for _, title in first.sources) + "."
            lines.append(text)
        return lines


def _problem(path: str, root: Any, loc: list[Any], message: str, value: Any = None,
             allowed: str = "") -> InputProblem:
    field_name = ".".join(str(p) for p in loc)
    return InputProblem(field_name, message, value, allowed, _line(root, loc))


def _parse(text: str, path: str) -> EngagementModel:
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EquipmentError(path, [InputProblem(
            "<yaml>", f"not valid YAML: {getattr(exc, 'problem', exc)}",
            line=None if mark is None else mark.line + 1)]) from None
    if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
        raise EquipmentError(path, [InputProblem(
            "figures", "file must be a mapping with a mapping under 'figures'",
            type(data).__name__, "mapping with 'figures: {name: figure}'")])
    problems = [_problem(path, root, [k], "unknown top-level key", k,
                         "schema, figures, x_* (anchor blocks)")
                for k in data if k not in _TOP_KEYS and not str(k).startswith("x_")]
    entries: dict[str, Any] = data["figures"]
    missing = [k for k in _FIELDS if k not in entries]
    if missing:
        problems.append(_problem(path, root, ["figures"], "missing model figures",
                                 ", ".join(missing), ", ".join(_FIELDS)))
    values: dict[str, Any] = {}
    provenance: list[ModelFigure] = []
    for key, raw in entries.items():
        loc: list[Any] = ["figures", key]
        if key not in _FIELDS:
            problems.append(_problem(path, root, loc, "unknown model figure", key,
                                     ", ".join(_FIELDS)))
            continue
        if not isinstance(raw, dict):
            problems.append(_problem(path, root, loc, "must be a mapping", raw,
                                     "{description, nominal | by_threat_class, sources | "
                                     "assumed + reasoning}"))
            continue
        attr, per_class, within, limit = _FIELDS[key]
        _, unit = split_suffix(key)
        description = str(raw.get("description") or "").strip()
        if not description:
            problems.append(_problem(path, root, [*loc, "description"],
                                     "needs a description (what the model does with it)"))
        provenance_keys = {k: v for k, v in raw.items() if k not in _ENTRY_KEYS}
        if per_class:
            table = raw.get("by_threat_class")
            if not isinstance(table, dict) or set(table) != set(THREAT_CLASSES):
                problems.append(_problem(
                    path, root, [*loc, "by_threat_class"],
                    "needs a value for every threat class and no other key",
                    None if not isinstance(table, dict) else sorted(table),
                    ", ".join(THREAT_CLASSES)))
                continue
            items = [(f"{key}.{cls}", [*loc, "by_threat_class", cls],
                      {**provenance_keys, "nominal": table[cls]}) for cls in table]
        else:
            if "by_threat_class" in raw:
                problems.append(_problem(path, root, [*loc, "by_threat_class"],
                                         "this figure is not given per threat class", None,
                                         "nominal (low, high)"))
                continue
            items = [(key, loc, provenance_keys)]
        figs = {}
        for name, where, body in items:
            try:
                fig = Figure.model_validate(body)
            except ValidationError as exc:
                for err in exc.errors():
                    sub = [p for p in err["loc"] if p != "nominal" or len(items) == 1]
                    problems.append(_problem(
                        path, root, [*where, *sub], err["msg"].removeprefix("Value error, "),
                        None if isinstance(err.get("input"), (dict, list)) else err.get("input"),
                        "a number" if "float" in err["type"] else ""))
                continue
            bad = [(v, k) for k, v in (("nominal", fig.nominal), ("low", fig.low),
                                        ("high", fig.high)) if v is not None and not within(v)]
            if bad:
                v, k = bad[0]
                problems.append(_problem(path, root, where if k == "nominal" else [*where, k],
                                         "outside the physical limits", v, limit))
                continue
            figs[name] = fig
            provenance.append(ModelFigure(
                name, float(fig.nominal), unit, description,
                tuple((s.url, s.title) for s in fig.sources), fig.assumed,
                " ".join((fig.reasoning or "").split())))
        if len(figs) != len(items):
            continue
        si = {n: float(suffix_to_si(f.nominal, unit)) for n, f in figs.items()}
        values[attr] = ({n.split(".", 1)[1]: v for n, v in si.items()} if per_class
                        else si[key])
    if problems:
        raise EquipmentError(path, problems)
    values["default_target_channels"] = int(values["default_target_channels"])
    return EngagementModel(**values, figures=tuple(provenance), path=path)


@functools.lru_cache(maxsize=1)
def _packaged() -> EngagementModel:
    text = (resources.files("iadsim") / DATA_FILE).read_text(encoding="utf-8")
    return _parse(text, f"iadsim/{DATA_FILE}")


def engagement_model(path: str | Path | None = None) -> EngagementModel:
    """The model figures (:class:`EngagementModel`).

    Parameters
    ----------
    path : path-like, optional
        A YAML file in the layout of ``iadsim/data/engagement_model.yaml`` to use instead of the
        packaged one (``None``: the packaged file, cached).

    Raises
    ------
    EquipmentError
        The file cannot be read or fails validation (file, line, figure, value, allowed).
    """
    if path is None:
        return _packaged()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EquipmentError(str(path), [InputProblem("<file>", f"cannot read: {exc}")]) from None
    return _parse(text, str(path))
