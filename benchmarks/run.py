"""Run every ratio benchmark and write ``benchmarks/RESULTS.md``.

Each ``benchmarks/bench_*.py`` module exposes ``run() -> list[dict]`` whose dicts have the keys
``name``, ``baseline`` (the named baseline, run in the same process/run), ``iadsim_s``,
``baseline_s`` and ``note``. Ratios are baseline time / iadsim time (> 1 means iadsim is faster).
No timing is asserted anywhere: the numbers are reported, not tested.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    sys.path.insert(0, str(HERE))
    rows: list[dict] = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        print(f"running {path.stem} ...", flush=True)
        rows.extend(module.run())
    lines = [
        "# Benchmark results",
        "",
        f"- date: {_dt.datetime.now(_dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {_machine()}",
        "- ratio = baseline time / iadsim time, both measured in the same run (> 1: iadsim faster)",
        "",
        "| benchmark | baseline | iadsim (s) | baseline (s) | ratio | note |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r["baseline_s"] / r["iadsim_s"] if r["iadsim_s"] > 0 else float("nan")
        lines.append(
            f"| {r['name']} | {r['baseline']} | {r['iadsim_s']:.4g} | {r['baseline_s']:.4g} "
            f"| {ratio:.3g}x | {r.get('note', '')} |"
        )
        print(lines[-1])
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
