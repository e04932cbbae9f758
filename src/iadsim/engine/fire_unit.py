"""Fire units of the engagement chain: launchers, reloads, fire channels and guns (run state).

A fire unit is a battalion (:class:`FireUnit`), its run state made from the built
:class:`~iadsim.engine.world.FireUnitSpec` (:meth:`FireUnit.from_spec`). What it can do at a
decision time:

- **Launchers** (:class:`Launcher`): each holds its own rounds (the scenario's ``load`` per
  launcher) and fires again only ``min_launch_interval_s`` (library figure of the launcher type)
  after its previous launch. A salvo's missiles are taken one by one from the launcher that can
  fire each earliest (ties: most rounds of the type aboard, then the lowest index), so a salvo
  from one launcher ripples at the interval and several ready launchers fire together.
- **Reload**: an emptied launcher is reloaded to its load from its group's ``spare_rounds``
  (scenario, carried by transloaders) ``reload_time_s`` after its last launch; the spare rounds
  are committed when the reload starts. Without spare rounds launchers do not reload.
- **Commit and hold fire**: a salvo's rounds are committed at the decision to fire
  (:meth:`FireUnit.commit_salvo`); a committed round that is then not launched (the engine holds
  fire when the target is known destroyed by its launch time) goes back aboard
  (:meth:`FireUnit.return_round`).
- **Fire channels** of the engagement radar: ``simultaneous_targets_count`` targets engaged at
  once, and ``simultaneous_missiles_guided_count`` missiles guided at once (unlimited when the
  library has no such figure). The engine decides how long each engagement and missile holds
  a channel (:mod:`iadsim.engine.engagement`).
- **Guns** (:class:`Gun`): the battalion's guns as built (:class:`~iadsim.engine.world.GunType`:
  the library gun of its system on each combat vehicle, :mod:`iadsim.scenario.world`); the unit
  fires one burst at a time from the pooled ammunition.
- **Emission control**: the off windows of each of its radars (scenario ``emcon``,
  :attr:`FireUnit.off_windows_s`, with what the run adds: :meth:`FireUnit.switch_off`);
  :meth:`FireUnit.emitting` and :meth:`FireUnit.silent_from_s` answer whether a set of its
  radars (those that can guide a missile) has one emitting
  (:func:`iadsim.sensors.scan.radar_emitting`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from iadsim.engine.world import FireUnitSpec, GunType
from iadsim.sensors.scan import add_off_window, off_windows_array, radar_emitting, silent_from_s

#: No off window: always emitting.
_NONE = off_windows_array()


@dataclass
class Launcher:
    """One launcher: rounds aboard, its full load, when it can fire next, its group (spares)."""

    group: int
    load: dict[str, int]
    rounds: dict[str, int]
    interval_s: float
    next_launch_s: float = -np.inf

    @property
    def empty(self) -> bool:
        return not any(self.rounds.values())


@dataclass
class Gun:
    """The unit's guns in a run: the built figures (:class:`~iadsim.engine.world.GunType`,
    read through: ``gun.max_range_m``...) and their state, rounds left (pooled) and when the
    guns are free again (s)."""

    spec: GunType
    rounds: int
    busy_until_s: float = -np.inf

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "spec":      # copy/pickle probe before __init__
            raise AttributeError(name)
        return getattr(self.spec, name)


@dataclass
class FireUnit:
    """A battalion as a fire unit in a run: the built unit (``spec``, read through:
    ``unit.id``, ``unit.missiles``, ``unit.radar_ids``...) and its mutable state."""

    spec: FireUnitSpec
    launchers: list[Launcher]
    #: Spare rounds left with the transloaders of each launcher group.
    spares: list[dict[str, int]]
    gun: Gun | None = None
    #: Release times of the engagements holding a target channel.
    target_busy: list[float] = field(default_factory=list)
    #: Release times of the missiles holding a guidance channel.
    guidance_busy: list[float] = field(default_factory=list)
    #: Reloads under way: (completion time, launcher index, rounds it receives).
    reloads: list[tuple[float, int, dict[str, int]]] = field(default_factory=list)
    #: Off windows of each of its radars in this run: the built ones, plus the switches and
    #: losses decided during the run (:meth:`switch_off`).
    off_windows_s: dict[str, np.ndarray] = field(default_factory=dict)

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "spec":      # copy/pickle probe before __init__
            raise AttributeError(name)
        return getattr(self.spec, name)

    @classmethod
    def from_spec(cls, spec: FireUnitSpec) -> FireUnit:
        """The run state of a built fire unit: launchers loaded, spares in store, guns full,
        no channel busy (the spec is not changed by the run)."""
        launchers = [Launcher(g, dict(group.load), dict(group.load), group.interval_s)
                     for g, group in enumerate(spec.launchers) for _ in range(group.count)]
        gun = None if spec.gun is None else Gun(spec.gun, spec.gun.rounds)
        return cls(spec, launchers, [dict(group.spare_rounds) for group in spec.launchers], gun,
                   off_windows_s={r: spec.radar_off_windows_s.get(r, _NONE)
                                  for r in spec.radar_ids})

    def switch_off(self, radar_id: str, off_s: float, on_s: float = np.inf) -> None:
        """Its radar ``radar_id`` is silent over ``[off_s, on_s)`` (``inf``: lost), decided
        during the run."""
        self.off_windows_s[radar_id] = add_off_window(self.off_windows_s[radar_id], off_s, on_s)

    def emitting(self, radar_ids: tuple[str, ...], t: float) -> bool:
        """Whether one of ``radar_ids`` (of this unit) emits at ``t``; ``False`` for none."""
        return any(bool(radar_emitting(self.off_windows_s.get(r, _NONE), t)) for r in radar_ids)

    def silent_from_s(self, radar_ids: tuple[str, ...], t0_s: float, t1_s: float) -> float:
        """First time in ``[t0_s, t1_s)`` at which none of ``radar_ids`` emits (``inf``: never)."""
        return silent_from_s([self.off_windows_s.get(r, _NONE) for r in radar_ids], t0_s, t1_s)

    @property
    def rounds(self) -> dict[str, int]:
        """Rounds aboard the launchers, by missile type."""
        return {m: sum(lau.rounds.get(m, 0) for lau in self.launchers) for m in self.missiles}

    def spare(self, missile: str) -> int:
        """Spare rounds of a missile type left with the transloaders (reloads under way excluded)."""
        return sum(s.get(missile, 0) for s in self.spares)

    def free_channels(self, t: float) -> tuple[int, int | None]:
        """Free target channels and free missile-guidance channels (``None``: unlimited) at ``t``."""
        self.target_busy = [b for b in self.target_busy if b > t]
        self.guidance_busy = [b for b in self.guidance_busy if b > t]
        targets = max(self.target_channels - len(self.target_busy), 0)
        if self.missile_channels is None:
            return targets, None
        return targets, max(self.missile_channels - len(self.guidance_busy), 0)

    def plan_salvo(self, missile: str, n: int, t0: float) -> list[tuple[float, int]]:
        """``(launch time, launcher index)`` of each of ``n`` missiles fired no earlier than ``t0``
        (rule in the module notes); fewer if fewer rounds are aboard. Changes nothing."""
        rounds = [lau.rounds.get(missile, 0) for lau in self.launchers]
        ready = [max(t0, lau.next_launch_s) for lau in self.launchers]
        plan = []
        for _ in range(n):
            options = [(ready[i], -rounds[i], i) for i in range(len(rounds)) if rounds[i] > 0]
            if not options:
                break
            when, _, i = min(options)
            plan.append((when, i))
            rounds[i] -= 1
            ready[i] = when + self.launchers[i].interval_s
        return plan

    def commit_salvo(self, missile: str, plan: list[tuple[float, int]]) -> None:
        """Fire a planned salvo: take the rounds, start the reloads of emptied launchers."""
        for when, i in plan:
            lau = self.launchers[i]
            lau.rounds[missile] -= 1
            lau.next_launch_s = when + lau.interval_s
            if lau.empty:
                refill = self._take_spares(lau)
                if refill:
                    done = when + float(self.spec.launchers[lau.group].reload_time_s)
                    self.reloads.append((done, i, refill))

    def return_round(self, missile: str, launcher: int) -> None:
        """Put a committed round that was not launched (hold fire) back aboard its launcher.

        A reload that the round's commitment had started (it emptied the launcher) is called
        off and its rounds go back to the group's spares: the launcher is not empty after all.
        """
        lau = self.launchers[launcher]
        lau.rounds[missile] = lau.rounds.get(missile, 0) + 1
        for reload in [r for r in self.reloads if r[1] == launcher]:
            self.reloads.remove(reload)
            pool = self.spares[lau.group]
            for m, n in reload[2].items():
                pool[m] = pool.get(m, 0) + n

    def _take_spares(self, lau: Launcher) -> dict[str, int]:
        pool = self.spares[lau.group]
        take = {m: min(n, pool.get(m, 0)) for m, n in lau.load.items()}
        take = {m: n for m, n in take.items() if n > 0}
        for m, n in take.items():
            pool[m] -= n
        return take

    def complete_reloads(self, t: float) -> list[tuple[float, int, dict[str, int]]]:
        """Put the rounds of every reload completed by ``t`` aboard; return those reloads."""
        done = sorted(r for r in self.reloads if r[0] <= t)
        self.reloads = [r for r in self.reloads if r[0] > t]
        for _, i, refill in done:
            for m, n in refill.items():
                self.launchers[i].rounds[m] = self.launchers[i].rounds.get(m, 0) + n
        return done
