"""Read a scenario file; every problem is reported with its file, line, field, value and what is allowed.

`load_scenario(path)` raises only `iadsim.errors.ScenarioError` (or its subclass
`EquipmentError` when the packaged equipment library itself is broken), whatever the file holds:
a missing file, bytes that are not UTF-8, YAML syntax errors, a wrong version, unknown keys,
wrong types, out-of-range numbers, unknown equipment (with the closest known names), equipment
of the wrong kind or system, overloaded launchers and duplicate ids. All findings of a stage are
reported together.

Example of the message (``str(err)``)::

    ur.yaml:42: battalions[1].radars[0].type: unknown radar '91N6' (got '91N6'); allowed:
    closest: 91N6E; known radar ids: 1RS2-1E, 91N6E, 92N6E, 96L6E, ...
"""

from __future__ import annotations

import re
import types
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from iadsim.errors import InputProblem, ScenarioError
from iadsim.scenario.schema import (
    DEFER_CHECKS,
    ID_ALLOWED,
    ID_PATTERN,
    SCHEMA_VERSION,
    Scenario,
)
from iadsim.scenario.yamlpos import FILE_FIELD, Positions, format_path, parse_yaml

__all__ = ["MAX_FILE_BYTES", "example_scenarios", "load_scenario", "load_scenario_text",
           "validate_scenario_data"]

#: Scenario files are hand-written; anything larger is a wrong file.
MAX_FILE_BYTES = 20_000_000


def example_scenarios() -> dict[str, Path]:
    """The example scenarios shipped inside the package, by name (file stem), sorted.

    They travel in the wheel (``iadsim/examples/*.yaml``, read through :mod:`importlib.resources`),
    so an installed iadsim runs its demo without the source tree.

    Examples
    --------
    >>> sorted(example_scenarios())
    ['minimal', 'polotsk_s300pmu', 'polotsk_s400', 'raid_2022', 'sead_brest_2022', 'united_resolve_2022']
    """
    base = resources.files("iadsim") / "examples"
    return {Path(e.name).stem: Path(str(e))
            for e in sorted(base.iterdir(), key=lambda e: e.name) if e.name.endswith(".yaml")}


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path : str or Path
        The scenario file. A ``terrain.dem`` path in it is relative to the file's folder.

    Returns
    -------
    Scenario
        Frozen; ``scenario.source_path`` is ``path``.

    Raises
    ------
    iadsim.errors.ScenarioError
        Listing every problem found (``err.problems``), each with field path, line, value and
        what is allowed.
    """
    shown = str(path)
    try:
        p = Path(path)
        size = p.stat().st_size
        if not p.is_file():
            raise IsADirectoryError(f"{shown} is not a regular file")
        if size > MAX_FILE_BYTES:
            _fail(shown, FILE_FIELD, f"file is too large ({size} bytes) for a scenario", None,
                  f"at most {MAX_FILE_BYTES} bytes")
        raw = p.read_bytes()
    except FileNotFoundError:
        _fail(shown, FILE_FIELD, "file not found", None, "an existing scenario .yaml file")
    except OSError as exc:
        _fail(shown, FILE_FIELD, f"cannot read the file: {exc.strerror or exc}", None,
              "a readable scenario .yaml file")
    except ValueError as exc:  # e.g. an embedded NUL in the path
        _fail(shown, FILE_FIELD, f"invalid path: {exc}", None, "a file path")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        _fail(shown, FILE_FIELD, f"file is not UTF-8 text (byte {raw[exc.start]:#04x} at offset "
              f"{exc.start})", None, "UTF-8 encoded text", line)
    return load_scenario_text(text, path=shown, source_path=str(path))


def load_scenario_text(text: str, path: str = "<string>",
                       source_path: str | None = None) -> Scenario:
    """Validate scenario YAML given as text. ``path`` names it in messages; ``source_path``
    (the file, when there is one) anchors relative ``terrain.dem`` paths."""
    try:
        data, positions, problems = parse_yaml(text)
    except Exception as exc:
        _fail(path, FILE_FIELD, f"internal error while reading YAML (please report): "
              f"{type(exc).__name__}: {exc}", None, "")
    if problems:
        raise ScenarioError(path, problems)
    return validate_scenario_data(data, positions, path=path, source_path=source_path)


def validate_scenario_data(data: Any, positions: Positions | None = None, path: str = "<data>",
                           source_path: str | None = None) -> Scenario:
    """Validate already-parsed scenario data (a mapping as from ``yaml.safe_load``)."""
    positions = positions if positions is not None else Positions()
    try:
        return _validate(data, positions, path, source_path)
    except ScenarioError:
        raise
    except Exception as exc:
        _fail(path, FILE_FIELD, f"internal error while validating (please report): "
              f"{type(exc).__name__}: {exc}", None, "")


# ---------------------------------------------------------------------------------------------

def _fail(path: str, field: str, message: str, value: Any = None, allowed: str = "",
          line: int | None = None) -> NoReturn:
    raise ScenarioError(path, [InputProblem(field, message, value, allowed, line)])


def _validate(data: Any, positions: Positions, path: str, source_path: str | None) -> Scenario:
    if data is None:
        _fail(path, FILE_FIELD, "the file is empty", None,
              f"a mapping starting with `iadsim: {SCHEMA_VERSION}`", 1)
    if not isinstance(data, dict):
        _fail(path, FILE_FIELD, f"the top level must be a mapping (key: value lines), "
              f"not {_kind_of(data)}", _short(data), _describe(Scenario), positions.line(()))
    if "iadsim" not in data:
        _fail(path, "iadsim", "missing the schema version key `iadsim`", None,
              f"iadsim: {SCHEMA_VERSION}", 1)
    version = data["iadsim"]
    if type(version) is not int or version != SCHEMA_VERSION:
        _fail(path, "iadsim", "unsupported scenario schema version", _short(version),
              f"{SCHEMA_VERSION}", positions.line(("iadsim",)))

    try:
        sc = Scenario.model_validate(data, context={DEFER_CHECKS: True})
    except ValidationError as exc:
        problems = [_from_pydantic(err, positions) for err in exc.errors(include_url=False)]
        raise ScenarioError(path, _dedupe(problems)) from None

    problems = sc.check()
    if sc.terrain.dem is not None and source_path is not None:
        dem = Path(sc.terrain.dem)
        dem = dem if dem.is_absolute() else Path(source_path).parent / dem
        if not dem.is_file():
            problems.append(InputProblem("terrain.dem", f"DEM file not found: {dem}",
                                         sc.terrain.dem,
                                         "a GeoTIFF path relative to the scenario file"))
    if problems:
        for p in problems:
            if p.line is None:
                p.line = positions.line(_parse_path(p.field))
        raise ScenarioError(path, problems)
    sc._source_path = source_path
    return sc


def _dedupe(problems: list[InputProblem]) -> list[InputProblem]:
    seen, out = set(), []
    for p in problems:
        key = (p.field, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


_PATH_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _parse_path(field: str) -> tuple[str | int, ...]:
    """Inverse of `format_path` (for keys without dots or brackets)."""
    return tuple(int(i) if i else name for i, name in _PATH_TOKEN.findall(field))


# ---------------------------------------------------------------------------------------------
# pydantic errors -> InputProblem
# ---------------------------------------------------------------------------------------------

_TYPE_MESSAGES = {
    "missing": "required key missing",
    "extra_forbidden": "unknown key",
}


def _from_pydantic(err: Any, positions: Positions) -> InputProblem:
    kind = err["type"]
    loc = tuple(err["loc"])
    if len(loc) >= 3 and loc[-1] == "[key]" and kind not in ("extra_forbidden", "missing"):
        loc = loc[:-1]  # pydantic's marker for a problem with a mapping key (not a user key)
    ctx = err.get("ctx") or {}
    field = format_path(loc)
    line = positions.line(loc)
    value = None if kind == "missing" else _short(err.get("input"))
    message = _TYPE_MESSAGES.get(kind, err["msg"])
    _, annotation, meta = _field_at(loc)

    if "allowed" in ctx:  # our PydanticCustomError
        allowed = str(ctx["allowed"])
    elif kind == "extra_forbidden":
        target = _model_at(loc[:-1])
        allowed = "known keys: " + ", ".join(target.model_fields) if target else ""
        if target is not None and loc and isinstance(loc[-1], str):
            close = _close_key(loc[-1], list(target.model_fields))
            if close:
                message = f"unknown key (did you mean `{close}`?)"
    elif kind == "literal_error":
        allowed = f"one of {ctx.get('expected', '')}"
    elif kind == "string_pattern_mismatch":
        allowed = ID_ALLOWED if ctx.get("pattern") == ID_PATTERN else _describe(annotation, meta)
        message = "invalid text format"
    else:
        allowed = _describe(annotation, meta) if annotation is not None else ""
    if kind.startswith(("greater_than", "less_than")):
        message = "out of range: " + err["msg"][0].lower() + err["msg"][1:]
    return InputProblem(field or FILE_FIELD, message, value, allowed, line)


def _close_key(key: str, known: list[str]) -> str | None:
    import difflib

    hits = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    return hits[0] if hits else None


def _strip(tp: Any, meta: list[Any]) -> Any:
    """Remove Annotated / Optional wrappers from ``tp``; collect constraints into ``meta``."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            base, *extra = get_args(tp)
            for m in extra:
                meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
            tp = base
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _field_at(loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, Any, list[Any]]:
    """(owning model, stripped annotation, constraints) of the field at ``loc`` in `Scenario`."""
    current: Any = Scenario
    owner: type[BaseModel] | None = None
    meta: list[Any] = []
    for part in loc:
        current = _strip(current, meta := [])
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            info = current.model_fields.get(part)
            if info is None:
                return current, None, []
            owner = current
            meta = list(info.metadata)
            current = info.annotation
        elif get_origin(current) is tuple and isinstance(part, int):
            current = get_args(current)[0]
        elif get_origin(current) is dict and isinstance(part, str):
            current = get_args(current)[1]
        else:
            return owner, None, []
    extra: list[Any] = []
    current = _strip(current, extra)
    return owner, current, meta + extra


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    if not loc:
        return Scenario
    _, annotation, _ = _field_at(loc)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _range_text(meta: list[Any]) -> str:
    lo = hi = None
    lo_open = hi_open = False
    for m in meta:
        if getattr(m, "ge", None) is not None:
            lo = m.ge
        if getattr(m, "gt", None) is not None:
            lo, lo_open = m.gt, True
        if getattr(m, "le", None) is not None:
            hi = m.le
        if getattr(m, "lt", None) is not None:
            hi, hi_open = m.lt, True
    if lo is not None and hi is not None:
        return f"from {_num(lo)}{' (exclusive)' if lo_open else ''} to {_num(hi)}" \
            f"{' (exclusive)' if hi_open else ''}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {_num(lo)}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {_num(hi)}"
    return ""


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _describe(tp: Any, meta: list[Any] | None = None, depth: int = 0) -> str:
    """Human description of what a field accepts."""
    meta = list(meta or [])
    tp = _strip(tp, meta)
    rng = _range_text(meta)
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number" + (f" {rng}" if rng else "")
    if tp is float:
        return "a number" + (f" {rng}" if rng else "")
    if tp is str:
        pattern = next((getattr(m, "pattern", None) for m in meta
                        if getattr(m, "pattern", None)), None)
        if pattern == ID_PATTERN:
            return ID_ALLOWED
        if pattern and pattern.startswith("^https?"):
            return "an http(s) URL"
        return "text"
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if get_origin(tp) is tuple:
        item = get_args(tp)[0]
        if depth > 1:
            return "a list"
        if item is Any:
            return "a list"
        return f"a list; each item {_describe(item, depth=depth + 1)}"
    if get_origin(tp) is dict:
        return f"a mapping of name: value; each value {_describe(get_args(tp)[1], depth=depth + 1)}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        required = [n for n, f in tp.model_fields.items() if f.is_required()]
        optional = [n for n, f in tp.model_fields.items() if not f.is_required()]
        text = f"a mapping with keys {', '.join(required)}"
        if optional:
            text += f" (optional: {', '.join(optional)})"
        return text
    return ""


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def _short(value: Any, limit: int = 80) -> Any:
    """The value, or a shortened text for long strings and containers."""
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 3] + "..."
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
