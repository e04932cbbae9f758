"""Stored calibrated aero data reproduce the published figures (data and code cannot drift)."""

import numpy as np
import pytest
import yaml

from iadsim.errors import InputError
from iadsim.scenario.library import load_library
from iadsim.weapons.calibration import (
    _data_path,
    aero_ids,
    load_aero,
    manoeuvre_ceiling_m,
    max_range_m,
)


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
    aero = load_aero(missile_id)
    to = doc["missiles"][missile_id]["calibrated_to"]
    r, el = max_range_m(aero)
    assert r == pytest.approx(to["max_range_km"] * 1000.0, rel=0.05)
    assert 0 < el < np.pi / 2
    assert manoeuvre_ceiling_m(aero) == pytest.approx(to["max_altitude_km"] * 1000.0, rel=0.05)


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
