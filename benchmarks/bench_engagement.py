"""The reference raid through the full engagement chain, and its missile flyouts.

Reference raid (issue 4): 100 threats against the two S-400 battalions and the Pantsir-S1 of
``examples/raid_2022.yaml`` (its raids scaled up: 56 Tomahawk, 24 F-16C, 19 Shahed-136 and the
F-35A), 30 simulated minutes, seed 7.

Rows:

1. **Flyouts of the reference raid**: every ``fly`` call the run made (launch-solution searches
   and salvos) is recorded and a sample of them is replayed twice: with the numba kernel, and
   with the same kernel interpreted by CPython (``NUMBA_DISABLE_JIT=1`` in a subprocess), i.e. a
   plain-Python per-missile, per-step loop of the same model. The results must agree exactly.
2. **Whole run**: iadsim's wall time against the same run with its flyouts at plain-Python speed
   (wall time − compiled flyout time + plain-Python flyout time scaled from the sample). The
   sensing and tracking of the run have their own baselines (Stone Soup, per-detection steps).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

RAID = Path(__file__).resolve().parents[1] / "examples" / "raid_2022.yaml"
#: Members per raid of the reference raid (with the single F-35A: 100 threats).
COUNTS = {"tlam": 56, "viper": 24, "shahed": 19}
DURATION_S = 1800.0
SEED = 7
#: Recorded flyout calls replayed by both implementations.
SAMPLE = 12


def reference_raid(path: Path) -> Path:
    """Write the reference-raid scenario (100 threats) next to ``path`` and return it."""
    doc = yaml.safe_load(RAID.read_text(encoding="utf-8"))
    for raid in doc["raids"]:
        raid["count"] = COUNTS[raid["id"]]
    doc["name"] = "Reference raid (100 threats, illustrative what-if)"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _replay(calls_file: str) -> tuple[float, list]:
    """Fly every recorded call; return the total time and the intercept/miss results."""
    from iadsim.weapons import flyout

    with open(calls_file, "rb") as fh:
        calls = pickle.load(fh)
    out, total = [], 0.0
    for args, kwargs in calls:
        t0 = time.perf_counter()
        res = flyout.fly(*args, **kwargs)
        total += time.perf_counter() - t0
        out.append((res.intercept.tolist(), np.nan_to_num(res.miss_m).tolist(),
                    res.end_time_s.tolist()))
    return total, out


def run() -> list[dict]:
    import iadsim
    from iadsim.weapons import flyout

    calls: list = []
    fly_s = [0.0]
    original = flyout.fly

    def recording_fly(*args, **kwargs):
        calls.append((args, kwargs))
        t0 = time.perf_counter()
        res = original(*args, **kwargs)
        fly_s[0] += time.perf_counter() - t0
        return res

    with tempfile.TemporaryDirectory() as tmp:
        sc = iadsim.load_scenario(reference_raid(Path(tmp) / "reference_raid.yaml"))
        _warm_up(original)                         # compile outside the timed run
        _patch_engine(recording_fly)
        try:
            t0 = time.perf_counter()
            res = iadsim.run(sc, seed=SEED, t_end_s=DURATION_S)
            wall = time.perf_counter() - t0
        finally:
            _patch_engine(original)
        rng = np.random.default_rng(0)
        pick = sorted(rng.choice(len(calls), size=min(SAMPLE, len(calls)), replace=False))
        calls_file = Path(tmp) / "calls.pkl"
        with open(calls_file, "wb") as fh:
            pickle.dump([calls[i] for i in pick], fh)
        jit_s, jit_out = _replay(str(calls_file))
        py = subprocess.run(
            [sys.executable, __file__, str(calls_file)], check=True, capture_output=True,
            env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
        py_s, py_out = pickle.loads(py.stdout)
    same = jit_out == py_out
    n_missiles = sum(len(out[0]) for out in jit_out)
    scale = len(calls) / max(len(pick), 1)
    s = res.summary
    raid = (f"{s['threats']} threats, {DURATION_S / 60:.0f} simulated min, seed {SEED}: "
            f"{s['killed']} destroyed, {s['leaked']} leaked, {s['missiles_fired']} missiles fired")
    return [
        {"name": "flyouts of the reference raid (sample of the recorded calls)",
         "baseline": "same kernel interpreted by CPython (NUMBA_DISABLE_JIT=1): plain-Python "
                     "per-missile, per-step loop",
         "iadsim_s": jit_s, "baseline_s": py_s,
         "note": f"{len(pick)} of {len(calls)} fly() calls, {n_missiles} missiles; "
                 f"identical results: {same}"},
        {"name": "reference raid, full chain (100 threats, 2 S-400 + Pantsir, 30 min)",
         "baseline": "same run with plain-Python flyouts (flyout time scaled from row above)",
         "iadsim_s": wall, "baseline_s": wall - fly_s[0] + py_s * scale,
         "note": f"{raid}; flyouts {fly_s[0]:.1f} s of {wall:.1f} s"},
    ]


def _warm_up(fly) -> None:
    from iadsim.weapons.calibration import load_aero

    fly(load_aero("48N6E3"), np.zeros((1, 3)), None, launch_el_rad=0.5, t_max=5.0)


def _patch_engine(fly) -> None:
    """Point the engagement engine's imported ``fly`` (missile flyout) at ``fly``."""
    from iadsim.engine import engagement

    engagement.fly = fly


if __name__ == "__main__":
    if len(sys.argv) == 2:                      # replay worker (plain-Python kernel)
        sys.stdout.buffer.write(pickle.dumps(_replay(sys.argv[1])))
    else:
        for row in run():
            print(row)
