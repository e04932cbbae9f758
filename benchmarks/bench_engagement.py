"""The reference raid through the full engagement chain, against the same model run as
plain-Python per-object loops.

Reference raid (issue 4): 100 threats against the two S-400 battalions and the Pantsir-S1 of
``examples/raid_2022.yaml`` (its raids scaled up: 56 Tomahawk, 24 F-16C, 19 Shahed-136 and the
F-35A), 30 simulated minutes, seed 7.

Baseline: the per-object work of the run -- the tracker's IMM prediction, moment matching and
Kalman update and confirmation/deletion logic of every track, the chi-square gate of every
(track, detection) pair, the missile flyouts step by step -- is done by compiled kernels
(:mod:`iadsim.tracking.kernels`, :func:`iadsim.weapons.flyout.fly`, looked up by the engine in
:mod:`iadsim.engine.fire_control`). With
``NUMBA_DISABLE_JIT=1`` the very same source runs in CPython as plain-Python loops over tracks,
pairs, missiles and steps: the plain-Python per-object loop of the same model. Running the whole
raid that way would take hours, so a second run records every kernel call (count and compiled
time; the first, timed run has no recording) and keeps every N-th call's inputs (a systematic
sample: calls of every size, in proportion); a subprocess replays that sample interpreted, the
parent replays it compiled, the outputs must agree, and each kernel's interpreted time over the
run is the sample's mean interpreted time per call × the run's calls.

    baseline = wall − Σ compiled kernel time + Σ estimated interpreted kernel time

Everything else (numpy-vectorised sensing, the decision loop, pandas output, the terrain
viewsheds, whose per-cell kernels are not replayed) counts at the same compiled speed on both
sides, which can only lower the ratio. Rows: the whole run, then one per kernel.
"""

from __future__ import annotations

import copy
import importlib
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

RAID = Path(__file__).resolve().parents[1] / "examples" / "raid_2022.yaml"
#: Members per raid of the reference raid (with the single F-35A: 100 threats).
COUNTS = {"tlam": 56, "viper": 24, "shahed": 19}
DURATION_S = 1800.0
SEED = 7

#: Kernels replayed: (module, attribute, keep every N-th call, what one call does).
KERNELS = (
    ("iadsim.tracking.kernels", "process_scans", 400,
     "a feed's scans: IMM prediction, gate, GNN, Kalman/IMM update, initiation, track logic"),
    ("iadsim.tracking.kernels", "spd_check", 400, "validation of a feed's measurements"),
    ("iadsim.tracking.kernels", "prune", 100, "deletion of timed-out tracks at a report"),
    ("iadsim.tracking.kernels", "imm_predict", 400, "IMM prediction of the reported tracks"),
    ("iadsim.tracking.kernels", "imm_combine", 800, "moment matching of the reported tracks"),
    ("iadsim.engine.fire_control", "fly", 10, "missile flyouts (launch solutions and salvos)"),
)


def reference_raid(path: Path) -> Path:
    """Write the reference-raid scenario (100 threats) next to ``path`` and return it."""
    doc = yaml.safe_load(RAID.read_text(encoding="utf-8"))
    for raid in doc["raids"]:
        raid["count"] = COUNTS[raid["id"]]
    doc["name"] = "Reference raid (100 threats, illustrative what-if)"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class _Recorder:
    """Wraps one kernel: counts calls, sums their compiled time, keeps every N-th call's inputs
    (copied before the call: several kernels update their arrays in place)."""

    module: str
    name: str
    every: int
    calls: int = 0
    seconds: float = 0.0
    sample: list = field(default_factory=list)

    def install(self) -> Callable:
        module = importlib.import_module(self.module)
        original = getattr(module, self.name)

        def wrapper(*args, **kwargs):
            if self.calls % self.every == self.every // 2:
                self.sample.append(copy.deepcopy((args, kwargs)))
            self.calls += 1
            t0 = time.perf_counter()
            out = original(*args, **kwargs)
            self.seconds += time.perf_counter() - t0
            return out

        setattr(module, self.name, wrapper)
        return lambda: setattr(module, self.name, original)


def _outputs(out, args) -> list[np.ndarray]:
    """What a call produced, as arrays: its return values and its (in-place) array arguments."""
    if hasattr(out, "intercept"):                                  # FlyoutResult
        return [out.intercept, np.nan_to_num(out.miss_m), out.end_time_s]
    ret = [] if out is None else [np.asarray(o) for o in (out if isinstance(out, tuple) else (out,))]
    return ret + [np.array(a) for a in args if isinstance(a, np.ndarray)]


def _replay(sample_file: str) -> list[tuple[float, list]]:
    """Per kernel: time of the sample's calls and their outputs (run on copies of the inputs)."""
    with open(sample_file, "rb") as fh:
        samples = pickle.load(fh)
    result = []
    for module, name, calls in samples:
        fn = getattr(importlib.import_module(module), name)
        if calls:               # compile for the replayed argument types (pickling drops read-only)
            fn(*copy.deepcopy(calls[0][0]), **copy.deepcopy(calls[0][1]))
        total, outs = 0.0, []
        for args, kwargs in calls:
            args, kwargs = copy.deepcopy((args, kwargs))
            t0 = time.perf_counter()
            out = fn(*args, **kwargs)
            total += time.perf_counter() - t0
            outs.append(_outputs(out, args))
        result.append((total, outs))
    return result


def _max_rel_diff(a: list, b: list) -> float:
    """Largest relative difference between two replays' outputs (0: identical)."""
    worst = 0.0
    for call_a, call_b in zip(a, b, strict=True):
        for x, y in zip(call_a, call_b, strict=True):
            x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            if x.shape != y.shape:
                return np.inf
            scale = np.maximum(np.abs(x), np.abs(y))
            diff = np.where(scale > 0, np.abs(x - y) / np.where(scale > 0, scale, 1.0), 0.0)
            worst = max(worst, float(np.nanmax(diff, initial=0.0)))
    return worst


def run() -> list[dict]:
    import iadsim

    recorders = [_Recorder(m, n, every) for m, n, every, _ in KERNELS]
    with tempfile.TemporaryDirectory() as tmp:
        sc = iadsim.load_scenario(reference_raid(Path(tmp) / "reference_raid.yaml"))
        _warm_up(sc)                                          # compile outside the timed run
        t0 = time.perf_counter()
        res = iadsim.run(sc, seed=SEED, config=config())
        wall = time.perf_counter() - t0
        restore = [r.install() for r in recorders]          # second run: record the kernels
        try:
            again = iadsim.run(sc, seed=SEED, config=config())
        finally:
            for undo in restore:
                undo()
        same_run = again.events.equals(res.events)
        sample_file = Path(tmp) / "sample.pkl"
        with open(sample_file, "wb") as fh:
            pickle.dump([(r.module, r.name, r.sample) for r in recorders], fh)
        compiled = _replay(str(sample_file))
        py = subprocess.run(
            [sys.executable, __file__, str(sample_file)], check=True, capture_output=True,
            env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
        interpreted = pickle.loads(py.stdout)
    rows, kernel_s, baseline_kernel_s = [], 0.0, 0.0
    for rec, (_, _, _, what), (jit_s, jit_out), (py_s, py_out) in zip(
            recorders, KERNELS, compiled, interpreted, strict=True):
        kernel_s += rec.seconds
        baseline_kernel_s += py_s / max(len(rec.sample), 1) * rec.calls
        rows.append({
            "name": f"reference raid: {what} ({rec.name}, sample of the run's calls)",
            "baseline": "same kernel interpreted by CPython (NUMBA_DISABLE_JIT=1)",
            "iadsim_s": jit_s, "baseline_s": py_s,
            "note": f"{len(rec.sample)} of {rec.calls} calls (every {rec.every}th); "
                    f"{rec.seconds:.2f} s of the run; max relative difference of the outputs "
                    f"{_max_rel_diff(jit_out, py_out):.1e}"})
    s = res.summary
    raid = (f"{s['threats']} threats, {DURATION_S / 60:.0f} simulated min, seed {SEED}: "
            f"{s['killed']} destroyed, {s['leaked']} leaked, {s['missiles_fired']} missiles fired")
    whole = {
        "name": "reference raid, full chain (100 threats, 2 S-400 + Pantsir, 30 min)",
        "baseline": "same run with its per-object kernels (tracker, gate, flyout) as plain-Python "
                    "loops: interpreted time estimated per kernel from the rows below",
        "iadsim_s": wall, "baseline_s": wall - kernel_s + baseline_kernel_s,
        "note": f"{raid}; kernels {kernel_s:.1f} s of {wall:.1f} s wall (kernel time from a "
                f"second, recorded run; same events: {same_run}); the rest (vectorised sensing, "
                "decisions, outputs, viewsheds) counted equal on both sides, so the ratio is a "
                "lower bound"}
    return [whole, *rows]


def config(t_end_s: float = DURATION_S):
    """The engagement configuration of the reference raid: defaults, ``t_end_s`` simulated."""
    import iadsim

    return iadsim.EngagementConfig(air_picture=iadsim.AirPictureConfig(t_end_s=t_end_s))


def _warm_up(scenario) -> None:
    import iadsim
    from iadsim.weapons.calibration import load_aero
    from iadsim.weapons.flyout import fly

    iadsim.run(scenario, seed=SEED, config=config(60.0))
    fly(load_aero("48N6E3"), np.zeros((1, 3)), None, launch_el_rad=0.5, t_max=5.0)


if __name__ == "__main__":
    if len(sys.argv) == 2:                      # replay worker (plain-Python kernels)
        sys.stdout.buffer.write(pickle.dumps(_replay(sys.argv[1])))
    else:
        for row in run():
            print(row)
