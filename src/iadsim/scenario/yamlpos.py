"""Parse YAML text and remember the line of every field.

`parse_yaml(text)` returns the plain Python data (as ``yaml.safe_load`` would) and a `Positions`
table that maps a field path such as ``("battalions", 0, "radars", 1, "type")`` to the 1-based
line it was written on, so that validation errors can name the line.

Only the safe YAML subset is accepted (PyYAML ``SafeLoader``: no Python tags). Duplicate keys and
keys that are not text are reported as problems, because PyYAML would silently keep the last
value of a duplicate and a non-text key can never be a field name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from iadsim.errors import InputProblem

__all__ = ["FILE_FIELD", "Positions", "format_path", "parse_yaml"]

#: Field name used for problems that concern the whole file (not found, encoding, syntax).
FILE_FIELD = "<file>"

#: libyaml's parser when PyYAML was built with it (about 10x faster), else the pure-Python one.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"

Path = tuple[str | int, ...]


def format_path(loc: Iterable[str | int]) -> str:
    """``("battalions", 0, "radars", 1, "type")`` -> ``"battalions[0].radars[1].type"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or FILE_FIELD


class Positions:
    """1-based line of each field path in a YAML document."""

    def __init__(self) -> None:
        self._lines: dict[Path, int] = {}

    def _set(self, path: Path, line: int) -> None:
        self._lines.setdefault(path, line)

    def line(self, loc: Iterable[str | int]) -> int | None:
        """Line of ``loc``, or of its nearest ancestor written in the file (e.g. the mapping a
        missing key belongs in)."""
        path = tuple(loc)
        while True:
            if path in self._lines:
                return self._lines[path]
            if not path:
                return None
            path = path[:-1]

    def __contains__(self, loc: object) -> bool:
        return loc in self._lines

    def __len__(self) -> int:
        return len(self._lines)


def _mark_line(node: Node) -> int:
    return node.start_mark.line + 1


def _walk(node: Node, path: Path, pos: Positions, problems: list[InputProblem],
          seen: set[int]) -> None:
    """Record positions below ``node`` (iteratively; each node is visited once, so aliases,
    recursive anchors and "billion laughs" documents stay linear)."""
    stack: list[tuple[Node, Path]] = [(node, path)]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            keys_here: dict[str, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    # `<<: *anchor` -- the merged keys belong to this mapping.
                    merged = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                    for m in merged:
                        if isinstance(m, MappingNode):
                            for k, v in m.value:
                                if isinstance(k, ScalarNode) and k.tag == _STR_TAG:
                                    pos._set(path + (k.value,), _mark_line(k))
                                    stack.append((v, path + (k.value,)))
                    continue
                if not (isinstance(key_node, ScalarNode) and key_node.tag == _STR_TAG):
                    shown = key_node.value if isinstance(key_node, ScalarNode) else "<complex key>"
                    problems.append(InputProblem(
                        field=format_path(path + (str(shown),)) if path else str(shown),
                        message="keys must be text (field names)",
                        value=shown,
                        allowed="a field name such as `name` or `lat_deg`",
                        line=_mark_line(key_node)))
                    continue
                key = key_node.value
                child = path + (key,)
                if key in keys_here:
                    problems.append(InputProblem(
                        field=format_path(child),
                        message=f"duplicate key (first written on line {keys_here[key]})",
                        value=key,
                        allowed="each key once per mapping",
                        line=_mark_line(key_node)))
                    continue
                keys_here[key] = _mark_line(key_node)
                pos._set(child, _mark_line(key_node))
                stack.append((value_node, child))
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                pos._set(path + (i,), _mark_line(item))
                stack.append((item, path + (i,)))


def _error_line(exc: BaseException, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(exc, "position", None)  # yaml.reader.ReaderError
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return None


def parse_yaml(text: str) -> tuple[Any, Positions, list[InputProblem]]:
    """Parse one YAML document.

    Returns
    -------
    data : object
        The document as plain Python objects (``None`` for an empty document).
    positions : Positions
        Line of each field path.
    problems : list of InputProblem
        Syntax errors (field ``<file>``), duplicate keys, non-text keys. When this is not empty,
        ``data`` must not be used.
    """
    positions = Positions()
    problems: list[InputProblem] = []
    loader = None
    try:
        loader = _Loader(text)  # the pure-Python reader checks characters here already
        node = loader.get_single_node()
        if node is None:
            return None, positions, problems
        positions._set((), _mark_line(node))
        _walk(node, (), positions, problems, set())
        if problems:
            return None, positions, problems
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
        problems.append(InputProblem(
            field=FILE_FIELD, message=message, line=_error_line(exc, text),
            allowed="valid YAML (https://yaml.org/spec/1.1/)"))
        return None, positions, problems
    except RecursionError:
        problems.append(InputProblem(
            field=FILE_FIELD, message="YAML nesting is too deep to read",
            allowed="a scenario document (a few levels of nesting)"))
        return None, positions, problems
    except (TypeError, ValueError, OverflowError) as exc:
        # PyYAML's constructors can raise these on odd scalars (e.g. an out-of-range timestamp).
        problems.append(InputProblem(
            field=FILE_FIELD, message=f"YAML value cannot be read: {exc}",
            allowed="valid YAML scalars"))
        return None, positions, problems
    finally:
        if loader is not None:
            loader.dispose()
    return data, positions, problems
