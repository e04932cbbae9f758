"""Stored calibrated aero data reproduce the published figures (data and code cannot drift)."""

import copy
import re

import numpy as np
import pytest
import yaml

from iadsim.errors import InputError
from iadsim.scenario.library import load_library
from iadsim.weapons.calibration import (
    _RANGE_FIT_TOL,
    CALIBRATION_DT_S,
    GUIDED_T_MAX_S,
    LOFTS_DEG,
    RANGE_ALTITUDE_FRACTIONS,
    REACH_CURVE_METHOD,
    _data_path,
    _stored_curve,
    aero_for,
    aero_ids,
    load_aero,
    manoeuvre_ceiling_m,
    max_range_m,
)
from iadsim.weapons.flyout import EARTH_RADIUS_M, fly, fly_unguided


@pytest.fixture(scope="module")
def doc():
    with open(_data_path(), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.mark.parametrize("missile_id", aero_ids())
def test_calibrated_to_matches_equipment_library(doc, missile_id):
    item = load_library().get(missile_id)
    to = doc["missiles"][missile_id]["calibrated_to"]
    assert to["max_range_km"] == item.pick("max_range_km", to["figure_set"])
    assert to["max_altitude_km"] == item.pick("max_altitude_km", to["figure_set"])


@pytest.mark.parametrize("missile_id", aero_ids())
def test_stored_parameters_reproduce_published_range_and_altitude(doc, missile_id):
    # Simulate the stored missile by the definitions of iadsim.weapons.calibration (guided far
    # edge of the engagement zone against a stationary target; manoeuvre ceiling) and compare
    # with the library's published figures.
    item = load_library().get(missile_id)
    figure_set = doc["missiles"][missile_id]["calibrated_to"]["figure_set"]
    r_pub = item.pick("max_range_km", figure_set) * 1000.0
    aero = load_aero(missile_id)
    ceiling = manoeuvre_ceiling_m(aero)
    assert ceiling == pytest.approx(item.pick("max_altitude_km", figure_set) * 1000.0, rel=0.05)
    r, loft = max_range_m(aero)
    assert r == pytest.approx(r_pub, rel=0.05)
    assert 0 <= loft < np.pi / 2
    # The same by direct guided flyouts, independent of the far-edge search: at 95 % of the
    # published range some (target altitude, loft) of the definition still fuzes, at 105 % none.
    alt, lofts = (x.ravel() for x in np.meshgrid(
        np.asarray(RANGE_ALTITUDE_FRACTIONS) * ceiling, np.radians(LOFTS_DEG), indexing="ij"))
    for factor, expected in ((0.95, True), (1.05, False)):
        theta = factor * r_pub / EARTH_RADIUS_M          # stationary target on the sphere
        rad = EARTH_RADIUS_M + alt
        pos = np.stack([np.zeros_like(alt), rad * np.sin(theta),
                        rad * np.cos(theta) - EARTH_RADIUS_M], axis=1)
        res = fly(aero, np.zeros_like(pos), lambda t, p=pos: (p, np.zeros_like(p)),
                  loft_rad=lofts, dt=CALIBRATION_DT_S, t_max=GUIDED_T_MAX_S, record_every=10**9)
        assert bool(res.intercept.any()) is expected, factor


@pytest.mark.parametrize("missile_id", aero_ids())
def test_peak_speed_within_published_max_speed(missile_id):
    # The calibration does not use the library's max speed; it must not exceed its high figure.
    # For the 57E6E, whose min-speed choice is argued with it, it must also reach the low figure.
    item = load_library().get(missile_id)
    if "max_speed_m_s" not in item.figures:
        pytest.skip(f"{missile_id}: no published max speed")
    aero = load_aero(missile_id)
    res = fly_unguided(aero, np.radians([30.0, 45.0, 60.0, 80.0]), t_max=300.0, dt=0.1)
    peak = float(np.linalg.norm(res.vel_enu_m_s, axis=2).max())
    assert peak <= 1.05 * item.pick("max_speed_m_s", "high")
    if missile_id == "57E6E":
        assert peak >= 0.95 * item.pick("max_speed_m_s", "low")


@pytest.mark.parametrize("missile_id", aero_ids())
def test_provenance_of_fixed_parameters(doc, missile_id):
    entry = doc["missiles"][missile_id]
    assert entry["method"].strip()
    for name, fig in entry["fixed"].items():
        assert "value" in fig, name
        if fig.get("assumed"):
            assert fig.get("reasoning", "").strip(), name
        else:
            assert fig.get("sources"), name
    assert doc["cd_table"]["assumed"] and doc["cd_table"]["reasoning"].strip()
    assert len(doc["cd_table"]["mach"]) == len(doc["cd_table"]["cd0"])


def test_load_aero_unknown_missile():
    with pytest.raises(InputError, match="no calibrated aero data"):
        load_aero("NOPE-1")


# ------------------------------------------------------------------------------ figure overrides
def test_aero_for_the_published_figures_is_the_calibrated_flyout():
    assert aero_for("48N6E3") == load_aero("48N6E3")
    assert aero_for("48N6E3", 250_000.0, 27_000.0) == load_aero("48N6E3")


def test_aero_for_an_overridden_range_flies_that_range():
    # The physics, not the interpolation: the re-fitted missile's guided maximum range (the
    # calibration's definition) is the requested 200 km to the calibration's tolerance, its
    # ceiling still the published 27 km, and it carries less propellant than the 250 km one.
    aero = aero_for("48N6E3", max_range_m=200_000.0)
    assert manoeuvre_ceiling_m(aero) == pytest.approx(27_000.0, rel=0.01)
    r, _ = max_range_m(aero)
    assert r == pytest.approx(200_000.0, rel=_RANGE_FIT_TOL)
    assert aero.propellant_mass_kg < load_aero("48N6E3").propellant_mass_kg


def test_aero_for_an_overridden_ceiling_keeps_the_propellant():
    aero = aero_for("48N6E3", max_altitude_m=30_000.0)
    assert aero.propellant_mass_kg == load_aero("48N6E3").propellant_mass_kg
    assert manoeuvre_ceiling_m(aero) == pytest.approx(30_000.0, rel=0.01)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"max_range_m": 900_000.0}, [r"48N6E3\.max_range_km = 900 km: the calibrated flyout reaches "
                                  r"\d+\.\d to \d+\.\d km", "allowed values are"]),
    ({"max_range_m": 40_000.0}, [r"48N6E3\.max_range_km = 40 km", "allowed values are"]),
    ({"max_altitude_m": 200_000.0}, [r"48N6E3\.max_altitude_km = 200 km", "no trajectory",
                                     r"allowed values are up to \d+\.\d km"]),
])
def test_aero_for_a_figure_it_cannot_fit_names_it(kwargs, expected):
    with pytest.raises(InputError) as err:
        aero_for("48N6E3", **kwargs)
    for pattern in expected:
        assert re.search(pattern, str(err.value)), str(err.value)


@pytest.mark.parametrize("missile_id", aero_ids())
def test_reach_curve_rises_and_covers_the_library_spread(doc, missile_id):
    # Every figure set builds: the stored curve spans the library's low..high max_range_km
    # (figure sets other than the calibrated one re-fit the flyout), and it rises through the
    # calibrated point.
    curve = _stored_curve(doc, missile_id)
    item = load_library().get(missile_id)
    spread = [item.si("max_range_km", fs) for fs in ("low", "nominal", "high")]
    assert curve.range_m[0] <= min(spread) and max(spread) <= curve.range_m[-1]
    pf = doc["missiles"][missile_id]["calibrated"]["propellant_fraction_ratio"]
    assert curve.propellant_fraction[0] <= pf <= curve.propellant_fraction[-1]
    assert doc["missiles"][missile_id]["reach_curve"]["method"] == REACH_CURVE_METHOD


def test_a_reach_curve_that_does_not_rise_is_refused(doc):
    broken = copy.deepcopy(doc)
    broken["missiles"]["48N6E3"]["reach_curve"]["max_range_km"][1] = 1.0
    with pytest.raises(InputError, match=r"missiles\.48N6E3\.reach_curve: .* not a rising curve"):
        _stored_curve(broken, "48N6E3")
