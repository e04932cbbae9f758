"""Independent reference values for ``iadsim.sensors.detection`` and ``iadsim.sensors.radar``.

Nothing here imports iadsim. Three kinds of reference:

1. Published numbers (textbook text, vendor documentation examples), each with its citation.
2. Published closed forms that are exact for special cases (Swerling 1960; Meyer & Mayer 1973
   as reproduced in Richards 2014), written out directly from the textbook expressions.
3. Shnidman's empirical equation (Shnidman 1998, as given in Richards 2014 sec. 6.3, eqs. up to 6.112),
   an approximation of stated accuracy, used as a cross-check over a grid.
"""

from __future__ import annotations

import math

#: Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., McGraw-Hill 2014, p. 479.
RICHARDS_2014_P479 = (
    "M. A. Richards, Fundamentals of Radar Signal Processing, 2nd ed., McGraw-Hill, 2014, "
    "sec. 6.3.2, p. 479 (discussion of Fig. 6.11, square-law detector, nonfluctuating target)"
)
#: sdr (M. Hostetter) documentation example for ``sdr.min_snr`` (square-law, complex, exact).
SDR_MIN_SNR_DOC = (
    "sdr.min_snr documentation example, https://mhostetter.github.io/sdr/latest/api/sdr.min_snr "
    "('sdr.min_snr(0.9, 1e-6, detector=\"square-law\")' -> 13.183490056794499)"
)

#: Published required single-pulse SNRs, square-law detector, non-coherent integration:
#: (pd, pfa, n_pulses, swerling, snr_db, source). Values are quoted to the precision printed.
PUBLISHED_REQUIRED_SNR_DB: list[tuple[float, float, int, int, float, str]] = [
    (0.9, 1e-8, 1, 0, 14.2, RICHARDS_2014_P479),
    (0.9, 1e-8, 10, 0, 6.1, RICHARDS_2014_P479),
    (0.9, 1e-6, 1, 0, 13.183490056794499, SDR_MIN_SNR_DOC),
]


#: radarsimpy (Z. Peng) test suite, https://github.com/radarsimx/radarsimpy ,
#: tests/test_module_tools.py at commit e665fe2d855fbcf23c0c6e1c76b77a7ea79b56c0 (file last changed
#: in 742fab6869a2f7688a1244acc6582269bda26559), ``test_roc_pd``.
RADARSIMPY_ROC_PD_TESTS = (
    "radarsimpy tests/test_module_tools.py::test_roc_pd, https://github.com/radarsimx/radarsimpy "
    "@ e665fe2d (roc_pd(pfa, snr_db, npulses, 'Swerling k'), square-law, non-coherent)"
)

#: Pd at a given single-pulse SNR from an independent open-source implementation, NOT a
#: textbook table: (pd, pfa, n_pulses, swerling, snr_db, source). radarsimpy implements the
#: Mahafza (*Radar Systems Analysis and Design Using MATLAB*, 2005) expressions; those are exact
#: except for the Gram-Charlier series it uses for Swerling 4 with N >= 50, which explains the
#: largest residual (Swerling 4, N = 256, Pd 0.2155: 0.025 dB). Pd is printed to 4 decimals and
#: the SNRs are exact inputs, so the check is on the SNR needed for the printed Pd (0.1 dB, the
#: requirement; the largest residual over these rows is 0.025 dB). "Swerling 5" there is
#: Swerling 0 here.
RADARSIMPY_PD_AT_SNR: list[tuple[float, float, int, int, float, str]] = [
    (0.6287, 1e-8, 1, 0, 13.0, RADARSIMPY_ROC_PD_TESTS),
    (0.1683, 1e-8, 1, 0, 11.0, RADARSIMPY_ROC_PD_TESTS),
    (0.8411, 1e-8, 256, 0, -3.2, RADARSIMPY_ROC_PD_TESTS),
    (0.2249, 1e-8, 256, 0, -4.8, RADARSIMPY_ROC_PD_TESTS),
    (0.7980, 1e-4, 1, 1, 16.0, RADARSIMPY_ROC_PD_TESTS),
    (0.2036, 1e-4, 1, 1, 6.8, RADARSIMPY_ROC_PD_TESTS),
    (0.8959, 1e-4, 256, 1, 3.6, RADARSIMPY_ROC_PD_TESTS),
    (0.2560, 1e-4, 256, 1, -7.6, RADARSIMPY_ROC_PD_TESTS),
    (0.7980, 1e-4, 1, 2, 16.0, RADARSIMPY_ROC_PD_TESTS),
    (0.2036, 1e-4, 1, 2, 6.8, RADARSIMPY_ROC_PD_TESTS),
    (0.9120, 1e-4, 256, 2, -4.4, RADARSIMPY_ROC_PD_TESTS),
    (0.2125, 1e-4, 256, 2, -7.2, RADARSIMPY_ROC_PD_TESTS),
    (0.8846, 1e-4, 1, 3, 15.2, RADARSIMPY_ROC_PD_TESTS),
    (0.1931, 1e-4, 1, 3, 6.8, RADARSIMPY_ROC_PD_TESTS),
    (0.8889, 1e-4, 256, 3, -0.4, RADARSIMPY_ROC_PD_TESTS),
    (0.1775, 1e-4, 256, 3, -8.4, RADARSIMPY_ROC_PD_TESTS),
    (0.8846, 1e-4, 1, 4, 15.2, RADARSIMPY_ROC_PD_TESTS),
    (0.1931, 1e-4, 1, 4, 6.8, RADARSIMPY_ROC_PD_TESTS),
    (0.8413, 1e-4, 256, 4, -4.8, RADARSIMPY_ROC_PD_TESTS),
    (0.2155, 1e-4, 256, 4, -7.2, RADARSIMPY_ROC_PD_TESTS),
]

# Seen but deliberately NOT used as references (no textbook table for Swerling 1-4 was found):
# - An unofficial MATLAB "agentic toolkit" skill file on GitHub (radar equation / detection
#   tools reference) quotes, as code comments, detectability(0.9, 1e-6, 10, 'Swerling1') = 13.5 dB,
#   and for one pulse, Pd 0.9, Pfa 1e-6: Swerling 0 "~13.1", Swerling 1 "~21.1", Swerling 3
#   17.6 dB. MATLAB's detectability uses Barton's universal equation (an approximation) in that
#   range, and the Swerling 3 figure contradicts the exact N = 1 closed form below (17.30 dB),
#   so none of these is an exact reference.


def swerling1_single_pulse_snr_db(pd: float, pfa: float) -> float:
    """Exact SNR for Swerling 1 (= Swerling 2) with one pulse.

    ``Pd = Pfa ** (1 / (1 + snr))`` (Swerling 1960; Richards 2014 eqs. 6.99-6.101, N = 1 case), so
    ``snr = ln(Pfa) / ln(Pd) - 1``.
    """
    return 10.0 * math.log10(math.log(pfa) / math.log(pd) - 1.0)


def swerling3_single_pulse_pd(snr_db: float, pfa: float) -> float:
    """Exact Pd for Swerling 3 (= Swerling 4) with one pulse.

    ``Pd = exp(-T / (1 + x/2)) * (1 + 2 x T / (2 + x)**2)`` with ``T = -ln(Pfa)``
    (Meyer & Mayer 1973; Richards 2014 Table 6.1, N = 1 row; Mahafza, *Radar Systems
    Analysis and Design Using MATLAB*, eq. for Swerling III with n_p = 1).
    """
    x = 10.0 ** (snr_db / 10.0)
    t = -math.log(pfa)
    return math.exp(-t / (1.0 + x / 2.0)) * (1.0 + 2.0 * x * t / (2.0 + x) ** 2)


#: Stated accuracy of Shnidman's equation: < 0.5 dB for 0.1 <= Pd <= 0.99,
#: 1e-9 <= Pfa <= 1e-3, 1 <= N <= 100, except at extreme Pd for Swerling 1
#: (Richards 2014, p. 491).
SHNIDMAN_ACCURACY_DB = 0.5
SHNIDMAN_SOURCE = (
    "D. A. Shnidman, 'Binary integration for Swerling target fluctuations', IEEE Trans. AES "
    "34(3), 1998; as given in Richards 2014 sec. 6.3 (eqs. up to 6.112), accuracy statement p. 491"
)


def shnidman_snr_db(pd: float, pfa: float, n_pulses: int, swerling: int) -> float:
    """Shnidman's empirical single-pulse SNR (dB), Swerling 0-4, square-law detector."""
    k = {0: math.inf, 1: 1.0, 2: float(n_pulses), 3: 2.0, 4: 2.0 * n_pulses}[swerling]
    alpha = 0.0 if n_pulses < 40 else 0.25
    eta = math.sqrt(-0.8 * math.log(4.0 * pfa * (1.0 - pfa))) + math.copysign(
        math.sqrt(-0.8 * math.log(4.0 * pd * (1.0 - pd))), pd - 0.5
    )
    x_inf = eta * (eta + 2.0 * math.sqrt(n_pulses / 2.0 + (alpha - 0.25)))
    c1 = (((17.7006 * pd - 18.4496) * pd + 14.5339) * pd - 3.525) / k
    c2 = (
        math.exp(27.31 * pd - 25.14)
        + (pd - 0.8) * (0.7 * math.log(1e-5 / pfa) + (2.0 * n_pulses - 20.0) / 80.0)
    ) / k
    c_db = c1 if pd <= 0.872 else c1 + c2
    return 10.0 * math.log10(10.0 ** (c_db / 10.0) * x_inf / n_pulses)


#: MATLAB Radar Toolbox ``radareqsnr`` documentation examples (monostatic radar equation
#: SNR = Pt tau G^2 lambda^2 sigma / ((4 pi)^3 k Ts L R^4)),
#: https://uk.mathworks.com/help/radar/ref/radareqsnr.html . System temperature Ts is
#: expressed here as a noise figure against T0 = 290 K: F = Ts / 290.
RADAREQSNR_SOURCE = (
    "MATLAB radareqsnr documentation, https://uk.mathworks.com/help/radar/ref/radareqsnr.html"
)
RADAREQSNR_EXAMPLES: list[dict[str, float]] = [
    # "1 GHz, 1 MW, 0.2 us, RCS 1 m^2 at 50 km, gain 20 dB, Ts 290 K" -> snr = 5.5868
    {
        "peak_power_w": 1e6,
        "gain_db": 20.0,
        "frequency_hz": 1e9,
        "pulse_width_s": 0.2e-6,
        "noise_figure_db": 0.0,
        "losses_db": 0.0,
        "range_m": 50e3,
        "rcs_m2": 1.0,
        "snr_db": 5.5868,
    },
    # "10 GHz, 1 MW, 1 us, RCS 0.5 m^2 at 100 km, gain 40 dB, Ts 300 K, loss 3 dB" -> 14.3778
    {
        "peak_power_w": 1e6,
        "gain_db": 40.0,
        "frequency_hz": 10e9,
        "pulse_width_s": 1e-6,
        "noise_figure_db": 10.0 * math.log10(300.0 / 290.0),
        "losses_db": 3.0,
        "range_m": 100e3,
        "rcs_m2": 0.5,
        "snr_db": 14.3778,
    },
]
