"""Sensing + tracking of the demo raid: wall time and radar scans per second.

Baseline: the same run with the trackers fed one detection per step (no 0.5 s frames), i.e. the
naive per-detection processing the frame option replaces. Frames of 1 µs stand for "no frames":
no two looks of the demo raid share a microsecond (the note counts the tracker steps of each
run), the 1 s report interval is a multiple of it, and the covariance widening of a frame,
(v_max · frame / 2)² / 3, vanishes. Both runs draw the same looks (the same streams, batches of
the same length); the framed run's last window also holds the looks of its last half frame
(up to ``t_end_s`` + 0.25 s, a few dozen of ~35,000). Both runs sense the same World, built once
outside the timing (the build is the same on both sides); a short run first compiles (or loads)
the numba kernels, so neither side pays for it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

import iadsim

RAID = Path(__file__).resolve().parents[1] / "examples" / "raid_2022.yaml"

def run() -> list[dict]:
    world = iadsim.build(iadsim.load_scenario(RAID))
    config = iadsim.AirPictureConfig(t_end_s=300.0)
    iadsim.simulate_air_picture(world, seed=7, config=replace(config, t_end_s=30.0))  # warm-up
    t0 = time.perf_counter()
    pic = iadsim.simulate_air_picture(world, seed=7, config=config)
    t_frames = time.perf_counter() - t0
    scans = pic.detections.groupby("radar_id")["scan"].nunique().sum()
    naive_config = replace(config, frame_s=1e-6)
    t0 = time.perf_counter()
    naive = iadsim.simulate_air_picture(world, seed=7, config=naive_config)
    t_naive = time.perf_counter() - t0
    # the same looks: the framed run's last window also holds the looks of its last half frame
    same = pic.detections[pic.detections["time_s"] < config.t_end_s + naive_config.frame_s / 2]
    assert same.reset_index(drop=True).equals(naive.detections)
    return [{
        "name": "air picture, demo raid (35 threats, 6 radars, first 300 s)",
        "baseline": "same run, one tracker step per detection (no 0.5 s frames)",
        "iadsim_s": t_frames, "baseline_s": t_naive,
        "note": (f"{len(pic.detections)} detections, {scans} radar scans: "
                 f"{_steps(pic.detections, config.frame_s)} tracker steps (frames) vs "
                 f"{_steps(naive.detections, naive_config.frame_s)} (per detection); "
                 f"{scans / t_frames:.0f} scans/s; fused mean OSPA "
                 f"{pic.metrics['fused']['ospa_mean_m']:.0f} m (frames) vs "
                 f"{naive.metrics['fused']['ospa_mean_m']:.0f} m (per detection)"),
    }]

def _steps(detections, frame_s: float) -> int:
    """Tracker steps of a run: the distinct frame times of each radar's looks (its own
    tracker), plus those of all looks (the fused tracker)."""
    when = np.round(detections["time_s"].to_numpy() / frame_s)
    per_radar = sum(np.unique(when[(detections["radar_id"] == r).to_numpy()]).size
                    for r in detections["radar_id"].unique())
    return int(per_radar + np.unique(when).size)


if __name__ == "__main__":
    for row in run():
        print(row)
