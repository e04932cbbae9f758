"""Sweeps: the alternatives a campaign compares, from ``--sweep NAME=VALUES`` options.

A sweep names one setting and its levels; several sweeps make the grid of their levels. Each
level combination is an :class:`~iadsim.campaigns.executor.Alternative` of the same scenario.
The settings a sweep can name (:data:`SWEEP_FIELDS`):

- ``raid.size``: the number of raid members in all, shared among the scenario's raids in
  proportion to their counts (largest remainders; every raid keeps at least one member);
  ``raid.<ID>.count``: the count of one raid;
- doctrine and run options: ``salvo``, ``policy``, ``min_pk``, ``max_engagements``,
  ``assignment``, ``link_latency_s`` (as the options of ``iadsim run``);
- any equipment figure by name (``48N6E3.max_range_km``): an override per level.

Levels: ``a..b:step`` (numbers from ``a`` to ``b`` inclusive) or ``v1,v2,...``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from iadsim.campaigns.executor import Alternative
from iadsim.engine.engagement import EngagementConfig
from iadsim.errors import InputError
from iadsim.scenario.figures import Figures
from iadsim.scenario.schema import Scenario

__all__ = ["Sweep", "parse_sweep", "alternatives", "SWEEP_FIELDS"]

#: Sweepable run options: name -> (where, attribute, type).
_OPTIONS = {"salvo": ("doctrine", "salvo_size", int), "policy": ("doctrine", "policy", str),
            "min_pk": ("doctrine", "min_pk", float),
            "max_engagements": ("doctrine", "max_engagements_per_threat", int),
            "assignment": ("config", "assignment", str),
            "link_latency_s": ("config", "link_latency_s", float)}
#: Every sweepable setting besides the equipment figures' names.
SWEEP_FIELDS = ("raid.size", "raid.<ID>.count", *_OPTIONS)
_MAX_LEVELS = 1000


@dataclass(frozen=True)
class Sweep:
    """One swept setting ``name`` and its ``levels`` (in the order given)."""

    name: str
    levels: tuple[float | int | str, ...]


def _numbers(name: str, text: str, kind: type) -> tuple:
    if ".." in text:
        span, _, step_text = text.partition(":")
        a_text, _, b_text = span.partition("..")
        try:
            a, b = float(a_text), float(b_text)
            step = float(step_text) if step_text else 1.0
        except ValueError:
            a = b = step = math.nan
        if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(step) and step > 0
                and b >= a):
            raise InputError(f"--sweep {name}={text}: allowed: FROM..TO:STEP with numbers, "
                             "FROM <= TO and STEP > 0 (e.g. raid.size=10..200:10), or a list "
                             "V1,V2,...")
        n = int(math.floor((b - a) / step + 1e-9)) + 1
        if n > _MAX_LEVELS:
            raise InputError(f"--sweep {name}={text}: {n} levels; allowed: at most {_MAX_LEVELS}")
        values = [a + i * step for i in range(n)]
    else:
        try:
            values = [float(v) for v in text.split(",")]
        except ValueError:
            raise InputError(f"--sweep {name}={text}: allowed values are numbers "
                             "(V1,V2,... or FROM..TO:STEP)") from None
    if kind is int:
        if any(v != round(v) for v in values):
            raise InputError(f"--sweep {name}={text}: allowed values are whole numbers")
        return tuple(int(round(v)) for v in values)
    return tuple(values)


def parse_sweep(text: str, scenario: Scenario, figures: Figures) -> Sweep:
    """A sweep from ``NAME=LEVELS`` (see the module notes), its name and levels checked.

    Raises
    ------
    InputError
        A malformed option, a setting that does not exist (the allowed ones listed; closest
        figure names for a figure), a level outside what the setting allows.
    """
    name, eq, levels_text = text.partition("=")
    name, levels_text = name.strip(), levels_text.strip()
    if not eq or not name or not levels_text:
        raise InputError(f"--sweep {text}: expected NAME=LEVELS, e.g. raid.size=10..200:10 or "
                         "salvo=1,2")
    raids = {r.id: r for r in scenario.raids}
    if name == "raid.size" or (name.startswith("raid.") and name.endswith(".count")):
        if not raids:
            raise InputError(f"--sweep {name}: the scenario has no raid; allowed: {', '.join(_OPTIONS)} "
                             "or an equipment figure")
        raid_id = None if name == "raid.size" else name[len("raid."):-len(".count")]
        if raid_id is not None and raid_id not in raids:
            raise InputError(f"--sweep {name}: no raid {raid_id!r}; allowed: "
                             + ", ".join(f"raid.{r}.count" for r in raids) + ", raid.size")
        levels = _numbers(name, levels_text, int)
        least = len(raids) if raid_id is None else 1
        if min(levels) < least or max(levels) > 1000 * (len(raids) if raid_id is None else 1):
            raise InputError(f"--sweep {name}={levels_text}: allowed values are whole numbers "
                             f">= {least} (every raid keeps a member) and <= 1000 per raid")
        return Sweep(name, levels)
    if name.startswith("raid."):
        raise InputError(f"--sweep {name}: not a sweepable setting; allowed: "
                         f"{', '.join(SWEEP_FIELDS)} or an equipment figure")
    if name in _OPTIONS:
        _, _, kind = _OPTIONS[name]
        levels = (tuple(v.strip() for v in levels_text.split(",")) if kind is str
                  else _numbers(name, levels_text, kind))
        for level in levels:  # each level checked by the classes that own the option
            _apply_option(EngagementConfig(), name, level)
        return Sweep(name, levels)
    if "." in name:
        try:
            canonical = figures.canonical(name)
        except InputError as exc:
            raise InputError(f"--sweep {name}: {exc}; or one of {', '.join(SWEEP_FIELDS)}") from None
        levels = _numbers(name, levels_text, float)
        for level in levels:
            Figures.of(figures, {canonical: level})
        return Sweep(canonical, levels)
    raise InputError(f"--sweep {name}: not a sweepable setting; allowed: "
                     f"{', '.join(SWEEP_FIELDS)} or an equipment figure (e.g. "
                     "48N6E3.max_range_km)")


def _apply_option(config: EngagementConfig, name: str, level) -> EngagementConfig:
    where, attr, _ = _OPTIONS[name]
    try:
        if where == "doctrine":
            return replace(config, doctrine=replace(config.doctrine, **{attr: level}))
        return replace(config, **{attr: level})
    except InputError as exc:
        raise InputError(f"--sweep {name}={level}: {exc}") from None


def _raid_sizes(scenario: Scenario, total: int) -> dict[str, int]:
    """``total`` raid members shared among the raids in proportion to their counts (Hamilton's
    largest remainders, ties to the earlier raid), at least one each."""
    counts = np.array([r.count for r in scenario.raids], dtype=float)
    quota = counts / counts.sum() * total
    sizes = np.maximum(np.floor(quota).astype(int), 1)
    by_remainder = list(np.argsort(-(quota - np.floor(quota)), kind="stable"))
    while sizes.sum() < total:
        sizes[by_remainder.pop(0)] += 1
    while sizes.sum() > total:  # the floors of one were raised: take back from the largest
        sizes[int(np.argmax(sizes))] -= 1
    return {r.id: int(n) for r, n in zip(scenario.raids, sizes, strict=True)}


def _with_raids(scenario: Scenario, counts: Mapping[str, int]) -> Scenario:
    raids = tuple(r.model_copy(update={"count": counts[r.id]}) if r.id in counts else r
                  for r in scenario.raids)
    return scenario.model_copy(update={"raids": raids})


def alternatives(scenario: Scenario, config: EngagementConfig,
                 sweeps: Sequence[Sweep]) -> tuple[Alternative, ...]:
    """The grid of the sweeps' levels (the first sweep varies slowest) as alternatives; one
    alternative, the scenario as it is, without sweeps."""
    out = []
    for combo in itertools.product(*(s.levels for s in sweeps)):
        sc, cfg, overrides = scenario, config, {}
        settings = {}
        for sweep, level in zip(sweeps, combo, strict=True):
            settings[sweep.name] = level
            if sweep.name == "raid.size":
                sc = _with_raids(sc, _raid_sizes(sc, int(level)))
            elif sweep.name.startswith("raid.") and sweep.name.endswith(".count"):
                sc = _with_raids(sc, {sweep.name[len("raid."):-len(".count")]: int(level)})
            elif sweep.name in _OPTIONS:
                cfg = _apply_option(cfg, sweep.name, level)
            else:
                overrides[sweep.name] = float(level)
        out.append(Alternative(sc, cfg, overrides, settings))
    return tuple(out)
