"""Kill assessment: closed forms of the Carleton damage function, salvos and gun bursts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from iadsim.weapons.kill import carleton_pk, gun_burst_pk, salvo_pk


def test_carleton_closed_form_values() -> None:
    r50 = 12.0
    assert carleton_pk(0.0, r50) == pytest.approx(1.0, abs=0.0)
    assert carleton_pk(r50, r50) == pytest.approx(0.5, rel=1e-15)
    assert carleton_pk(2 * r50, r50) == pytest.approx(2.0**-4, rel=1e-15)
    # exp(-r²/σ²) with σ² = R50²/ln 2
    r = 7.3
    assert carleton_pk(r, r50) == pytest.approx(math.exp(-(r**2) / (r50**2 / math.log(2))), rel=1e-15)


def test_carleton_monotone_and_bounded() -> None:
    r = np.linspace(0.0, 200.0, 2001)
    pk = carleton_pk(r, 15.0)
    assert np.all(np.diff(pk) < 0.0)
    assert np.all((pk > 0.0) & (pk <= 1.0))


def test_carleton_lethal_area_is_driels_mae() -> None:
    """∫∫ P_k dA = MAE = WR² with WR = R50·√(π/ln 2) (Driels' Carleton normalisation)."""
    r50 = 9.0
    area, _ = integrate.quad(lambda r: 2.0 * math.pi * r * float(carleton_pk(r, r50)), 0.0, np.inf)
    assert area == pytest.approx(math.pi * r50**2 / math.log(2), rel=1e-9)


def test_carleton_hardness_scales_lethal_radius() -> None:
    assert carleton_pk(5.0, 10.0, hardness=2.0) == pytest.approx(0.5)
    assert carleton_pk(20.0, 10.0, hardness=0.5) == pytest.approx(0.5)
    assert carleton_pk(8.0, 10.0, hardness=3.0) < carleton_pk(8.0, 10.0, hardness=1.0)


def test_carleton_broadcasts_and_rejects_bad_input() -> None:
    assert carleton_pk(np.zeros((2, 3)), np.ones(3)).shape == (2, 3)
    with pytest.raises(ValueError):
        carleton_pk(-1.0, 10.0)
    with pytest.raises(ValueError):
        carleton_pk(1.0, 0.0)
    with pytest.raises(ValueError):
        carleton_pk(1.0, 10.0, hardness=0.0)


def test_salvo_independence() -> None:
    assert salvo_pk([0.5, 0.5]) == pytest.approx(0.75)
    assert salvo_pk([0.7]) == pytest.approx(0.7)
    assert salvo_pk([]) == 0.0
    assert salvo_pk([0.3, 1.0]) == 1.0
    pks = np.array([[0.2, 0.3, 0.4], [0.9, 0.0, 0.0]])
    np.testing.assert_allclose(salvo_pk(pks), [1 - 0.8 * 0.7 * 0.6, 0.9])
    # order does not matter; Monte Carlo agrees with the product rule
    rng = np.random.default_rng(7)
    p = np.array([0.35, 0.6, 0.2])
    kills = (rng.random((200_000, 3)) < p).any(axis=1).mean()
    assert kills == pytest.approx(float(salvo_pk(p)), abs=0.005)
    with pytest.raises(ValueError):
        salvo_pk([0.5, 1.5])


def test_gun_burst_limits() -> None:
    assert gun_burst_pk(800.0, 0, 2.0, 12.0, 0.3) == 0.0
    assert gun_burst_pk(800.0, 50, 2.0, 12.0, 0.0) == 0.0
    assert gun_burst_pk(800.0, 50, 2.0, 0.0, 0.5) == 0.0
    rounds = np.arange(0, 500, 10)
    pk = gun_burst_pk(1500.0, rounds, 3.0, 10.0, 0.2)
    assert np.all(np.diff(pk) > 0.0)
    ranges = np.linspace(200.0, 4000.0, 50)
    pk_r = gun_burst_pk(ranges, 100, 3.0, 10.0, 0.2)
    assert np.all(np.diff(pk_r) < 0.0)
    assert gun_burst_pk(1.0, 10_000, 1.0, 100.0, 1.0) == pytest.approx(1.0)


def test_gun_burst_closed_form_and_small_target_limit() -> None:
    r, n, d, a, pkh = 2000.0, 60, 4.0, 3.0, 0.25
    sigma = r * d * 1e-3
    p_hit = 1.0 - math.exp(-a / (2.0 * math.pi * sigma**2))
    assert gun_burst_pk(r, n, d, a, pkh) == pytest.approx(1.0 - math.exp(-n * p_hit * pkh), rel=1e-12)
    # small target: p_hit -> A/(2πσ²), the circular-normal density at the centre times A
    assert p_hit == pytest.approx(a / (2.0 * math.pi * sigma**2), rel=5e-3)


def test_gun_burst_hit_fraction_matches_monte_carlo() -> None:
    """The fraction of a circular-normal burst inside a centred disc of area A."""
    rng = np.random.default_rng(1)
    r, d, a = 1000.0, 5.0, 40.0
    sigma = r * d * 1e-3
    xy = rng.normal(0.0, sigma, size=(400_000, 2))
    frac = np.mean(np.hypot(xy[:, 0], xy[:, 1]) <= math.sqrt(a / math.pi))
    # with P_k|h = 1 and one round, P_k = 1 - exp(-p_hit) → p_hit = -ln(1 - P_k)
    p_hit = -math.log1p(-float(gun_burst_pk(r, 1, d, a, 1.0)))
    assert p_hit == pytest.approx(frac, abs=0.002)
