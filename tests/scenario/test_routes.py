"""Scenario entries to engine routes (`iadsim.scenario.routes`) and the threat route limits.

References: the packaged threat YAML read here directly (raw low/nominal/high values) with unit
factors written out here (1 mph = 1609.344 m / 3600 s, 1 ft = 0.3048 m, Mach 1 at ISA sea level
= sqrt(1.4 x 287.05287 J/(kg K) x 288.15 K)); leg lengths from pyproj's geodesic; pickling
compared member by member with the expansion of the original spec.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
from importlib import resources
from pathlib import Path

import numpy as np
import pyproj
import pytest
import yaml

from iadsim.engine.kinematics import RaidSpec, expand_raids, fly
from iadsim.errors import InputError
from iadsim.scenario.figures import Figures
from iadsim.scenario.library import load_library
from iadsim.scenario.load import load_scenario_text
from iadsim.scenario.model_figures import engagement_model
from iadsim.scenario.routes import raid_spec, route_from_threat, routes_from_scenario, threat_entries
from iadsim.scenario.schema import threat_limits

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "examples" / "minimal.yaml").read_text(encoding="utf-8")
LIB = load_library()
GEOD = pyproj.Geod(ellps="WGS84")

MPH_M_S = 1609.344 / 3600.0
FT_M = 0.3048
MACH_M_S = math.sqrt(1.4 * 287.05287 * 288.15)      # ISA sea-level speed of sound, 340.294 m/s
#: Library values vs the raw YAML: the library's Mach is 340.294 m/s (4e-8 from MACH_M_S).
REL = 1e-7
TO_SI = {"m_s": 1.0, "km_h": 1.0 / 3.6, "mph": MPH_M_S, "mach": MACH_M_S, "m": 1.0, "km": 1000.0,
         "ft": FT_M, "ratio": 1.0}

BLOCK = """
seed: 11
threats:
  - id: jet
    type: F-16C
    start_time_s: 5
    route:                                  # no speeds: every leg at the cruise speed
      - {lat_deg: 53.0, lon_deg: 24.0, alt_m: 8000}
      - {lat_deg: 53.2, lon_deg: 24.6, alt_m: 8000}
      - {lat_deg: 53.0, lon_deg: 25.2, alt_m: 8000}
raids:
  - id: pack
    type: F-16C
    count: 6
    start_time_s: 120
    route:                                  # a timed waypoint: NaN arrival times in the spec
      - {lat_deg: 52.6, lon_deg: 24.0, alt_m: 6000}
      - {lat_deg: 52.9, lon_deg: 24.5, alt_m: 6000, time_s: 400}
      - {lat_deg: 52.9, lon_deg: 25.3, alt_m: 6000}
    spread: {time_s: 40, lateral_m: 3000, altitude_m: 300}
"""


def _scenario():
    return load_scenario_text(MINIMAL + BLOCK)


def _same_route(a, b) -> bool:
    """Every field equal (NaN equal to NaN)."""
    def same(x, y):
        return x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))

    if len(a.waypoints) != len(b.waypoints):
        return False
    return all(same(getattr(a, f.name), getattr(b, f.name))
               for f in dataclasses.fields(a) if f.name != "waypoints") and all(
        same(getattr(u, f.name), getattr(v, f.name))
        for u, v in zip(a.waypoints, b.waypoints, strict=True) for f in dataclasses.fields(u))


# ---------------------------------------------------------------------------------------------
# RaidSpec
# ---------------------------------------------------------------------------------------------

def test_raid_spec_holds_the_raid_in_si():
    sc = _scenario()
    spec = raid_spec(sc.raids[0], LIB, "raids[0]")
    assert isinstance(spec, RaidSpec)
    assert spec.member_ids == tuple(f"pack-{i:03d}" for i in range(1, 7)) and spec.count == 6
    assert (spec.type, spec.source, spec.start_time_s) == ("F-16C", "raids[0]", 120.0)
    assert spec.lat_deg == (52.6, 52.9, 52.9) and spec.alt_ref == ("msl",) * 3
    assert (spec.spread_time_s, spec.spread_lateral_m, spec.spread_altitude_m) == (40.0, 3000.0,
                                                                                    300.0)
    assert math.isnan(spec.time_s[0]) and spec.time_s[1] == 400.0 and math.isnan(spec.time_s[2])
    # untimed legs at the F-16C cruise speed, 577 mph
    assert spec.speed_m_s[2] == pytest.approx(577.0 * MPH_M_S, rel=1e-12)


def test_raid_spec_pickles_and_expands_to_identical_routes():
    sc = _scenario()
    spec = raid_spec(sc.raids[0], LIB, "raids[0]")
    copy = pickle.loads(pickle.dumps(spec))
    assert copy == spec and copy is not spec          # NaN arrival times compare equal too
    a = expand_raids([spec], np.random.default_rng(7))
    b = expand_raids([copy], np.random.default_rng(7))
    c = expand_raids([copy], np.random.default_rng(8))
    assert [r.id for r in a] == list(spec.member_ids)
    assert all(_same_route(x, y) for x, y in zip(a, b, strict=True))
    assert not all(_same_route(x, y) for x, y in zip(a, c, strict=True))   # the seed matters


def test_routes_from_scenario_are_threat_entries_then_expanded_raids():
    sc = _scenario()
    routes, specs = threat_entries(sc, LIB)
    rng = np.random.default_rng(np.random.SeedSequence(sc.seed).spawn(1)[0])
    expected = [*routes, *expand_raids(specs, rng)]
    got = routes_from_scenario(sc)
    assert [r.id for r in got] == ["jet"] + [f"pack-{i:03d}" for i in range(1, 7)]
    assert [r.source for r in got] == ["threats[0]"] + ["raids[0]"] * 6
    assert all(_same_route(x, y) for x, y in zip(got, expected, strict=True))


@pytest.mark.parametrize("change,match", [
    ({"lon_deg": (24.0, 24.5)}, "waypoint arrays of lengths"),
    ({"lat_deg": (52.6,), "lon_deg": (24.0,), "alt_m": (1.0,), "alt_ref": ("msl",),
      "speed_m_s": (1.0,), "time_s": (math.nan,)}, "at least 2 waypoints"),
    ({"member_ids": ()}, "no member ids"),
    ({"spread_lateral_m": -1.0}, "spread_lateral_m -1.0"),
])
def test_bad_raid_specs_are_input_errors(change, match):
    spec = raid_spec(_scenario().raids[0], LIB, "raids[0]")
    with pytest.raises(InputError, match=match):
        dataclasses.replace(spec, **change)


# ---------------------------------------------------------------------------------------------
# Figures reach the routes and the route limits
# ---------------------------------------------------------------------------------------------

def test_cruise_speed_override_sets_the_leg_speed():
    mph = 480.0
    v = mph * MPH_M_S                                   # 214.5792 m/s
    figures = Figures.of("nominal", {"F-16C.cruise_speed_mph": mph})
    sc = _scenario()
    jet = route_from_threat(sc.threats[0], LIB, "threats[0]", figures)
    assert [w.speed_m_s for w in jet.waypoints[1:]] == pytest.approx([v, v], rel=1e-12)
    nominal = route_from_threat(sc.threats[0], LIB, "threats[0]")
    assert nominal.waypoints[1].speed_m_s == pytest.approx(577.0 * MPH_M_S, rel=1e-12)
    # raids too: the untimed last leg of every member
    members = routes_from_scenario(sc, figures=figures)[1:]
    assert [m.waypoints[2].speed_m_s for m in members] == pytest.approx([v] * 6, rel=1e-12)
    # and what is flown: a two-waypoint route takes its geodesic length over v
    one = sc.threats[0].model_copy(update={"route": sc.threats[0].route[:2]})
    traj = fly([route_from_threat(one, LIB, "", figures)], None, dt_s=0.5)
    _, _, dist = GEOD.inv(24.0, 53.0, 24.6, 53.2)
    t_end = traj.time_s[traj.active[:, 0]][-1]
    assert t_end == pytest.approx(5.0 + dist / v, abs=0.5)


@pytest.mark.parametrize(("base", "mach", "ceiling_ft", "load_g"),
                         [("nominal", 2.5, 60000, 11.0), ("high", 0.5, 20000, 1.5)])
def test_an_overridden_limit_is_the_route_bound(base, mach, ceiling_ft, load_g):
    """An overridden limit is the type's limit, above 'high' (flown, not refused) and below it
    (Scenario.check_routes refuses what the type then cannot fly); the turn load factor follows
    a lower maximum."""
    item = LIB.get("F-16C", kind="threat")
    figures = Figures.of(base, {"F-16C.max_speed_mach": mach, "F-16C.ceiling_ft": ceiling_ft,
                                "F-16C.max_load_factor_ratio": load_g})
    lim = threat_limits(item, figures)
    assert lim.max_speed_m_s == pytest.approx(mach * MACH_M_S, rel=1e-5)
    assert lim.ceiling_m == pytest.approx(ceiling_ft * FT_M, rel=1e-12)
    assert lim.max_load_factor_g == load_g
    assert lim.turn_load_factor_g == min(load_g, threat_limits(item).turn_load_factor_g)


def test_a_figure_set_below_high_leaves_the_route_bounds_at_high():
    """Without overrides the bounds are the 'high' values (Mach 2.05, 50,000 ft, 9 g)."""
    item = LIB.get("F-16C", kind="threat")
    low = threat_limits(item, "low")
    assert low.max_speed_m_s == pytest.approx(2.05 * MACH_M_S, rel=1e-5)
    assert (low.ceiling_m, low.max_load_factor_g) == (pytest.approx(50000 * FT_M), 9.0)
    assert low.turn_load_factor_g == threat_limits(item).turn_load_factor_g


def _raw_threats() -> list[dict]:
    text = (resources.files("iadsim") / "data" / "equipment" / "threats.yaml").read_text("utf-8")
    return [it for it in yaml.safe_load(text)["items"] if it.get("kind") == "threat"]


def _raw(fig: dict, key: str, figure_set: str) -> float:
    """A raw figure in SI: ``figure_set`` value, nominal where it is not given."""
    value = fig[key].get(figure_set)
    value = fig[key]["nominal"] if value is None else value
    suffix = next(s for s in sorted(TO_SI, key=len, reverse=True) if key.endswith("_" + s))
    return float(value) * TO_SI[suffix]


@pytest.mark.parametrize("raw", _raw_threats(), ids=lambda it: it["id"])
def test_threat_limits_without_figures_are_the_library_high_and_nominal_values(raw):
    item = LIB.get(raw["id"], kind="threat")
    lim = threat_limits(item)
    cls = raw["class"]
    max_key = next(k for k in raw if k.startswith("max_speed_") and "low_altitude" not in k)
    assert lim.max_speed_m_s == pytest.approx(_raw(raw, max_key, "high"), rel=REL)
    cruise_key = next((k for k in raw if k.startswith("cruise_speed_")), max_key)
    assert lim.cruise_speed_m_s == pytest.approx(_raw(raw, cruise_key, "nominal"), rel=REL)
    ceiling_key = next((k for p in ("ceiling_", "apogee_", "cruise_altitude_") for k in raw
                        if k.startswith(p)), None)
    ceiling = (engagement_model().default_ceiling_m if ceiling_key is None
               else _raw(raw, ceiling_key, "high"))
    assert lim.ceiling_m == pytest.approx(ceiling, rel=REL)
    turn = engagement_model().turn_load_factor[cls]
    n_max = _raw(raw, "max_load_factor_ratio", "high") if "max_load_factor_ratio" in raw else turn
    assert (lim.max_load_factor_g, lim.turn_load_factor_g) == (n_max, min(turn, n_max))
    # "nominal" and nominal Figures give the same limits as none
    assert threat_limits(item, "nominal") == lim == threat_limits(item, Figures.of("nominal"))


@pytest.mark.parametrize(("mach", "refused"), [(0.25, True), (0.3, False)])
def test_a_maximum_speed_override_below_the_cruise_speed_refuses_untimed_legs(mach, refused):
    """Legs without speed_m_s or time_s fly the F-16C nominal cruise speed, 577 mph = 257.9
    m/s. A maximum speed override of Mach 0.25 (85.1 m/s; bound with the 3x margin 255.2 m/s)
    puts it out of reach: the jet's first untimed leg and the raid's untimed last leg are
    refused, once each, naming the cruise figure; at Mach 0.3 (bound 306.3 m/s) it is flown."""
    figures = Figures.of("nominal", {"F-16C.max_speed_mach": mach})
    problems = _scenario().check_routes(figures)
    if not refused:
        assert problems == []
        return
    assert [p.field for p in problems] == ["threats[0].route[1]", "raids[0].route[2]"]
    assert "F-16C cruise speed (F-16C.cruise_speed_mph, 258 m/s)" in problems[0].message
    assert "override of F-16C.cruise_speed_mph" in problems[0].allowed
