"""Sensitivity analysis through iadsim's sample()/analyze() against independent references.

References: the Ishigami function (a = 7, b = 0.1, U(-pi, pi)^3) and its analytic variances
(Ishigami & Homma 1990; Sobol' & Levitan 1999), computed here and checked against the values
SALib's ``test_functions/Ishigami.py`` states; the Sobol' G function and its closed
form ``V_i = 1 / (3 (1 + a_i)^2)`` (Saltelli & Sobol' 1995; SALib ``Sobol_G``), computed here
and checked against the published S1/ST; the elementary effect of a linear model, which is its
coefficient times the factor's range exactly (Morris 1991: EE_i = (y(u + Δ e_i) - y(u)) / Δ in
the unit cube); a tornado on a linear model in closed form; the paired t interval computed by
hand with scipy.stats.t.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iadsim.campaigns.design import Factor
from iadsim.campaigns.sensitivity import SENSITIVITY_METHODS, analyze, runs_needed, sample
from iadsim.errors import InputError

PI = math.pi
SS = np.random.SeedSequence


def _x(table: pd.DataFrame, fs: list[Factor]) -> np.ndarray:
    return table[[f.name for f in fs]].to_numpy()


def _ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_sobol_indices_match_the_analytic_values():
    fs = [Factor(f"x{i}", -PI, 0.0, PI) for i in (1, 2, 3)]
    table = sample("sobol", fs, 2**13, SS(2024))
    assert len(table) == 2**13 * (3 + 2)
    res = analyze("sobol", table, fs, _ishigami(_x(table, fs)), SS(1)).set_index("factor")
    # analytic: V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2; V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8,
    # V13 = b^2 pi^8 (1/18 - 1/50)
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * PI**4 / 5 + b**2 * PI**8 / 18 + 0.5
    v1, v2, v13 = (1 + b * PI**4 / 5) ** 2 / 2, a**2 / 8, b**2 * PI**8 * (1 / 18 - 1 / 50)
    s1 = np.array([v1, v2, 0.0]) / v
    st = np.array([v1 + v13, v2, v13]) / v
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)   # the published values
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)
    # SALib's regression test allows 0.05 at N = 10^4; at N = 2^13 seeds 0-5 all err by < 0.004
    np.testing.assert_allclose(res.loc[["x1", "x2", "x3"], "S1"], s1, atol=0.01)
    np.testing.assert_allclose(res.loc[["x1", "x2", "x3"], "ST"], st, atol=0.01)
    assert list(res.index) == ["x1", "x2", "x3"]                       # sorted by ST
    assert (res["S1_conf"] > 0).all() and (res["ST_conf"] > 0).all()


def test_sobol_g_indices_match_the_closed_form():
    a = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0])
    fs = [Factor(f"g{i}", 0.0, 0.5, 1.0) for i in range(a.size)]
    table = sample("sobol", fs, 2**13, SS(7))
    x = _x(table, fs)
    y = np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)
    res = analyze("sobol", table, fs, y, SS(2)).set_index("factor").loc[[f.name for f in fs]]
    vi = 1.0 / (3.0 * (1.0 + a) ** 2)                                 # closed form
    v = np.prod(1.0 + vi) - 1.0
    s1 = vi / v
    st = vi * np.array([np.prod(np.delete(1.0 + vi, i)) for i in range(a.size)]) / v
    # SALib's Sobol_G.sensitivity_index gives the same 0.71619, 0.17905, 0.02368, 0.00716, 7e-5
    # (a quoted 0.7165 / 0.1791 is off in the fourth decimal); ST as SALib's total index
    np.testing.assert_allclose(s1[:5], [0.7162, 0.1790, 0.0237, 0.0072, 0.0001], atol=1e-4)
    np.testing.assert_allclose(st[:4], [0.7871, 0.2422, 0.0343, 0.0105], atol=1e-4)
    np.testing.assert_allclose(res["S1"], s1, atol=0.01)
    np.testing.assert_allclose(res["ST"], st, atol=0.01)


def test_morris_elementary_effects_of_a_linear_model_are_coefficient_times_range():
    fs = [Factor("A.range_km", 200.0, 220.0, 250.0), Factor("B.rcs_dbsm", -30.0, -20.0, 0.0),
          Factor("C.delay_s", 2.0, 4.0, 10.0, assumed=True), Factor("D.pk", 0.5, 0.7, 0.9)]
    c = np.array([0.01, -0.02, 0.05, 2.0])
    n = 12
    table = sample("morris", fs, n, SS(3))
    assert len(table) == n * (len(fs) + 1) == runs_needed("morris", len(fs), n)
    for f in fs:                                                      # the 4-level grid
        u = (table[f.name] - f.lower) / (f.upper - f.lower)
        assert np.isin(np.round(u.to_numpy() * 3, 9), [0, 1, 2, 3]).all()
    res = analyze("morris", table, fs, _x(table, fs) @ c, SS(4)).set_index("factor")
    effect = c * np.array([f.upper - f.lower for f in fs])            # 0.5, -0.6, 0.4, 0.8
    names = [f.name for f in fs]
    np.testing.assert_allclose(res.loc[names, "mu"], effect, rtol=1e-9)
    np.testing.assert_allclose(res.loc[names, "mu_star"], np.abs(effect), rtol=1e-9)
    np.testing.assert_allclose(res.loc[names, "sigma"], 0.0, atol=1e-12)
    np.testing.assert_allclose(res.loc[names, "mu_star_conf"], 0.0, atol=1e-12)
    # most important first: D (0.8), B (0.6), A (0.5), C (0.4)
    assert list(res.index) == ["D.pk", "B.rcs_dbsm", "A.range_km", "C.delay_s"]
    assert res["assumed"].to_dict() == {"D.pk": False, "B.rcs_dbsm": False,
                                        "A.range_km": False, "C.delay_s": True}


def _tornado_factors() -> list[Factor]:
    return [Factor("A.range_km", 100.0, 150.0, 160.0, "triangular"),   # mode off the middle
            Factor("B.rcs_dbsm", -20.0, -10.0, 0.0, assumed=True),
            Factor("C.delay_s", 1.0, 3.0, 4.0)]


def test_tornado_of_a_linear_model_in_closed_form():
    fs = _tornado_factors()
    c = np.array([0.01, -0.002, 0.3])
    table = sample("tornado", fs, 0, SS(0))
    assert table["point"].tolist() == list(range(7)) == list(range(runs_needed("tornado", 3, 0)))
    nominal = np.array([f.nominal for f in fs])
    np.testing.assert_array_equal(_x(table, fs)[0], nominal)
    y = 0.2 + _x(table, fs) @ c
    res = analyze("tornado", table, fs, y).set_index("factor")
    y_nom = 0.2 + nominal @ c
    for ci, f in zip(c, fs, strict=True):
        r = res.loc[f.name]
        assert (r["low_value"], r["high_value"]) == (f.lower, f.upper)
        assert r["y_nominal"] == pytest.approx(y_nom, abs=1e-12)
        assert r["y_low"] == pytest.approx(y_nom + ci * (f.lower - f.nominal), abs=1e-12)
        assert r["y_high"] == pytest.approx(y_nom + ci * (f.upper - f.nominal), abs=1e-12)
        assert r["swing"] == pytest.approx(abs(ci) * (f.upper - f.lower), abs=1e-12)
    # swings 0.6 (A), 0.04 (B), 0.9 (C): C first, then A, then B
    assert list(res.index) == ["C.delay_s", "A.range_km", "B.rcs_dbsm"]
    assert res["assumed"].tolist() == [False, False, True]
    assert "swing_ci_low" not in res.columns                          # one value per point


def test_tornado_swing_interval_is_the_paired_t_interval_over_replications():
    fs = _tornado_factors()
    c = np.array([0.01, -0.002, 0.3])
    table = sample("tornado", fs, 0, SS(0))
    rng = np.random.default_rng(11)
    reps = 8
    common = rng.normal(0.0, 1.0, reps)               # common random numbers: same per replication
    y = (_x(table, fs) @ c)[:, None] + common[None, :] + rng.normal(0.0, 0.05, (7, reps))
    res = analyze("tornado", table, fs, y).set_index("factor")
    t = stats.t.ppf(0.975, reps - 1)
    for i, f in enumerate(fs):
        d = y[2 + 2 * i] - y[1 + 2 * i]                                # high minus low, paired
        half = t * d.std(ddof=1) / math.sqrt(reps)
        swing = abs(d.mean())
        r = res.loc[f.name]
        assert r["swing"] == pytest.approx(swing, rel=1e-12)
        assert r["y_low"] == pytest.approx(y[1 + 2 * i].mean(), rel=1e-12)
        assert r["swing_ci_low"] == pytest.approx(swing - half, rel=1e-9)   # B's effect is
        assert r["swing_ci_high"] == pytest.approx(swing + half, rel=1e-9)  # negative: turned
    # the common noise cancels in the pairs: B's interval is about 0.05 sqrt(2) wide, not 1
    b = res.loc["B.rcs_dbsm"]
    assert b["swing_ci_high"] - b["swing_ci_low"] < 0.2


def test_results_are_sorted_most_important_first_for_every_method():
    fs = [Factor("small", 0.0, 0.5, 1.0), Factor("big", 0.0, 0.5, 1.0, assumed=True),
          Factor("mid", 0.0, 0.5, 1.0)]
    coef = np.array([0.1, 3.0, 1.0])
    for method, key in (("tornado", "swing"), ("morris", "mu_star"), ("sobol", "ST")):
        table = sample(method, fs, 64, SS(5))
        res = analyze(method, table, fs, _x(table, fs) @ coef + 0.2 * _x(table, fs)[:, 1] ** 2)
        assert res["factor"].tolist() == ["big", "mid", "small"], method
        assert res[key].is_monotonic_decreasing
        assert res["assumed"].tolist() == [True, False, False]


@pytest.mark.parametrize("method,n", [("tornado", 0), ("morris", 5), ("morris", 2),
                                      ("sobol", 8), ("sobol", 2)])
def test_runs_needed_is_the_number_of_design_points(method, n):
    for d in (1, 2, 5):
        fs = [Factor(f"F{i}.x", 0.0, 1.0, 2.0) for i in range(d)]
        table = sample(method, fs, n, SS(1))
        assert len(table) == runs_needed(method, d, n)
        assert table["point"].dtype == np.int64
        assert table["point"].tolist() == list(range(len(table)))
        assert list(table.columns) == ["point", *[f.name for f in fs]]


def test_runs_needed_closed_forms():
    assert runs_needed("tornado", 5, 0) == 11
    assert runs_needed("morris", 5, 10) == 60
    assert runs_needed("sobol", 5, 64) == 448


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_designs_are_reproducible_from_the_seed(method):
    fs = [Factor("A.x", 0.0, 1.0, 2.0, "triangular"), Factor("B.y", -1.0, 0.0, 1.0)]
    t1 = sample(method, fs, 16, SS(42))
    t2 = sample(method, fs, 16, SS(42))
    t3 = sample(method, fs, 16, SS(43))
    assert t1.equals(t2)
    assert not t1.equals(t3)
    y = _x(t1, fs) @ [1.0, 2.0] + _x(t1, fs)[:, 0] * _x(t1, fs)[:, 1]
    r1, r2 = analyze(method, t1, fs, y, SS(9)), analyze(method, t1, fs, y, SS(9))
    assert r1.equals(r2)
    r3 = analyze(method, t1, fs, y, SS(10))                   # another bootstrap
    conf = "mu_star_conf" if method == "morris" else "ST_conf"
    assert not np.array_equal(r1[conf], r3[conf])


def test_a_design_read_back_from_parquet_analyses_the_same(tmp_path):
    fs = [Factor("A.x", 0.0, 1.0, 2.0, "triangular"), Factor("B.y", -1.0, 0.0, 1.0)]
    for method in SENSITIVITY_METHODS:
        table = sample(method, fs, 16, SS(3))
        table.to_parquet(tmp_path / f"{method}.parquet")
        back = pd.read_parquet(tmp_path / f"{method}.parquet")
        y = np.sin(_x(table, fs)).sum(axis=1)
        assert analyze(method, back, fs, y, SS(1)).equals(analyze(method, table, fs, y, SS(1)))


def test_errors_name_what_is_allowed():
    fs = [Factor("A.x", 0.0, 1.0, 2.0), Factor("B.y", 0.0, 1.0, 2.0)]
    with pytest.raises(InputError, match="allowed values are tornado, morris, sobol"):
        sample("fast", fs, 8, SS(0))
    with pytest.raises(InputError, match="allowed values are tornado, morris, sobol"):
        runs_needed("prim", 2, 8)
    with pytest.raises(InputError, match="powers of two .*64 or 128"):
        sample("sobol", fs, 100, SS(0))
    with pytest.raises(InputError, match="at least one varied figure"):
        sample("morris", [], 8, SS(0))
    with pytest.raises(InputError, match="integers >= 2"):
        sample("morris", fs, 1, SS(0))
    with pytest.raises(InputError, match="powers of two >= 2"):
        sample("sobol", fs, 0, SS(0))
    with pytest.raises(InputError, match="each figure once"):
        sample("tornado", [fs[0], fs[0]], 0, SS(0))
    with pytest.raises(InputError, match="SeedSequence"):
        sample("sobol", fs, 8, 5)


def test_nan_outputs_are_counted_in_the_error():
    fs = [Factor("A.x", 0.0, 1.0, 2.0), Factor("B.y", 0.0, 1.0, 2.0)]
    table = sample("tornado", fs, 0, SS(0))
    y = np.array([1.0, np.nan, 2.0, 3.0, np.nan])
    with pytest.raises(InputError, match="2 of 5 design points have no value"):
        analyze("tornado", table, fs, y)
    y2 = np.ones((5, 3))
    y2[4, 1] = np.nan
    with pytest.raises(InputError, match="1 of 5 design points have no value"):
        analyze("tornado", table, fs, y2)


def test_a_table_of_another_design_or_wrong_outputs_is_refused():
    fs = [Factor("A.x", 0.0, 1.0, 2.0), Factor("B.y", 0.0, 1.0, 2.0)]
    morris_table = sample("morris", fs, 8, SS(0))                     # 24 points, 8 blocks of 3
    sobol_table = sample("sobol", fs, 8, SS(0))                       # 32 points, 8 blocks of 4
    with pytest.raises(InputError, match="is not a sobol design"):
        analyze("sobol", morris_table.iloc[:16], fs, np.zeros(16))
    with pytest.raises(InputError, match="is not a morris design"):
        analyze("morris", sobol_table.iloc[:24], fs, np.zeros(24))
    with pytest.raises(InputError, match="is not a tornado design"):
        analyze("tornado", morris_table.iloc[:5], fs, np.zeros(5))
    with pytest.raises(InputError, match="lacks column"):
        analyze("morris", morris_table.drop(columns="B.y"), fs, np.zeros(24))
    with pytest.raises(InputError, match=r"allowed are \(24,\) or \(24, replications\)"):
        analyze("morris", morris_table, fs, np.zeros(23))
