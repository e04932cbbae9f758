"""Command line: parse arguments, call the public API, print. No logic here.

Every user-facing error (bad file, unknown equipment, bad option) is printed as one clear
message naming the file, the field and what is allowed, with exit code 2 and no traceback.
Set ``IADSIM_DEBUG=1`` to see tracebacks of internal errors.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from iadsim.version import __version__
from iadsim.errors import IadsimError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="iadsim: air-defence coverage and engagement analysis from public, cited data. "
                       "Simulation only: no interface to real sensors or weapons.")
equipment_app = typer.Typer(no_args_is_help=True, help="Browse the cited equipment library.")
app.add_typer(equipment_app, name="equipment")
terrain_app = typer.Typer(no_args_is_help=True, help="Terrain (DEM) utilities.")
app.add_typer(terrain_app, name="terrain")
# Piped output (files, CI logs) gets a wide fixed width so that tables of sources stay readable.
console = Console() if sys.stdout.isatty() else Console(width=160)
err = Console(stderr=True)

class FigureSet(StrEnum):
    """Equipment figure sets (low: least capable air defence; high: most capable)."""

    low = "low"
    nominal = "nominal"
    high = "high"


class AltitudeReference(StrEnum):
    agl = "agl"
    msl = "msl"


class Reach(StrEnum):
    """Missile reach of a coverage run (iadsim.analysis.reach.REACH_CHOICES)."""

    published = "published"
    kinematic = "kinematic"


class Policy(StrEnum):
    """Firing policies (iadsim.c2.doctrine.POLICIES)."""

    shoot_look_shoot = "shoot-look-shoot"
    shoot_shoot_look = "shoot-shoot-look"


class Assignment(StrEnum):
    optimal = "optimal"
    greedy = "greedy"


class Kind(StrEnum):
    radar = "radar"
    missile = "missile"
    launcher = "launcher"
    command_post = "command_post"
    gun = "gun"
    threat = "threat"


def _within(low: float | None = None, high: float | None = None, *, low_open: bool = False,
            unit: str = "") -> Callable[[typer.CallbackParam, Any], Any]:
    """Option callback: reject a value (or any value of a repeated option) outside the range.

    The message names the option as the user typed it, the bad value and the allowed values, and
    it is raised while the command line is parsed, before any work or progress bar starts.
    """
    parts = [f"{'>' if low_open else '>='} {low:g}" if low is not None else "",
             f"<= {high:g}" if high is not None else ""]
    allowed = "numbers " + " and ".join(p for p in parts if p) + (f" {unit}" if unit else "")

    def check(param: typer.CallbackParam, value: Any) -> Any:
        for v in value if isinstance(value, list | tuple) else [value]:
            if v is None:
                continue
            bad = (not math.isfinite(v) or (low is not None and (v <= low if low_open else v < low))
                   or (high is not None and v > high))
            if bad:
                raise typer.BadParameter(f"{v:g}: allowed values are {allowed}", param=param)
        return value

    return check


def _overrides(values: list[str] | None) -> dict[str, float]:
    """``--figure NAME=VALUE`` options as ``{NAME: VALUE}``, checked by
    :meth:`iadsim.scenario.figures.Figures.of` (known name, value within physical limits).

    Raises :class:`iadsim.errors.InputError` naming the option as typed, the figure, the value
    and what is allowed (the ``--figure`` callback reports it as a bad ``--figure`` value).
    """
    from iadsim.errors import InputError
    from iadsim.scenario.figures import Figures

    out: dict[str, float] = {}
    for raw in values or []:
        name, eq, text = raw.partition("=")
        try:
            value = float(text)
        except ValueError:
            value = None
        if not eq or not name.strip() or value is None:
            raise InputError(f"{raw}: expected NAME=VALUE with a number, e.g. "
                             "--figure 48N6E3.max_range_km=230")
        try:
            Figures.of("nominal", {name.strip(): value})
        except InputError as exc:
            raise InputError(f"{raw}: {exc}") from None
        out[name.strip()] = value
    return out


def _parse_time_check(check: Callable[[Any], object]) -> Callable:
    """An option callback that runs ``check(value)`` while the command line is parsed and turns
    its :class:`IadsimError` into a bad-value error naming the option (``None``: not given)."""

    def callback(param: typer.CallbackParam, value: Any) -> Any:
        if value is not None:
            try:
                check(value)
            except IadsimError as exc:
                raise typer.BadParameter(str(exc), param=param) from None
        return value

    return callback


def _jammer_stations(values: list[str] | None) -> list:
    """``--jammer TYPE@LAT,LON,ALT_M[xCOUNT]`` options as scenario jammer stations
    (:class:`iadsim.scenario.schema.JammerStation`, ids ``cli-jammer-1``, ...).

    Raises :class:`iadsim.errors.InputError` naming the option as typed and what is allowed.
    """
    from iadsim.errors import InputError
    from iadsim.scenario.library import load_library
    from iadsim.scenario.schema import JammerStation

    out = []
    lib = load_library()
    for k, raw in enumerate(values or [], start=1):
        kind, at, where = raw.partition("@")
        where, x, count = where.partition("x")
        try:
            lat, lon, alt = (float(v) for v in where.split(","))
            n = int(count) if x else 1
        except ValueError:
            raise InputError(f"{raw}: expected TYPE@LAT,LON,ALT_M or TYPE@LAT,LON,ALT_MxCOUNT, "
                             "e.g. --jammer ALQ-99@52.9,22.6,9000x3 (degrees, metres above "
                             "mean sea level)") from None
        if not at or not kind.strip():
            raise InputError(f"{raw}: expected TYPE@LAT,LON,ALT_M, e.g. --jammer "
                             "ALQ-99@52.9,22.6,9000")
        try:
            item = lib.get(kind.strip(), "jammer")
            station = JammerStation.model_validate({
                "id": f"cli-jammer-{k}", "type": item.id, "lat_deg": lat, "lon_deg": lon,
                "alt_m": alt, "count": n, "assumed": True,
                "reasoning": f"Stand-off jammer station given on the command line ({raw})."})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(f"{raw}: {'.'.join(map(str, err['loc']))} {err['msg']}; allowed: "
                             "latitude -90..90, longitude -180..180, altitude 0..100000 m, "
                             "count 1..100") from None
        except IadsimError as exc:
            raise InputError(f"{raw}: {exc}") from None
        out.append(station)
    return out


def _self_screening_jammer(value: str) -> None:
    """``--self-screening``: a jammer of the library (an error with the closest names)."""
    from iadsim.errors import InputError
    from iadsim.scenario.library import load_library

    try:
        load_library().get(value, "jammer")
    except IadsimError as exc:
        raise InputError(f"{value}: {exc}") from None


#: The repeatable ``--figure NAME=VALUE`` option of coverage, track and run.
FigureOption = Annotated[list[str] | None, typer.Option(
    "--figure", metavar="NAME=VALUE", callback=_parse_time_check(_overrides),
    help="Override one equipment figure on top of the figure set(s), in the unit of its name, "
         "e.g. 48N6E3.max_range_km=230 (repeat; names: `iadsim equipment show ID`)")]


#: Run options shared by `run` and `campaign`.
DurationOption = Annotated[float | None, typer.Option(
    help="Stop after this many seconds (default: when the last threat lands)",
    callback=_within(0.0, low_open=True, unit="s"))]
SalvoOption = Annotated[int, typer.Option(
    help="Missiles per engagement (shoot-shoot-look) or most shots at a threat "
         "(shoot-look-shoot)", callback=_within(1))]
PolicyOption = Annotated[Policy, typer.Option(help="Firing policy")]
MaxEngagementsOption = Annotated[int | None, typer.Option(
    help="Most engagements of one fire unit at one threat (default: the policy's)",
    callback=_within(1))]
MinPkOption = Annotated[float, typer.Option(help="Do not fire below this single-shot Pk",
                                            callback=_within(0.0, 1.0))]
AssignmentOption = Annotated[Assignment, typer.Option(help="Weapon-target assignment")]
LinkLatencyOption = Annotated[float, typer.Option(
    help="Delay of the fused picture at the command posts, s", callback=_within(0.0, unit="s"))]


class _Bar:
    """rich progress bar adapter for the ``progress(label, done, total)`` callbacks.

    The bar appears at the first report, so a workflow that validates its inputs before its first
    step never shows a bar for a run that fails validation.
    """

    def __enter__(self):
        self.progress: Progress | None = None
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.progress is None:
            self.progress = Progress(TextColumn("{task.description:<40}"), BarColumn(),
                                     TextColumn("{task.completed}/{task.total}"),
                                     TimeElapsedColumn(), console=err, transient=False)
            self.progress.__enter__()
            self.task = self.progress.add_task(label, total=total)
        self.progress.update(self.task, description=label, completed=done, total=total)

    def __exit__(self, *exc):
        return None if self.progress is None else self.progress.__exit__(*exc)


def _fail(exc: BaseException) -> None:
    if isinstance(exc, IadsimError):
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2)
    if os.environ.get("IADSIM_DEBUG"):
        raise exc
    err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
              "This is a bug in iadsim; rerun with IADSIM_DEBUG=1 for a traceback and report it.")
    raise typer.Exit(3)


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except typer.Exit:
        raise
    except Exception as exc:
        _fail(exc)


@app.command()
def version() -> None:
    """Print the iadsim version."""
    console.print(__version__)


@app.command()
def validate(scenario: Annotated[list[Path] | None, typer.Argument(
        help="Scenario YAML file(s); default: the equipment library and the example scenarios "
             "shipped with iadsim (a check of the installation)")] = None) -> None:
    """Check scenario files; exit 0 if valid, else print every problem (file:line: field: ...)."""
    from iadsim.scenario.library import load_library
    from iadsim.scenario.load import example_scenarios, load_scenario

    if not scenario:
        lib = _run(load_library)
        console.print(f"[green]ok[/]: equipment library: {len(_run(lib.items, None))} items")
    for path in scenario or list(example_scenarios().values()):
        sc = _run(load_scenario, path)
        n_radar = sum(len(b.radars) for b in sc.battalions)
        console.print(f"[green]ok[/]: {path}: {sc.name!r}: {len(sc.battalions)} battalions, "
                      f"{n_radar} radars")


@app.command()
def examples(out: Annotated[Path | None, typer.Option(
        help="Copy the example scenarios into this directory (not overwriting files)")] = None,
             ) -> None:
    """List the example scenarios shipped with iadsim, or copy them out to edit."""
    from iadsim.scenario.load import example_scenarios

    found = example_scenarios()
    if out is None:
        for name, path in found.items():
            console.print(f"{name}: {path}")
        return
    clash = [out / p.name for p in found.values() if (out / p.name).exists()]
    if clash:
        _fail(IadsimError(f"--out {out}: {', '.join(map(str, clash))} already exist(s); allowed: "
                          "a directory without these files"))
    out.mkdir(parents=True, exist_ok=True)
    for path in found.values():
        shutil.copyfile(path, out / path.name)
        console.print(f"[green]wrote {out / path.name}[/]")


@equipment_app.command("list")
def equipment_list(kind: Annotated[Kind | None, typer.Option(help="Only this kind")] = None) -> None:
    """List the equipment in the library."""
    from iadsim.scenario.library import load_library

    lib = _run(load_library)
    table = Table("id", "kind", "system", "name", title="iadsim equipment library")
    for item in _run(lib.items, kind.value if kind else None):
        table.add_row(item.id, item.kind, item.system, item.name)
    console.print(table)


@equipment_app.command("show")
def equipment_show(name: Annotated[str, typer.Argument(help="Equipment id, e.g. 40N6E")]) -> None:
    """Show every figure of one item with its unit, low/nominal/high and sources."""
    from iadsim.scenario.library import Figure, load_library

    item = _run(load_library().get, name)
    console.print(f"[bold]{item.id}[/] — {item.name} ({item.kind}, {item.system})")
    if item.description:
        console.print(item.description)
    table = Table("figure", "unit", "low", "nominal", "high", "basis", show_lines=True)
    table.columns[0].no_wrap = True
    for fname, fact in item.facts():
        base, unit = _split(fname)
        basis = ("[yellow]ASSUMED[/]: " + (fact.reasoning or "")) if fact.assumed else "\n".join(
            f"{s.title} <{s.url}>" + (f" — {s.note}" if s.note else "") for s in fact.sources)
        if isinstance(fact, Figure):
            table.add_row(base, unit, _fmt(fact.low), _fmt(fact.nominal), _fmt(fact.high), basis)
        else:
            text = fact.value if isinstance(fact.value, str) else "; ".join(fact.value)
            table.add_row(base, "text", "", text, "", basis)
    console.print(table)
    derived = getattr(item, "derived", None)
    if derived is not None:
        console.print("[bold]derived[/] loop gain (dB): " + ", ".join(
            f"{k} {v:.2f}" for k, v in derived.loop_gain_db.items()))
        console.print(f"  {derived.derivation}")


def _split(name: str) -> tuple[str, str]:
    from iadsim.units import split_suffix

    try:
        return split_suffix(name)
    except KeyError:
        return name, ""


def _fmt(v) -> str:
    return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)


@terrain_app.command("fetch")
def terrain_fetch(
    bbox: Annotated[tuple[float, float, float, float], typer.Option(
        help="LAT_MIN LAT_MAX LON_MIN LON_MAX, degrees")],
    out: Annotated[Path, typer.Option(help="Output GeoTIFF")] = Path("dem.tif"),
    product: Annotated[str, typer.Option(help="glo30 (1 arc-second) or glo90 (3 arc-seconds)")
                       ] = "glo90",
    cache_dir: Annotated[Path | None, typer.Option(help="Tile cache directory")] = None,
) -> None:
    """Download public Copernicus DEM tiles (cached) and mosaic them into one GeoTIFF."""
    from iadsim.geo.fetch import fetch_dem

    with _Bar() as bar:
        path = _run(fetch_dem, *bbox, out, product=product, cache_dir=cache_dir, progress=bar)
    console.print(f"[green]wrote {path}[/] (use it with --dem or terrain: {{dem: {path}}})")


def _coverage_command(scenario: Path, alt: list[float], target: list[str], resolution_km: float,
                      dem: Path | None, out: Path, assume: list[FigureSet],
                      altitude_reference: AltitudeReference = AltitudeReference.agl,
                      reach: Reach = Reach.published, target_speed: float = 250.0,
                      figure: list[str] | None = None, jammer: list[str] | None = None,
                      jamming: bool = True, self_screening: str | None = None) -> None:
    from iadsim.scenario.figures import Figures
    from iadsim.scenario.load import load_scenario
    from iadsim.workflows import coverage_products, target_spec

    if altitude_reference is AltitudeReference.agl and min(alt) < 0:
        raise typer.BadParameter(f"{min(alt):g}: allowed values with --altitude-reference agl are "
                                 "numbers >= 0 and <= 100000 m", param_hint="'--alt'")
    sc = _run(load_scenario, scenario)
    extra = _run(_jammer_stations, jammer)
    if extra:
        sc = sc.model_copy(update={"jammers": sc.jammers + tuple(extra)})
    overrides = _run(_overrides, figure)
    targets = [_run(target_spec, t, overrides) for t in target]
    with _Bar() as bar:
        run = _run(coverage_products, sc, out, alt, targets, resolution_km * 1000.0,
                   [_run(Figures.of, a.value, overrides) for a in assume], dem_path=dem,
                   altitude_reference=altitude_reference.value, progress=bar,
                   reach=reach.value, reach_target_speed_m_s=target_speed,
                   jamming=jamming or bool(extra), self_screening=self_screening)
    console.print(f"[green]wrote {len(run.files)} files to {out}[/]")
    for f in run.files:
        console.print(f"  {f}")
    if reach is Reach.kinematic:
        from iadsim.workflows import ENVELOPE_CAVEAT

        console.print(f"[yellow]kinematic missile reach (approaching target, {target_speed:g} m/s; "
                      f"see summary.md):[/] {ENVELOPE_CAVEAT}")


@app.command("coverage")
def coverage_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file")],
    alt: Annotated[list[float], typer.Option(help="Target altitude, m (repeat); see "
                                             "--altitude-reference",
                                             callback=_within(-500.0, 100_000.0, unit="m"))],
    target: Annotated[list[str], typer.Option(help="Threat id (its nominal RCS, or its "
                                                   "--figure ID.rcs_dbsm override) or RCS in "
                                                   "dBsm (repeat)")] = ["F-16C"],
    resolution_km: Annotated[float, typer.Option(help="Grid resolution, km",
                                                 callback=_within(0.0, low_open=True, unit="km"))
                             ] = 2.0,
    dem: Annotated[Path | None, typer.Option(help="GeoTIFF DEM (overrides the scenario)",
                                             exists=True, dir_okay=False)] = None,
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("out/coverage"),
    assume: Annotated[list[FigureSet], typer.Option(help="Figure set(s) (repeat)")] = [
        FigureSet.nominal],
    altitude_reference: Annotated[AltitudeReference, typer.Option(
        help="agl: above the ground under the target; msl: above mean sea level")
    ] = AltitudeReference.agl,
    reach: Annotated[Reach, typer.Option(
        help="Missile reach ring: published (quoted min/max range) or kinematic (nearest/farthest "
             "intercept point from the calibrated flyout; published ring where no flyout model)")
    ] = Reach.published,
    target_speed: Annotated[float, typer.Option(
        help="Speed of the approaching target for --reach kinematic, m/s",
        callback=_within(0.0, low_open=True, unit="m/s"))] = 250.0,
    figure: FigureOption = None,
    jammer: Annotated[list[str] | None, typer.Option(
        metavar="TYPE@LAT,LON,ALT_M[xCOUNT]", callback=_parse_time_check(_jammer_stations),
        help="A stand-off noise jammer on station (a jammer id of the library, degrees, metres "
             "above MSL; xCOUNT jammers there), added to the scenario's `jammers` (repeat)")
    ] = None,
    jamming: Annotated[bool, typer.Option(
        help="Draw coverage under the scenario's stand-off jammers (--no-jamming: without)")
    ] = True,
    self_screening: Annotated[str | None, typer.Option(
        metavar="JAMMER", callback=_parse_time_check(_self_screening_jammer),
        help="Every target carries this jammer (self-screening: its burn-through range "
             "shows)")] = None,
) -> None:
    """Radar and missile coverage maps, contours (GeoJSON/KML), NetCDF and summary (under
    noise jamming when the scenario has jammers, or with --jammer / --self-screening)."""
    _coverage_command(scenario, alt, target, resolution_km, dem, out, assume, altitude_reference,
                      reach, target_speed, figure, jammer, jamming, self_screening)


@app.command()
def track(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file with threats and/or raids")],
    seed: Annotated[int | None, typer.Option(help="Run seed (default: the scenario's seed)",
                                             callback=_within(0))] = None,
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("out/track"),
    assume: Annotated[FigureSet, typer.Option(help="Equipment figure set")] = FigureSet.nominal,
    dem: Annotated[Path | None, typer.Option(help="GeoTIFF DEM (overrides the scenario)",
                                             exists=True, dir_okay=False)] = None,
    duration_s: Annotated[float | None, typer.Option(
        help="Stop after this many seconds (default: when the last threat lands)",
        callback=_within(0.0, low_open=True, unit="s"))] = None,
    figure: FigureOption = None,
) -> None:
    """Sensing + tracking: detections, per-radar and fused tracks, OSPA/GOSPA metrics, plots."""
    from iadsim.engine.air_picture import AirPictureConfig
    from iadsim.workflows import air_picture_products

    pic, files = _simulate(air_picture_products, scenario, out, seed, assume,
                           AirPictureConfig(t_end_s=duration_s), dem, figure)
    fused = pic.metrics.get("fused", {})
    _report(out, files, f"{pic.truth['truth_id'].nunique()} threats, {len(pic.detections)} "
            f"detections, fused picture: mean OSPA {fused.get('ospa_mean_m', float('nan')):.0f} m")


def _simulate(products, scenario: Path, out: Path, seed: int | None, assume: FigureSet,
              config, dem: Path | None, figure: list[str] | None = None):
    """Load a scenario and run a products workflow under a progress bar (figures: the figure
    set ``assume`` with the ``--figure`` overrides)."""
    from iadsim.scenario.figures import Figures
    from iadsim.scenario.load import load_scenario

    figures = _run(Figures.of, assume.value, _run(_overrides, figure))
    sc = _run(load_scenario, scenario)
    with _Bar() as bar:
        return _run(products, sc, out, seed, figures, config, dem, progress=bar)


def _report(out: Path, files: list[Path], headline: str) -> None:
    console.print(f"[green]wrote {len(files)} files to {out}[/]: {headline}")
    for f in files:
        console.print(f"  {f}")


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file with threats and/or raids")],
    seed: Annotated[int | None, typer.Option(help="Run seed (default: the scenario's seed)",
                                             callback=_within(0))] = None,
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("out/run"),
    assume: Annotated[FigureSet, typer.Option(help="Equipment figure set")] = FigureSet.nominal,
    dem: Annotated[Path | None, typer.Option(help="GeoTIFF DEM (overrides the scenario)",
                                             exists=True, dir_okay=False)] = None,
    duration_s: DurationOption = None,
    salvo: SalvoOption = 2,
    policy: PolicyOption = Policy.shoot_shoot_look,
    max_engagements: MaxEngagementsOption = None,
    min_pk: MinPkOption = 0.0,
    assignment: AssignmentOption = Assignment.optimal,
    link_latency_s: LinkLatencyOption = 2.0,
    figure: FigureOption = None,
) -> None:
    """Full engagement chain: event log, summaries, kill-chain timeline, magazine, replays."""
    from iadsim.workflows import engagement_products

    config = _engagement_config(duration_s, salvo, policy, max_engagements, min_pk, assignment,
                                link_latency_s)
    _engagement_report(out, *_simulate(engagement_products, scenario, out, seed, assume, config,
                                       dem, figure))


def _engagement_config(duration_s: float | None, salvo: int, policy: Policy,
                       max_engagements: int | None, min_pk: float, assignment: Assignment,
                       link_latency_s: float):
    """The run options of `run` and `campaign` as an EngagementConfig."""
    from iadsim.c2.doctrine import Doctrine
    from iadsim.engine.air_picture import AirPictureConfig
    from iadsim.engine.engagement import EngagementConfig

    doctrine = _run(Doctrine, salvo_size=salvo, policy=policy.value, min_pk=min_pk,
                    max_engagements_per_threat=max_engagements)
    return _run(EngagementConfig, air_picture=_run(AirPictureConfig, t_end_s=duration_s),
                doctrine=doctrine, assignment=assignment.value, link_latency_s=link_latency_s)


def _engagement_report(out: Path, res, files: list[Path]) -> None:
    s = res.summary
    _report(out, files, f"{s['threats']} threats, {s['killed']} destroyed, {s['leaked']} "
            f"leaked, {s['missiles_fired']} missiles ({s['wasted_interceptors']} of them at "
            "threats already destroyed)")


class Distribution(StrEnum):
    """Spread of a varied figure between low and high (iadsim.campaigns.design.DISTRIBUTIONS)."""

    uniform = "uniform"
    triangular = "triangular"


class Design(StrEnum):
    """Space-filling designs (iadsim.campaigns.design.METHODS)."""

    lhs = "lhs"
    sobol = "sobol"


class Sensitivity(StrEnum):
    """Sensitivity methods (iadsim.campaigns.sensitivity.SENSITIVITY_METHODS)."""

    tornado = "tornado"
    morris = "morris"
    sobol = "sobol"


class MeanInterval(StrEnum):
    t = "t"
    bootstrap = "bootstrap"


WorkersOption = Annotated[int | None, typer.Option(
    help="Local worker processes (default: all cores)", callback=_within(1))]
SchedulerOption = Annotated[str | None, typer.Option(
    metavar="tcp://HOST:PORT", help="Run on this Dask distributed scheduler instead of local "
                                    "processes (README: Campaigns on a cluster)")]
BatchSizeOption = Annotated[int | None, typer.Option(
    help="Runs per Dask task (default 1), only with --scheduler", callback=_within(1))]
IntervalOption = Annotated[MeanInterval, typer.Option(help="Interval of the means in the report")]
CostsOption = Annotated[Path | None, typer.Option(
    exists=True, dir_okay=False, help="Unit costs of missiles and threats, each cited or assumed "
                                      "(YAML; README: Cost exchange): adds the cost-exchange "
                                      "ratio to the report")]
ReplaceOption = Annotated[bool, typer.Option(
    help="Start afresh if --out holds a different campaign (its runs are deleted)")]


class _CampaignBar:
    """rich progress of a campaign: runs done, runs/min, ETA, current leak fraction ± CI."""

    def __enter__(self):
        self.progress: Progress | None = None
        return self

    def __call__(self, p) -> None:
        from rich.progress import TimeRemainingColumn

        if self.progress is None:
            self.progress = Progress(TextColumn("campaign"), BarColumn(),
                                     TextColumn("{task.completed}/{task.total} runs"),
                                     TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                                     TextColumn("{task.fields[estimate]}"), console=err)
            self.progress.__enter__()
            self.task = self.progress.add_task("campaign", total=p.total, rate="", estimate="")
        rate = f"{60.0 * p.done / p.elapsed_s:.1f} runs/min" if p.elapsed_s > 0 else ""
        est = ("" if p.estimate is None else
               f"leak fraction {p.estimate.estimate:.3f} ± {p.estimate.halfwidth:.3f}")
        self.progress.update(self.task, completed=p.done, total=p.total, rate=rate, estimate=est)

    def __exit__(self, *exc):
        return None if self.progress is None else self.progress.__exit__(*exc)


@app.command("campaign")
def campaign_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file with threats and/or raids")],
    out: Annotated[Path, typer.Option(help="Campaign directory (the same --out resumes it)")
                   ] = Path("out/campaign"),
    runs: Annotated[int, typer.Option(help="Runs in all (with --target-halfwidth: the most)",
                                      callback=_within(1))] = 100,
    vary: Annotated[list[str] | None, typer.Option(
        help="Vary this figure over its library low-high range, e.g. 48N6E3.max_range_km "
             "(repeat)")] = None,
    vary_assumed: Annotated[bool, typer.Option(
        help="Vary every assumed figure (with a range) of the scenario's equipment")] = False,
    sweep: Annotated[list[str] | None, typer.Option(
        metavar="NAME=LEVELS",
        help="Compare alternatives: raid.size=10..200:10, raid.ID.count=..., salvo=1,2, policy, "
             "min_pk, max_engagements, assignment, link_latency_s, or a figure (repeat: the "
             "grid); same seeds, paired differences, saturation curves")] = None,
    distribution: Annotated[Distribution, typer.Option(
        help="Between low and high: uniform, or triangular with its mode at nominal")
    ] = Distribution.uniform,
    design: Annotated[Design, typer.Option(
        help="Design of the varied figures: Latin hypercube or scrambled Sobol points")
    ] = Design.lhs,
    replications: Annotated[int | None, typer.Option(
        help="Runs per design point (default 1)", callback=_within(1))] = None,
    sensitivity: Annotated[Sensitivity | None, typer.Option(
        help="Sample the varied figures for this sensitivity method and rank them by it "
             "(--runs is then the method's sample size)")] = None,
    samples: Annotated[int | None, typer.Option(
        help="Sensitivity sample size N: Morris trajectories (default 10), Sobol base size, a "
             "power of two (default 64)", callback=_within(1))] = None,
    target_halfwidth: Annotated[float | None, typer.Option(
        help="Stop when the 95 % interval of the leak fraction is this narrow (half-width)",
        callback=_within(0.0, 0.5, low_open=True))] = None,
    seed: Annotated[int | None, typer.Option(
        help="Seed entropy of the campaign (default: the scenario's seed)", callback=_within(0))
                    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    batch_size: BatchSizeOption = None,
    interval: IntervalOption = MeanInterval.t,
    replace: ReplaceOption = False,
    costs: CostsOption = None,
    assume: Annotated[FigureSet, typer.Option(help="Equipment figure set")] = FigureSet.nominal,
    dem: Annotated[Path | None, typer.Option(help="GeoTIFF DEM (overrides the scenario)",
                                             exists=True, dir_okay=False)] = None,
    duration_s: DurationOption = None,
    salvo: SalvoOption = 2,
    policy: PolicyOption = Policy.shoot_shoot_look,
    max_engagements: MaxEngagementsOption = None,
    min_pk: MinPkOption = 0.0,
    assignment: AssignmentOption = Assignment.optimal,
    link_latency_s: LinkLatencyOption = 2.0,
    figure: FigureOption = None,
) -> None:
    """Monte Carlo campaign: the raid over seeds and over the uncertain figures, with 95 %
    intervals, what drives the answer, and a resumable store (kill it, run it again)."""
    from iadsim.campaigns.api import campaign
    from iadsim.scenario.figures import Figures
    from iadsim.scenario.load import load_scenario

    figures = _run(Figures.of, assume.value, _run(_overrides, figure))
    config = _engagement_config(duration_s, salvo, policy, max_engagements, min_pk, assignment,
                                link_latency_s)
    sc = _run(load_scenario, scenario)
    with _CampaignBar() as bar:
        res = _run(campaign, sc, out, runs=runs, vary=vary or (), vary_assumed=vary_assumed,
                   sweep=sweep or (), scheduler=scheduler,
                   distribution=distribution.value, design=design.value,
                   replications=replications,
                   sensitivity=None if sensitivity is None else sensitivity.value,
                   samples=samples, target_halfwidth=target_halfwidth, seed=seed,
                   figures=figures, config=config, dem=dem, workers=workers, progress=bar,
                   interval=interval.value, replace=replace, costs=costs,
                   batch_size=batch_size)
    _campaign_report(out, res)


def _campaign_report(out: Path, res) -> None:
    lf = res.leak_fraction
    alts = res.runs["alternative"].nunique()
    _report(out, res.files, f"{len(res.runs)} runs" + (f" of {alts} alternatives" if alts > 1 else "")
            + f", leak fraction {lf.estimate:.3f} (95 % interval {lf.low:.3f}-{lf.high:.3f}"
            + (", first alternative" if alts > 1 else "") + f"); see {out / 'campaign.md'}")


@app.command("compare")
def compare_cmd(
    scenarios: Annotated[list[Path], typer.Argument(
        help="Two or more scenario YAML files: the same threats and raids, different deployments")],
    out: Annotated[Path, typer.Option(help="Campaign directory (the same --out resumes it)")
                   ] = Path("out/compare"),
    runs: Annotated[int, typer.Option(help="Runs of each deployment (with --target-halfwidth: "
                                           "the most)", callback=_within(1))] = 100,
    target_halfwidth: Annotated[float | None, typer.Option(
        help="Stop when every deployment's 95 % interval of the leak fraction is this narrow",
        callback=_within(0.0, 0.5, low_open=True))] = None,
    seed: Annotated[int | None, typer.Option(
        help="Seed entropy (default: the first scenario's seed)", callback=_within(0))] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    batch_size: BatchSizeOption = None,
    interval: IntervalOption = MeanInterval.t,
    replace: ReplaceOption = False,
    costs: CostsOption = None,
    assume: Annotated[FigureSet, typer.Option(help="Equipment figure set")] = FigureSet.nominal,
    duration_s: DurationOption = None,
    salvo: SalvoOption = 2,
    policy: PolicyOption = Policy.shoot_shoot_look,
    max_engagements: MaxEngagementsOption = None,
    min_pk: MinPkOption = 0.0,
    assignment: AssignmentOption = Assignment.optimal,
    link_latency_s: LinkLatencyOption = 2.0,
    figure: FigureOption = None,
) -> None:
    """What a replacement buys: the same raid against each deployment with the same seeds;
    paired differences of leakers and interceptors with 95 % intervals, and covered areas."""
    from iadsim.campaigns.api import compare
    from iadsim.scenario.figures import Figures
    from iadsim.scenario.load import load_scenario

    figures = _run(Figures.of, assume.value, _run(_overrides, figure))
    config = _engagement_config(duration_s, salvo, policy, max_engagements, min_pk, assignment,
                                link_latency_s)
    loaded = [_run(load_scenario, p) for p in scenarios]
    with _CampaignBar() as bar:
        res = _run(compare, loaded, out, runs=runs, target_halfwidth=target_halfwidth, seed=seed,
                   figures=figures, config=config, workers=workers, scheduler=scheduler,
                   progress=bar, interval=interval.value, replace=replace, costs=costs,
                   batch_size=batch_size)
    _campaign_report(out, res)


@app.command()
def envelope(
    missile: Annotated[str, typer.Argument(help="Missile id, e.g. 48N6E3")],
    target_alt: Annotated[list[float], typer.Option(
        help="Target altitude, m (repeat)", callback=_within(0.0, 100_000.0, unit="m"))] = [
        100.0, 10000.0],
    target_speed: Annotated[float, typer.Option(
        help="Target speed, m/s", callback=_within(0.0, low_open=True, unit="m/s"))] = 300.0,
    out: Annotated[Path, typer.Option(help="Output PNG")] = Path("out/envelope.png"),
    assume: Annotated[FigureSet, typer.Option(
        help="Figure set of the missile's maximum range and ceiling")] = FigureSet.nominal,
    figure: FigureOption = None,
) -> None:
    """Kinematic launch-acceptability envelope from the 3-DOF flyout, fitted to the figure
    set's (or --figure's) maximum range and ceiling as an engagement run flies it."""
    from iadsim.scenario.figures import Figures
    from iadsim.workflows import ENVELOPE_CAVEAT, envelope_products

    figures = _run(Figures.of, assume.value, _run(_overrides, figure))
    table = _run(envelope_products, missile, target_alt, target_speed, out, figures)
    console.print(table.to_string(index=False))
    console.print(f"[yellow]caveat:[/] {ENVELOPE_CAVEAT}")
    console.print(f"[green]wrote {out}[/] and {out.with_suffix('.nc')}")


#: The demo campaign's varied figures: assumed figures of the demo raid's equipment that bear on
#: low-level cruise missiles (their nose RCS, the engagement radar's mast height and reference
#: detection range) and on the rate of fire.
DEMO_VARY = ("Tomahawk.rcs_nose_dbsm", "92N6E.antenna_height_m",
             "92N6E.reference_detection.range_km", "5P85TE2.min_launch_interval_s")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("out/united_resolve_2022"),
    resolution_km: Annotated[float, typer.Option(
        help="Grid resolution, km", callback=_within(0.0, low_open=True, unit="km"))] = 3.0,
    seed: Annotated[int, typer.Option(help="Seed of the raid's air picture", callback=_within(0))
                    ] = 7,
    workers: WorkersOption = None,
    campaign_runs: Annotated[int, typer.Option(
        help="Runs of the demo campaign (Latin hypercube points x 2 seeds)",
        callback=_within(2))] = 8,
    compare_runs: Annotated[int, typer.Option(
        help="Runs of each deployment in the Polotsk comparison", callback=_within(2))] = 6,
) -> None:
    """United Resolve 2022 demo: coverage (low/nominal/high figures), a mixed raid fought
    through the full engagement chain, a small campaign over seeds and uncertain figures, and
    the Polotsk S-300PMU -> S-400 + Pantsir-S1 replacement comparison.

    Coverage of the S-400 and Pantsir-S1 deployment goes to OUT; an illustrative mixed raid
    (cruise missiles at 50 m AGL, fighters at altitude, drones) against the same deployment is
    detected, tracked, assigned, engaged and assessed, with its event log, summaries, kill-chain
    timeline, magazine depletion, air picture and replays (ACMI, CZML, KML) in OUT/raid. The
    same raid is replicated over seeds and four assumed figures (Latin hypercube, 2 seeds per
    point) in
    OUT/campaign, and an illustrative raid on Polotsk is fought against the S-300PMU and its
    planned replacement with common random numbers in OUT/polotsk_compare.
    """
    from iadsim.campaigns.api import campaign, compare
    from iadsim.engine.engagement import EngagementConfig
    from iadsim.scenario.load import example_scenarios, load_scenario
    from iadsim.workflows import engagement_products

    found = example_scenarios()
    _coverage_command(found["united_resolve_2022"], [50.0, 500.0, 10000.0], ["F-16C", "Tomahawk"],
                      resolution_km, None, out, list(FigureSet))
    _engagement_report(out / "raid", *_simulate(engagement_products, found["raid_2022"], out / "raid", seed,
                                                FigureSet.nominal, EngagementConfig(), None))
    with _CampaignBar() as bar:
        res = _run(campaign, _run(load_scenario, found["raid_2022"]), out / "campaign",
                   runs=campaign_runs, vary=DEMO_VARY, replications=2, workers=workers,
                   progress=bar, replace=True)
    _campaign_report(out / "campaign", res)
    with _CampaignBar() as bar:
        res = _run(compare, [_run(load_scenario, found[name]) for name in
                             ("polotsk_s300pmu", "polotsk_s400")], out / "polotsk_compare",
                   runs=compare_runs, workers=workers, progress=bar, replace=True)
    _campaign_report(out / "polotsk_compare", res)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
