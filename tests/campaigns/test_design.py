"""Campaign design against closed forms and the defining properties of the designs.

References: Latin hypercube (McKay, Beckman & Conover 1979): each factor's range cut into n
equal-probability strata holds exactly one point; scrambled Sobol points at n = 2^m: every
dyadic interval of length 1/n in each dimension holds one point (Owen 1998, the (0, m, 1)-net
property per coordinate); the triangular distribution's median in closed form,
a + sqrt((b - a)(c - a) / 2) when the mode c is at or above the midpoint; the library's raw
low/nominal/high values (the 40N6E's 400/400/402 km in s400.yaml); SeedSequence spawn keys (NumPy).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.campaigns.design import Factor, assumed_factors, design, factors, run_seed
from iadsim.errors import InputError
from iadsim.scenario.figures import Figures


def _strata_hit_once(values: np.ndarray, lower: float, upper: float) -> bool:
    n = values.size
    strata = np.floor((values - lower) / (upper - lower) * n).astype(int)
    return sorted(strata.tolist()) == list(range(n))


@pytest.mark.parametrize("method,n", [("lhs", 37), ("sobol", 64)])
def test_design_points_fill_every_stratum_once(method, n):
    fs = [Factor("A.x_km", 100.0, 150.0, 200.0), Factor("B.y_dbsm", -30.0, -20.0, 0.0)]
    table = design(fs, n, method, np.random.SeedSequence(5))
    assert list(table.columns) == ["point", "A.x_km", "B.y_dbsm"]
    assert table["point"].tolist() == list(range(n))
    for f in fs:
        v = table[f.name].to_numpy()
        assert (v >= f.lower).all() and (v < f.upper).all()
        assert _strata_hit_once(v, f.lower, f.upper)
    again = design(fs, n, method, np.random.SeedSequence(5))
    assert again.equals(table)                                   # reproducible from the seed
    assert not design(fs, n, method, np.random.SeedSequence(6)).equals(table)


def test_triangular_factor_quantiles_in_closed_form():
    f = Factor("A.x_km", 200.0, 250.0, 260.0, "triangular")
    a, b, c = 200.0, 260.0, 250.0
    assert f.values(np.array([0.5]))[0] == pytest.approx(a + math.sqrt((b - a) * (c - a) / 2))
    assert f.values(np.array([0.0, 1.0])).tolist() == pytest.approx([a, b])
    # P(X <= c) = (c - a) / (b - a)
    assert f.values(np.array([(c - a) / (b - a)]))[0] == pytest.approx(c)
    u = Factor("A.x_km", 200.0, 250.0, 260.0)
    assert u.values(np.array([0.25]))[0] == pytest.approx(215.0)


def test_factors_from_the_library():
    # 40N6E (alias 40N6) max range: library low/nominal/high 400/400/402 km
    [f] = factors(["40N6.max_range_km"])
    assert (f.name, f.lower, f.nominal, f.upper) == ("40N6E.max_range_km", 400.0, 400.0, 402.0)
    figs = Figures.of("nominal")
    every = assumed_factors(figs)
    assert every and all(f.assumed and f.lower < f.upper for f in every)
    names = {f.name for f in every}
    want = {n for n in figs.names() if figs.provenance(n).assumed
            and figs.provenance(n).low != figs.provenance(n).high}
    assert names == want
    s400 = assumed_factors(figs, items=["48N6E3"])
    assert s400 and all(f.name.startswith("48N6E3.") for f in s400)


def test_run_seeds_are_spawn_keys():
    s = run_seed(2022, 3, 7)
    assert s.entropy == 2022 and s.spawn_key == (3, 7)
    draws = {(p, r): np.random.default_rng(run_seed(2022, p, r)).random()
             for p in range(3) for r in range(3)}
    assert len(set(draws.values())) == 9
    assert np.random.default_rng(run_seed(2022, 1, 2)).random() == draws[(1, 2)]


@pytest.mark.parametrize(("call", "match"), [
    (lambda: factors(["48N6E3.max_rnage_km"]), "unknown figure '48N6E3.max_rnage_km'"),
    (lambda: factors(["48N6E3.max_range_km", "48N6E3.max_range_km"]), "already varied"),
    (lambda: Factor("A.x_km", 5.0, 5.0, 5.0), "cannot be varied"),
    (lambda: Factor("A.x_km", 1.0, 2.0, 3.0, "normal"), "allowed values are uniform, triangular"),
    (lambda: design([Factor("A.x_km", 1.0, 2.0, 3.0)], 48, "sobol"), "e.g. 32 or 64"),
    (lambda: design([Factor("A.x_km", 1.0, 2.0, 3.0)], 10, "grid"), "allowed values are lhs, sobol"),
    (lambda: design([], 10), "at least one varied figure"),
    (lambda: run_seed(1, -1, 0), "seed stream -1"),
])
def test_bad_design_input_is_a_clear_error(call, match):
    with pytest.raises(InputError, match=match):
        call()
