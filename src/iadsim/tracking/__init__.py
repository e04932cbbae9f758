"""Multi-target tracking on anyone's detections: Kalman/IMM filters, gating + GNN, M-of-N logic.

Public entry points: :func:`run_tracker` (a whole detection table), :class:`Tracker` (the same
tracker fed window by window; its reports as arrays: :class:`TrackReport`) and
:class:`TrackerConfig` (:mod:`iadsim.tracking.manager`).
Kernels: :mod:`iadsim.tracking.filters` (CV/CT models, vectorised Kalman and IMM steps),
:mod:`iadsim.tracking.association` (chi-square gating, GNN).
"""

from iadsim.tracking.manager import Tracker, TrackerConfig, TrackReport, run_tracker

__all__ = ["TrackReport", "Tracker", "TrackerConfig", "run_tracker"]
