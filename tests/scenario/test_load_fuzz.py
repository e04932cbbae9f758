"""Schema fuzzing: whatever a scenario file holds, the loader raises only ScenarioError, and every
problem names a field (``<file>`` for file-level problems) and, when given, a valid line.

Deterministic (``derandomize=True``): the same examples run every time.
"""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iadsim.errors import ScenarioError
from iadsim.scenario.load import load_scenario, load_scenario_text
from iadsim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [ROOT / "examples" / "minimal.yaml", ROOT / "examples" / "united_resolve_2022.yaml",
            ROOT / "examples" / "raid_2022.yaml"]
TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES]
DOCS = [yaml.safe_load(t) for t in TEXTS]

FUZZ = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check_outcome(load) -> None:
    """Run ``load``; it must succeed or raise a well-formed ScenarioError."""
    try:
        result = load()
    except ScenarioError as err:
        assert err.problems, "ScenarioError without problems"
        n_lines = None
        for p in err.problems:
            assert isinstance(p.field, str) and p.field, p
            assert isinstance(p.message, str) and p.message, p
            assert "internal error" not in p.message, p.message
            assert isinstance(p.allowed, str), p
            assert p.line is None or (isinstance(p.line, int) and p.line >= 1), p
            if n_lines is not None and p.line is not None:
                assert p.line <= n_lines
        str(err)  # the message renders
        return
    assert isinstance(result, Scenario)
    assert load_scenario_text(result.to_yaml()) == result


# -- random values used to corrupt valid documents -----------------------------------------------
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["S-400", "91N6", "", "-", "1e400", "~", "yes"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _mutate(doc: Any, path: tuple, action: str, value: Any, key: str) -> Any:
    doc = copy.deepcopy(doc)
    if not path:
        return value if action == "replace" else doc
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = value
    elif action == "rename" and isinstance(parent, dict):
        parent[key] = parent.pop(last)
    elif action == "wrap":
        parent[last] = [parent[last]]
    elif action == "nest":
        parent[last] = {key: parent[last]}
    return doc


@st.composite
def mutated_documents(draw) -> str:
    doc = draw(st.sampled_from(DOCS))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["delete", "replace", "replace", "rename", "wrap", "nest"]))
        doc = _mutate(doc, path, action, draw(values), draw(st.text(max_size=8)))
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@FUZZ
@given(mutated_documents())
def test_mutated_documents_only_raise_scenario_error(text):
    check_outcome(lambda: load_scenario_text(text, path="fuzz.yaml"))


@st.composite
def broken_texts(draw) -> str:
    """A valid file with characters deleted, inserted or swapped (YAML and schema breakage)."""
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        i = draw(st.integers(min_value=0, max_value=len(text)))
        op = draw(st.sampled_from(["delete", "insert", "replace_line"]))
        if op == "delete":
            text = text[:i] + text[i + draw(st.integers(min_value=1, max_value=20)):]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(
                ["[", "]", "{", "}", ":", "- ", "\n", "\t", "  ", "&a ", "*a", "!!", "'", '"',
                 "<<: ", "?", "%", "@", "\x00", "\ufeff", "---\n"])) + text[i:]
        else:
            lines = text.splitlines(keepends=True)
            j = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
            if lines:
                lines[j] = draw(st.text(max_size=30)) + "\n"
            text = "".join(lines)
    return text


@FUZZ
@given(broken_texts())
def test_broken_yaml_only_raises_scenario_error(text):
    check_outcome(lambda: load_scenario_text(text, path="fuzz.yaml"))


@FUZZ
@given(st.one_of(st.binary(max_size=200),
                 st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
                 st.sampled_from(TEXTS).map(lambda t: t.encode("utf-16")),
                 st.sampled_from(TEXTS).map(lambda t: t.encode("utf-8")[: len(t) // 2])))
def test_random_bytes_only_raise_scenario_error(data):
    fd, name = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        check_outcome(lambda: load_scenario(name))
    finally:
        os.unlink(name)


@FUZZ
@given(values)
def test_random_top_level_values(value):
    doc = {"iadsim": 1, **value} if isinstance(value, dict) else value
    text = yaml.safe_dump(doc, allow_unicode=True)
    check_outcome(lambda: load_scenario_text(text, path="fuzz.yaml"))


def test_pathological_documents():
    deep = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    recursive = "iadsim: 1\nname: x\nbattalions: &b [*b]\n"
    for text in (deep, laughs, recursive, "iadsim: 1\n" * 3, "\x00", "\ufeffiadsim: 1\n"):
        check_outcome(lambda text=text: load_scenario_text(text, path="fuzz.yaml"))


RAID_DOC = DOCS[2]
THREAT_PATHS = [p for p in _paths(RAID_DOC) if p and p[0] in ("threats", "raids", "seed")]


@st.composite
def mutated_threats(draw) -> str:
    """The raid example with its threats/raids/seed sections corrupted (structure and values)."""
    doc = RAID_DOC
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(doc) if p and p[0] in ("threats", "raids", "seed")]
        path = draw(st.sampled_from(paths or THREAT_PATHS))
        action = draw(st.sampled_from(["delete", "replace", "replace", "rename", "wrap", "nest"]))
        value = draw(st.one_of(values, st.floats(min_value=-1e5, max_value=1e5),
                               st.integers(min_value=-10, max_value=2000),
                               st.sampled_from(["agl", "msl", "Tomahawk", "F-16", "92N6E"])))
        doc = _mutate(doc, path, action, value, draw(st.sampled_from(
            ["speed_m_s", "time_s", "alt_ref", "spread", "count", "x", "lateral_m"])))
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@FUZZ
@given(mutated_threats())
def test_mutated_threats_only_raise_scenario_error(text):
    check_outcome(lambda: load_scenario_text(text, path="fuzz.yaml"))
