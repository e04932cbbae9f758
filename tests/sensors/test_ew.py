"""Tests of iadsim.sensors.ew (noise jamming in the radar equation) against closed forms,
independent numerical solutions (scipy root finding) and textbook worked examples."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from iadsim.sensors import ew
from iadsim.sensors.radar import RadarModel, derive_loop_gain
from iadsim.units import K_BOLTZMANN, T0_K, db_to_linear

# An illustrative S-band radar and a 100 W barrage jammer (round numbers, not equipment data).
RADAR = dict(peak_power_w=1e6, tx_gain=db_to_linear(40.0), rx_gain=db_to_linear(40.0),
             wavelength_m=0.1, rcs_m2=5.0)
JAM = dict(jammer_power_w=100.0, jammer_gain=db_to_linear(10.0), wavelength_m=0.1)
BR, BJ = 1e6, 20e6


def _signal(r):
    return ew.signal_power_w(**RADAR, range_m=r)


def _jam(rj, rx_gain=RADAR["rx_gain"]):
    return ew.jammer_power_w(**JAM, rx_gain=rx_gain, jammer_range_m=rj,
                             band=ew.band_fraction(BR, BJ))


def test_signal_falls_as_r4_and_jamming_as_r2():
    r = np.array([10e3, 20e3, 40e3])
    s, j = _signal(r), _jam(r)
    np.testing.assert_allclose(s[:-1] / s[1:], 16.0, rtol=1e-12)
    np.testing.assert_allclose(j[:-1] / j[1:], 4.0, rtol=1e-12)
    # J/S of a self-screening jammer grows as R^2 (Mahafza ch. 2)
    np.testing.assert_allclose((j / s)[1:] / (j / s)[:-1], 4.0, rtol=1e-12)


def test_signal_power_is_the_textbook_radar_equation():
    # P_r = Pt G^2 lambda^2 sigma / ((4 pi)^3 R^4): 1 MW, 40 dB, 0.1 m, 5 m^2, 100 km
    expected = 1e6 * 1e8 * 0.01 * 5.0 / ((4 * math.pi) ** 3 * 1e20)
    assert float(_signal(100e3)) == pytest.approx(expected, rel=1e-14)


def test_band_fraction_never_rewards_a_narrow_jammer():
    bj = np.array([0.1e6, 0.5e6, 1e6, 2e6, 50e6])
    np.testing.assert_allclose(ew.band_fraction(BR, bj), np.minimum(1.0, BR / bj), rtol=1e-15)
    # offset bands: the overlap over the jammer's band; disjoint bands: nothing
    # radar 2999.5-3000.5 MHz, jammer 3000-3004 MHz: 0.5 of its 4 MHz inside
    assert float(ew.band_fraction(1e6, 4e6, 3.0e9, 3.002e9)) == pytest.approx(0.125)
    assert float(ew.band_fraction(1e6, 1e6, 3.0e9, 3.002e9)) == 0.0


def test_jammers_add_in_power():
    n = float(ew.noise_power_w(BR, db_to_linear(3.0)))
    s = float(_signal(60e3))
    j = _jam(np.array([80e3, 150e3]), rx_gain=db_to_linear(np.array([40.0, 10.0])))
    sir = s / (n + j.sum())
    assert sir < min(s / (n + j[0]), s / (n + j[1]))
    assert sir == pytest.approx(1.0 / (1.0 / (s / (n + j[0])) + j[1] / s), rel=1e-12)


def test_noise_power_is_k_t0_f_b():
    assert float(ew.noise_power_w(1e6, 2.0)) == pytest.approx(K_BOLTZMANN * T0_K * 2e6, rel=1e-15)
    # -114 dBm/MHz at T0, the rule of thumb
    assert 10 * math.log10(float(ew.noise_power_w(1e6)) / 1e-3) == pytest.approx(-114.0, abs=0.03)


def test_crossover_range_is_where_jamming_equals_echo():
    ks, kj = float(_signal(1.0)), float(_jam(1.0))
    r = float(ew.crossover_range_m(ks, kj))
    assert float(_jam(r)) == pytest.approx(float(_signal(r)), rel=1e-12)


@pytest.mark.parametrize("noise_w", [0.0, 1e-14, 1e-12])
@pytest.mark.parametrize("required_db", [0.0, 13.0])
def test_burnthrough_range_solves_s_over_n_plus_j(noise_w, required_db):
    ks, kj, q = float(_signal(1.0)), float(_jam(1.0)), float(db_to_linear(required_db))
    r = float(ew.burnthrough_range_m(ks, kj, q, noise_w))
    root = optimize.brentq(lambda x: _signal(x) - q * (noise_w + _jam(x)), 1.0, 1e7, xtol=1e-9,
                           rtol=1e-14)
    assert r == pytest.approx(root, rel=1e-9)
    if noise_w == 0.0:   # jamming alone: the cross-over range over sqrt(S/J required)
        assert r == pytest.approx(float(ew.crossover_range_m(ks, kj)) / math.sqrt(q), rel=1e-12)


def test_stand_off_jamming_shrinks_detection_range_as_the_fourth_root():
    model = RadarModel("r", derive_loop_gain(200e3, 1.0, 0.5, 1e-6, 1, 1), 1e-6, 1, 1, 1e6)
    jn = np.array([0.0, 1.0, 15.0, 1e3])
    r = model.detection_range_m(1.0, 0.5, jn)
    np.testing.assert_allclose(r, 200e3 * (1.0 + jn) ** -0.25, rtol=1e-9)
    np.testing.assert_allclose(ew.jammed_detection_range_m(200e3, jn), r, rtol=1e-9)
    # at that range the jammed Pd is the required 0.5 (S/(N+J) = the required SNR)
    np.testing.assert_allclose(model.pd(r, 1.0, jammer_to_noise=jn), 0.5, atol=1e-6)
    # and without jamming the default path is unchanged
    np.testing.assert_array_equal(model.pd(r, 1.0), model.pd(r, 1.0, jammer_to_noise=0.0))


def test_ssj_detection_range_matches_the_burnthrough_of_the_radar():
    # jamming-free range R0 (S = q N there); a self-screening jammer with J/N = jn1 / R^2
    r0, jn1 = 150e3, 4e10
    r = float(ew.ssj_detection_range_m(r0, jn1))
    # S/N = (R0/R)^4 q must equal q (1 + J/N): (R0/R)^4 = 1 + jn1/R^2
    assert (r0 / r) ** 4 == pytest.approx(1.0 + jn1 / r ** 2, rel=1e-10)
    assert float(ew.ssj_detection_range_m(r0, 0.0)) == pytest.approx(r0, rel=1e-12)


def test_antenna_gain_is_half_power_at_half_the_beamwidth_and_floors_at_the_sidelobes():
    g = ew.antenna_gain(np.array([0.0, 0.01, -0.01, 0.5]), 1e4, 0.02, 10 ** (-3.0))
    assert g[0] == pytest.approx(1e4)
    np.testing.assert_allclose(g[1:3], 0.5e4, rtol=1e-12)
    assert g[3] == pytest.approx(10.0)
    # the main lobe never falls below the floor and never exceeds the peak
    theta = np.linspace(-np.pi, np.pi, 721)
    gt = ew.antenna_gain(theta, 1e4, 0.02, 1e-3)
    assert (gt >= 10.0 - 1e-12).all() and (gt <= 1e4).all()



def _mahafza(name):
    """A case of tests/reference/jamming_examples.py (the author's programs' inputs and their
    formula's answers: they check our convention and loss bookkeeping against his)."""
    path = Path(__file__).resolve().parents[1] / "reference" / "jamming_examples.py"
    spec = importlib.util.spec_from_file_location("jamming_examples", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return next(e for e in mod.EXAMPLES if e.name == name)


def _echo_at_1m(i) -> tuple[float, float, float]:
    """Wavelength (Mahafza's c = 3e8), main-lobe gain and echo power at 1 m of a case's inputs."""
    lam, g = 3e8 / i["frequency_hz"], db_to_linear(i["radar_gain_db"])
    return lam, g, ew.signal_power_w(i["radar_peak_power_w"], g, g, lam, i["rcs_m2"], 1.0,
                                     db_to_linear(i["radar_losses_db"]))


def test_ssj_crossover_follows_mahafza_fig_2_7():
    # Mahafza (2013) ch. 2, Fig. 2.7 program (ssj_req.m): its inputs, its formula's answer
    ex = _mahafza("mahafza_ssj_crossover_fig2_7")
    i = ex.inputs
    lam, g, ks = _echo_at_1m(i)
    kj = ew.jammer_power_w(i["jammer_power_w"], db_to_linear(i["jammer_gain_db"]), g, lam, 1.0,
                           ew.band_fraction(i["radar_bandwidth_hz"], i["jammer_bandwidth_hz"]),
                           db_to_linear(i["jammer_losses_db"]))
    assert float(ew.crossover_range_m(ks, kj)) == pytest.approx(
        ex.outputs["crossover_range_m"], rel=1e-9)


def test_soj_range_where_echo_equals_jamming_follows_mahafza_fig_2_10():
    # Mahafza (2013) ch. 2, Fig. 2.10 program (soj_req.m): sidelobe receive gain toward the
    # jammer, jammer loss on the jammer side (it differs from the radar's here)
    ex = _mahafza("mahafza_soj_crossover_fig2_10")
    i = ex.inputs
    lam, _, ks = _echo_at_1m(i)
    j = ew.jammer_power_w(i["jammer_power_w"], db_to_linear(i["jammer_gain_db"]),
                          db_to_linear(i["radar_gain_toward_jammer_db"]), lam,
                          i["jammer_range_m"],
                          ew.band_fraction(i["radar_bandwidth_hz"], i["jammer_bandwidth_hz"]),
                          db_to_linear(i["jammer_losses_db"]))
    # S = J: R^4 = K_s / J; the same as the stand-off burn-through with S/(N+J) = 1, N = 0
    assert float((ks / j) ** 0.25) == pytest.approx(ex.outputs["crossover_range_m"], rel=1e-9)


REC = ew.Receiver(gain=db_to_linear(38.0), azimuth_beamwidth_rad=math.radians(1.0),
                  elevation_beamwidth_rad=math.radians(2.0), sidelobe_level=db_to_linear(-30.0),
                  frequency_hz=3.0e9, bandwidth_hz=1.0e6, noise_figure=db_to_linear(3.0))
POD = ew.NoiseJammer(power_w=500.0, gain=db_to_linear(12.0), bandwidth_hz=10e6,
                     min_frequency_hz=2.0e9, max_frequency_hz=4.0e9, losses=db_to_linear(2.0))


def test_receiver_gain_is_half_power_at_half_each_beamwidth():
    g = REC.gain_toward([0.0, math.radians(0.5), 0.0, math.radians(30.0)],
                        [0.0, 0.0, math.radians(1.0), 0.0])
    np.testing.assert_allclose(g[:3], REC.gain * np.array([1.0, 0.5, 0.5]), rtol=1e-12)
    assert g[3] == pytest.approx(REC.gain * 1e-3)


def test_jammer_to_noise_is_the_hand_computed_ratio():
    # J/N = Pj Gj Gr lambda^2 (Br/Bj) / ((4 pi)^2 Rj^2 Lj k T0 F Br), main lobe, 100 km
    lam = 299_792_458.0 / 3.0e9
    j = 500.0 * 10 ** 1.2 * 10 ** 3.8 * lam ** 2 * 0.1 / ((4 * math.pi) ** 2 * 1e10 * 10 ** 0.2)
    n = K_BOLTZMANN * T0_K * 10 ** 0.3 * 1e6
    assert float(ew.jammer_to_noise(REC, POD, 100e3)) == pytest.approx(j / n, rel=1e-12)
    # in a sidelobe: 68 dB less (38 dB peak gain, -30 dB sidelobes)
    side = float(ew.jammer_to_noise(REC, POD, 100e3, math.radians(20.0)))
    assert 10 * math.log10(j / n / side) == pytest.approx(30.0, abs=1e-9)


def test_a_jammer_out_of_band_does_nothing_and_one_at_the_span_edge_does_part():
    far = ew.NoiseJammer(500.0, 10.0, 10e6, 8e9, 12e9)
    assert float(ew.jammer_to_noise(REC, far, 50e3)) == 0.0
    edge = ew.NoiseJammer(500.0, 10.0, 10e6, 2.0e9, 3.0e9 + 0.25e6)   # channel ends 0.25 MHz above
    full = ew.NoiseJammer(500.0, 10.0, 10e6, 2.0e9, 4.0e9)
    # the channel tops out at 3000.25 MHz: it covers 0.75 of the receiver's 1 MHz
    assert float(ew.jammer_to_noise(REC, edge, 50e3) / ew.jammer_to_noise(REC, full, 50e3)) == \
        pytest.approx(0.75, rel=1e-12)


def test_components_refuse_impossible_figures():
    with pytest.raises(ValueError, match="sidelobe_level"):
        ew.Receiver(1e3, 0.02, 0.02, 1.5, 3e9, 1e6, 2.0)
    with pytest.raises(ValueError, match="losses"):
        ew.NoiseJammer(100.0, 10.0, 1e6, 1e9, 2e9, losses=0.5)
