"""Noise jamming in the closed loop: the demo raid with a stand-off jammer station and
self-screening pods on the F-16 raid, against the same raid and seed without them."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import iadsim
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig
from iadsim.errors import InputError
from iadsim.scenario.load import load_scenario_text

ROOT = Path(__file__).resolve().parents[2]
DEMO = (ROOT / "examples" / "raid_2022.yaml").read_text()
CONFIG = EngagementConfig(air_picture=AirPictureConfig(t_end_s=400.0))
STATION = ("jammers:\n"
           "  - {id: growler, type: ALQ-99, count: 3, lat_deg: 52.6, lon_deg: 23.3, alt_m: 9000,\n"
           "     assumed: true, reasoning: \"Illustrative stand-off orbit west of Brest.\"}\n")
RAID_ANCHOR = "  - id: viper\n    type: F-16C\n"


def _jammed_text() -> str:
    assert RAID_ANCHOR in DEMO
    return DEMO.replace("seed: 2022\n", STATION + "seed: 2022\n", 1).replace(
        RAID_ANCHOR, RAID_ANCHOR + "    jammers: [ALQ-184]\n", 1)


@functools.cache
def _run(jammed: bool, seed: int = 5):
    text = _jammed_text() if jammed else DEMO
    return iadsim.run(load_scenario_text(text, path="case.yaml"), seed=seed, config=CONFIG)


def test_jamming_takes_detections_away_and_keeps_the_draws_deterministic():
    free, jammed = _run(False), _run(True)
    det_free, det_jam = free.picture.detections, jammed.picture.detections
    real_free = det_free[det_free["truth_id"] >= 0]
    real_jam = det_jam[det_jam["truth_id"] >= 0]
    assert len(real_jam) < 0.9 * len(real_free)
    # the same jammed run again: the same bytes
    again = iadsim.run(load_scenario_text(_jammed_text(), path="case.yaml"), seed=5, config=CONFIG)
    assert again.events.equals(jammed.events)
    assert again.picture.detections.equals(det_jam)


def test_self_screened_fighters_are_first_detected_later_or_never():
    free, jammed = _run(False), _run(True)

    def first(res):
        ev = res.events
        ev = ev[(ev["event"] == "first_detection") & ev["object_id"].str.startswith("viper")]
        return ev.set_index("object_id")["time_s"]

    a = first(free)
    b = first(jammed).reindex(a.index, fill_value=float("inf"))   # never detected: inf
    assert len(a) == 8 and (b >= a).all() and (b > a).any()
    assert jammed.metrics["killed_count"].iloc[0] < free.metrics["killed_count"].iloc[0]
    assert any("S/(N+J)" in x for x in jammed.picture.provenance["assumptions"])


def test_jammers_need_receiver_figures_of_every_radar(monkeypatch):
    from iadsim.scenario import library

    lib = library.load_library()
    item = lib.get("91N6E")
    stripped = item.model_copy(update={"figures": {k: v for k, v in item.figures.items()
                                                   if k != "noise_figure_db"}})
    monkeypatch.setattr(library.Library, "get",
                        lambda self, name, kind=None, _orig=library.Library.get:
                        stripped if name == "91N6E" else _orig(self, name, kind))
    with pytest.raises(InputError, match="91n6e.*receiver figures.*noise_figure_db"):
        iadsim.build(load_scenario_text(_jammed_text(), path="case.yaml"))
