"""Fire-unit state of the engagement chain: launcher interval and choice, reload from spare
rounds, fire channels, guns -- against hand-worked sequences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iadsim.engine.fire_unit import FireUnit, Launcher
from iadsim.engine.world import FireUnitSpec, LauncherGroup
from iadsim.scenario.load import load_scenario_text
from iadsim.scenario.world import build
from iadsim.weapons.calibration import aero_ids

MINIMAL = Path(__file__).resolve().parents[2] / "examples" / "minimal.yaml"


def unit(loads, interval=3.0, spares=None, reload_s=None, targets=4, missiles=None) -> FireUnit:
    """One group of launchers (each with its own load here), sharing the group's spares."""
    group = LauncherGroup(len(loads), dict(loads[0]), interval, dict(spares or {}), reload_s)
    spec = FireUnitSpec("u", 53.0, 26.0, 0.0, 10.0, targets, missiles, {"M": None}, (group,),
                        ("r",))
    launchers = [Launcher(0, dict(load), dict(load), interval) for load in loads]
    return FireUnit(spec, launchers, [dict(spares or {})])


def test_salvo_ripples_from_one_launcher_at_its_interval():
    u = unit([{"M": 4}])
    assert u.plan_salvo("M", 3, 10.0) == [(10.0, 0), (13.0, 0), (16.0, 0)]
    u.commit_salvo("M", u.plan_salvo("M", 2, 10.0))
    assert u.rounds == {"M": 2}
    # The launcher fired last at 13 s: not again before 16 s.
    assert u.plan_salvo("M", 1, 14.0) == [(16.0, 0)]
    assert u.plan_salvo("M", 5, 20.0) == [(20.0, 0), (23.0, 0)]     # only 2 aboard


def test_salvo_takes_the_earliest_launcher_then_the_fullest():
    u = unit([{"M": 2}, {"M": 4}, {"M": 4}])
    # Missile 1: all ready at 10 s, most rounds -> launcher 1; missile 2: launcher 2 (ready at
    # 10 s, 4 rounds) beats launcher 1 (13 s); missile 3: launcher 0 (still ready at 10 s).
    assert u.plan_salvo("M", 3, 10.0) == [(10.0, 1), (10.0, 2), (10.0, 0)]
    assert u.rounds == {"M": 10}                                      # planning changes nothing


def test_reload_from_spares_after_the_last_launch():
    u = unit([{"M": 2}], spares={"M": 3}, reload_s=60.0)
    u.commit_salvo("M", u.plan_salvo("M", 2, 10.0))                   # 10 s and 13 s: empty
    assert u.rounds == {"M": 0} and u.spare("M") == 1
    assert u.reloads == [(73.0, 0, {"M": 2})]
    assert u.complete_reloads(72.9) == [] and u.rounds == {"M": 0}
    assert u.complete_reloads(80.0) == [(73.0, 0, {"M": 2})]
    assert u.rounds == {"M": 2}
    u.commit_salvo("M", u.plan_salvo("M", 2, 100.0))
    assert u.reloads == [(163.0, 0, {"M": 1})] and u.spare("M") == 0   # the last spare
    u.complete_reloads(200.0)
    u.commit_salvo("M", u.plan_salvo("M", 1, 200.0))
    assert u.reloads == [] and u.rounds == {"M": 0}                   # nothing left to reload


def test_a_held_round_goes_back_aboard_and_calls_off_its_reload():
    """Hold fire: a committed but unlaunched round returns to its launcher; the reload its
    commitment started (the launcher looked empty) is called off, its spares back in the pool."""
    u = unit([{"M": 2}], spares={"M": 3}, reload_s=60.0)
    u.commit_salvo("M", u.plan_salvo("M", 2, 10.0))                   # 10 s and 13 s: empty
    assert u.reloads == [(73.0, 0, {"M": 2})] and u.spare("M") == 1
    u.return_round("M", 0)                                            # the 13 s round held
    assert u.rounds == {"M": 1} and u.reloads == [] and u.spare("M") == 3
    assert u.plan_salvo("M", 1, 20.0) == [(20.0, 0)]                  # and fires later


def test_no_spares_no_reload():
    u = unit([{"M": 1}])
    u.commit_salvo("M", u.plan_salvo("M", 1, 0.0))
    assert u.reloads == [] and u.rounds == {"M": 0}


def test_free_channels():
    u = unit([{"M": 4}], targets=2, missiles=3)
    u.target_busy += [50.0, 80.0]
    u.guidance_busy += [40.0, 50.0, 80.0]
    assert u.free_channels(30.0) == (0, 0)
    assert u.free_channels(45.0) == (0, 1)
    assert u.free_channels(60.0) == (1, 2)
    assert unit([{"M": 4}], targets=2).free_channels(0.0) == (2, None)


@pytest.fixture(scope="module")
def two_battalions():
    """The minimal scenario's S-400 battalion plus a Pantsir-S1 battalion, built (no threats;
    coarse line-of-sight fields: only the fire units are looked at)."""
    text = MINIMAL.read_text(encoding="utf-8").replace("reference_points:", """\
  - id: pantsir-1
    system: Pantsir-S1
    site: {lat_deg: 53.1, lon_deg: 26.1, location_note: test, assumed: true, reasoning: test}
    radars: [{id: p-search, type: 2RL80E}, {id: p-track, type: 1RS2-1E}]
    launchers: [{type: 96K6, count: 3, load: {57E6E: 12}}]
reference_points:""")
    return build(load_scenario_text(text), los_resolution_m=5000.0)


def test_fire_units_from_the_library(two_battalions):
    world = two_battalions
    units = [FireUnit.from_spec(s) for s in world.fire_units]
    notes = world.provenance.notes
    s400 = units[0]
    assert (s400.id, len(s400.launchers), s400.rounds) == ("s400-1", 8, {"48N6E3": 32})
    assert {lau.interval_s for lau in s400.launchers} == {3.0}          # 5P85TE2, s400.yaml
    assert (s400.target_channels, s400.missile_channels) == (36, 72)     # 92N6E
    assert s400.reaction_time_s == 10.0 and s400.gun is None            # 55K6E
    pantsir = units[1]
    assert pantsir.reaction_time_s == 5.0                               # 96K6, pantsir_s1.yaml
    gun = pantsir.gun
    # 2A38M: 2 twin guns x 2400 rds/min x 2 s = 160 rounds a burst; 1400 rounds x 3 vehicles.
    assert (gun.rounds_per_burst, gun.rounds, gun.burst_s) == (160, 4200, 2.0)
    assert (gun.max_range_m, gun.max_altitude_m) == (4000.0, 3000.0)
    assert gun.dispersion_rad == pytest.approx(2e-3) and gun.pk_per_hit == 0.3
    assert pantsir.target_channels == 4 and pantsir.missile_channels is None
    # neither Pantsir radar has simultaneous_missiles_guided_count (pantsir_s1.yaml): noted
    assert any(n.startswith("pantsir-1: no radar with simultaneous_missiles_guided_count")
               for n in notes), notes
    if "57E6E" not in aero_ids():
        assert pantsir.rounds == {} and any("57E6E is not fired" in n for n in notes)
    else:  # once the 57E6E has a flyout model it is fired, 12 per vehicle
        assert pantsir.rounds == {"57E6E": 36}
    assert np.isinf(s400.command_post_lost_s)


def test_a_run_state_does_not_change_the_built_fire_unit(two_battalions):
    """The World is not changed by a run: firing, reloading and gun bursts change the run state
    made from a spec (:meth:`FireUnit.from_spec`), never the spec; a second run state made from
    the same spec starts full."""
    spec = two_battalions.fire_units[1]                                  # pantsir-1
    loads = [dict(g.load) for g in spec.launchers]
    u = FireUnit.from_spec(spec)
    u.commit_salvo("57E6E", u.plan_salvo("57E6E", 12, 0.0))
    u.gun.rounds -= 160
    u.target_busy.append(10.0)
    assert u.rounds == {"57E6E": 24}
    assert [dict(g.load) for g in spec.launchers] == loads and spec.gun.rounds == 4200
    again = FireUnit.from_spec(spec)
    assert again.rounds == {"57E6E": 36} and again.gun.rounds == 4200 and again.target_busy == []
