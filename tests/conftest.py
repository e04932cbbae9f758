"""Suite-wide fixtures.

Some checks compare our output with programs that are not Python packages (``gdal_viewshed``,
CesiumJS under Node, ``xmllint``). On a user's fresh machine they are skipped with the command
that installs them; CI (``.ci/run``) installs them and sets ``IADSIM_REQUIRE_VALIDATORS=1``, so
there a missing validator fails the suite instead of silently skipping the check.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Shared test data and hand-built scenarios (tests/reference/*.py) import by module name.
sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))

REQUIRE_ENV = "IADSIM_REQUIRE_VALIDATORS"


@pytest.fixture
def external_tool() -> Callable[[str, bool, str], None]:
    """``need(name, available, install)``: skip (or, under CI, fail) when a validator is missing.

    ``name`` is what is missing, ``available`` whether it was found, ``install`` the command that
    installs it (printed in the skip or failure message).
    """

    def need(name: str, available: bool, install: str) -> None:
        if available:
            return
        message = f"{name} is not installed (install: {install})"
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{message}; {REQUIRE_ENV} is set, so this check may not be skipped")
        pytest.skip(message)

    return need
