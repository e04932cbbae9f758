"""Radar facings from the scenario: the sector centre of a sector-scanning radar, cited or
assumed; without one the radar is assumed to face the threat axis (and the run says so)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from iadsim.engine.air_picture import face_threat_axis
from iadsim.errors import InputError
from iadsim.scenario.build import build_deployment, radar_sensors
from iadsim.scenario.load import load_scenario_text

MINIMAL = Path(__file__).resolve().parents[2] / "examples" / "minimal.yaml"
FACED = "{id: s400-1-92n6e, type: 92N6E, facing: {bearing_deg: 250, assumed: true, " \
        "reasoning: antenna seen facing west-south-west on imagery}}"


def _scenario(old: str, new: str):
    text = MINIMAL.read_text(encoding="utf-8")
    assert old in text
    return load_scenario_text(text.replace(old, new, 1), path="case.yaml")


def test_facing_sets_the_sector_centre_and_is_not_turned_to_the_threat_axis():
    dep = build_deployment(_scenario("{id: s400-1-92n6e, type: 92N6E}", FACED))
    by_id = {r.id: r for r in dep.radars}
    assert by_id["s400-1-92n6e"].facing_rad == pytest.approx(math.radians(250.0))
    assert by_id["s400-1-91n6e"].facing_rad is None
    assert any(a.startswith("Facing of s400-1-92n6e (250°): antenna seen facing")
               for a in dep.assumptions)
    sensors = radar_sensors(dep, los_resolution_m=10_000.0)
    fcr = next(s for s in sensors if s.id == "s400-1-92n6e")
    assert fcr.sector_centre_rad == pytest.approx(math.radians(250.0))
    # A raid from due north would turn an unfaced sector radar to bearing 0; this one stays.
    north = ([54.5], [26.0458])                     # entry point of a raid from due north
    kept, notes = face_threat_axis(sensors, *north, frozenset({"s400-1-92n6e"}))
    assert kept == sensors and notes == []
    turned, notes = face_threat_axis(sensors, *north)
    turned_fcr = next(s for s in turned if s.id == "s400-1-92n6e")
    assert math.cos(turned_fcr.sector_centre_rad) == pytest.approx(1.0, abs=1e-6)
    assert len(notes) == 1 and "threat axis" in notes[0]


def test_facing_on_a_rotating_radar_is_an_error():
    old = "{id: s400-1-91n6e, type: 91N6E, offset_m: {east: 0, north: 1500}}"
    new = old[:-1] + ", facing: {bearing_deg: 90, assumed: true, reasoning: x}}"
    with pytest.raises(InputError, match=r"radar s400-1-91n6e \(91N6E\): field facing: .*360°"
                                         r".*allowed: facing only on sector-scanning radars"):
        build_deployment(_scenario(old, new))


def test_coverage_of_a_faced_sector_radar_is_its_sector_only():
    """pd of the faced 92N6E (250° +- half its library sector) equals the unfaced (360°) pd
    inside the sector and is 0 outside; azimuths from pyproj, independently of the code."""
    import numpy as np
    import pyproj

    from iadsim.analysis.coverage import Grid, coverage

    free = build_deployment(_scenario("{id: s400-1-92n6e, type: 92N6E}",
                                      "{id: s400-1-92n6e, type: 92N6E}"))
    faced = build_deployment(_scenario("{id: s400-1-92n6e, type: 92N6E}", FACED), dem=free.dem)
    grid = Grid.around(free, 10_000.0)
    args = dict(altitudes_m=[10_000.0], rcs_m2=1.0, resolution_m=10_000.0, grid=grid)
    name = "pd_s400-1-92n6e"
    pd_free = coverage(free, **args)[name].to_numpy()[0]
    pd_faced = coverage(faced, **args)[name].to_numpy()[0]
    fcr = next(r for r in faced.radars if r.id == "s400-1-92n6e")
    lat2, lon2 = grid.mesh()
    az = pyproj.Geod(ellps="WGS84").inv(np.full(lat2.shape, fcr.lon_deg), np.full(lat2.shape, fcr.lat_deg),
                                        lon2, lat2)[0]
    off = np.abs((az - 250.0 + 180.0) % 360.0 - 180.0)
    half = math.degrees(fcr.sector_width_rad) / 2.0
    inside, outside = off < half - 1.0, off > half + 1.0           # 1° margin at the edges
    assert (pd_free[outside] > 0.5).sum() > 50                     # the 360° map sees behind it
    np.testing.assert_array_equal(pd_faced[inside], pd_free[inside])
    assert np.all(pd_faced[outside] == 0.0)
    assert any("scan(s) a sector whose facing" in a for a in free.assumptions)
    assert not any("scan(s) a sector whose facing" in a for a in faced.assumptions)
