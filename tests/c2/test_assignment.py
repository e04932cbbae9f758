"""Weapon-target assignment: exact solvers against brute force, greedy bounds, constraints."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.c2 import Doctrine, assign_greedy, assign_optimal, expected_value_destroyed
from iadsim.c2 import assignment as assignment_module
from iadsim.c2.assignment import engagement_rows
from iadsim.errors import InputError

HYP = settings(max_examples=100, deadline=None, derandomize=True, database=None)


def brute_force(value, pk, rounds, channels, salvo, min_pk=0.0, reserve=0, variable=False, multi=False,
                guidance=None):
    """Best total over every feasible assignment, by enumeration (independent of the module).

    ``guidance``: missiles each unit can still guide (a second, separate cap on its missiles)."""
    value = np.asarray(value, float)
    pk = np.asarray(pk, float)
    n_u, n_t = pk.shape
    avail = [max(int(r) - reserve, 0) for r in rounds]
    guided = [10**9] * n_u if guidance is None else list(guidance)
    sizes = list(range(1, salvo + 1)) if variable else [salvo]
    if multi:
        options = [tuple((u, s) for u, s in enumerate(combo) if s)
                   for combo in itertools.product([0, *sizes], repeat=n_u)]
    else:
        options = [()] + [((u, s),) for u in range(n_u) for s in sizes]
    best = 0.0

    def recurse(t, used_ch, used_rd, total):
        nonlocal best
        if t == n_t:
            best = max(best, total)
            return
        for option in options:
            ok = True
            ch, rd = list(used_ch), list(used_rd)
            survive = 1.0
            for u, s in option:
                p = pk[u, t]
                if p <= 0.0 or p < min_pk:
                    ok = False
                    break
                ch[u] += 1
                rd[u] += s
                if ch[u] > channels[u] or rd[u] > avail[u] or rd[u] > guided[u]:
                    ok = False
                    break
                survive *= (1.0 - p) ** s
            if ok:
                recurse(t + 1, ch, rd, total + value[t] * (1.0 - survive))

    recurse(0, [0] * n_u, [0] * n_u, 0.0)
    return best


def check_feasible(df, value, pk, rounds, channels, salvo, min_pk=0.0, reserve=0, variable=False,
                   multi=False):
    pk = np.asarray(pk, float)
    avail = np.maximum(np.asarray(rounds) - reserve, 0)
    assert list(df.columns[:2]) == ["unit", "threat"]
    assert not df.duplicated(["unit", "threat"]).any()
    if not multi:
        assert not df["threat"].duplicated().any()
    for u in range(pk.shape[0]):
        mine = df[df["unit"] == u]
        assert len(mine) <= channels[u]
        assert mine["n_missiles"].sum() <= avail[u]
    n = df["n_missiles"].to_numpy()
    if variable:
        assert np.all((n >= 1) & (n <= salvo))
    else:
        assert np.all(n == salvo)
    pairs = pk[df["unit"].to_numpy(int), df["threat"].to_numpy(int)]
    assert np.all(pairs > 0) and np.all(pairs >= min_pk)
    assert np.all(np.asarray(value, float)[df["threat"].to_numpy(int)] > 0)
    total = expected_value_destroyed(df, value, pk)
    assert df["expected_value"].sum() == pytest.approx(total, abs=1e-9)
    assert df.attrs["total_expected_value"] == pytest.approx(total, abs=1e-12)
    assert df.attrs["missiles"] == int(n.sum())
    np.testing.assert_allclose(df["p_kill"], 1 - (1 - df["pk"]) ** df["n_missiles"])


PK_LEVELS = [0.5, 0.0, 0.2, 0.5, 0.7, 0.7, 0.9, 1.0]


@st.composite
def wta_case(draw, max_units=3, max_threats=4, multi=False, variable=None):
    """A small random WTA problem. Hypothesis draws the seed and flags; numpy draws the arrays
    from fixed distributions (hypothesis' bias towards small integers would make most cases
    trivial -- nothing feasible; with these about two thirds have a positive optimum)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_u = int(rng.integers(1, max_units + 1))
    n_t = int(rng.integers(1, max_threats + 1))
    variable = draw(st.booleans()) if variable is None else variable
    return dict(
        value=rng.choice([0.0, 1.0, 2.0, 3.5, 5.0, 8.0, 8.0], n_t).tolist(),
        pk=rng.choice(PK_LEVELS, (n_u, n_t)).tolist(),
        rounds=rng.choice([0, 1, 2, 3, 4, 4, 5, 6, 7], n_u).tolist(),
        channels=rng.choice([0, 1, 1, 2, 2, 2, 3], n_u).tolist(),
        salvo=int(rng.integers(1, 3 if (variable or multi) else 4)),
        min_pk=float(rng.choice([0.0, 0.0, 0.0, 0.0, 0.5, 0.75])),
        reserve=int(rng.choice([0, 0, 0, 1, 2])),
        variable=variable, multi=multi)


def _run(fn, case, **extra):
    return fn(case["value"], case["pk"], case["rounds"], case["channels"], salvo=case["salvo"],
              min_pk=case["min_pk"], reserve_rounds=case["reserve"], variable_salvo=case["variable"],
              allow_multiple_units=case["multi"], **extra)


@HYP
@given(wta_case())
def test_optimal_equals_brute_force_one_unit_per_threat(case):
    best = brute_force(case["value"], case["pk"], case["rounds"], case["channels"], case["salvo"],
                       case["min_pk"], case["reserve"], case["variable"], case["multi"])
    methods = ["milp"] if case["variable"] else ["lsa", "milp"]
    for method in methods:
        df = _run(assign_optimal, case, method=method)
        assert df.attrs["method"] == method
        assert df.attrs["total_expected_value"] == pytest.approx(best, abs=1e-6)
        check_feasible(df, **{k: case[k] for k in ("value", "pk", "rounds", "channels", "salvo", "min_pk",
                                                   "reserve", "variable", "multi")})
    greedy = _run(assign_greedy, case)
    check_feasible(greedy, **{k: case[k] for k in ("value", "pk", "rounds", "channels", "salvo", "min_pk",
                                                   "reserve", "variable", "multi")})
    assert greedy.attrs["total_expected_value"] <= best + 1e-9


@HYP
@given(wta_case())
def test_engagement_rows_are_the_dataframe_rows(case):
    args = (case["value"], case["pk"], case["rounds"], case["channels"])
    options = dict(salvo=case["salvo"], min_pk=case["min_pk"], reserve_rounds=case["reserve"],
                   variable_salvo=case["variable"], allow_multiple_units=case["multi"])
    for fn, method in ((assign_optimal, "auto"), (assign_greedy, "greedy")):
        df = fn(*args, **options)
        rows = engagement_rows(*args, method=method, **options)
        assert [list(r[:3]) for r in rows] == df[["unit", "threat", "n_missiles"]].values.tolist()
        assert [r[3] for r in rows] == df["expected_value"].tolist()


@HYP
@given(wta_case(max_units=3, max_threats=3, multi=True, variable=False)
       | wta_case(max_units=2, max_threats=3, multi=True, variable=True))
def test_optimal_equals_brute_force_several_units_per_threat(case):
    best = brute_force(case["value"], case["pk"], case["rounds"], case["channels"], case["salvo"],
                       case["min_pk"], case["reserve"], case["variable"], case["multi"])
    df = _run(assign_optimal, case)
    assert df.attrs["method"] == "milp"
    assert df.attrs["total_expected_value"] == pytest.approx(best, abs=1e-6)
    keys = ("value", "pk", "rounds", "channels", "salvo", "min_pk", "reserve", "variable", "multi")
    check_feasible(df, **{k: case[k] for k in keys})
    greedy = _run(assign_greedy, case)
    check_feasible(greedy, **{k: case[k] for k in keys})
    assert greedy.attrs["total_expected_value"] <= best + 1e-9


@HYP
@given(wta_case(max_units=1, max_threats=4))
def test_greedy_is_optimal_for_one_unit_one_channel(case):
    case = {**case, "channels": [1]}
    g = _run(assign_greedy, case).attrs["total_expected_value"]
    o = _run(assign_optimal, case).attrs["total_expected_value"]
    assert g == pytest.approx(o, abs=1e-9)


@HYP
@given(wta_case(max_units=1, max_threats=4, variable=False))
def test_greedy_is_optimal_for_one_unit_fixed_salvo(case):
    g = _run(assign_greedy, case).attrs["total_expected_value"]
    o = _run(assign_optimal, case).attrs["total_expected_value"]
    assert g == pytest.approx(o, abs=1e-9)


def test_greedy_can_be_suboptimal():
    value, pk = [10.0, 8.0], [[0.9, 0.8], [0.85, 0.0]]
    g = assign_greedy(value, pk, rounds=[2, 2], channels=[1, 1])
    o = assign_optimal(value, pk, rounds=[2, 2], channels=[1, 1])
    assert g[["unit", "threat"]].values.tolist() == [[0, 0]]
    assert g.attrs["total_expected_value"] == pytest.approx(9.0)
    assert o[["unit", "threat"]].values.tolist() == [[0, 1], [1, 0]]
    assert o.attrs["total_expected_value"] == pytest.approx(8.5 + 6.4)


def test_salvo_expected_value_and_columns():
    df = assign_optimal([10.0], [[0.6]], rounds=[4], channels=[2], salvo=2, unit_ids=["SA-1"],
                        threat_ids=["T7"])
    assert list(df.columns) == ["unit", "unit_id", "threat", "threat_id", "n_missiles", "pk", "p_kill",
                                "expected_value"]
    row = df.iloc[0]
    assert (row.unit_id, row.threat_id, row.n_missiles) == ("SA-1", "T7", 2)
    assert row.p_kill == pytest.approx(1 - 0.4**2)
    assert row.expected_value == pytest.approx(10 * 0.84)


@pytest.mark.parametrize("fn", [assign_greedy, assign_optimal])
def test_channels_limit_engagements(fn):
    df = fn([5.0, 4.0, 3.0, 2.0], [[0.5] * 4], rounds=[10], channels=[2], salvo=1)
    assert df["threat"].tolist() == [0, 1]


@pytest.mark.parametrize("fn", [assign_greedy, assign_optimal])
def test_rounds_limit_engagements(fn):
    # 5 rounds, salvo 2: two engagements, the fifth round cannot open a third.
    df = fn([5.0, 4.0, 3.0], [[0.5] * 3], rounds=[5], channels=[3], salvo=2)
    assert df["threat"].tolist() == [0, 1]
    assert fn([5.0], [[0.5]], rounds=[1], channels=[1], salvo=2).empty


@pytest.mark.parametrize("fn", [assign_greedy, assign_optimal])
def test_min_pk_and_zero_pk_are_not_engaged(fn):
    df = fn([100.0, 1.0, 50.0], [[0.3, 0.6, 0.0]], rounds=[10], channels=[3], min_pk=0.5)
    assert df["threat"].tolist() == [1]


@pytest.mark.parametrize("fn", [assign_greedy, assign_optimal])
def test_reserve_rounds_are_held_back(fn):
    df = fn([5.0, 4.0], [[0.5, 0.5]], rounds=[3], channels=[2], salvo=1, reserve_rounds=2)
    assert df["n_missiles"].sum() == 1
    assert fn([5.0], [[0.5]], rounds=[2], channels=[1], reserve_rounds=2).empty


@pytest.mark.parametrize("fn", [assign_greedy, assign_optimal])
def test_doctrine_supplies_salvo_min_pk_reserve(fn):
    value, pk = [5.0, 4.0, 3.0], [[0.9, 0.4, 0.8]]
    ssl = Doctrine(salvo_size=2, policy="shoot-shoot-look", min_pk=0.5, reserve_rounds=1)
    df = fn(value, pk, rounds=[5], channels=[3], doctrine=ssl)
    assert df["threat"].tolist() == [0, 2] and df["n_missiles"].tolist() == [2, 2]
    sls = Doctrine(salvo_size=2, policy="shoot-look-shoot", min_pk=0.5, reserve_rounds=1)
    df = fn(value, pk, rounds=[5], channels=[3], doctrine=sls)
    assert df["threat"].tolist() == [0, 2] and df["n_missiles"].tolist() == [1, 1]


def test_doctrine_validation():
    assert Doctrine().engagement_salvo == 2
    for kwargs in ({"salvo_size": 0}, {"policy": "shoot-and-pray"}, {"min_pk": 1.5},
                   {"reserve_rounds": -1}, {"salvo_size": 1.5}):
        with pytest.raises(InputError, match="Doctrine"):
            Doctrine(**kwargs)
    with pytest.raises(InputError, match="together with doctrine"):
        assign_optimal([1.0], [[0.5]], [2], [1], doctrine=Doctrine(), salvo=2)


def test_several_units_on_one_threat():
    value, pk = [10.0], [[0.5], [0.6]]
    single = assign_optimal(value, pk, rounds=[1, 1], channels=[1, 1])
    assert len(single) == 1 and single.attrs["total_expected_value"] == pytest.approx(6.0)
    multi = assign_optimal(value, pk, rounds=[1, 1], channels=[1, 1], allow_multiple_units=True)
    assert multi["unit"].tolist() == [0, 1]
    assert multi.attrs["total_expected_value"] == pytest.approx(10 * (1 - 0.5 * 0.4))
    # Rows share the total: unit 0 first, unit 1 on the survivors.
    np.testing.assert_allclose(multi["expected_value"], [5.0, 10 * 0.5 * 0.6])
    greedy = assign_greedy(value, pk, rounds=[1, 1], channels=[1, 1], allow_multiple_units=True)
    assert greedy.attrs["total_expected_value"] == pytest.approx(8.0)


def test_variable_salvo_spends_rounds_where_they_pay():
    # 3 rounds, 2 channels: 2 missiles on the big threat and 1 on the small beats 1 + 1 or 2 + 0.
    df = assign_optimal([10.0, 3.0], [[0.5, 0.5]], rounds=[3], channels=[2], salvo=2, variable_salvo=True)
    assert df[["threat", "n_missiles"]].values.tolist() == [[0, 2], [1, 1]]
    assert df.attrs["total_expected_value"] == pytest.approx(7.5 + 1.5)


@pytest.mark.parametrize("fn", [assign_greedy, assign_optimal])
def test_empty_problems(fn):
    for df in (fn(np.zeros(0), np.zeros((2, 0)), [2, 2], [1, 1]),
               fn([1.0, 2.0], np.zeros((0, 2)), np.zeros(0, int), np.zeros(0, int)),
               fn([1.0, 2.0], np.zeros((1, 2)), [3], [1])):
        assert df.empty and df.attrs["total_expected_value"] == 0.0
        assert list(df.columns) == ["unit", "threat", "n_missiles", "pk", "p_kill", "expected_value"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(value=[1.0, -1.0]), "value"),
    (dict(pk=[[0.5, 1.2]]), "pk"),
    (dict(pk=[[0.5]]), "pk"),
    (dict(rounds=[-1]), "rounds"),
    (dict(channels=[1.5]), "channels"),
    (dict(channels=[True]), "channels"),
    (dict(channels=[np.nan]), "channels"),
    (dict(rounds=np.array([-1], dtype=np.int8)), "rounds"),
    (dict(channels=[1, 1]), "channels"),
    (dict(salvo=0), "salvo"),
    (dict(min_pk=2.0), "min_pk"),
    (dict(method="hungarian"), "method"),
    (dict(method="lsa", variable_salvo=True, salvo=2), "method"),
    (dict(threat_ids=["a"]), "threat_ids"),
])
def test_bad_arguments(kwargs, match):
    args = dict(value=[1.0, 2.0], pk=[[0.5, 0.5]], rounds=[2], channels=[1]) | kwargs
    with pytest.raises(InputError, match=match):
        assign_optimal(**args)


def test_whole_floats_and_unsigned_counts_are_accepted():
    args = dict(value=[1.0, 2.0], pk=[[0.5, 0.5]])
    expected = assign_optimal(**args, rounds=[2], channels=[1])
    pd.testing.assert_frame_equal(
        assign_optimal(**args, rounds=[2.0], channels=np.array([1], dtype=np.uint8)), expected)


def test_pattern_guard(monkeypatch):
    monkeypatch.setattr(assignment_module, "MAX_PATTERNS", 5)
    with pytest.raises(InputError, match="engagement patterns"):
        assign_optimal([1.0, 1.0], [[0.5, 0.5], [0.5, 0.5]], [4, 4], [2, 2], salvo=2, variable_salvo=True,
                       allow_multiple_units=True)


def test_larger_problem_lsa_matches_milp():
    rng = np.random.default_rng(7)
    value = rng.uniform(0, 10, 25)
    pk = np.where(rng.random((6, 25)) < 0.5, rng.uniform(0.2, 0.95, (6, 25)), 0.0)
    rounds, channels = rng.integers(0, 9, 6), rng.integers(1, 4, 6)
    lsa = assign_optimal(value, pk, rounds, channels, salvo=2, method="lsa")
    milp = assign_optimal(value, pk, rounds, channels, salvo=2, method="milp")
    assert lsa.attrs["total_expected_value"] == pytest.approx(milp.attrs["total_expected_value"], abs=1e-6)
    greedy = assign_greedy(value, pk, rounds, channels, salvo=2)
    assert greedy.attrs["total_expected_value"] <= lsa.attrs["total_expected_value"] + 1e-9
    assert isinstance(lsa, pd.DataFrame)


@HYP
@given(wta_case(), st.lists(st.integers(0, 4), min_size=3, max_size=3))
def test_guidance_channels_against_brute_force(case, guidance):
    """Free missile-guidance channels cap a unit's missiles separately from its rounds."""
    guidance = guidance[:len(case["rounds"])]
    best = brute_force(case["value"], case["pk"], case["rounds"], case["channels"], case["salvo"],
                       case["min_pk"], case["reserve"], case["variable"], case["multi"], guidance)
    df = _run(assign_optimal, case, guidance_channels=guidance)
    assert df.attrs["total_expected_value"] == pytest.approx(best, abs=1e-6)
    for u, g in enumerate(guidance):
        assert df.loc[df["unit"] == u, "n_missiles"].sum() <= g
    greedy = _run(assign_greedy, case, guidance_channels=guidance)
    assert greedy.attrs["total_expected_value"] <= best + 1e-9
    for u, g in enumerate(guidance):
        assert greedy.loc[greedy["unit"] == u, "n_missiles"].sum() <= g


@pytest.mark.parametrize("fn", [assign_greedy, assign_optimal])
def test_guidance_channels_limit_missiles_not_rounds(fn):
    # 10 rounds and 3 target channels, but only 3 missiles can be guided: one salvo of 2, not two.
    df = fn([5.0, 4.0, 3.0], [[0.5] * 3], rounds=[10], channels=[3], salvo=2, guidance_channels=[3])
    assert df["threat"].tolist() == [0] and df["n_missiles"].tolist() == [2]
    assert fn([5.0], [[0.5]], rounds=[10], channels=[3], salvo=2, guidance_channels=[1]).empty
    with pytest.raises(InputError, match="guidance_channels"):
        fn([5.0], [[0.5]], rounds=[10], channels=[3], guidance_channels=[1, 2])


def test_engagement_cap_of_the_doctrine():
    assert Doctrine(salvo_size=3, policy="shoot-look-shoot").engagement_cap == 3
    assert Doctrine(salvo_size=2, policy="shoot-shoot-look").engagement_cap is None
    assert Doctrine(salvo_size=2, policy="shoot-shoot-look", max_engagements_per_threat=1).engagement_cap == 1
    assert Doctrine(salvo_size=4, policy="shoot-look-shoot", max_engagements_per_threat=2).engagement_cap == 2
    for bad in (0, 1.5, True):
        with pytest.raises(InputError, match="max_engagements_per_threat"):
            Doctrine(max_engagements_per_threat=bad)
