"""Reference cases for radar noise-jamming equations (J/S, cross-over and burn-through ranges).

Nothing here imports iadsim. Read this first: **no printed, fully specified worked example with
its published numerical answer could be recovered** from the stored copies searched for this file
(document search over web pages, documentation, GitHub code and issues; about 40 look-ups).
What the search did find:

* **Mahafza, Radar Systems Analysis and Design Using MATLAB, 3rd ed. (CRC Press, 2013), ch. 2.**
  The author's own MATLAB programs for the self-screening jammer (SSJ) figure (Fig. 2.7) and the
  stand-off jammer (SOJ) figure (Fig. 2.10) are stored in the public repository
  ``JeremyClay/Mahafza`` (folder ``BookCode``). They give **every input** and the **exact formula**
  the book evaluates (the function headers name Eqs. (2.50), (2.52), (2.57) and (2.58)). The
  book's printed answers (figure read-outs or text) were **not** available. The outputs below were
  obtained by evaluating the author's published formula on the author's published inputs (see
  ``output_status``). They check that our functions follow Mahafza's convention and loss
  bookkeeping. They are **not** an independent check that the convention is right.
* **NAWCWD TP 8347, *Electronic Warfare and Radar Systems Engineering Handbook*, sections 4-7 and
  4-8.** Several stored copies exist, but every copy showed only its opening pages: pdfcoffee
  (https://pdfcoffee.com/navy-electronic-warfare-handbook-pdf-free.html), several Scribd uploads,
  and gbppr.ddns.net, which holds the 4th-ed. errata. The numeric examples themselves could not
  be read. A third-party research note in a public repository (not the handbook) paraphrases the
  sec. 4-8 burn-through figure: cross-over about 1.29 NM, required J/S 6 dB, burn-through about
  2.8 NM. Those numbers do **not** agree with the handbook's own law
  R_BT = R_co * sqrt(J/S_req), which gives 1.29 * 10**(6/20) = 2.57 NM. The figure's other
  inputs are not given either. This lead is recorded in ``UNUSABLE_LEADS`` and is not a test value.
* Harrison, *Introduction to Radar Using Python and MATLAB* (Artech House, 2019), ch. 11. The
  companion code is ``RadarBook/software`` on GitHub. Its jammer-to-signal, cross-over and
  burn-through examples (self-screening and escort) only plot curves, so no published number.
  Not used.

Conventions that differ between sources (the traps the tests must not average over):

1. **Mahafza's jammer loss** ``Lj`` appears in the *jammer* power denominator. So S/J is
   proportional to ``Lj / L`` and ``Lj`` sits in the **numerator** of the cross-over range.
   ``L`` is the radar's own loss; it attenuates the echo only. A simulator that puts all "losses"
   on the signal side will not reproduce these numbers.
2. **Mahafza's bandwidth factor** is ``Br / Bj`` with no ``min(1, .)``. Both of his examples have
   ``Bj > Br``, so they cannot tell ``Br/Bj`` apart from ``min(1, Br/Bj)``.
3. **NAWCWD TP 8347 sec. 4-7** (constant-power, saturated jamming) has no bandwidth term and no
   losses: J/S = Pj Gj 4 pi R**2 / (Pt Gt sigma). In dB that is
   ``Pj + Gj - Pt - Gt - sigma_dBsm + 10.99 + 20 log10 R[m]``. The handbook works in J/S; Mahafza
   and most radar texts work in S/J. The required ratio must be inverted when switching source.
4. **The SOJ "burn-through" of Mahafza's ``soj_req.m``** is the range where S = J. It carries no
   S/J-required factor. Eq. (2.58) (burn-through with a required S/J) reduces to it for S/J = 1.
   The SSJ program likewise returns the cross-over (S = J) range, not a burn-through range.
5. **Units inside ``soj_req.m``**: the header says "range to jammer in Km", but the formula
   squares ``rangej`` without converting it. The Fig. 2.10 driver passes ``12*1852`` (metres), and
   the ``/1000`` at the end then returns km. The formula is therefore right only with ``rangej`` in
   metres. The SI input below follows the driver (metres).
6. **``gprime`` in ``soj_req.m``** is the *radar's* antenna gain toward the jammer (sidelobe gain),
   given in dB as an absolute gain (10 dB, that is 25 dB below the 35 dB mainlobe). The function
   header mislabels it "jammer antenna gain".
7. None of these cases sums several jammers or scales detection range by ``(1 + J/N)**(-1/4)``.
   No published example of either was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: Stored public copy of Mahafza's MATLAB code for the 3rd edition (folder BookCode).
MAHAFZA_CODE_REPO = "https://github.com/JeremyClay/Mahafza"
MAHAFZA_CODE_COMMIT = "4c5850722295aff6a0ad4c98e9f15f29d2a631fd"
MAHAFZA_BOOK = (
    "B. R. Mahafza, Radar Systems Analysis and Design Using MATLAB, 3rd ed., "
    "CRC Press (Chapman & Hall), 2013, ch. 2 (self-screening and stand-off jammers)"
)

#: Values of ``output_status``.
PRINTED = "printed"  # number printed in the source; none in this file, see module docstring
DERIVED_FROM_PUBLISHED_CODE = "derived_from_published_code"

NM_M = 1852.0  # metres per nautical mile (exact)


def _frozen(d: dict[str, Any]) -> MappingProxyType:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class JammingExample:
    """One reference case. ``inputs``/``outputs`` are read-only mappings with SI units in the keys."""

    name: str
    source: MappingProxyType  # title, author, edition, section/equation, url
    convention: str
    formula: str  # LaTeX-ish, as used by the source
    inputs: MappingProxyType
    outputs: MappingProxyType
    output_status: str  # PRINTED or DERIVED_FROM_PUBLISHED_CODE
    tolerance_note: str
    notes: tuple[str, ...] = field(default=())


MAHAFZA_SSJ_FIG2_7 = JammingExample(
    name="mahafza_ssj_crossover_fig2_7",
    source=_frozen({
        "title": "Radar Systems Analysis and Design Using MATLAB",
        "author": "B. R. Mahafza",
        "edition": "3rd ed., CRC Press, 2013",
        "section": "ch. 2, self-screening jammers; Eqs. (2.50) and (2.52) (per ssj_req.m header); "
                   "program for Fig. 2.7",
        "url": f"{MAHAFZA_CODE_REPO}/blob/{MAHAFZA_CODE_COMMIT}/BookCode/Fig2_7b.m",
        "url_function": f"{MAHAFZA_CODE_REPO}/blob/{MAHAFZA_CODE_COMMIT}/BookCode/ssj_req.m",
        "book": MAHAFZA_BOOK,
    }),
    convention=(
        "Mahafza SSJ (jammer on the target, R_j = R). Signal S = Pt G^2 lambda^2 sigma / ((4 pi)^3 R^4 L). "
        "Jammer power in the radar receiver J = Pj Gj lambda^2 G Br / ((4 pi)^2 R^2 Bj Lj): mainlobe "
        "receive gain G, bandwidth factor Br/Bj (no min(1, .)), jammer loss Lj dividing J. Cross-over "
        "(S = J) range, linear units, losses as power ratios >= 1. Wavelength cancels. No noise term, "
        "no required S/J (this is not a burn-through with margin)."
    ),
    formula=r"R_{co} = \sqrt{\frac{P_t\,G\,\sigma\,B_j\,L_j}{4\pi\,P_j\,G_j\,B_r\,L}}",
    inputs=_frozen({
        "radar_peak_power_w": 50.0e3,  # pt = 50.0e+3 W
        "radar_gain_db": 35.0,  # g = 35 dB (transmit and receive, mainlobe)
        "frequency_hz": 5.6e9,  # freq = 5.6e+9 Hz; wavelength 3e8/5.6e9 m (the code uses c = 3e8)
        "rcs_m2": 10.0,  # sigma = 10 m^2
        "radar_bandwidth_hz": 667.0e3,  # b = 667 kHz
        "radar_losses_db": 0.1,  # loss = 0.1 dB (echo side)
        "jammer_power_w": 200.0,  # pj = 200 W
        "jammer_bandwidth_hz": 50.0e6,  # bj = 50 MHz
        "jammer_gain_db": 10.0,  # gj = 10 dB
        "jammer_losses_db": 0.1,  # lossj = 0.1 dB (divides J, so multiplies S/J)
        "jammer_range_m": 50.0e3,  # rangej = 50 km in the driver; not used by the formula
    }),
    outputs=_frozen({
        # sqrt(50e3 * 10**3.5 * 10 * 50e6 * 10**0.01 / (4 pi * 200 * 10 * 667e3 * 10**0.01))
        "crossover_range_m": 2171.6366252160306,
    }),
    output_status=DERIVED_FROM_PUBLISHED_CODE,
    tolerance_note=(
        "Not a printed number: exact evaluation (double precision) of the published ssj_req.m formula "
        "on the published inputs. Compare at rel. 1e-9 if our function uses the same formula; the "
        "book's own rounding of this value is unknown. Lj = L here, so the Lj/L placement is NOT "
        "exercised by this case."
    ),
    notes=(
        "The driver also sweeps Pj over 1..1000 W and Pt over 1 kW..10 MW (Fig. 2.7 curves); "
        "R_co is proportional to sqrt(Pt/Pj).",
    ),
)

MAHAFZA_SOJ_FIG2_10 = JammingExample(
    name="mahafza_soj_crossover_fig2_10",
    source=_frozen({
        "title": "Radar Systems Analysis and Design Using MATLAB",
        "author": "B. R. Mahafza",
        "edition": "3rd ed., CRC Press, 2013",
        "section": "ch. 2, stand-off jammers; Eqs. (2.57) and (2.58) (per soj_req.m header); "
                   "program for Fig. 2.10",
        "url": f"{MAHAFZA_CODE_REPO}/blob/{MAHAFZA_CODE_COMMIT}/BookCode/Fig2_10.m",
        "url_function": f"{MAHAFZA_CODE_REPO}/blob/{MAHAFZA_CODE_COMMIT}/BookCode/soj_req.m",
        "book": MAHAFZA_BOOK,
    }),
    convention=(
        "Mahafza SOJ: jammer at fixed range R_j, entering through the radar's receive gain G' toward "
        "the jammer (sidelobe). S = Pt G^2 lambda^2 sigma / ((4 pi)^3 R^4 L); "
        "J = Pj Gj G' lambda^2 Br / ((4 pi)^2 R_j^2 Bj Lj). The returned range is where S = J "
        "(no required S/J factor). Bandwidth factor Br/Bj without min(1, .). Jammer loss Lj divides "
        "J, so it sits in the numerator. The target range (20 NM) is an input of the driver but does "
        "not enter the result."
    ),
    formula=(
        r"R = \left(\frac{P_t\,G^2\,\sigma\,B_j\,L_j\,R_j^2}"
        r"{4\pi\,P_j\,G_j\,G'\,B_r\,L}\right)^{1/4}"
    ),
    inputs=_frozen({
        "radar_peak_power_w": 5.0e3,  # pt = 5.0e+3 W
        "radar_gain_db": 35.0,  # g = 35 dB mainlobe (transmit and receive toward the target)
        "radar_gain_toward_jammer_db": 10.0,  # gprime = 10 dB absolute (25 dB below mainlobe)
        "frequency_hz": 5.6e9,  # freq = 5.6e+9 Hz (cancels)
        "rcs_m2": 10.0,  # sigma = 10 m^2
        "radar_bandwidth_hz": 667.0e3,  # b = 667 kHz
        "radar_losses_db": 0.01,  # loss = 0.01 dB
        "target_range_m": 20 * NM_M,  # range = 20*1852 = 37040 m (not used by the formula)
        "jammer_range_m": 12 * NM_M,  # rangej = 12*1852 = 22224 m (formula needs metres, trap 5)
        "jammer_power_w": 5.0e3,  # pj = 5.0e+3 W
        "jammer_bandwidth_hz": 50.0e6,  # bj = 50 MHz
        "jammer_gain_db": 30.0,  # gj = 30 dB
        "jammer_losses_db": 0.3,  # lossj = 0.3 dB (divides J)
    }),
    outputs=_frozen({
        # ((5e3 * 10**7 * 10 * 50e6 * 10**0.03 * 22224**2)
        #  / (4 pi * 5e3 * 10**3 * 10**1 * 667e3 * 10**0.001)) ** 0.25
        "crossover_range_m": 2369.025256370249,
    }),
    output_status=DERIVED_FROM_PUBLISHED_CODE,
    tolerance_note=(
        "Not a printed number: exact evaluation of the published soj_req.m formula on the Fig. 2.10 "
        "inputs. Compare at rel. 1e-9 with the same convention. Lj (0.3 dB) differs from L (0.01 dB), "
        "so this case does test where the jammer loss goes: moving Lj to the signal side "
        "(R^4 proportional to 1/(L Lj) instead of Lj/L) shrinks the range by a factor 10**(-0.6/40), "
        "about 3.4 %."
    ),
    notes=(
        "Fig. 2.10 plots the echo relative to its value at this range; the SOJ level is then 0 dB.",
        "soj_req.m returns km (divides by 1000); the value here is in metres.",
    ),
)

#: Cases usable as regression references (see ``output_status`` for what each one proves).
EXAMPLES: tuple[JammingExample, ...] = (MAHAFZA_SSJ_FIG2_7, MAHAFZA_SOJ_FIG2_10)

#: Leads found but NOT usable as test values, kept so they are not chased again.
UNUSABLE_LEADS: tuple[MappingProxyType, ...] = (
    _frozen({
        "what": "NAWCWD TP 8347 sec. 4-8 burn-through figure, as paraphrased by a third-party note",
        "claimed": "cross-over ~1.29 NM, required J/S 6 dB, burn-through ~2.8 NM",
        "why_unusable": (
            "Secondary paraphrase. Radar and jammer inputs not given. 2.8 NM disagrees with the handbook's "
            "R_BT = R_co * sqrt(J/S_req) = 2.57 NM (likely read off a log plot). Primary text not "
            "readable in any stored copy."
        ),
        "primary_copies_seen": (
            "https://pdfcoffee.com/navy-electronic-warfare-handbook-pdf-free.html (beginning only); "
            "https://www.scribd.com/document/44104327/Electronic-Warfare-Radar-Systems-Engineering-Handbook "
            "(beginning only); http://gbppr.ddns.net/mil/radar/ewhdbks/4th-err.htm (4th-ed. errata only)"
        ),
    }),
    _frozen({
        "what": "Harrison, Introduction to Radar Using Python and MATLAB (Artech House, 2019), ch. 11",
        "claimed": (
            "jammer_to_signal / crossover_range / burn_through_range examples, self-screening and escort"
        ),
        "why_unusable": "Companion code (github.com/RadarBook/software) only plots; no printed value found.",
    }),
)
