"""Coverage under noise jamming on flat terrain, against the jamming equations worked by hand
(J/N of a sidelobe jammer, the fourth-root law, the self-screening burn-through)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from iadsim.analysis.coverage import Jamming, coverage
from iadsim.errors import InputError
from iadsim.geo.frames import geodesic_direct, geodesic_inverse
from iadsim.geo.los import slant_geometry
from iadsim.scenario.build import JammerSite
from iadsim.sensors.detection import pd as detection_pd
from iadsim.sensors.ew import NoiseJammer, Receiver, ssj_detection_range_m
from iadsim.units import K_BOLTZMANN, T0_K, db_to_linear
from test_coverage import K, LAT0, LON0, deployment, radar

RES = 4000.0
ALT = 10_000.0
# a 1 deg x 2 deg S-band beam, 38 dB, -30 dB sidelobes, 1 MHz, 3 dB noise figure
REC = Receiver(gain=db_to_linear(38.0), azimuth_beamwidth_rad=math.radians(1.0),
               elevation_beamwidth_rad=math.radians(2.0), sidelobe_level=1e-3,
               frequency_hz=3.0e9, bandwidth_hz=1.0e6, noise_figure=db_to_linear(3.0))
POD = NoiseJammer(power_w=1000.0, gain=db_to_linear(15.0), bandwidth_hz=20e6,
                  min_frequency_hz=2e9, max_frequency_hz=4e9)


def _jammed_radar():
    return replace(radar(30.0, ref_range_m=150e3), receiver=REC)


def _station(distance_m: float, bearing_deg: float = 0.0, alt_m: float = 9000.0) -> JammerSite:
    lat, lon = geodesic_direct(LAT0, LON0, math.radians(bearing_deg), distance_m)
    return JammerSite("soj", "POD", float(lat), float(lon), alt_m, POD, 2)


def _hand_jn_sidelobe(station: JammerSite) -> float:
    """J/N through the sidelobe floor, by hand: count Pj Gj (G SLL) lambda^2 (Br/Bj) /
    ((4 pi)^2 Rj^2 k T0 F Br)."""
    ground, _ = geodesic_inverse(LAT0, LON0, station.lat_deg, station.lon_deg)
    rj, _ = slant_geometry(float(ground), 30.0, station.alt_msl_m, K)
    lam = 299_792_458.0 / 3.0e9
    j = (station.count * 1000.0 * 10 ** 1.5 * 10 ** 3.8 * 1e-3 * lam ** 2 * (1e6 / 20e6)
         / ((4 * math.pi) ** 2 * float(rj) ** 2))
    return j / (K_BOLTZMANN * T0_K * 10 ** 0.3 * 1e6)


def _pd_at(model, range_m, el_rad):
    """The radar's Pd at ``range_m`` without its instrumented-range cut (a scaled range may pass
    it while the cell does not)."""
    return np.where(el_rad >= model.min_elevation_rad,
                    detection_pd(model.snr_db(range_m, 1.0), model.pfa, model.n_pulses,
                                 model.swerling), 0.0)


def _cells(ds):
    lat2, lon2 = np.meshgrid(ds.lat.values, ds.lon.values, indexing="ij")
    dist, az = geodesic_inverse(LAT0, LON0, lat2, lon2)
    return np.asarray(dist), np.degrees(np.asarray(az)) % 360.0


def test_a_stand_off_jammer_shrinks_the_range_by_the_fourth_root_outside_its_strobe():
    station = _station(250e3)
    dep = deployment(_jammed_radar())
    ds = coverage(dep, [ALT], 1.0, RES, jamming=Jamming((station,)))
    dist, az = _cells(ds)
    jn = _hand_jn_sidelobe(station)
    south = (np.abs(az - 180.0) < 30.0) & (dist > 20e3) & (dist < 290e3)   # away from the strobe
    jn_db = ds["jammer_to_noise_db_r1"].values[0]
    np.testing.assert_allclose(jn_db[south], 10 * math.log10(jn), atol=1e-9)
    # Pd under jamming at range R equals the jamming-free Pd at R (1 + J/N)^(1/4)
    model = dep.radars[0].model
    ground = dist[south]
    slant, el = slant_geometry(ground, 30.0, ALT, K)
    np.testing.assert_allclose(ds["pd_r1"].values[0][south], _pd_at(model, slant * (1.0 + jn) ** 0.25, el),
                               atol=1e-9)
    # and the map keeps the jamming-free coverage for comparison
    free = model.pd(slant, 1.0, el)
    np.testing.assert_allclose(ds["pd_any_unjammed"].values[0][south], free, atol=1e-9)
    assert json.loads(ds.attrs["jamming"])[0]["count"] == 2
    assert any("S/(N+J)" in a for a in json.loads(ds.attrs["assumptions"]))


def test_the_strobe_toward_the_jammer_is_the_main_lobe():
    station = _station(250e3, bearing_deg=90.0)
    ds = coverage(deployment(_jammed_radar()), [ALT], 1.0, RES, jamming=Jamming((station,)))
    dist, az = _cells(ds)
    jn_db = ds["jammer_to_noise_db_r1"].values[0]
    floor_db = 10 * math.log10(_hand_jn_sidelobe(station))
    strobe = (np.abs(az - 90.0) < 0.2) & (dist > 150e3) & (dist < 240e3)
    assert strobe.any()
    # looking along the jammer's bearing at its height band: up to the 30 dB main-lobe advantage
    assert (jn_db[strobe] > floor_db + 10.0).all() and (jn_db[strobe] <= floor_db + 30.0 + 1e-9).all()
    away = np.abs(((az - 90.0) + 180.0) % 360.0 - 180.0) > 5.0
    np.testing.assert_allclose(jn_db[away & (dist > 20e3)], floor_db, atol=1e-9)


def test_a_jammer_below_the_horizon_does_nothing():
    station = _station(600e3, alt_m=100.0)
    ds = coverage(deployment(_jammed_radar()), [ALT], 1.0, RES, jamming=Jamming((station,)))
    np.testing.assert_array_equal(ds["pd_any"].values, ds["pd_any_unjammed"].values)


def test_a_self_screening_target_is_seen_inside_its_burn_through_range_only():
    # a weak jammer (0.1 W, 0 dB) so that the burn-through range is tens of km, not metres
    weak = NoiseJammer(power_w=0.1, gain=1.0, bandwidth_hz=20e6, min_frequency_hz=2e9,
                       max_frequency_hz=4e9)
    dep = deployment(_jammed_radar())
    ds = coverage(dep, [ALT], 1.0, RES, jamming=Jamming((), weak, "weak"))
    dist, _ = _cells(ds)
    slant, el = slant_geometry(dist, 30.0, ALT, K)
    # J/N of the target's own jammer in the main lobe at the target's range, by hand
    lam = 299_792_458.0 / 3.0e9
    jn = (0.1 * 10 ** 3.8 * lam ** 2 * (1e6 / 20e6) / ((4 * math.pi) ** 2 * slant ** 2)
          / (K_BOLTZMANN * T0_K * 10 ** 0.3 * 1e6))
    expected = _pd_at(dep.radars[0].model, slant * (1.0 + jn) ** 0.25, el)
    inside = (dist > 20e3) & (slant < 300e3)
    np.testing.assert_allclose(ds["pd_r1"].values[0][inside], expected[inside], atol=1e-9)
    # the Pd = 0.5 edge moves in from 150 km to the burn-through range (ssj_detection_range_m)
    edge = dist[(ds["pd_any"].values[0] >= 0.5) & inside].max()
    free = dist[(ds["pd_any_unjammed"].values[0] >= 0.5) & inside].max()
    jn1 = float(jn.ravel()[0] * slant.ravel()[0] ** 2)
    burn = float(ssj_detection_range_m(150e3, jn1))
    assert free == pytest.approx(150e3, abs=2 * RES) and burn < 120e3
    assert edge == pytest.approx(burn, abs=2 * RES)


def test_a_radar_without_receiver_figures_cannot_be_jammed():
    with pytest.raises(InputError, match="r1 .*receiver figures.*noise_figure_db"):
        coverage(deployment(radar(30.0)), [ALT], 1.0, RES, jamming=Jamming((), POD, "POD"))
