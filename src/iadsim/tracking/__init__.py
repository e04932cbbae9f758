"""Multi-target tracking on anyone's detections: Kalman/IMM filters, gating + GNN, M-of-N logic.

Public entry points: :func:`run_tracker` and :class:`TrackerConfig`
(:mod:`iadsim.tracking.manager`). Kernels: :mod:`iadsim.tracking.filters` (CV/CT models,
vectorised Kalman and IMM steps), :mod:`iadsim.tracking.association` (chi-square gating, GNN).
"""

from iadsim.tracking.manager import TrackerConfig, run_tracker

__all__ = ["TrackerConfig", "run_tracker"]
