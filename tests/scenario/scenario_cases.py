"""Shared helpers of the scenario-file tests: apply an edit, find the reported problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from iadsim.errors import InputProblem, ScenarioError
from iadsim.scenario.load import load_scenario, load_scenario_text


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``fragment`` (-1: the last)."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    assert len(hits) >= abs(occurrence), f"{fragment!r} not in text"
    return hits[occurrence - 1] if occurrence > 0 else hits[occurrence]


def errors_of(text: str, tmp_path: Path | None = None) -> list[InputProblem]:
    """Problems of a scenario text that must fail (loaded from a file when ``tmp_path`` is set)."""
    with pytest.raises(ScenarioError) as info:
        if tmp_path is None:
            load_scenario_text(text, path="case.yaml")
        else:
            f = tmp_path / "case.yaml"
            f.write_text(text, encoding="utf-8")
            load_scenario(f)
    problems = info.value.problems
    assert problems, "a ScenarioError must list at least one problem"
    return problems


def problem_at(problems: list[InputProblem], field: str) -> InputProblem:
    for p in problems:
        if p.field == field:
            return p
    raise AssertionError(f"no problem at {field!r}; got {[(p.field, p.message) for p in problems]}")


def check_edit(base: str, case: tuple, occurrence: int = 1) -> None:
    """Apply ``case = (id, old, new, field, fragment, allowed, message)`` to ``base`` and check
    the problem at ``field``: its line is the line of ``fragment``, and ``allowed`` and
    ``message`` appear in what is reported."""
    _, old, new, field, fragment, allowed, message = case
    assert old in base, old
    text = base.replace(old, new, 1)
    p = problem_at(errors_of(text), field)
    assert p.line == line_of(text, fragment, occurrence), (p.line, p.message)
    assert allowed in p.allowed, p.allowed
    assert message.lower() in p.message.lower(), p.message
