"""Fire doctrine: how many missiles an engagement fires, when not to fire, what to hold back.

A :class:`Doctrine` is a plain frozen configuration; the weapon-target assignment
(:mod:`iadsim.c2.assignment`) reads it through :attr:`Doctrine.engagement_salvo`,
:attr:`Doctrine.min_pk` and :attr:`Doctrine.reserve_rounds`.

Firing policies (Macfadzean 1992 ch. 7; Washburn & Kress 2009 ch. 2):

``"shoot-shoot-look"``
    Fire ``salvo_size`` missiles at the threat in one engagement, then assess the kill.
    With independent shots of single-shot kill probability ``pk`` the engagement kills with
    ``1 - (1 - pk)**salvo_size``. Spends missiles faster, saves time (one engagement window).
``"shoot-look-shoot"``
    Fire one missile, assess the kill, and fire again only at a survivor. In a single
    assignment decision every engagement is therefore **one** missile
    (:attr:`Doctrine.engagement_salvo` is 1); the "look" is the next decision cycle, which sees
    the survivors as tracks again. ``salvo_size`` is then the most shots a threat receives from
    one fire unit over successive looks.

**Engagement cap** (:attr:`Doctrine.engagement_cap`): the most engagements (looks) one fire unit
opens at one threat over a run -- ``max_engagements_per_threat`` if given, else ``salvo_size``
under ``"shoot-look-shoot"`` (one missile per look) and no cap under ``"shoot-shoot-look"``. One
assignment decision cannot see earlier decisions, so the engine enforces it across cycles.

References
----------
.. [1] R. D. Macfadzean, *Surface-Based Air Defense System Analysis*, Artech House, 1992, ch. 7.
.. [2] A. R. Washburn and M. Kress, *Combat Modeling*, Springer, 2009, ch. 2 (shoot-look-shoot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from iadsim.errors import InputError

__all__ = ["POLICIES", "Doctrine"]

#: Firing policies understood by :class:`Doctrine`.
POLICIES = ("shoot-look-shoot", "shoot-shoot-look")


@dataclass(frozen=True)
class Doctrine:
    """Fire doctrine of a fire unit or of the whole defence.

    Attributes
    ----------
    salvo_size : int
        Missiles fired per engagement under ``"shoot-shoot-look"`` (>= 1, typically 2); under
        ``"shoot-look-shoot"`` the most shots a threat receives over successive looks (module
        notes).
    policy : {"shoot-look-shoot", "shoot-shoot-look"}
        Firing policy (module notes).
    min_pk : float
        Do not engage a (fire unit, threat) pair whose **single-shot** kill probability is below
        this, in [0, 1]. Pairs with ``pk == 0`` are never engaged, whatever ``min_pk``.
    reserve_rounds : int
        Ready rounds each fire unit holds back for self-defence / leakers (>= 0); the assignment
        may spend only ``max(rounds - reserve_rounds, 0)``.
    max_engagements_per_threat : int or None
        Most engagements one fire unit opens at one threat (>= 1); ``None``: the policy's
        default (module notes, :attr:`engagement_cap`).

    Examples
    --------
    >>> Doctrine(salvo_size=2, policy="shoot-shoot-look").engagement_salvo
    2
    >>> Doctrine(salvo_size=2, policy="shoot-look-shoot").engagement_salvo
    1
    >>> Doctrine(salvo_size=3, policy="shoot-look-shoot").engagement_cap
    3
    >>> Doctrine(policy="shoot-shoot-look", max_engagements_per_threat=2).engagement_cap
    2
    """

    salvo_size: int = 2
    policy: Literal["shoot-look-shoot", "shoot-shoot-look"] = "shoot-shoot-look"
    min_pk: float = 0.0
    reserve_rounds: int = 0
    max_engagements_per_threat: int | None = None

    def __post_init__(self) -> None:
        def bad(name: str, allowed: str) -> InputError:
            return InputError(f"Doctrine.{name}: got {getattr(self, name)!r}; allowed: {allowed}")

        for name, lowest in (("salvo_size", 1), ("reserve_rounds", 0),
                             ("max_engagements_per_threat", 1)):
            value = getattr(self, name)
            if name == "max_engagements_per_threat" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value \
                    or value < lowest:
                raise bad(name, f"an integer >= {lowest}")
        if self.policy not in POLICIES:
            raise bad("policy", " or ".join(repr(p) for p in POLICIES))
        if not 0.0 <= float(self.min_pk) <= 1.0:
            raise bad("min_pk", "a float in [0, 1]")

    @property
    def engagement_salvo(self) -> int:
        """Missiles fired by one engagement in one assignment decision.

        ``salvo_size`` under ``"shoot-shoot-look"``, 1 under ``"shoot-look-shoot"``.
        """
        return int(self.salvo_size) if self.policy == "shoot-shoot-look" else 1

    @property
    def engagement_cap(self) -> int | None:
        """Most engagements of one fire unit at one threat (module notes); ``None``: no cap."""
        if self.max_engagements_per_threat is not None:
            return int(self.max_engagements_per_threat)
        return int(self.salvo_size) if self.policy == "shoot-look-shoot" else None
