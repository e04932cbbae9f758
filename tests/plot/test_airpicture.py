"""Tests of iadsim.plot.airpicture: small synthetic air pictures render to PNG with provenance."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from iadsim.geo.frames import enu2geodetic
from iadsim.plot import airpicture, basemap
from iadsim.plot.airpicture import ospa_plot, truth_vs_tracks_map
from iadsim.plot.coverage import save_figure
from iadsim.tracking.metrics import ospa_over_time

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ORIGIN = (53.9, 27.56, 200.0)  # Minsk, lat_deg, lon_deg, alt_hae_m
PROVENANCE = {"iadsim_version": "test", "figure_set": "nominal",
              "sources": [{"url": "https://example.org", "title": "test source"}],
              "assumptions": ["synthetic air picture"]}


@pytest.fixture(scope="module")
def air_picture() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two straight-line targets, noisy confirmed tracks, a tentative one, detections."""
    rng = np.random.default_rng(7)
    t = np.arange(0.0, 60.0, 5.0)
    truth = pd.concat([
        pd.DataFrame({"time_s": t, "truth_id": tid, "x_m": x0 + vx * t, "y_m": y0 + vy * t,
                      "z_m": 3000.0})
        for tid, (x0, y0, vx, vy) in {"f1": (-40e3, 10e3, 250.0, 0.0),
                                      "f2": (20e3, -30e3, 0.0, 200.0)}.items()
    ], ignore_index=True)
    lat, lon, _ = enu2geodetic(truth["x_m"], truth["y_m"], truth["z_m"], *ORIGIN)
    truth = truth.assign(lat_deg=lat, lon_deg=lon)
    noise = rng.normal(0.0, 150.0, size=(len(truth), 2))
    tracks = pd.DataFrame({"time_s": truth["time_s"],
                           "track_id": truth["truth_id"].map({"f1": 1, "f2": 2}),
                           "status": np.where(truth["time_s"] < 10.0, "tentative", "confirmed"),
                           "x_m": truth["x_m"] + noise[:, 0], "y_m": truth["y_m"] + noise[:, 1],
                           "z_m": truth["z_m"]})
    detections = pd.concat([
        tracks[["time_s", "x_m", "y_m", "z_m"]].assign(truth_id=0),
        pd.DataFrame({"time_s": t, "x_m": rng.uniform(-50e3, 50e3, t.size),
                      "y_m": rng.uniform(-50e3, 50e3, t.size), "z_m": 0.0, "truth_id": -1}),
    ], ignore_index=True)
    return truth, tracks, detections


def _assert_png_with_provenance(path) -> None:
    assert path.is_file()
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as image:
        chunks = image.text
    assert json.loads(chunks["Description"]) == PROVENANCE
    assert chunks["Software"] == "iadsim test"


def test_map_geographic(tmp_path, air_picture) -> None:
    truth, tracks, detections = air_picture
    path = truth_vs_tracks_map(truth, tracks, detections, tmp_path / "map.png", "test raid",
                               PROVENANCE, frame_origin=ORIGIN,
                               sites=[("CP", ORIGIN[0], ORIGIN[1], "command_post")])
    assert path == tmp_path / "map.png"
    _assert_png_with_provenance(path)


def test_map_local_km_without_detections(tmp_path, air_picture) -> None:
    truth, tracks, _ = air_picture
    local_truth = truth.drop(columns=["lat_deg", "lon_deg"])
    path = truth_vs_tracks_map(local_truth, tracks.drop(columns="z_m"), None,
                               tmp_path / "sub" / "local.png", "local frame", PROVENANCE,
                               frame_origin=ORIGIN,
                               sites=[("CP", ORIGIN[0], ORIGIN[1], "command_post")])
    _assert_png_with_provenance(path)
    with pytest.raises(ValueError, match="frame_origin"):
        truth_vs_tracks_map(local_truth, tracks, None, tmp_path / "x.png", "", PROVENANCE,
                            sites=[("CP", ORIGIN[0], ORIGIN[1], "command_post")])


@pytest.mark.parametrize("source", ["naturalearth", "dcw"])
def test_map_with_borders(tmp_path, air_picture, monkeypatch, source) -> None:
    if source == "dcw" and not basemap.dcw_path().is_file():
        pytest.skip("needs the Debian package gmt-dcw (or IADSIM_DCW=path/to/dcw-gmt.nc)")
    truth, tracks, detections = air_picture
    borders = basemap.load_borders(26.0, 29.0, 53.0, 55.0, source=source)
    assert "BY" in {c.iso2 for c in borders.countries}
    written = []  # the figure handed to save_figure, i.e. what goes into the PNG

    def keep(fig, path, provenance):
        written.append([t.get_text() for t in fig.axes[0].texts])
        return save_figure(fig, path, provenance)

    monkeypatch.setattr(airpicture, "save_figure", keep)
    path = truth_vs_tracks_map(truth, tracks, detections, tmp_path / "borders.png", "borders",
                               PROVENANCE, borders=borders, frame_origin=ORIGIN)
    _assert_png_with_provenance(path)
    (texts,) = written
    assert borders.source_label in texts  # the dataset's attribution is on the map


def test_ospa_plot(tmp_path, air_picture) -> None:
    truth, tracks, _ = air_picture
    df = ospa_over_time(truth, tracks, c_m=1000.0, p=2.0)
    path = ospa_plot(df, tmp_path / "ospa.png", "OSPA, test raid", PROVENANCE)
    _assert_png_with_provenance(path)


def test_ospa_plot_several_trackers(tmp_path, air_picture) -> None:
    # The air-picture workflow stacks every tracker's frame with a 'tracker' column.
    truth, tracks, _ = air_picture
    df = pd.concat([ospa_over_time(truth, tracks, 1000.0, 2.0).assign(tracker="fused"),
                    ospa_over_time(truth, tracks.iloc[::2], 1000.0, 2.0).assign(tracker="r1")],
                   ignore_index=True)
    _assert_png_with_provenance(ospa_plot(df, tmp_path / "ospa_all.png", "all", PROVENANCE))


def test_track_labels_merge_only_ends_within_the_radius():
    """Greedy grouping by hand: 0 and 2 within 1 of each other, 1 far, 3 within 1 of 1 only,
    4 within 1 of 2 but 1.2 from 0 (the labelled point), so it starts its own label."""
    from iadsim.plot.airpicture import _label_groups

    points = np.array([[0.0, 0.0], [10.0, 0.0], [0.6, 0.0], [10.0, 0.9], [1.2, 0.0]])
    assert _label_groups(points, 1.0) == [[0, 2], [1, 3], [4]]
    assert _label_groups(points, 0.0) == [[0], [1], [2], [3], [4]]
    assert _label_groups(np.empty((0, 2)), 1.0) == []
