"""Build once, run many; the full run against the previous implementation; the raid at scale.

Rows (the reference raid of :mod:`bench_engagement`: 100 threats, 30 simulated min, seed 7):

- **Build once, run many**: a run on a reused World (``iadsim.run(world, ...)``) against a run
  with its build included (``iadsim.run(scenario, ...)``), both ``keep=("events",)``, in this
  process after a warm-up run (numba kernels compiled or loaded from their cache), interleaved,
  best of :data:`REPEATS` each. Ratio = with-build / reused.
- **Full run vs the previous implementation**: the same raid, seed and duration run by the
  commit before the closed-loop engine (:data:`PREVIOUS`, the open-loop engine), extracted with
  ``git archive`` into a temporary directory and run in a subprocess on that source with its old
  API (``iadsim.run(sc, seed=7, t_end_s=1800.0)``, which builds inside and keeps every table);
  the subprocess warms up with a 60 s run and times the run call only. iadsim side: the full run
  with its build and every table kept (``iadsim.run(scenario, ...)`` defaults), the same work
  product. Skipped with a note when git or the commit is unavailable.
- **Scale**: the reference raid scaled to 1,000 and 10,000 threats (each raid's count × 10 and
  × 100, in raids of at most 1,000 members; with the single F-35A: 991 and 9,901 threats),
  ``keep=("events",)``, each size in its own subprocess so that its peak resident memory
  (``ru_maxrss``) is that run's. Two layouts (:data:`LAYOUTS`): **same spread**, as issue 11
  states it -- the members keep the reference raid's spread, so ×100 puts 5,600 Tomahawks in
  the 60 s × ±3 km box of 56 (about 90 m apart: closer than the radars resolve, which the model
  does not merge, so hundreds of tracks gate each other's detections and the GNN assignment of
  such a cluster is cubic in its size); and **same density** -- the time and lateral spreads
  grow by sqrt(scale) (the earliest start unchanged), so the threats per km² of corridor and
  per minute of arrival are the reference raid's: the measure of how the engine grows with
  the number of threats. Timed: build + run. Baseline: real time (the simulated
  seconds), so the ratio is how many times faster than real time. 1,000 threats over the full
  30 min; 10,000 threats over the full 30 min when a probe over the first :data:`PROBE_S`
  simulated seconds says it fits in :data:`BUDGET_S` at that pace, else over
  :data:`SHORT_SPAN_S` (named in the note; never extrapolated). The note gives the growth
  exponent log(t(10,000) / t(1,000)) / log 10 per simulated second over the same span (the run
  on the built World), and the previous implementation's figures quoted by issue 11. Peak memory
  includes the interpreter, numba, pandas and a 60 s warm-up run of the reference raid (~0.6 GB).

Workers (also handy by hand)::

    python benchmarks/bench_world.py scale 10000 120 same-density            # JSON on stdout
    python benchmarks/bench_world.py scale 10000 120 same-spread out.prof    # under cProfile
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from bench_engagement import COUNTS, DURATION_S, RAID, SEED, config, reference_raid

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
#: The commit before the closed-loop engine (the open-loop engine).
PREVIOUS = "eca61ca"
#: Runs of each kind in the build-once row (best of).
REPEATS = 2
#: Members of one raid at most (the scenario schema's limit).
MAX_RAID = 1000
#: Scaled raids: threats per 100 of the reference raid's (environment IADSIM_BENCH_SCALES,
#: e.g. "1000": a shorter bench without the 10,000-threat run, about 18 min on 2 cores).
SCALES = tuple(int(n) for n in os.environ.get("IADSIM_BENCH_SCALES", "1000,10000").split(","))
#: Probe span of the largest raid, simulated s, and the wall time its full run may take, s.
PROBE_S = 120.0
BUDGET_S = 25 * 60.0
#: Span of the largest raid when its full run would not fit in the budget, simulated s.
SHORT_SPAN_S = 600.0
#: How a scaled raid is laid out (module notes).
LAYOUTS = ("same-density", "same-spread")
#: The previous implementation's figures, quoted by issue 11 (same machine, build included).
PREVIOUS_SCALE = "previous implementation (issue 11): 991 threats 59.5 s and 9,901 threats " \
                 "1,687 s for 1,800 simulated s (19.1 GB peak)"

#: Worker run on the previous implementation's source (PYTHONPATH): warm up, time the run.
_PREVIOUS_WORKER = """
import json, sys, time
import iadsim
path, seed, t_end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
sc = iadsim.load_scenario(path)
iadsim.run(sc, seed=seed, t_end_s=60.0)
t0 = time.perf_counter()
res = iadsim.run(sc, seed=seed, t_end_s=t_end)
seconds = time.perf_counter() - t0
s = res.summary
print(json.dumps({"seconds": seconds, "file": iadsim.__file__, "threats": s["threats"],
                  "killed": s["killed"], "leaked": s["leaked"],
                  "missiles_fired": s["missiles_fired"]}))
"""


def scaled_raid(n_per_100: int, path: Path, layout: str) -> Path:
    """Write the reference raid scaled to ``n_per_100`` / 100 × its raid members (raids of at
    most :data:`MAX_RAID`; the fixed threats as they are) to ``path`` and return it.
    ``layout`` (:data:`LAYOUTS`): ``same-density`` widens each raid's time and lateral spread by
    sqrt(scale) and starts it later by the growth of its time spread (module notes)."""
    doc = yaml.safe_load(RAID.read_text(encoding="utf-8"))
    base = {r["id"]: r for r in doc["raids"]}
    widen = math.sqrt(n_per_100 / 100) if layout == "same-density" else 1.0
    for raid in base.values():
        spread = raid["spread"]
        raid["start_time_s"] += spread["time_s"] * (widen - 1.0)
        raid["spread"] = {**spread, "time_s": spread["time_s"] * widen,
                          "lateral_m": spread["lateral_m"] * widen}
    raids = []
    for rid, count in COUNTS.items():
        left, k = round(count * n_per_100 / 100), 0
        while left > 0:
            raids.append({**base[rid], "id": f"{rid}{k}", "count": min(left, MAX_RAID)})
            left -= MAX_RAID
            k += 1
    doc["raids"] = raids
    doc["name"] = (f"Reference raid scaled to {n_per_100} threats, {layout} "
                   "(illustrative what-if)")
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _outcome(res) -> str:
    s = res.summary
    return (f"{s['threats']} threats: {s['killed']} destroyed, {s['leaked']} leaked, "
            f"{s['missiles_fired']} missiles fired")


def _build_once(scenario) -> tuple[dict, float]:
    """The build-once row, and the best with-build time (events only)."""
    import iadsim

    iadsim.run(scenario, seed=SEED, config=config(60.0), keep=("events",))      # warm-up
    reused, built, events = [], [], []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        res = iadsim.run(scenario, seed=SEED, config=config(), keep=("events",))
        built.append(time.perf_counter() - t0)
        events.append(res.events)
        t0 = time.perf_counter()
        world = iadsim.build(scenario)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = iadsim.run(world, seed=SEED, config=config(), keep=("events",))
        reused.append(time.perf_counter() - t0)
        events.append(res.events)
    same = all(e.equals(events[0]) for e in events)
    row = {
        "name": "build once, run many: reference raid (100 threats, 30 min) on a reused World",
        "baseline": "same run with its build included (iadsim.run(scenario, ...))",
        "iadsim_s": min(reused), "baseline_s": min(built),
        "note": f"{_outcome(res)}; keep=('events',); best of {REPEATS} interleaved (reused "
                f"{', '.join(f'{t:.1f}' for t in reused)} s; with build "
                f"{', '.join(f'{t:.1f}' for t in built)} s); build alone {build_s:.1f} s; "
                f"identical events: {same}; goal (issue 11): ratio >= 2"}
    return row, min(built)


def _previous(scenario, scenario_path: Path, events_only_s: float) -> dict:
    """The full run (build included, every table) against the previous implementation's."""
    import iadsim

    t0 = time.perf_counter()
    res = iadsim.run(scenario, seed=SEED, config=config())
    new_s = time.perf_counter() - t0
    row = {
        "name": "full run (build + run, every table): reference raid, 100 threats, 30 min",
        "baseline": f"previous implementation (commit {PREVIOUS}, open-loop engine), same "
                    "scenario, seed and duration, in a subprocess",
        "iadsim_s": new_s, "baseline_s": math.nan}
    ours = (f"now: {_outcome(res)} ({events_only_s:.1f} s with keep=('events',), see the row "
            "above)")
    git, tar = shutil.which("git"), shutil.which("tar")
    if git is None or tar is None:
        return {**row, "note": f"skipped: {'git' if git is None else 'tar'} not found; {ours}"}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run([git, "-C", str(REPO), "archive", PREVIOUS, "src"],
                                 capture_output=True)
        if archive.returncode != 0:
            return {**row, "note": f"skipped: git archive {PREVIOUS} failed "
                                   f"({archive.stderr.decode(errors='replace').strip()}); {ours}"}
        subprocess.run([tar, "-x", "-C", tmp], input=archive.stdout, check=True)
        src = Path(tmp) / "src"
        out = subprocess.run(
            [sys.executable, "-c", _PREVIOUS_WORKER, str(scenario_path), str(SEED),
             str(DURATION_S)], cwd=tmp, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": str(src)})
    if out.returncode != 0:
        return {**row, "note": f"skipped: the previous implementation failed "
                               f"({out.stderr.strip().splitlines()[-1:]}); {ours}"}
    old = json.loads(out.stdout.strip().splitlines()[-1])
    if not Path(old["file"]).is_relative_to(src):
        raise RuntimeError(f"the previous-implementation worker imported {old['file']}")
    return {**row, "baseline_s": old["seconds"],
            "note": f"{ours}; previous: {old['threats']} threats: {old['killed']} destroyed, "
                    f"{old['leaked']} leaked, {old['missiles_fired']} missiles fired (open "
                    "loop: outcomes differ by design); both warmed up, run call timed; goal "
                    "(issue 11): ratio >= 1"}


def _scale_run(n_per_100: int, t_end_s: float, layout: str) -> dict:
    """One scaled raid in a subprocess (its own peak memory)."""
    out = subprocess.run([sys.executable, __file__, "scale", str(n_per_100), str(t_end_s),
                          layout], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _scale_rows(layout: str) -> list[dict]:
    small, large = SCALES[0], SCALES[-1]
    runs = {small: _scale_run(small, DURATION_S, layout)}
    if large == small:                      # one size (IADSIM_BENCH_SCALES): no growth figure
        return [_scale_row(small, runs[small], "")]
    probe = _scale_run(large, PROBE_S, layout)
    fits = probe["run_s"] / PROBE_S * DURATION_S <= BUDGET_S
    span = DURATION_S if fits else SHORT_SPAN_S
    runs[large] = _scale_run(large, span, layout) if span != PROBE_S else probe
    same_span = runs[small] if span == DURATION_S else _scale_run(small, span, layout)
    exponent = math.log(runs[large]["run_s"] / same_span["run_s"]) / math.log(large / small)
    extra = (f"; probe over {PROBE_S:.0f} s: run {probe['run_s']:.1f} s, peak "
             f"{probe['maxrss_gb']:.2f} GB; " + (
                 "full span" if fits else
                 f"span cut to {span:.0f} s: at the probe's pace the full "
                 f"{DURATION_S:.0f} s would take over {BUDGET_S / 60:.0f} min") +
             f"; growth exponent per simulated s over {span:.0f} s: {exponent:.2f} "
             f"(t = {runs[large]['run_s']:.1f} s vs {same_span['run_s']:.1f} s for "
             f"{same_span['threats']} threats); goal (issue 11): >= 10x real time, "
             f"< 4 GB, exponent <= 1; {PREVIOUS_SCALE}")
    return [_scale_row(small, runs[small], ""), _scale_row(large, runs[large], extra)]


def _scale_row(n: int, r: dict, extra: str) -> dict:
    """The benchmark row of one scaled raid (``extra``: appended to its note)."""
    t = r["t_end_s"]
    note = (f"{r['threats']} threats over the first {t:.0f} simulated s: build "
            f"{r['build_s']:.1f} s + run {r['run_s']:.1f} s = "
            f"{(r['build_s'] + r['run_s']) / t:.3f} s per simulated s (run alone "
            f"{r['run_s'] / t:.3f}); peak RSS {r['maxrss_gb']:.2f} GB; "
            f"{r['killed']} destroyed, {r['missiles_fired']} missiles fired; keep=('events',)")
    return {"name": f"scale: reference raid x{n // 100} ({r['threats']} threats, "
                    f"{r['layout']}), {t:.0f} simulated s",
            "baseline": "real time (the simulated seconds)",
            "iadsim_s": r["build_s"] + r["run_s"], "baseline_s": t, "note": note + extra}


def _scale_worker(n_per_100: int, t_end_s: float, layout: str, profile: str | None) -> dict:
    import resource

    import iadsim

    with tempfile.TemporaryDirectory() as tmp:
        warm = iadsim.load_scenario(reference_raid(Path(tmp) / "reference_raid.yaml"))
        iadsim.run(warm, seed=SEED, config=config(60.0), keep=("events",))   # numba warm-up
        sc = iadsim.load_scenario(scaled_raid(n_per_100, Path(tmp) / "scaled.yaml", layout))
    t0 = time.perf_counter()
    world = iadsim.build(sc)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    if profile:
        import cProfile

        with cProfile.Profile() as prof:
            res = iadsim.run(world, seed=SEED, config=config(t_end_s), keep=("events",))
        prof.dump_stats(profile)
    else:
        res = iadsim.run(world, seed=SEED, config=config(t_end_s), keep=("events",))
    run_s = time.perf_counter() - t0
    s = res.summary
    return {"threats": s["threats"], "layout": layout, "t_end_s": t_end_s, "build_s": build_s, "run_s": run_s,
            "maxrss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
            "killed": s["killed"], "missiles_fired": s["missiles_fired"]}


def run() -> list[dict]:
    import iadsim

    with tempfile.TemporaryDirectory() as tmp:
        path = reference_raid(Path(tmp) / "reference_raid.yaml")
        sc = iadsim.load_scenario(path)
        once, with_build_s = _build_once(sc)
        previous = _previous(sc, path, with_build_s)
    return [once, previous, *(row for layout in LAYOUTS for row in _scale_rows(layout))]


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "scale":   # worker: one scaled raid
        print(json.dumps(_scale_worker(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4],
                                       sys.argv[5] if len(sys.argv) > 5 else None)))
    else:
        for row in run():
            print(row)
