"""An installed iadsim works without the source tree: build the wheel, install it (not editable)
into a fresh virtual environment and run the demo from another directory.

The new environment gets iadsim from the wheel only; its third-party dependencies are borrowed
from the test environment through a path entry (a ``.pth`` line is a plain ``sys.path`` entry:
the test environment's own ``.pth`` files, among them the editable iadsim, are not processed),
so the test needs no download. A real ``pip install`` of the wheel with its dependencies from
the package index runs in ``.ci/run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 900) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(bin directory of a fresh venv with the iadsim wheel installed, a directory outside the repo)."""
    tmp = tmp_path_factory.mktemp("install")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(tmp / "dist"), str(ROOT)], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("iadsim-*.whl")
    venv.EnvBuilder(with_pip=False).create(tmp / "venv")
    python = tmp / "venv" / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp).stdout.strip())
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "-q", str(wheel)], cwd=tmp)
    work = tmp / "elsewhere"
    work.mkdir()
    return python.parent, work


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return env | {"MPLBACKEND": "Agg", "COLUMNS": "120"}


def test_the_package_is_imported_from_the_wheel_not_the_source_tree(installed):
    bin_dir, work = installed
    done = _run([str(bin_dir / "python"), "-c",
                 "import iadsim, sys; print(iadsim.__file__); print(sys.path)"], cwd=work,
                env=_env())
    where = done.stdout.splitlines()[0]
    assert where.startswith(str(bin_dir.parent)) and "site-packages" in where, where
    assert str(ROOT / "src") not in done.stdout


def test_python_dash_m_and_validate_work_installed(installed):
    bin_dir, work = installed
    assert "demo" in _run([str(bin_dir / "python"), "-m", "iadsim", "--help"], cwd=work,
                          env=_env()).stdout
    out = _run([str(bin_dir / "iadsim"), "validate"], cwd=work, env=_env()).stdout
    assert "equipment library" in out and "raid_2022.yaml" in out
    assert str(ROOT) not in out  # the examples come from the installed package


def test_demo_runs_from_the_installed_wheel(installed):
    bin_dir, work = installed
    _run([str(bin_dir / "iadsim"), "demo", "--out", "demo", "--campaign-runs", "2",
          "--compare-runs", "2"], cwd=work, env=_env())
    out = work / "demo"
    for name in ("summary.md", "coverage.geojson", "coverage.kml", "coverage.nc",
                 "raid/events.parquet", "raid/replay.czml", "raid/summary.md",
                 "campaign/campaign.md", "campaign/campaign.duckdb",
                 "polotsk_compare/campaign.md", "polotsk_compare/coverage_areas.csv"):
        assert (out / name).is_file(), name
    assert any(out.glob("map_*.png"))
