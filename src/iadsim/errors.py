"""Exceptions shown to users. Each names the file, the field and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass


class IadsimError(Exception):
    """Base class of every error iadsim reports to a user (the CLI prints it, no traceback)."""


@dataclass
class InputProblem:
    """One problem in an input file.

    Attributes
    ----------
    field : str
        Dotted path of the field, e.g. ``battalions[0].radars[1].type``.
    message : str
        What is wrong.
    value : object
        The offending value (``None`` when missing).
    allowed : str
        What would be accepted (may be empty).
    line : int | None
        1-based line in the file, when known.
    """

    field: str
    message: str
    value: object = None
    allowed: str = ""
    line: int | None = None

    def format(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        text = f"{where}: {self.field}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value!r})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text


class ScenarioError(IadsimError):
    """A scenario or data file failed validation. ``problems`` lists every finding."""

    def __init__(self, path: str, problems: list[InputProblem]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(p.format(self.path) for p in problems))


class EquipmentError(ScenarioError):
    """An equipment data file failed validation, or an equipment name is unknown."""


class TerrainError(IadsimError):
    """A DEM could not be read or does not cover the area asked for."""


class InputError(IadsimError, ValueError):
    """A bad argument to a public function or CLI option; names it and what is allowed.

    Also a ``ValueError``, so Python callers can catch it as one.
    """
