"""Figures: every equipment figure by name, from a figure set plus overrides.

References: the packaged equipment YAML read here directly (names and raw low/nominal/high), the
figure-set rule of the library docstring restated here (low = least capable air defence,
inverted for INVERTED_FIGURES, never for threats), the library's own ``Item.pick``, and closed
forms of the radar equation (loop gain ∝ R_ref⁴) and of circle areas.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
from importlib import resources

import numpy as np
import pytest
import yaml

import iadsim
from iadsim.analysis.report import covered_area_km2
from iadsim.errors import InputError
from iadsim.scenario.build import build_deployment
from iadsim.scenario.figures import NAME_LIMITS, SUFFIX_LIMITS, Figures, figure_limit
from iadsim.scenario.library import FIGURE_SETS, INVERTED_FIGURES, load_library
from iadsim.scenario.load import example_scenarios
from iadsim.units import SPEED_OF_SOUND_SL_M_S, SUFFIX_TO_SI

LIB = load_library()


def _raw_figures() -> dict[str, tuple[str, dict]]:
    """``{"<ITEM_ID>.<name>": (kind, raw figure mapping)}`` read from the packaged YAML files."""
    out = {}
    base = resources.files("iadsim") / "data" / "equipment"
    for entry in sorted(base.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for item in yaml.safe_load(entry.read_text(encoding="utf-8"))["items"]:
            for key, value in item.items():
                if isinstance(value, dict) and "nominal" in value:
                    out[f"{item['id']}.{key}"] = (item["kind"], value)
                elif key == "reference_detection":
                    for sub, fig in value.items():
                        out[f"{item['id']}.reference_detection.{sub}"] = (item["kind"], fig)
                elif key == "loads":
                    for load in value:
                        out[f"{item['id']}.loads.{load['missile']}.missiles_count"] = (
                            item["kind"], load["missiles_count"])
    return out


RAW = _raw_figures()


def _by_rule(kind: str, name: str, raw: dict, figure_set: str) -> float:
    """The figure-set rule, restated: missing low/high -> nominal; swapped when inverted (never
    for the attacker's items: threats and jammers)."""
    low = raw.get("low", raw["nominal"])
    high = raw.get("high", raw["nominal"])
    if kind not in ("threat", "jammer") and name.split(".", 1)[1] in INVERTED_FIGURES:
        low, high = high, low
    return float({"low": low, "nominal": raw["nominal"], "high": high}[figure_set])


# ------------------------------------------------------------------------ the whole library
def test_names_are_every_figure_of_the_data_files():
    assert sorted(Figures.of("nominal").names()) == sorted(RAW)
    assert len(RAW) > 300


@pytest.mark.parametrize("figure_set", FIGURE_SETS)
def test_values_follow_the_figure_set_rule_and_item_pick(figure_set):
    figures = Figures.of(figure_set)
    assert figures.base == figure_set and figures.label == figure_set and not figures.overrides
    for key, (kind, raw) in RAW.items():
        item_id, name = key.split(".", 1)
        expected = _by_rule(kind, key, raw, figure_set)
        assert figures[key] == expected, key
        assert LIB.get(item_id).pick(name, figure_set) == expected, key
        assert LIB.get(item_id).pick(name, figures) == expected, key


def test_inversion_is_honoured_on_a_known_pair():
    # 48N6E3 min range: larger is less capable -> 'low' figures take the larger value
    raw = RAW["48N6E3.min_range_km"][1]
    if raw.get("low", raw["nominal"]) == raw.get("high", raw["nominal"]):
        pytest.skip("no spread on 48N6E3.min_range_km")
    assert Figures.of("low")["48N6E3.min_range_km"] == max(raw.get("low", 0), raw.get("high", 0))


def test_every_library_value_lies_within_its_physical_limits():
    for key, (_, raw) in RAW.items():
        limit = figure_limit(key)
        for which in ("low", "nominal", "high"):
            if which in raw:
                assert limit.allows(float(raw[which])), (key, which, raw[which], limit.describe())


def test_every_unit_suffix_has_a_limit():
    assert set(SUFFIX_TO_SI) | {"db", "dbsm"} <= set(SUFFIX_LIMITS)
    # name limits only name figures that exist (no dead entries)
    lasts = {k.rsplit(".", 1)[-1] for k in RAW}
    assert set(NAME_LIMITS) <= lasts


# ------------------------------------------------------------------------------- overrides
def test_override_value_label_and_provenance():
    f = Figures.of("nominal", {"48N6E3.max_range_km": 230})
    assert f["48N6E3.max_range_km"] == 230.0
    assert f["48N6E3.min_range_km"] == Figures.of("nominal")["48N6E3.min_range_km"]
    assert f.base == "nominal" and f.overrides == {"48N6E3.max_range_km": 230.0}
    assert f.label == "nominal + 1 override (48N6E3.max_range_km=230)"
    p = f.provenance("48N6E3.max_range_km")
    raw = RAW["48N6E3.max_range_km"][1]
    assert (p.value, p.unit, p.overridden) == (230.0, "km", True)
    assert (p.low, p.nominal, p.high) == tuple(_by_rule("missile", "48N6E3.max_range_km", raw, s)
                                               for s in FIGURE_SETS)
    note = f.override_notes()
    assert len(note) == 1 and note[0].startswith("48N6E3.max_range_km = 230 km: user override "
                                                 "(library low/nominal/high ")
    basis = ("ASSUMED: " + raw["reasoning"].strip()[:30] if raw.get("assumed")
             else raw["sources"][0]["title"])
    assert basis in " ".join(note[0].split())
    assert not f.provenance("48N6E3.min_range_km").overridden
    g = Figures.of("high", {"48N6E3.max_range_km": 230, "92N6E.reference_detection.range_km": 100})
    assert g.label.startswith("high + 2 overrides (")


def test_of_is_idempotent_and_overrides_stack():
    f = Figures.of("low", {"48N6E3.max_range_km": 230})
    assert Figures.of(f) is f
    g = Figures.of(f, {"48N6E3.max_range_km": 200, "57E6E.max_range_km": 10})
    assert g.base == "low"
    assert g.overrides == {"48N6E3.max_range_km": 200.0, "57E6E.max_range_km": 10.0}
    assert f["48N6E3.max_range_km"] == 230.0   # f unchanged


def test_figures_are_immutable_values():
    f = Figures.of("nominal", {"48N6E3.max_range_km": 230})
    f.overrides["48N6E3.max_range_km"] = 1.0          # a copy
    assert f["48N6E3.max_range_km"] == 230.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.base = "low"  # type: ignore[misc]
    with pytest.raises(TypeError):
        f["48N6E3.max_range_km"] = 1.0  # type: ignore[index]
    assert f == Figures.of("nominal", {"48N6E3.max_range_km": 230.0})
    assert f != Figures.of("nominal") and f != Figures.of("low", {"48N6E3.max_range_km": 230})
    assert len({f, Figures.of("nominal", {"48N6E3.max_range_km": 230.0})}) == 1


def test_pickles():
    f = Figures.of("low", {"48N6E3.max_range_km": 230})
    g = pickle.loads(pickle.dumps(f))
    assert g == f and hash(g) == hash(f) and dict(g) == dict(f) and g.label == f.label
    assert g.provenance("48N6E3.max_range_km") == f.provenance("48N6E3.max_range_km")


def test_an_alias_names_the_item():
    f = Figures.of("nominal", {"40N6.max_range_km": 380})
    assert f.overrides == {"40N6E.max_range_km": 380.0}


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("name", "closest"), [
    ("48N6E3.max_rang_km", "48N6E3.max_range_km"),
    ("48N6E3.max_range_m", "48N6E3.max_range_km"),
    ("48N6E33.max_range_km", "48N6E3.max_range_km"),
    ("92N6E.reference_detection.range", "92N6E.reference_detection.range_km"),
])
def test_unknown_name_lists_the_closest_names(name, closest):
    with pytest.raises(InputError) as exc:
        Figures.of("nominal", {name: 1.0})
    text = str(exc.value)
    assert repr(name) in text and closest in text and "allowed values" in text


def test_unknown_name_read_is_an_error_too():
    with pytest.raises(InputError, match="48N6E3.max_range_km"):
        Figures.of("nominal")["48N6E3.max_rang_km"]
    assert "48N6E3.max_rang_km" not in Figures.of("nominal")
    assert Figures.of("nominal").get("nope") is None


def test_unknown_figure_set():
    with pytest.raises(InputError, match="allowed values are low, nominal, high"):
        Figures.of("medium")


@pytest.mark.parametrize(("name", "value", "allowed"), [
    ("48N6E3.max_range_km", -1.0, "numbers >= 0 (km)"),
    ("48N6E3.max_speed_m_s", 0.0, "numbers > 0 (m_s)"),
    ("48N6E3.warhead_mass_kg", 0.0, "numbers > 0 (kg)"),
    ("92N6E.reference_detection.pfa_ratio", 1.0, "numbers > 0 and < 1 (ratio)"),
    ("92N6E.reference_detection.pd_ratio", 0.0, "numbers > 0 and < 1 (ratio)"),
    ("92N6E.reference_detection.swerling", 5.0, "one of 0, 1, 2, 3, 4"),
    ("92N6E.reference_detection.n_pulses_count", 0.0, "integers >= 1 (count)"),
    ("92N6E.min_elevation_deg", -95.0, "numbers >= -90 and <= 90 (deg)"),
    ("48N6E3.max_range_km", math.nan, "numbers >= 0 (km)"),
    ("48N6E3.max_range_km", math.inf, "numbers >= 0 (km)"),
])
def test_value_outside_physical_limits(name, value, allowed):
    with pytest.raises(InputError) as exc:
        Figures.of("nominal", {name: value})
    text = str(exc.value)
    assert name in text and f"{value:g}" in text and f"allowed values are {allowed}" in text


def test_count_must_be_whole_and_probability_within_one():
    launcher = next(k for k in RAW if ".loads." in k)
    with pytest.raises(InputError, match="integers >= 0"):
        Figures.of("nominal", {launcher: 2.5})
    gun = next(k for k in RAW if k.endswith(".pk_per_hit_ratio"))
    with pytest.raises(InputError, match="<= 1"):
        Figures.of("nominal", {gun: 1.5})
    assert Figures.of("nominal", {launcher: 2})[launcher] == 2.0


@pytest.mark.parametrize("value", ["230", True, None])
def test_value_must_be_a_number(value):
    with pytest.raises(InputError, match="not a number"):
        Figures.of("nominal", {"48N6E3.max_range_km": value})


# ---------------------------------------------------------------- reaching the library items
def test_si_converts_the_overridden_value():
    item = LIB.get("40N6E")
    f = Figures.of("nominal", {"40N6E.max_speed_mach": 5.0})
    assert item.max_speed_m_s(f) == pytest.approx(5.0 * SPEED_OF_SOUND_SL_M_S, rel=1e-12)
    assert item.si("max_range_km", f) == 1000.0 * RAW["40N6E.max_range_km"][1]["nominal"]


def test_detector_and_loop_gain_read_the_figures():
    radar = LIB.get("92N6E")
    r_ref = RAW["92N6E.reference_detection.range_km"][1]["nominal"]
    f = Figures.of("nominal", {"92N6E.reference_detection.range_km": r_ref / 2,
                               "92N6E.reference_detection.pd_ratio": 0.9})
    assert radar.detector(f)[0] == 0.9
    g = Figures.of("nominal", {"92N6E.reference_detection.range_km": r_ref / 2})
    # SNR = C sigma / R^4 at the reference point: halving R_ref divides C by 16
    assert radar.loop_gain(g) == pytest.approx(radar.loop_gain("nominal") / 16.0, rel=1e-12)


def test_launcher_loads_are_figures():
    key = next(k for k in RAW if ".loads." in k)
    item_id, name = key.split(".", 1)
    missile = name.split(".")[1]
    assert LIB.get(item_id).missiles_per_launcher(missile, Figures.of("nominal", {key: 2})) == 2


# --------------------------------------------------------------------------- deployment
@pytest.fixture(scope="module")
def minimal():
    return iadsim.load_scenario(example_scenarios()["minimal"])


def test_deployment_carries_the_figures_and_lists_the_override(minimal):
    f = Figures.of("nominal", {"48N6E3.max_range_km": 100,
                               "92N6E.reference_detection.range_km": 125})
    dep = build_deployment(minimal, f)
    nominal = build_deployment(minimal, "nominal", dep.dem)
    assert dep.figures is f and dep.figure_set == f.label
    assert nominal.figures == Figures.of("nominal") and nominal.figure_set == "nominal"
    assert {m.max_range_m for m in dep.missiles if m.missile_id == "48N6E3"} == {100_000.0}
    radar = next(r for r in dep.radars if r.type_id == "92N6E")
    radar_nom = next(r for r in nominal.radars if r.type_id == "92N6E")
    ratio = (125.0 / RAW["92N6E.reference_detection.range_km"][1]["nominal"]) ** 4
    assert radar.model.loop_gain_m4 == pytest.approx(radar_nom.model.loop_gain_m4 * ratio,
                                                     rel=1e-12)
    assert any(a.startswith("48N6E3.max_range_km = 100 km: user override")
               for a in dep.assumptions)
    assert not any("user override" in a for a in nominal.assumptions)


def test_coverage_reach_follows_a_max_range_override(minimal):
    """Published reach ring at 1 km AGL: area π(max² - min²), here 100 km vs 250 km."""
    f = Figures.of("nominal", {"48N6E3.max_range_km": 100})
    areas = {}
    for label, figs in (("nominal", "nominal"), ("override", f)):
        ds = iadsim.coverage(minimal, [1000.0], 0.0, resolution_m=10_000.0, figure_set=figs)
        areas[label] = float(covered_area_km2(ds, "in_missile_reach_48N6E3")[0])
        assert ds.attrs["figure_set"] == Figures.of(figs).label
    r_min = RAW["48N6E3.min_range_km"][1]["nominal"]
    r_max = RAW["48N6E3.max_range_km"][1]["nominal"]
    assert areas["nominal"] == pytest.approx(math.pi * (r_max**2 - r_min**2), rel=0.03)
    assert areas["override"] == pytest.approx(math.pi * (100.0**2 - r_min**2), rel=0.05)


def test_pd_coverage_grows_with_the_reference_detection_range(minimal):
    """Pd ≥ Pd_ref wherever R ≤ R_ref (σ/σ_ref)^¼ (radar equation, same detector): at 10 km
    altitude and -10 dBsm the 92N6E area is π (R² - h²) for that slant range R."""
    rd = RAW["92N6E.reference_detection.rcs_m2"][1]
    pd_ref = RAW["92N6E.reference_detection.pd_ratio"][1]["nominal"]
    areas = []
    for r_ref in (100.0, 150.0, 200.0):
        f = Figures.of("nominal", {"92N6E.reference_detection.range_km": r_ref})
        ds = iadsim.coverage(minimal, [10_000.0], -10.0, resolution_m=10_000.0, figure_set=f)
        areas.append(float(covered_area_km2(ds, "pd_s400-1-92n6e", level=pd_ref)[0]))
        slant = r_ref * (0.1 / rd["nominal"]) ** 0.25
        assert areas[-1] == pytest.approx(math.pi * (slant**2 - 10.0**2), rel=0.08)
    assert np.all(np.diff(areas) > 0)
