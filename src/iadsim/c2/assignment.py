"""Weapon-target assignment (WTA): which fire unit engages which threat, with how many missiles.

Static WTA maximising the expected threat value destroyed (Manne 1958; Hosein & Athans 1990;
Ahuja et al. 2007), for one decision of a command post.

Model
-----
Threat ``t`` has value ``value[t] >= 0`` (e.g. :func:`iadsim.c2.threat.evaluate_threats`).
Fire unit ``u`` kills it with one missile with probability ``pk[u, t]``; shots are independent,
so a salvo of ``s`` missiles kills with ``1 - (1 - pk)**s`` and destroys the expected value
``value[t] * (1 - (1 - pk[u, t])**s)``. If several units engage the same threat
(``allow_multiple_units=True``) it survives with ``prod_u (1 - pk[u, t])**s_u``.

Constraints of one decision:

* **fire channels** -- unit ``u`` engages at most ``channels[u]`` threats at once (engagement-radar
  fire channels);
* **rounds** -- it fires at most ``max(rounds[u] - reserve_rounds, 0)`` missiles in all;
* **guidance channels** -- and at most ``guidance_channels[u]`` missiles in all (the missiles its
  engagement radar can still guide at once; default unlimited). With the rounds this makes the
  unit's missile budget ``available[u] = min(max(rounds[u] - reserve_rounds, 0),
  guidance_channels[u])``;
* **salvo** -- every engagement fires exactly ``salvo`` missiles (doctrine), or, with
  ``variable_salvo=True``, any number from 1 to ``salvo``; a unit with fewer rounds than a salvo
  left cannot open an engagement;
* **min_pk** -- a pair with single-shot ``pk[u, t] < min_pk`` (or ``pk == 0``: out of the
  engagement window) is not engaged, nor is a threat of value 0;
* **one unit per threat** -- by default each threat is engaged by at most one fire unit per
  decision (the usual "one engagement per target" rule, which avoids two units wasting missiles
  on one target while another leaks); ``allow_multiple_units=True`` lifts it, but a unit still
  engages a given threat at most once (one salvo).

Solvers
-------
:func:`assign_greedy` repeatedly takes the engagement (unit, threat, salvo size) with the largest
marginal gain in expected value destroyed, until none is feasible or gains nothing. It is optimal
for one unit with a fixed salvo, and never better than the optimum.

:func:`assign_optimal` is exact. With a fixed salvo and one unit per threat the problem is a
bipartite matching: unit ``u`` is expanded into ``min(channels[u], available[u] // salvo)`` slots,
every slot may take one threat, and :func:`scipy.optimize.linear_sum_assignment` finds the
maximum-weight matching (all weights are >= 0 on a complete bipartite graph, so the
full-cardinality optimum it returns equals the maximum-weight matching once zero-gain pairs are
dropped). Otherwise (variable salvo, or several units per threat) it solves a binary programme
with :func:`scipy.optimize.milp` (HiGHS, relative gap 0): one binary variable per threat and
*engagement pattern* -- the salvo size each unit fires at it, at most one pattern per threat --
with ``sum over engagements <= channels[u]`` and ``sum of missiles <= available[u]`` per unit.
The objective is linear in the pattern variables even when several units share a threat. With
one unit per threat the patterns are exactly the ``x[u, t, s]`` of the textbook formulation; with
several they number up to ``prod_u (n_salvo_sizes + 1)`` per threat, so this is meant for the
handful of units that can reach one threat (:data:`MAX_PATTERNS` guards it).

Results are ``pandas.DataFrame`` s with one row per engagement, columns

``unit, threat`` (integer indices; plus ``unit_id, threat_id`` when labels are given),
``n_missiles``, ``pk`` (single shot), ``p_kill`` (of this salvo alone), ``expected_value``.

With one unit per threat ``expected_value = value * p_kill``. With several units on one threat the
rows share the threat's total: for :func:`assign_optimal` each row is the gain of its unit given
the lower-numbered units already engaged; for :func:`assign_greedy` the gain when it was chosen.
Either way the rows sum to the total expected value destroyed
(:func:`expected_value_destroyed`). ``DataFrame.attrs`` holds ``total_expected_value``,
``missiles`` and ``method``.

:func:`engagement_rows` returns the same engagements as ``(unit, threat, n_missiles,
expected_value)`` tuples without building the DataFrame (for callers that assign many times).

References
----------
.. [1] A. S. Manne, "A target-assignment problem," Operations Research 6(3), 346-351, 1958.
.. [2] P. A. Hosein and M. Athans, "Some analytical results for the dynamic weapon-target
   allocation problem," MIT LIDS-P-1944, 1990.
.. [3] R. K. Ahuja, A. Kumar, K. C. Jha and J. B. Orlin, "Exact and heuristic algorithms for the
   weapon-target assignment problem," Operations Research 55(6), 1136-1146, 2007.
.. [4] D. F. Crouse, "On implementing 2D rectangular assignment algorithms," IEEE Trans. Aerosp.
   Electron. Syst. 52(4), 1679-1696, 2016 (the algorithm of ``linear_sum_assignment``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, sparse

from iadsim.c2.doctrine import Doctrine
from iadsim.errors import InputError

__all__ = ["MAX_PATTERNS", "assign_greedy", "assign_optimal", "engagement_rows",
           "expected_value_destroyed"]

#: Largest number of engagement patterns :func:`assign_optimal` builds for its binary programme.
MAX_PATTERNS = 200_000

_COLUMNS = ["unit", "threat", "n_missiles", "pk", "p_kill", "expected_value"]


@dataclass(frozen=True)
class _Problem:
    value: np.ndarray  # (n_threats,)
    pk: np.ndarray  # (n_units, n_threats)
    channels: np.ndarray  # (n_units,) int
    available: np.ndarray  # (n_units,) int, rounds after the reserve
    sizes: np.ndarray  # (n_sizes,) int, salvo sizes an engagement may fire, ascending
    feasible: np.ndarray  # (n_units, n_threats) bool
    allow_multiple_units: bool
    unit_ids: Sequence[object] | None
    threat_ids: Sequence[object] | None

    @property
    def n_units(self) -> int:
        return self.pk.shape[0]

    @property
    def n_threats(self) -> int:
        return self.pk.shape[1]


def _int_vector(x: ArrayLike, name: str, n: int) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.shape != (n,):
        raise InputError(f"{name}: got shape {arr.shape}; allowed: shape ({n},) (one per fire unit)")
    if arr.size and not _whole_non_negative(arr):
        raise InputError(f"{name}: got {arr.tolist()!r}; allowed: integers >= 0")
    return arr.astype(np.int64)


def _whole_non_negative(arr: np.ndarray) -> bool:
    """Whether every entry is an integer >= 0 (value, not dtype: 2.0 is; a bool array is not)."""
    if arr.dtype.kind in "iu":
        return not np.any(arr < 0)
    if arr.dtype == bool:
        return False
    as_float = arr.astype(float)
    return bool(np.all(np.isfinite(as_float)) and np.all(as_float == np.round(as_float))
                and not np.any(arr < 0))


def _nonneg_int(x: object, name: str, lowest: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int | np.integer | float) or int(x) != x or x < lowest:
        raise InputError(f"{name}: got {x!r}; allowed: an integer >= {lowest}")
    return int(x)


def _problem(value: ArrayLike, pk: ArrayLike, rounds: ArrayLike, channels: ArrayLike, *,
             salvo: int | None = None, min_pk: float | None = None,
             reserve_rounds: int | None = None, doctrine: Doctrine | None = None,
             variable_salvo: bool = False, allow_multiple_units: bool = False,
             unit_ids: Sequence[object] | None = None, threat_ids: Sequence[object] | None = None,
             guidance_channels: ArrayLike | None = None) -> _Problem:
    if doctrine is not None:
        if not isinstance(doctrine, Doctrine):
            raise InputError(f"doctrine: expected a Doctrine, got {type(doctrine).__name__}")
        given = [n for n, v in (("salvo", salvo), ("min_pk", min_pk), ("reserve_rounds", reserve_rounds))
                 if v is not None]
        if given:
            raise InputError(f"{', '.join(given)}: given together with doctrine; allowed: either a "
                             "Doctrine or the explicit salvo/min_pk/reserve_rounds, not both")
        salvo, min_pk, reserve_rounds = doctrine.engagement_salvo, doctrine.min_pk, doctrine.reserve_rounds
    salvo = _nonneg_int(1 if salvo is None else salvo, "salvo", 1)
    reserve = _nonneg_int(0 if reserve_rounds is None else reserve_rounds, "reserve_rounds", 0)
    min_pk = 0.0 if min_pk is None else float(min_pk)
    if not 0.0 <= min_pk <= 1.0:
        raise InputError(f"min_pk: got {min_pk!r}; allowed: a float in [0, 1]")

    value_arr = np.asarray(value, dtype=float)
    if value_arr.ndim != 1:
        raise InputError(f"value: got shape {value_arr.shape}; allowed: shape (n_threats,)")
    if not np.all(np.isfinite(value_arr)) or np.any(value_arr < 0):
        raise InputError("value: got a negative or non-finite value; allowed: finite floats >= 0")
    n_threats = value_arr.size
    pk_arr = np.asarray(pk, dtype=float)
    if pk_arr.ndim != 2 or pk_arr.shape[1] != n_threats:
        raise InputError(f"pk: got shape {pk_arr.shape}; allowed: shape (n_units, {n_threats})")
    if not np.all((pk_arr >= 0.0) & (pk_arr <= 1.0)):
        raise InputError("pk: got a value outside [0, 1] (or NaN); allowed: probabilities in [0, 1]")
    n_units = pk_arr.shape[0]
    rounds_arr = _int_vector(rounds, "rounds", n_units)
    channels_arr = _int_vector(channels, "channels", n_units)
    for name, ids, n in (("unit_ids", unit_ids, n_units), ("threat_ids", threat_ids, n_threats)):
        if ids is not None and len(ids) != n:
            raise InputError(f"{name}: got {len(ids)} labels; allowed: {n} (one per row/column of pk)")

    available = np.maximum(rounds_arr - reserve, 0)
    if guidance_channels is not None:
        available = np.minimum(available, _int_vector(guidance_channels, "guidance_channels", n_units))
    sizes = np.arange(1, salvo + 1) if variable_salvo else np.array([salvo])
    feasible = ((pk_arr > 0.0) & (pk_arr >= min_pk) & (value_arr[None, :] > 0.0)
                & (channels_arr[:, None] >= 1) & (available[:, None] >= sizes[0]))
    return _Problem(value_arr, pk_arr, channels_arr, available, sizes.astype(np.int64), feasible,
                    bool(allow_multiple_units), unit_ids, threat_ids)


def _frame(p: _Problem, rows: list[tuple[int, int, int, float]], method: str) -> pd.DataFrame:
    """Build the result from ``(unit, threat, n_missiles, expected_value)`` rows, sorted."""
    unit = np.array([r[0] for r in rows], dtype=np.int64)
    threat = np.array([r[1] for r in rows], dtype=np.int64)
    n = np.array([r[2] for r in rows], dtype=np.int64)
    pk = p.pk[unit, threat] if rows else np.zeros(0)
    df = pd.DataFrame({
        "unit": unit, "threat": threat, "n_missiles": n, "pk": pk,
        "p_kill": 1.0 - (1.0 - pk) ** n,
        "expected_value": np.array([r[3] for r in rows], dtype=float),
    }, columns=_COLUMNS)
    if p.unit_ids is not None:
        df.insert(1, "unit_id", [p.unit_ids[i] for i in unit])
    if p.threat_ids is not None:
        df.insert(df.columns.get_loc("threat") + 1, "threat_id", [p.threat_ids[i] for i in threat])
    df.attrs.update(total_expected_value=expected_value_destroyed(df, p.value, p.pk),
                    missiles=int(n.sum()), method=method)
    return df


def expected_value_destroyed(engagements: pd.DataFrame, value: ArrayLike, pk: ArrayLike) -> float:
    """Total expected threat value destroyed by a set of engagements.

    Parameters
    ----------
    engagements : pandas.DataFrame
        Columns ``unit``, ``threat``, ``n_missiles`` (as returned by the assignment functions).
    value : array_like, shape (n_threats,)
    pk : array_like, shape (n_units, n_threats)
        Single-shot kill probabilities.

    Returns
    -------
    float
        ``sum_t value[t] * (1 - prod_{engagements on t} (1 - pk[u, t])**n)``.
    """
    value = np.asarray(value, dtype=float)
    pk = np.asarray(pk, dtype=float)
    survive = np.ones(value.shape)
    u = engagements["unit"].to_numpy(dtype=np.int64)
    t = engagements["threat"].to_numpy(dtype=np.int64)
    n = engagements["n_missiles"].to_numpy(dtype=float)
    np.multiply.at(survive, t, (1.0 - pk[u, t]) ** n)
    return float(np.sum(value * (1.0 - survive)))


_DOC_PARAMS = """
    Parameters
    ----------
    value : array_like, shape (n_threats,)
        Threat values, >= 0 (threats of value 0 are never engaged).
    pk : array_like, shape (n_units, n_threats)
        Single-shot kill probability of unit ``u`` against threat ``t``; 0 where the threat is
        not engageable (outside the engagement window) -- such pairs are never engaged.
    rounds : array_like of int, shape (n_units,)
        Ready rounds per fire unit.
    channels : array_like of int, shape (n_units,)
        Simultaneous engagements (target channels) per fire unit.
    guidance_channels : array_like of int, shape (n_units,), optional
        Missiles each fire unit can still guide at once (free missile-guidance channels of its
        engagement radar); caps the missiles it fires in this decision. Default: unlimited.
    salvo : int, optional
        Missiles per engagement (default 1); the largest salvo when ``variable_salvo``.
    min_pk : float, optional
        Do not engage a pair whose single-shot pk is below this (default 0).
    reserve_rounds : int, optional
        Rounds each unit holds back (default 0).
    doctrine : Doctrine, optional
        Supplies ``salvo`` (:attr:`Doctrine.engagement_salvo`), ``min_pk`` and ``reserve_rounds``;
        giving it together with any of those three is an error.
    variable_salvo : bool
        Let each engagement fire 1..``salvo`` missiles instead of exactly ``salvo``.
    allow_multiple_units : bool
        Let several units engage one threat (each at most once).
    unit_ids, threat_ids : sequence, optional
        Labels copied into columns ``unit_id`` / ``threat_id`` of the result.

    Returns
    -------
    pandas.DataFrame
        One row per engagement, sorted by (unit, threat); columns and ``attrs`` in the module notes.
"""


def assign_greedy(value: ArrayLike, pk: ArrayLike, rounds: ArrayLike, channels: ArrayLike, *,
                  salvo: int | None = None, min_pk: float | None = None,
                  reserve_rounds: int | None = None, doctrine: Doctrine | None = None,
                  variable_salvo: bool = False, allow_multiple_units: bool = False,
                  unit_ids: Sequence[object] | None = None,
                  threat_ids: Sequence[object] | None = None,
                  guidance_channels: ArrayLike | None = None) -> pd.DataFrame:
    p = _problem(value, pk, rounds, channels, salvo=salvo, min_pk=min_pk, reserve_rounds=reserve_rounds,
                 doctrine=doctrine, variable_salvo=variable_salvo,
                 allow_multiple_units=allow_multiple_units, unit_ids=unit_ids, threat_ids=threat_ids,
                 guidance_channels=guidance_channels)
    return _frame(p, _solve_greedy(p), "greedy")


def _solve_greedy(p: _Problem) -> list[tuple[int, int, int, float]]:
    # kill[u, t, k]: kill probability of a salvo of sizes[k] from u at t.
    kill = 1.0 - (1.0 - p.pk[:, :, None]) ** p.sizes[None, None, :]
    engaged = np.zeros(p.pk.shape, dtype=bool)
    survive = np.ones(p.n_threats)
    used_channels = np.zeros(p.n_units, dtype=np.int64)
    used_rounds = np.zeros(p.n_units, dtype=np.int64)
    rows: list[tuple[int, int, int, float]] = []
    while True:
        open_pair = p.feasible & ~engaged & (used_channels < p.channels)[:, None]
        if not p.allow_multiple_units:
            open_pair &= ~np.any(engaged, axis=0)[None, :]
        fits = p.sizes[None, :] <= (p.available - used_rounds)[:, None]  # (n_units, n_sizes)
        gain = np.where(open_pair[:, :, None] & fits[:, None, :],
                        p.value[None, :, None] * survive[None, :, None] * kill, -1.0)
        if gain.size == 0:
            break
        best = int(np.argmax(gain))  # first maximum: lowest unit, threat, then smallest salvo
        if gain.flat[best] <= 0.0:
            break
        u, t, k = np.unravel_index(best, gain.shape)
        s = int(p.sizes[k])
        rows.append((int(u), int(t), s, float(gain.flat[best])))
        engaged[u, t] = True
        used_channels[u] += 1
        used_rounds[u] += s
        survive[t] *= 1.0 - kill[u, t, k]
    return sorted(rows)


assign_greedy.__doc__ = """Greedy weapon-target assignment: repeatedly take the largest marginal gain.

    Each step adds the feasible engagement (unit, threat, salvo size) that most increases the
    expected value destroyed; ties go to the lowest unit, then threat, then the smallest salvo.
    Stops when no feasible engagement gains anything. Never better than :func:`assign_optimal`;
    equal to it for one unit with a fixed salvo.
""" + _DOC_PARAMS + """
    Examples
    --------
    >>> df = assign_greedy([10.0, 4.0], [[0.5, 0.9]], rounds=[4], channels=[1], salvo=2)
    >>> df[["unit", "threat", "n_missiles", "expected_value"]].values.tolist()
    [[0.0, 0.0, 2.0, 7.5]]
"""


def assign_optimal(value: ArrayLike, pk: ArrayLike, rounds: ArrayLike, channels: ArrayLike, *,
                   salvo: int | None = None, min_pk: float | None = None,
                   reserve_rounds: int | None = None, doctrine: Doctrine | None = None,
                   variable_salvo: bool = False, allow_multiple_units: bool = False,
                   unit_ids: Sequence[object] | None = None,
                   threat_ids: Sequence[object] | None = None, method: str = "auto",
                   guidance_channels: ArrayLike | None = None) -> pd.DataFrame:
    p = _problem(value, pk, rounds, channels, salvo=salvo, min_pk=min_pk, reserve_rounds=reserve_rounds,
                 doctrine=doctrine, variable_salvo=variable_salvo,
                 allow_multiple_units=allow_multiple_units, unit_ids=unit_ids, threat_ids=threat_ids,
                 guidance_channels=guidance_channels)
    rows, method = _solve_optimal(p, method)
    return _frame(p, rows, method)


assign_optimal.__doc__ = """Exact weapon-target assignment (maximum expected value destroyed).

    ``method="auto"`` uses :func:`scipy.optimize.linear_sum_assignment` on channel slots when the
    salvo is fixed and each threat takes at most one unit, and :func:`scipy.optimize.milp`
    otherwise (module notes); ``"lsa"`` / ``"milp"`` force one (``"lsa"`` only where it applies).
    Among equal optima the solver's choice is returned.
""" + _DOC_PARAMS.replace("    Returns", "    method : {'auto', 'lsa', 'milp'}\n        Solver (above).\n\n"
                          "    Returns") + """
    Raises
    ------
    iadsim.errors.InputError
        Bad arguments, or more than :data:`MAX_PATTERNS` engagement patterns.

    Examples
    --------
    Greedy gives unit 0 the big threat (9.0 in all); the optimum leaves it to unit 1, which can
    reach nothing else, and lets unit 0 take the other one (14.9):

    >>> df = assign_optimal([10.0, 8.0], [[0.9, 0.8], [0.85, 0.0]], rounds=[2, 2], channels=[1, 1])
    >>> df[["unit", "threat"]].values.tolist(), round(df.attrs["total_expected_value"], 6)
    ([[0, 1], [1, 0]], 14.9)
"""


def engagement_rows(value: ArrayLike, pk: ArrayLike, rounds: ArrayLike, channels: ArrayLike, *,
                    method: str = "auto", **options) -> list[tuple[int, int, int, float]]:
    """The engagements :func:`assign_optimal` (``method`` ``'auto'``, ``'lsa'``, ``'milp'``) or
    :func:`assign_greedy` (``method='greedy'``) choose, as ``(unit, threat, n_missiles,
    expected_value)`` tuples sorted by (unit, threat), without building their DataFrame (for
    callers that assign many times, such as the engine's decision loop). ``options``: the other
    keywords of those functions.

    Examples
    --------
    >>> engagement_rows([10.0, 8.0], [[0.9, 0.8], [0.85, 0.0]], rounds=[2, 2], channels=[1, 1])
    [(0, 1, 1, 6.4), (1, 0, 1, 8.5)]
    """
    p = _problem(value, pk, rounds, channels, **options)
    return _solve_greedy(p) if method == "greedy" else _solve_optimal(p, method)[0]


def _solve_optimal(p: _Problem, method: str) -> tuple[list[tuple[int, int, int, float]], str]:
    """The optimal engagements, sorted, and the solver used (``method`` resolved)."""
    matching = len(p.sizes) == 1 and not p.allow_multiple_units
    if method == "auto":
        method = "lsa" if matching else "milp"
    if method == "lsa":
        if not matching:
            raise InputError("method: got 'lsa' with variable_salvo or allow_multiple_units; "
                             "allowed: 'milp' or 'auto' for those")
        return sorted(_solve_lsa(p)), method
    if method == "milp":
        return sorted(_solve_milp(p)), method
    raise InputError(f"method: got {method!r}; allowed: 'auto', 'lsa', 'milp'")


def _solve_lsa(p: _Problem) -> list[tuple[int, int, int, float]]:
    s = int(p.sizes[0])
    slots = np.minimum(p.channels, p.available // s)
    slots[~p.feasible.any(axis=1)] = 0
    unit_of_slot = np.repeat(np.arange(p.n_units), slots)
    if unit_of_slot.size == 0 or p.n_threats == 0:
        return []
    gain = np.where(p.feasible, p.value[None, :] * (1.0 - (1.0 - p.pk) ** s), 0.0)[unit_of_slot]
    rows_idx, cols = optimize.linear_sum_assignment(gain, maximize=True)
    return [(int(unit_of_slot[r]), int(c), s, float(gain[r, c]))
            for r, c in zip(rows_idx, cols, strict=True) if p.feasible[unit_of_slot[r], c] and gain[r, c] > 0]


def _patterns(p: _Problem) -> tuple[list[int], list[tuple[tuple[int, int], ...]], np.ndarray]:
    """Per-threat engagement patterns: ((unit, n_missiles), ...) and their expected value."""
    threats: list[int] = []
    patterns: list[tuple[tuple[int, int], ...]] = []
    gains: list[float] = []
    count = 0
    for t in range(p.n_threats):
        units = np.flatnonzero(p.feasible[:, t])
        choices = [[int(s) for s in p.sizes if s <= p.available[u]] for u in units]
        if p.allow_multiple_units:
            count += int(np.prod([len(c) + 1 for c in choices])) - 1
        else:
            count += sum(len(c) for c in choices)
        if count > MAX_PATTERNS:
            raise InputError(f"assign_optimal: more than {MAX_PATTERNS} engagement patterns; allowed: "
                             "fewer units per threat, allow_multiple_units=False or assign_greedy")
        if p.allow_multiple_units:
            candidates = (tuple((int(u), n) for u, n in zip(units, combo, strict=True) if n > 0)
                          for combo in itertools.product(*[[0, *c] for c in choices]))
        else:
            candidates = (((int(u), n),) for u, c in zip(units, choices, strict=True) for n in c)
        for pattern in candidates:
            if not pattern:
                continue
            survive = np.prod([(1.0 - p.pk[u, t]) ** n for u, n in pattern])
            threats.append(t)
            patterns.append(pattern)
            gains.append(p.value[t] * (1.0 - survive))
    return threats, patterns, np.asarray(gains, dtype=float)


def _solve_milp(p: _Problem) -> list[tuple[int, int, int, float]]:
    threats, patterns, gains = _patterns(p)
    n_var = len(patterns)
    if n_var == 0:
        return []
    # Rows: one per threat (<= 1 pattern), one per unit for channels, one per unit for rounds.
    r, c, a = [], [], []
    for j, (t, pattern) in enumerate(zip(threats, patterns, strict=True)):
        r.append(t)
        c.append(j)
        a.append(1.0)
        for u, n in pattern:
            r += [p.n_threats + u, p.n_threats + p.n_units + u]
            c += [j, j]
            a += [1.0, float(n)]
    matrix = sparse.csr_array((a, (r, c)), shape=(p.n_threats + 2 * p.n_units, n_var))
    upper = np.concatenate([np.ones(p.n_threats), p.channels, p.available]).astype(float)
    res = optimize.milp(-gains, integrality=np.ones(n_var), bounds=optimize.Bounds(0.0, 1.0),
                        constraints=optimize.LinearConstraint(matrix, -np.inf, upper),
                        options={"mip_rel_gap": 0.0, "disp": False})
    if res.x is None:  # x = 0 is always feasible, so only a solver failure gets here
        raise RuntimeError(f"assign_optimal: scipy.optimize.milp failed: {res.message}")
    rows: list[tuple[int, int, int, float]] = []
    for j in np.flatnonzero(res.x > 0.5).tolist():
        t = threats[j]
        survive = 1.0
        for u, n in sorted(patterns[j]):
            q = (1.0 - p.pk[u, t]) ** n
            rows.append((u, t, n, float(p.value[t] * survive * (1.0 - q))))
            survive *= q
    return rows
