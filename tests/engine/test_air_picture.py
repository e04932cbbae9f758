"""End-to-end sensing and tracking on a small scenario: determinism, bookkeeping, sanity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import iadsim
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.errors import InputError
from iadsim.workflows import air_picture_products

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

THREATS = """
seed: 11
threats:
  - id: fighter-1
    type: F-16C
    start_time_s: 0
    route:
      - {lat_deg: 53.10, lon_deg: 24.60, alt_m: 9000, alt_ref: msl}
      - {lat_deg: 53.10, lon_deg: 25.80, alt_m: 9000, alt_ref: msl, speed_m_s: 250}
  - id: fighter-2
    type: F-16C
    start_time_s: 20
    route:
      - {lat_deg: 53.60, lon_deg: 25.20, alt_m: 7000, alt_ref: msl}
      - {lat_deg: 52.70, lon_deg: 25.40, alt_m: 7000, alt_ref: msl, speed_m_s: 230}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "two_fighters.yaml"
    path.write_text((EXAMPLES / "minimal.yaml").read_text() + THREATS)
    return iadsim.load_scenario(path)


@pytest.fixture(scope="module")
def picture(scenario):
    return iadsim.simulate_air_picture(scenario, seed=3, config=AirPictureConfig(t_end_s=300.0))


def test_tables_have_the_documented_columns(picture):
    assert {"time_s", "truth_id", "x_m", "y_m", "z_m", "lat_deg"} <= set(picture.truth.columns)
    assert {"time_s", "radar_id", "truth_id", "x_m", "r_xx_m2"} <= set(picture.detections.columns)
    assert {"tracker", "time_s", "track_id", "status", "cov", "detection_index",
            "truth_id"} <= set(picture.tracks.columns)
    assert set(picture.tracks["tracker"]) >= {"fused"}


def test_detection_index_points_at_the_updating_detection(picture):
    tr = picture.tracks[picture.tracks["detection_index"] >= 0]
    det = picture.detections.iloc[tr["detection_index"].to_numpy()]
    # reports every 2 s carry the last detection that updated the track since the previous one;
    # detection times are rounded to the 0.5 s tracker frames
    lag = tr["time_s"].to_numpy() - det["time_s"].to_numpy()
    assert np.all((lag >= -0.25 - 1e-9) & (lag < 2.25 + 1e-9))  # 0.5 s tracker frames
    # per-radar trackers only ever use their own radar's detections
    own = tr[tr["tracker"] != "fused"]
    np.testing.assert_array_equal(
        picture.detections.iloc[own["detection_index"].to_numpy()]["radar_id"].to_numpy(),
        own["tracker"].to_numpy())


def test_both_fighters_are_tracked_by_the_fused_picture(picture):
    fused = picture.tracks[(picture.tracks["tracker"] == "fused")
                           & (picture.tracks["status"] == "confirmed")]
    assert set(fused["truth_id"]) >= {0, 1}
    m = picture.metrics["fused"]
    # a 5 km cut-off; radar noise at ~100 km is a few hundred metres
    assert m["ospa_mean_m"] < 2500.0
    assert m["track_completeness"] > 0.6


def test_same_seed_same_bytes(scenario, tmp_path):
    a = air_picture_products(scenario, tmp_path / "a", seed=5,
                             config=AirPictureConfig(t_end_s=120.0))[1]
    b = air_picture_products(scenario, tmp_path / "b", seed=5,
                             config=AirPictureConfig(t_end_s=120.0))[1]
    for fa, fb in zip(a, b, strict=True):
        if fa.suffix in (".parquet", ".json"):
            assert fa.read_bytes() == fb.read_bytes(), fa.name
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert metrics["provenance"]["seed"] == 5 and "fused" in metrics["trackers"]


def test_different_seed_different_detections(scenario):
    a = iadsim.simulate_air_picture(scenario, seed=1, config=AirPictureConfig(t_end_s=120.0)).detections
    b = iadsim.simulate_air_picture(scenario, seed=2, config=AirPictureConfig(t_end_s=120.0)).detections
    assert not a.equals(b)


def test_no_threats_is_a_clear_error():
    sc = iadsim.load_scenario(EXAMPLES / "minimal.yaml")
    with pytest.raises(InputError, match="no threats"):
        iadsim.simulate_air_picture(sc)
