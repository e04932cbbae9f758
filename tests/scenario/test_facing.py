"""Radar facings from the scenario: the sector centre of a sector-scanning radar, cited or
assumed; without one the radar is assumed to face the threat axis (and the run says so)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from iadsim.engine.air_picture import face_threat_axis
from iadsim.engine.kinematics import Route, Waypoint
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
    north = Route("jet", "F-16C", 0.0, (Waypoint(54.5, 26.0458, 8000.0),
                                        Waypoint(53.2, 26.0458, 8000.0, speed_m_s=250.0)))
    kept, notes = face_threat_axis(sensors, [north], frozenset({"s400-1-92n6e"}))
    assert kept == sensors and notes == []
    turned, notes = face_threat_axis(sensors, [north])
    turned_fcr = next(s for s in turned if s.id == "s400-1-92n6e")
    assert math.cos(turned_fcr.sector_centre_rad) == pytest.approx(1.0, abs=1e-6)
    assert len(notes) == 1 and "threat axis" in notes[0]


def test_facing_on_a_rotating_radar_is_an_error():
    old = "{id: s400-1-91n6e, type: 91N6E, offset_m: {east: 0, north: 1500}}"
    new = old[:-1] + ", facing: {bearing_deg: 90, assumed: true, reasoning: x}}"
    with pytest.raises(InputError, match=r"radar s400-1-91n6e \(91N6E\): field facing: .*360°"
                                         r".*allowed: facing only on sector-scanning radars"):
        build_deployment(_scenario(old, new))
