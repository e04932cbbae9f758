"""Build a :class:`~iadsim.engine.world.World` from a scenario: ``iadsim.build``.

The one place where the scenario schema, the equipment library, the cited model file and a set
of figures (:class:`~iadsim.scenario.figures.Figures`) become the SI numbers the engine uses:
sites and radar models (:func:`iadsim.scenario.build.build_deployment`), line-of-sight fields
(:func:`iadsim.scenario.build.radar_sensors`), fire units with their launchers, channels,
reaction times and guns, missile types (seeker kind, lethal radius, planning speed, flyout
model), threat types (class, RCS), threat routes and raid specifications
(:mod:`iadsim.scenario.routes`), defended assets, the model figures, and the provenance of every
figure used. Expensive, seed-independent work (terrain, viewsheds, fixed routes) is done here
once; a World is then fought by :func:`iadsim.engine.engagement.run_engagement` as many times as
wanted.

Examples
--------
>>> from iadsim.scenario.load import example_scenarios, load_scenario
>>> world = build(load_scenario(example_scenarios()["two_jets"]))   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from iadsim.engine.air_picture import face_threat_axis
from iadsim.engine.world import (
    ArmType,
    DecoyEmitterSite,
    FireUnitSpec,
    GunType,
    LauncherGroup,
    MissileSite,
    MissileType,
    ModelFigures,
    Provenance,
    RadarSite,
    SeadCarrier,
    Seeker,
    ThreatType,
    World,
)
from iadsim.errors import InputError, ScenarioError
from iadsim.geo.frames import geodetic2enu
from iadsim.geo.terrain import Dem
from iadsim.scenario.build import (
    Deployment,
    build_deployment,
    check_scenario_jammable,
    load_terrain,
    radar_sensors,
    unique_sources,
)
from iadsim.scenario.figures import Figures
from iadsim.scenario.library import Library, load_library
from iadsim.scenario.model_figures import EngagementModel, engagement_model
from iadsim.scenario.routes import threat_entries
from iadsim.scenario.schema import Battalion, Raid, Scenario
from iadsim.sensors.ew import JAMMING_MODEL, NoiseJammer
from iadsim.weapons.calibration import (
    aero_for,
    aero_ids,
    calibrated_to_m,
    drag_table,
    load_aero,
)
from iadsim.weapons.flyout import MissileAero

__all__ = ["build", "lethal_radius_m"]

#: Cell size of the radars' line-of-sight fields when the caller gives none, m.
LOS_RESOLUTION_M = 1000.0

#: What a run with jammers rests on (its assumptions).
JAMMING_NOTE = (JAMMING_MODEL + " A carried jammer radiates while its carrier flies and is "
                "alive; a kill known only after the radars' looks were drawn ahead "
                "(scan_batch_s) silences the jammer from the next batch.")


#: What a run with anti-radiation missiles rests on (its assumptions).
SEAD_NOTE = ("Anti-radiation missiles (iadsim.engine.sead): a carrier fires at the first "
             "emitting radar, alive, in the seeker's band, within its acquisition and launch "
             "range and the radio horizon, that a 3-DOF flyout (PN on the emitter) reaches; "
             "the aim-point error grows linearly with the time flown after the emitter went "
             "dark; a miss within the warhead's lethal radius destroys the radar. An ARM is "
             "an object of the air picture from its launch: the radars detect and track it "
             "and the command posts engage it like any threat (point defence); no ARM warning "
             "and no emission-control reaction to it yet. With ARMs the looks are drawn one "
             "report interval ahead (an ARM is sensed from the report window after its "
             "launch).")


def build(scenario: Scenario, figures: str | Figures = "nominal",
          dem: Dem | str | Path | None = None, *, library: Library | None = None,
          model: EngagementModel | None = None,
          los_resolution_m: float = LOS_RESOLUTION_M) -> World:
    """Resolve ``scenario`` into a :class:`World` for one set of figures.

    Parameters
    ----------
    scenario : Scenario
        From :func:`iadsim.load_scenario`.
    figures : {'low', 'nominal', 'high'} or Figures
        The equipment figures: a figure set, or a set plus overrides
        (``Figures.of("nominal", {"48N6E3.max_range_km": 230})``). Every number the engine uses
        comes from them.
    dem : Dem, path or None
        Terrain: a loaded :class:`~iadsim.geo.terrain.Dem`, a GeoTIFF path, or ``None`` for the
        scenario's own terrain (its GeoTIFF or synthetic relief) -- the same rule as coverage.
    library : Library, optional
        Equipment library (default: the packaged one); a perturbed library may be passed.
    model : EngagementModel, optional
        Model figures (default: the packaged ``iadsim/data/engagement_model.yaml``).
    los_resolution_m : float
        Cell size of the radars' line-of-sight fields, m.

    Raises
    ------
    ScenarioError
        Before any work, when a route breaks a threat limit of the figures
        (:meth:`~iadsim.scenario.schema.Scenario.check_routes`: e.g. an override lowers a type's
        maximum speed or ceiling below what its route flies), naming each field.
    InputError
        A missile's maximum range or ceiling its flyout cannot be fitted to
        (:func:`iadsim.weapons.calibration.aero_for`), and the other checks of the build.
    """
    lib = library or load_library()
    figs = Figures.of(figures, library=lib)
    problems = scenario.check_routes(figs, lib)
    if problems:
        raise ScenarioError(f"{scenario.source_path or scenario.name} (routes checked with the "
                            f"{figs.label} figures)", problems)
    if scenario.jammers or any(t.jammers for t in (*scenario.threats, *scenario.raids)):
        check_scenario_jammable(scenario, figs, lib)
    model = model or engagement_model()
    dem = load_terrain(scenario, dem, resolution_m=los_resolution_m)
    dep = build_deployment(scenario, figs, dem, library=lib)
    if not dep.radars:
        raise InputError("the scenario has no active battalion with a radar: nothing senses; "
                         "allowed: at least one active battalion with radars")
    routes, raids = threat_entries(scenario, lib, figs)
    origin = (dep.radars[0].lat_deg, dep.radars[0].lon_deg, dep.radars[0].ground_msl_m)
    # entry points of the threats (a raid's axis once per member) for sector facings
    entry_lat = [r.waypoints[0].lat_deg for r in routes] + [
        float(r.lat_deg[0]) for r in raids for _ in range(r.count)]
    entry_lon = [r.waypoints[0].lon_deg for r in routes] + [
        float(r.lon_deg[0]) for r in raids for _ in range(r.count)]
    faced = frozenset(r.id for r in dep.radars if r.facing_rad is not None)
    sensors, facing_notes = face_threat_axis(radar_sensors(dep, los_resolution_m, lib),
                                             np.array(entry_lat), np.array(entry_lon), faced)
    threat_ids = list(dict.fromkeys([r.type for r in routes] + [r.type for r in raids]))
    threat_types = {t: _threat_type(lib.get(t, kind="threat"), figs) for t in threat_ids}
    sead, arm_types = _sead(scenario, lib, figs)
    threat_types |= {a: _threat_type(lib.get(a, kind="threat"), figs) for a in arm_types}
    active = [b for b in scenario.battalions if b.active]
    flyable = set(aero_ids())
    units, notes = _fire_units(active, dep, flyable, lib, figs, model)
    missile_ids = sorted({m for u in units for m in u.missiles})
    missile_types = {m: _missile_type(lib.get(m), figs, model) for m in missile_ids}
    asset_ids, asset_enu = _assets(scenario, origin)
    classes = list(dict.fromkeys(t.threat_class for t in threat_types.values()))
    model_lines, option_lines = _model_assumptions(model, classes, units, missile_types, figs,
                                                   lib)
    carried = _carried_jammers(scenario, lib, figs)
    if carried or dep.jammers:
        notes = [*notes, JAMMING_NOTE]
    if sead:
        notes = [*notes, SEAD_NOTE]
    decoys, decoy_lines = _decoy_emitters(active)
    notes = [*notes, *decoy_lines]
    assumptions = [*dep.assumptions, *facing_notes, *model_lines, *notes]
    items = {r.type_id for r in dep.radars} | set(missile_ids) | set(threat_ids)
    items |= {j.type_id for j in dep.jammers}
    items |= {lib.get(j, "jammer").id for t in (*scenario.threats, *scenario.raids)
              for j in t.jammers}
    items |= set(arm_types)
    items |= {g.type for b in active for g in b.launchers}
    items |= {u.gun.id for u in units if u.gun is not None}
    items |= {b.command_post for b in active if b.command_post}
    citations = list(dep.citations)
    for item_id in sorted(items):
        citations += [c.model_dump() for c in lib.get(item_id).citations()]
    citations += [{"url": url, "title": title} for url, title in model.citations()]
    provenance = Provenance(
        figure_set=figs.label, figures=_figures_used(sorted(items), lib, figs),
        sources=tuple(unique_sources(citations)), assumptions=tuple(dict.fromkeys(assumptions)),
        notes=tuple(notes), terrain=dem.source, option_lines=option_lines)
    return World(
        name=scenario.name, seed=int(scenario.seed), frame_origin=origin, dem=dem,
        radars=dep.radars, sensors=tuple(sensors), fire_units=tuple(units),
        missile_types=missile_types, threat_types=threat_types, routes=tuple(routes),
        raids=tuple(raids), asset_ids=asset_ids, asset_enu_m=asset_enu,
        model=ModelFigures(
            target_hardness=dict(model.target_hardness),
            gun_target_area_m2=dict(model.gun_target_area_m2), planning_pk=model.planning_pk,
            defended_radius_m=model.defended_radius_m,
            threat_time_scale_s=model.threat_time_scale_s,
            kill_assessment_delay_s=model.kill_assessment_delay_s),
        provenance=provenance, jammers=dep.jammers, carried_jammers=carried, sead=sead,
        arm_types=arm_types, decoy_emitters=decoys)


def _decoy_emitters(battalions: list[Battalion]
                    ) -> tuple[tuple[DecoyEmitterSite, ...], list[str]]:
    """The emitter imitators of the active battalions, and one assumption line each (their
    power and behaviour are the scenario's, cited or assumed)."""
    sites, lines = [], []
    for bn in battalions:
        for d in bn.decoy_emitters:
            sites.append(DecoyEmitterSite(d.id, d.radar, d.offset_m.east, d.offset_m.north,
                                          10.0 ** (d.power_ratio_db / 10.0),
                                          d.emits == "always"))
            why = (f"ASSUMED: {d.reasoning}" if d.assumed else
                   "sources: " + "; ".join(src.title for src in d.sources))
            lines.append(f"Decoy emitter {d.id} of {bn.id}: {d.offset_m.east:g} m east, "
                         f"{d.offset_m.north:g} m north of {d.radar}, {d.power_ratio_db:g} dB "
                         f"relative to its power toward an ARM, emits {d.emits.replace('_', ' ')}"
                         f" ({why}).")
    return tuple(sites), lines


def _sead(scenario: Scenario, lib: Library, figures: Figures
          ) -> tuple[tuple[SeadCarrier, ...], dict[str, ArmType]]:
    """The objects that carry anti-radiation missiles (one per raid member) and the ARM types."""
    carriers, arm_types = [], {}
    for entry in (*scenario.threats, *scenario.raids):
        load = entry.arms
        if load is None:
            continue
        item = lib.get(load.type, "threat")
        if item.id not in arm_types:
            arm_types[item.id] = _arm_type(item, figures)
        arm = arm_types[item.id]
        reach = (arm.acquisition_range_m if load.launch_range_km is None
                 else load.launch_range_km * 1000.0)
        members = entry.member_ids() if isinstance(entry, Raid) else [entry.id]
        carriers += [SeadCarrier(m, item.id, load.count, load.salvo, reach, tuple(load.targets))
                     for m in members]
    return tuple(carriers), arm_types


def _arm_type(item, figures: Figures) -> ArmType:
    """An anti-radiation missile of the library as the engine flies it: a 3-DOF model from its
    mass, diameter and motor figures with the shared drag table
    (:func:`iadsim.weapons.calibration.drag_table`), and its seeker, fuze and warhead figures.
    It leaves the rail at its carrier's velocity (:func:`iadsim.engine.sead.arm_flyout`), so the
    model's launch speed (a SAM's ejection speed) is not used."""
    def si(name: str) -> float:
        return float(item.si(name, figures))

    acquisition = si("acquisition_range_km")
    mach, cd0 = drag_table()
    aero = MissileAero(
        name=item.id, launch_mass_kg=si("launch_mass_kg"),
        propellant_mass_kg=si("propellant_mass_kg"), diameter_m=si("diameter_m"),
        isp_s=si("isp_s"), boost_time_s=si("boost_time_s"), sustain_time_s=si("sustain_time_s"),
        boost_propellant_fraction=si("boost_propellant_fraction_ratio"), cd_mach=mach, cd0=cd0,
        cn_max=si("normal_force_coefficient_ratio"), max_lateral_g=si("max_load_factor_ratio"),
        seeker_range_m=acquisition, min_speed_m_s=si("min_speed_m_s"),
        kill_radius_m=si("fuze_radius_m"),
        guidance_error_m=si("guidance_error_m"))
    return ArmType(item.id, aero, acquisition, si("min_frequency_ghz"), si("max_frequency_ghz"),
                   si("lethal_radius_m"), si("memory_drift_m_s"),
                   float(item.max_speed_m_s(figures)))


def _carried_jammers(scenario: Scenario, lib: Library, figures: Figures
                     ) -> tuple[tuple[str, NoiseJammer], ...]:
    """The jammers the threats and raid members carry: (object id, jammer), one per pod."""
    out = []
    for entry in (*scenario.threats, *scenario.raids):
        pods = [lib.get(j, "jammer").model(figures) for j in entry.jammers]
        members = entry.member_ids() if isinstance(entry, Raid) else [entry.id]
        out += [(member, pod) for member in members for pod in pods]
    return tuple(out)


def _threat_type(item, figures: Figures) -> ThreatType:
    return ThreatType(item.id, str(item.threat_class),
                      tuple(float(item.pick(f"rcs_{a}_dbsm", figures))
                            for a in ("nose", "side", "tail")))


def lethal_radius_m(item, figures: str | Figures, model: EngagementModel) -> float:
    """Carleton R50 of a missile's warhead against an aircraft, m.

    The model's ``reference_lethal_radius_m`` scaled by ``(warhead mass /
    reference_warhead_mass_kg) ** (1/3)`` (Hopkinson-Cranz cube-root scaling of blast
    distances; Kinney & Graham, *Explosive Shocks in Air*, 2nd ed., 1985, ch. 5), with the
    ``warhead_mass_kg`` of ``figures``; the reference radius when the missile has none.
    """
    if "warhead_mass_kg" not in item.figures:
        return model.reference_lethal_radius_m
    mass = float(item.si("warhead_mass_kg", figures))
    return model.reference_lethal_radius_m * (mass / model.reference_warhead_mass_kg) ** (1 / 3)


def _missile_type(item, figures: Figures, model: EngagementModel) -> MissileType:
    """A missile's engine figures; its flyout fitted to the figures' maximum range and ceiling
    (:func:`iadsim.weapons.calibration.aero_for`: the calibrated flyout when they are the
    published values it is calibrated to)."""
    aero = aero_for(item.id, item.si("max_range_km", figures), item.si("max_altitude_km", figures))
    return MissileType(item.id, Seeker(item.seeker), lethal_radius_m(item, figures, model),
                       model.planning_speed_ratio * item.max_speed_m_s(figures), aero)


def _assets(scenario: Scenario, origin: tuple[float, float, float]
            ) -> tuple[tuple[str, ...], np.ndarray]:
    """Defended assets in the command-post frame; the active battalions' sites when none are
    given (threat evaluation and leaks are measured against them)."""
    places = [(a.id, a.lat_deg, a.lon_deg) for a in scenario.defended_assets] or [
        (b.id, b.site.lat_deg, b.site.lon_deg) for b in scenario.battalions if b.active]
    ids, lats, lons = zip(*places, strict=True)
    e, n, u = geodetic2enu(np.array(lats), np.array(lons), np.zeros(len(ids)), *origin)
    return tuple(ids), np.stack([e, n, u], axis=-1).reshape(-1, 3)


def _figures_used(item_ids: list[str], lib: Library, figures: Figures) -> tuple[dict, ...]:
    """Provenance of every figure of the items in the World (value in its name's unit)."""
    out = []
    for item_id in item_ids:
        item = lib.get(item_id)
        for name in item.figure_names():
            p = figures.provenance(f"{item.id}.{name}")
            out.append({"name": p.name, "value": p.value, "unit": p.unit, "low": p.low,
                        "nominal": p.nominal, "high": p.high,
                        "sources": [{"url": s.url, "title": s.title} for s in p.sources],
                        "assumed": p.assumed, "reasoning": p.reasoning,
                        "overridden": p.overridden})
    return tuple(out)


#: Model figure table replaced by each run option of ``EngagementConfig`` (by option name).
_OPTION_TABLES = {"target_hardness": "target_hardness_ratio",
                  "gun_target_area_m2": "gun_target_area_m2", "expected_pk": "planning_pk_ratio",
                  "kill_assessment_delay_s": "kill_assessment_delay_s"}


def _model_assumptions(model: EngagementModel, classes: list[str], units: list[FireUnitSpec],
                       missiles: dict[str, MissileType], figures: Figures,
                       lib: Library) -> tuple[list[str], dict[str, str]]:
    """The model figures the World's runs use, each described once from its metadata (per
    threat class only the classes in the air picture, gun figures only with guns), the route
    limits of the threat classes, the lethal radii and guidance errors of the missiles, and the
    assumed figures of the guns; and which of those lines each run option replaces
    (:attr:`~iadsim.engine.world.Provenance.option_lines`)."""
    used = ["defended_radius_m", "threat_time_scale_s", "kill_assessment_delay_s"]
    used += [f"{t}.{c}" for t in ("turn_load_factor_ratio", "max_climb_angle_deg") for c in classes]
    lines = []
    if missiles:
        used += ["planning_pk_ratio", "planning_speed_ratio", "reference_lethal_radius_m",
                 "reference_warhead_mass_kg", *(f"target_hardness_ratio.{c}" for c in classes)]
        lines.append(
            "Warhead lethal radius (Carleton damage function, Pk 0.5 miss distance against an "
            "aircraft) per missile, scaled from the reference warhead by the cube root of the "
            f"warhead mass ({figures.label} figures; Hopkinson-Cranz blast scaling): "
            + ", ".join(f"{m} {t.lethal_radius_m:.1f} m" for m, t in missiles.items()) + ".")
        lines.append(
            "Each missile's miss distance is the noise-free flyout's closest approach plus its "
            "own circular-normal guidance error (ASSUMED sigma per axis, missile_aero.yaml "
            "guidance_error_m: " + ", ".join(f"{m} {t.aero.guidance_error_m:g} m"
                                             for m, t in missiles.items())
            + "), drawn independently for every missile of a salvo.")
        lines += _refit_lines(missiles, figures, lib)
    guns = list(dict.fromkeys(u.gun.id for u in units if u.gun is not None))
    if guns:
        used += [f"gun_target_area_m2.{c}" for c in classes]
    options = {"lethal_radius_m": lines[0]} if missiles else {}
    for option, table in _OPTION_TABLES.items():
        names = [n for n in used if n.split(".")[0] == table]
        if names:
            options[option] = model.describe(names)[0]
    lines = model.describe(used) + lines
    lines += [f"{g} {name}: {why}" for g in guns for name, why in lib.get(g).assumptions()]
    return lines, options


def _refit_lines(missiles: dict[str, MissileType], figures: Figures, lib: Library) -> list[str]:
    """One line per missile whose flyout is re-fitted to a maximum range or ceiling other than
    the published ones it is calibrated to (``calibrated_to`` in missile_aero.yaml)."""
    lines = []
    for m, t in missiles.items():
        calibrated = load_aero(m)
        if t.aero == calibrated:
            continue
        r0_m, h0_m = calibrated_to_m(m)
        r_km, h_km = (lib.get(m).pick(f, figures) for f in ("max_range_km", "max_altitude_km"))
        parts = [f"cn_max {t.aero.cn_max:.2f} (calibrated {calibrated.cn_max:.2f}) re-solved for "
                 f"the {h_km:g} km ceiling"]
        if not np.isclose(r_km * 1000.0, r0_m, rtol=1e-9, atol=0.0):
            parts.insert(0, f"propellant {t.aero.propellant_mass_kg:.0f} kg (calibrated "
                            f"{calibrated.propellant_mass_kg:.0f} kg), its fraction interpolated "
                            f"for {r_km:g} km on the stored reach curve")
        if not np.isclose(h_km * 1000.0, h0_m, rtol=1e-9, atol=0.0):
            parts.append(f"the reach curve is computed at the calibrated {h0_m / 1000.0:g} km "
                         "ceiling, so the maximum range flown is approximate (see "
                         "iadsim.weapons.calibration.aero_for)")
        lines.append(
            f"{m} flyout re-fitted to max_range_km {r_km:g} and max_altitude_km {h_km:g} "
            f"({figures.label} figures; calibrated to the published {r0_m / 1000.0:g} km and "
            f"{h0_m / 1000.0:g} km, missile_aero.yaml): " + "; ".join(parts) + ".")
    return lines


# ------------------------------------------------------------------------------ fire units
def _fire_units(battalions: list[Battalion], dep: Deployment, flyable: set[str], lib: Library,
                figures: Figures, model: EngagementModel
                ) -> tuple[list[FireUnitSpec], list[str]]:
    """Fire units of the active battalions, and notes on what is not modelled or assumed.

    A battalion fires the missiles of its launchers that have a calibrated flyout model
    (``flyable``) and its guns; its reaction time is its command post's, else its slowest
    launcher vehicle's, else the model's ``default_reaction_time_s``; its target and guidance
    channels are the most of its radars' ``simultaneous_targets_count`` and
    ``simultaneous_missiles_guided_count`` (else the model's ``default_target_channels_count``
    and unlimited guidance channels, noted).
    """
    units, notes = [], []
    for bn in battalions:
        mine = {m.missile_id: m for m in dep.missiles if m.battalion_id == bn.id}
        for m_id in sorted(set(mine) - flyable):
            notes.append(f"{bn.id}: {m_id} is not fired (no calibrated flyout model yet).")
            mine.pop(m_id)
        gun = _gun(bn, lib, figures)
        if not mine and gun is None:
            continue
        groups = []
        for group in bn.launchers:
            item = lib.get(group.type)
            load = {lib.get(m).id: int(n) for m, n in group.load.items() if lib.get(m).id in mine}
            interval = (item.si("min_launch_interval_s", figures)
                        if "min_launch_interval_s" in item.figures else 0.0)
            groups.append(LauncherGroup(
                int(group.count), load, float(interval),
                {lib.get(m).id: int(n) for m, n in group.spare_rounds.items()},
                None if group.reload_time_s is None else float(group.reload_time_s)))
        reaction, note = _reaction_time(bn, lib, figures, model)
        notes += note
        own: list[RadarSite] = [r for r in dep.radars if r.battalion_id == bn.id]
        types = {r.type_id for r in own}
        targets = [int(lib.get(t).pick("simultaneous_targets_count", figures))
                   for t in types if "simultaneous_targets_count" in lib.get(t).figures]
        guided = [int(lib.get(t).pick("simultaneous_missiles_guided_count", figures))
                  for t in types if "simultaneous_missiles_guided_count" in lib.get(t).figures]
        if not targets:
            targets = [model.default_target_channels]
            notes += [f"{bn.id}: no radar with simultaneous_targets_count. {text}"
                      for text in model.describe(["default_target_channels_count"])]
        if mine and not guided:
            notes.append(f"{bn.id}: no radar with simultaneous_missiles_guided_count in the "
                         "library; only its target channels limit the missiles in flight.")
        first: MissileSite | None = next(iter(mine.values()), None)
        if first is not None:
            lat, lon, ground = first.lat_deg, first.lon_deg, first.ground_msl_m
        elif own:
            lat, lon, ground = bn.site.lat_deg, bn.site.lon_deg, own[0].ground_msl_m
        else:
            raise InputError(f"battalion {bn.id}: guns but no radar: its guns could never be "
                             "aimed; allowed: give the battalion a radar, or set active: false")
        lost = np.inf if bn.command_post_lost_at_s is None else float(bn.command_post_lost_at_s)
        units.append(FireUnitSpec(
            bn.id, float(lat), float(lon), float(ground), reaction, max(targets),
            max(guided) if guided else None, mine, tuple(groups), tuple(r.id for r in own),
            lost, gun, radar_off_windows_s={r.id: r.off_windows_s for r in own}))
    return units, notes


def _reaction_time(bn: Battalion, lib: Library, figures: Figures,
                   model: EngagementModel) -> tuple[float, list[str]]:
    """The command post's reaction time, else the slowest launcher vehicle's, else the model's
    ``default_reaction_time_s`` (and a note on it from its metadata)."""
    if bn.command_post and "reaction_time_s" in lib.get(bn.command_post).figures:
        return float(lib.get(bn.command_post).si("reaction_time_s", figures)), []
    own = [lib.get(g.type).si("reaction_time_s", figures) for g in bn.launchers
           if "reaction_time_s" in lib.get(g.type).figures]
    if own:
        return float(max(own)), []
    return model.default_reaction_time_s, [
        f"{bn.id}: no reaction time in the library. {text}"
        for text in model.describe(["default_reaction_time_s"])]


def _gun(bn: Battalion, lib: Library, figures: Figures) -> GunType | None:
    """The battalion's guns: the library gun of its system on each of its launcher vehicles
    (the library names no vehicle-gun link, so a gun item of the same ``system`` is taken to be
    mounted on each launcher vehicle), their ammunition pooled."""
    items = [g for g in lib.items("gun") if g.system == bn.system]
    vehicles = sum(g.count for g in bn.launchers)
    if not items or not vehicles:
        return None
    g = items[0]
    per_second = g.si("rate_of_fire_rpm", figures) * g.pick("guns_per_vehicle_count", figures)
    burst_s = g.si("burst_duration_s", figures)
    return GunType(id=g.id, rounds=int(g.pick("rounds_per_vehicle_count", figures)) * vehicles,
                   rounds_per_burst=int(round(per_second * burst_s)), burst_s=float(burst_s),
                   max_range_m=g.si("max_range_km", figures),
                   min_altitude_m=g.si("min_altitude_km", figures),
                   max_altitude_m=g.si("max_altitude_km", figures),
                   dispersion_rad=g.si("dispersion_rad", figures),
                   pk_per_hit=g.pick("pk_per_hit_ratio", figures))
