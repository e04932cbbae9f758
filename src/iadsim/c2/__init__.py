"""Command and control: threat evaluation and weapon-target assignment (pure components).

- :func:`evaluate_threats` (:mod:`iadsim.c2.threat`): rank tracks by the defended value they
  threaten and how soon (closest point of approach to each asset).
- :func:`assign_greedy`, :func:`assign_optimal` (:mod:`iadsim.c2.assignment`): weapon-target
  assignment maximising the expected threat value destroyed under target- and guidance-channel,
  inventory, salvo and minimum-pk constraints.
- :class:`Doctrine` (:mod:`iadsim.c2.doctrine`): salvo size, firing policy, minimum pk, reserve,
  engagement cap per threat.

No engine here: every function takes arrays / tables and returns a table.
"""

from iadsim.c2.assignment import assign_greedy, assign_optimal, expected_value_destroyed
from iadsim.c2.doctrine import Doctrine
from iadsim.c2.threat import evaluate_threats

__all__ = ["Doctrine", "assign_greedy", "assign_optimal", "evaluate_threats", "expected_value_destroyed"]
