"""Design of a campaign: the figures that vary, their distributions and the design points.

A varied figure (:class:`Factor`) runs over the library's low-high range of that figure
(``"48N6E3.max_range_km"`` 200-250 km): uniformly by default, or triangular with its mode at
the nominal value. The points are a Latin hypercube or a scrambled Sobol sequence
(:mod:`scipy.stats.qmc`) in the unit cube, mapped through each factor's inverse CDF
(:meth:`Factor.values`); :func:`design` returns them as a table, one row per design point.

Seeds: every run draws from ``SeedSequence(entropy, spawn_key=(stream, replication))``
(:func:`run_seed`): independent streams per seed stream and replication, the same for a run
whatever the order or the worker that runs it, and never adjacent integers (NumPy, *Parallel
random number generation*). The runner gives each point of a space-filling design its own
stream (the points sample the seeds' spread too) and shares streams where runs are compared:
between the alternatives of a sweep or comparison, and between the points of a sensitivity
design -- common random numbers (Law 2015, §11.2).

References
----------
.. [1] M. D. McKay, R. J. Beckman, W. J. Conover, "A comparison of three methods for selecting
   values of input variables in the analysis of output from a computer code", *Technometrics*
   21(2), 239-245, 1979 (Latin hypercube sampling).
.. [2] A. B. Owen, "Scrambling Sobol' and Niederreiter-Xing points", *J. Complexity* 14(4),
   466-489, 1998.
.. [3] A. M. Law, *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill, 2015.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from iadsim.errors import InputError
from iadsim.scenario.figures import FigureProvenance, Figures

__all__ = ["Factor", "factors", "assumed_factors", "design", "run_seed", "DISTRIBUTIONS",
           "METHODS"]

#: How a factor is spread between its low and high values.
DISTRIBUTIONS = ("uniform", "triangular")
#: Space-filling designs.
METHODS = ("lhs", "sobol")


@dataclass(frozen=True)
class Factor:
    """A varied figure: ``name`` (``"<ITEM_ID>.<figure>"``), its range ``lower``-``upper``
    (the library's low and high values, in numeric order; an inverted figure's "low" is its
    larger value), ``nominal``, the ``distribution`` between them and whether the library marks
    the figure ``assumed``. Values in the unit of the name's suffix."""

    name: str
    lower: float
    nominal: float
    upper: float
    distribution: str = "uniform"
    assumed: bool = False

    def __post_init__(self) -> None:
        if self.distribution not in DISTRIBUTIONS:
            raise InputError(f"distribution of {self.name} {self.distribution!r}: allowed values "
                             f"are {', '.join(DISTRIBUTIONS)}")
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)
                and self.lower < self.upper and self.lower <= self.nominal <= self.upper):
            raise InputError(f"figure {self.name}: range {self.lower:g} .. {self.upper:g} "
                             f"(nominal {self.nominal:g}) cannot be varied; allowed: figures "
                             "whose low and high values differ (`iadsim equipment show` lists "
                             "them)")

    @classmethod
    def of(cls, p: FigureProvenance, distribution: str = "uniform") -> Factor:
        """The factor of a library figure (:meth:`Figures.provenance`): its low-high range in
        numeric order, its nominal value and assumed flag."""
        return cls(p.name, min(p.low, p.high), p.nominal, max(p.low, p.high), distribution,
                   p.assumed)

    def values(self, u: np.ndarray) -> np.ndarray:
        """The figure's values at unit-interval points ``u`` (inverse CDF)."""
        u = np.asarray(u, dtype=float)
        width = self.upper - self.lower
        if self.distribution == "uniform":
            return self.lower + u * width
        mode = (self.nominal - self.lower) / width
        return stats.triang(mode, loc=self.lower, scale=width).ppf(u)


def factors(names: Sequence[str], figures: Figures | None = None,
            distribution: str = "uniform") -> list[Factor]:
    """The factors of the figures ``names`` (any library name of an item is accepted), their
    ranges from ``figures``' library values (default: the packaged library's).

    Raises
    ------
    InputError
        An unknown figure (closest names listed), a figure named twice, or one without a range.
    """
    figs = figures if figures is not None else Figures.of("nominal")
    out: list[Factor] = []
    seen: set[str] = set()
    for raw in names:
        name = figs.canonical(raw)
        if name in seen:
            raise InputError(f"--vary {raw}: figure {name} is already varied; allowed: each "
                             "figure once")
        seen.add(name)
        out.append(Factor.of(figs.provenance(name), distribution))
    return out


def assumed_factors(figures: Figures | None = None, distribution: str = "uniform",
                    items: Sequence[str] | None = None) -> list[Factor]:
    """A factor for every figure the library marks ``assumed`` and gives a low-high range
    (those without a range have nothing to vary), optionally only of the items ``items``
    (e.g. the equipment a scenario uses)."""
    figs = figures if figures is not None else Figures.of("nominal")
    keep = None if items is None else set(items)
    out = []
    for name in figs.names():
        p = figs.provenance(name)
        if not p.assumed or p.low == p.high:
            continue
        if keep is not None and name.partition(".")[0] not in keep:
            continue
        out.append(Factor.of(p, distribution))
    return out


def design(factor_list: Sequence[Factor], n_points: int, method: str = "lhs",
           seed: np.random.SeedSequence | None = None) -> pd.DataFrame:
    """``n_points`` design points over the factors: one row per point (``point`` 0, 1, ...),
    one column per factor, values in the unit of its name.

    ``method='lhs'``: a Latin hypercube (every factor's range cut into ``n_points`` equal-
    probability strata, one point in each); ``'sobol'``: scrambled Sobol points, ``n_points`` a
    power of two (the sequence is balanced only then). The scrambling / permutation draws come
    from ``seed`` (a ``SeedSequence``; the campaign's, so the design is reproducible).

    Raises
    ------
    InputError
        No factors, ``n_points < 1``, an unknown method, or a Sobol size that is not a power of
        two (naming the nearest allowed sizes).
    """
    if method not in METHODS:
        raise InputError(f"design method {method!r}: allowed values are {', '.join(METHODS)}")
    if not factor_list:
        raise InputError("a design needs at least one varied figure (--vary NAME or "
                         "--vary-assumed)")
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 1:
        raise InputError(f"design points {n_points!r}: allowed values are integers >= 1")
    rng = np.random.default_rng(seed if seed is not None else np.random.SeedSequence(0))
    d = len(factor_list)
    if method == "lhs":
        u = qmc.LatinHypercube(d, rng=rng).random(n_points)
    else:
        m = int(n_points).bit_length() - 1
        if 2**m != n_points:
            raise InputError(f"--runs {n_points} with Sobol points: allowed values are powers "
                             f"of two (e.g. {2**m} or {2**(m + 1)})")
        u = qmc.Sobol(d, scramble=True, rng=rng).random_base2(m)
    table = pd.DataFrame({f.name: f.values(u[:, j]) for j, f in enumerate(factor_list)})
    table.insert(0, "point", np.arange(n_points, dtype=np.int64))
    return table


def run_seed(entropy: int, stream: int, replication: int) -> np.random.SeedSequence:
    """The seed of one run: ``SeedSequence(entropy, spawn_key=(stream, replication))``."""
    for what, v in (("entropy", entropy), ("seed stream", stream), ("replication", replication)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise InputError(f"{what} {v!r}: allowed values are integers >= 0")
    return np.random.SeedSequence(int(entropy), spawn_key=(int(stream), int(replication)))
