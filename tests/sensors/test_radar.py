"""Tests of iadsim.sensors.radar: range equation, loop-gain derivation and coverage cut-offs."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from iadsim.sensors.detection import pd as detection_pd
from iadsim.sensors.radar import RadarModel, derive_loop_gain, loop_gain_from_hardware

_spec = importlib.util.spec_from_file_location(
    "detection_tables", Path(__file__).resolve().parents[1] / "reference" / "detection_tables.py"
)
assert _spec is not None and _spec.loader is not None
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

HARDWARE_KEYS = (
    "peak_power_w",
    "gain_db",
    "frequency_hz",
    "pulse_width_s",
    "noise_figure_db",
    "losses_db",
)


def _radar(**overrides) -> RadarModel:
    params = {
        "name": "test search radar",
        "loop_gain_m4": derive_loop_gain(150e3, 1.0, 0.5, 1e-6, 10, 1),
        "pfa": 1e-6,
        "n_pulses": 10,
        "swerling": 1,
        "instrumented_range_m": 300e3,
        "min_elevation_rad": math.radians(-2.0),
        "max_elevation_rad": math.radians(60.0),
        "frequency_hz": 3e9,
    }
    params.update(overrides)
    return RadarModel(**params)


@pytest.mark.parametrize("example", ref.RADAREQSNR_EXAMPLES)
def test_hardware_loop_gain_reproduces_worked_example(example):
    c = loop_gain_from_hardware(**{k: example[k] for k in HARDWARE_KEYS})
    radar = _radar(loop_gain_m4=c)
    assert radar.snr_db(example["range_m"], example["rcs_m2"]) == pytest.approx(
        example["snr_db"], abs=2e-3
    ), ref.RADAREQSNR_SOURCE


@pytest.mark.parametrize("example", ref.RADAREQSNR_EXAMPLES)
@pytest.mark.parametrize("swerling", [0, 1, 3])
def test_derived_and_hardware_loop_gains_agree(example, swerling):
    # Treat the worked example's SNR as a published "detects RCS X at range R with Pd" figure.
    c_hardware = loop_gain_from_hardware(**{k: example[k] for k in HARDWARE_KEYS})
    pd_at_range = detection_pd(example["snr_db"], 1e-6, 1, swerling)
    c_derived = derive_loop_gain(
        example["range_m"], example["rcs_m2"], pd_at_range, 1e-6, 1, swerling
    )
    assert 10 * math.log10(c_derived / c_hardware) == pytest.approx(0.0, abs=2e-3)


@pytest.mark.parametrize(
    ("range_m", "rcs_m2", "pd", "n", "sw"),
    [
        (150e3, 1.0, 0.5, 10, 1),
        (250e3, 4.0, 0.9, 1, 0),
        (40e3, 0.01, 0.8, 5, 3),
        (90e3, 0.1, 0.7, 20, 4),
    ],
)
def test_derived_radar_round_trips_published_figure(range_m, rcs_m2, pd, n, sw):
    radar = _radar(
        loop_gain_m4=derive_loop_gain(range_m, rcs_m2, pd, 1e-6, n, sw), n_pulses=n, swerling=sw
    )
    assert radar.detection_range_m(rcs_m2, pd) == pytest.approx(range_m, rel=1e-5)
    assert radar.pd(range_m, rcs_m2) == pytest.approx(pd, abs=1e-5)


def test_fourth_power_range_scaling():
    radar = _radar()
    r1 = radar.detection_range_m(0.5, 0.8)
    assert radar.detection_range_m(0.5 * 16, 0.8) == pytest.approx(2.0 * r1, rel=1e-9)
    assert radar.snr_db(2 * 100e3, 16.0) == pytest.approx(radar.snr_db(100e3, 1.0), abs=1e-9)


def test_detection_range_capped_at_instrumented_range():
    radar = _radar(instrumented_range_m=100e3)
    assert radar.detection_range_m(1.0, 0.5) == pytest.approx(100e3)


def test_pd_zero_beyond_instrumented_range():
    radar = _radar(instrumented_range_m=120e3)
    p = radar.pd(np.array([119e3, 120e3, 121e3]), 10.0)
    assert p[0] > 0.5 and p[1] > 0.5
    assert p[2] == 0.0


def test_pd_zero_outside_elevation_cover():
    radar = _radar()
    el = np.radians([-3.0, -2.0, 10.0, 60.0, 61.0])
    p = radar.pd(50e3, 1.0, el)
    assert p[0] == 0.0 and p[-1] == 0.0
    assert np.all(p[1:-1] > 0.9)
    # Without an elevation the cover check is skipped.
    assert radar.pd(50e3, 1.0) == pytest.approx(p[2])


def test_covers_is_where_pd_can_be_nonzero():
    radar = _radar(instrumented_range_m=120e3)
    r = np.array([50e3, 120e3, 121e3])[:, None]
    el = np.radians([-3.0, -2.0, 10.0, 60.0, 61.0])[None, :]
    covered = radar.covers(r, el)
    np.testing.assert_array_equal(covered, (r <= 120e3) & (el >= radar.min_elevation_rad)
                                  & (el <= radar.max_elevation_rad))
    np.testing.assert_array_equal(radar.pd(r, 10.0, el) > 0.0, covered)
    np.testing.assert_array_equal(radar.covers(r[:, 0]), [True, True, False])


def test_pd_broadcasts_over_range_and_rcs_grid():
    radar = _radar()
    ranges = np.linspace(10e3, 400e3, 40)[:, None]
    rcs = np.array([0.1, 1.0, 10.0])[None, :]
    p = radar.pd(ranges, rcs, np.zeros((40, 1)))
    assert p.shape == (40, 3)
    assert np.all(np.diff(p[ranges[:, 0] <= radar.instrumented_range_m], axis=0) <= 1e-12)
    assert np.all(np.diff(p, axis=1) >= 0.0)


def test_radar_model_is_frozen():
    radar = _radar()
    with pytest.raises(dataclasses.FrozenInstanceError):
        radar.pfa = 1e-3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"loop_gain_m4": 0.0}, "loop_gain_m4 must be > 0"),
        ({"pfa": 1.5}, "pfa must lie in"),
        ({"n_pulses": 0}, "n_pulses must be an integer"),
        ({"swerling": 7}, "swerling must be one of"),
        ({"instrumented_range_m": -1.0}, "instrumented_range_m must be > 0"),
        ({"min_elevation_rad": 1.0, "max_elevation_rad": 0.5}, "min_elevation_rad must be below"),
    ],
)
def test_radar_model_rejects_bad_parameters(overrides, match):
    with pytest.raises(ValueError, match=match):
        _radar(**overrides)
