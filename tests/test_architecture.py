"""Code-level contracts: the downward import rule (import-linter) and lint (ruff)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_imports_flow_downward():
    """Layers from pyproject's [tool.importlinter]: analysis/io/plot never import upward."""
    result = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_clean():
    result = subprocess.run([str(BIN / "ruff"), "check", "src", "tests", "benchmarks", "tools"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
