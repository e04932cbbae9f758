"""Lethality: whether a missile or a gun burst destroys its target.

- **Missiles**: the miss distance of each missile is the flown closest approach plus its own
  guidance-error draw (:func:`iadsim.weapons.guidance.miss_with_guidance_error`, σ per missile
  type from ``missile_aero.yaml``): the noise-free flyout alone ends millimetres from the
  target, and the missiles of a salvo (often launched together and flying the same path) must
  not share one error. The kill is drawn from the Carleton damage function of that miss
  distance (:func:`iadsim.weapons.kill.carleton_pk`) with the warhead's lethal radius and the
  target class's hardness -- only when the fuze functioned at the target (an intercept).
- **Gun bursts**: Poisson hits on the target's presented area (:func:`iadsim.weapons.kill.gun_burst_pk`,
  Ball 2003).
"""

from __future__ import annotations

import numpy as np

from iadsim.weapons.guidance import miss_with_guidance_error
from iadsim.weapons.kill import carleton_pk, gun_burst_pk

__all__ = ["gun_burst_kill", "missile_kills"]


def missile_kills(flown_miss_m: np.ndarray, intercept: np.ndarray, guidance_error_m: float,
                  lethal_radius_m: float, hardness: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Miss distance (m), Pk and kill draw of each missile of a salvo (module notes).

    ``flown_miss_m``: the flown closest approach per missile (NaN: guidance lost, no miss);
    ``intercept``: the fuze functioned at the target. Draws from ``rng``: two normals per
    missile (guidance error), then one uniform per missile (kill), in order.
    """
    miss = miss_with_guidance_error(flown_miss_m, guidance_error_m, rng)
    pk = np.where(intercept, carleton_pk(np.where(np.isfinite(miss), miss, 0.0),
                                         lethal_radius_m, hardness), 0.0)
    return miss, pk, rng.random(miss.size) < pk


def gun_burst_kill(range_m: float, rounds: int, dispersion_mrad: float, area_m2: float,
                   pk_per_hit: float, rng: np.random.Generator) -> tuple[float, bool]:
    """Pk of a burst of ``rounds`` at ``range_m`` and its kill draw (one uniform of ``rng``)."""
    pk = float(gun_burst_pk(max(range_m, 1.0), rounds, dispersion_mrad, area_m2, pk_per_hit))
    return pk, bool(rng.random() < pk)
