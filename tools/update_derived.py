"""Rewrite ``derived.loop_gain_db`` in the equipment YAML files from the radar equation code.

Run after changing a radar's ``reference_detection`` figures::

    .venv/bin/python tools/update_derived.py

``tests/scenario/test_library.py`` fails while the recorded values and the code disagree, so data
and code cannot drift silently. Only the ``loop_gain_db: {...}`` lines are rewritten.
"""

from __future__ import annotations

import re
from pathlib import Path

from iadsim.scenario import library

EQUIPMENT = Path(library.__file__).resolve().parents[1] / "data" / "equipment"


def main() -> None:
    lib = library.load_library([EQUIPMENT])
    for path in sorted(EQUIPMENT.glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").split("\n")
        item = None
        for i, line in enumerate(lines):
            if m := re.match(r"^  - id: (\S+)", line):
                item = m.group(1)
            if "loop_gain_db: {" in line and item:
                radar = lib.get(item)
                values = ", ".join(f"{fs}: {radar.loop_gain_db(fs):.3f}"
                                   for fs in ("low", "nominal", "high"))
                lines[i] = line[: line.index("loop_gain_db")] + "loop_gain_db: {" + values + "}"
                print(f"{path.name}: {item}: {lines[i].strip()}")
        path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
