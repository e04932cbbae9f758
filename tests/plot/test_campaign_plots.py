"""Campaign figures render to PNG (readable, non-trivial) and refuse empty input clearly."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from PIL import Image

from iadsim.errors import InputError
from iadsim.plot.campaign import (convergence_plot, distribution_plot, morris_plot, saturation_plot,
                                  sobol_plot, tornado_plot)

PROVENANCE = {"iadsim_version": "test", "figure_set": "sampled",
              "sources": [{"url": "https://example.org", "title": "test source"}],
              "assumptions": ["synthetic campaign"]}

TORNADO = pd.DataFrame({
    "factor": ["C.delay_s", "A.range_km", "B.rcs_dbsm"], "low_value": [1.0, 100.0, -20.0],
    "high_value": [4.0, 160.0, 0.0], "y_low": [0.3, 0.1, 0.42], "y_high": [0.9, 0.5, 0.38],
    "y_nominal": [0.4, 0.4, 0.4], "swing": [0.6, 0.4, 0.04],
    "swing_ci_low": [0.55, 0.33, -0.01], "swing_ci_high": [0.65, 0.47, 0.09],
    "assumed": [False, False, True]})
MORRIS = pd.DataFrame({"factor": ["D.pk", "B.rcs_dbsm", "A.range_km"], "mu": [0.8, -0.6, 0.1],
                       "mu_star": [0.8, 0.6, 0.3], "mu_star_conf": [0.1, 0.05, 0.08],
                       "sigma": [0.05, 0.2, 0.4], "assumed": [False, True, False]})
SOBOL = pd.DataFrame({"factor": ["x1", "x2", "x3"], "S1": [0.44, 0.31, 0.0],
                      "S1_conf": [0.02, 0.02, 0.02], "ST": [0.56, 0.44, 0.24],
                      "ST_conf": [0.03, 0.01, 0.01], "assumed": [False, True, False]})


def _check_png(path, min_bytes: int = 5000) -> np.ndarray:
    assert path.exists() and path.stat().st_size > min_bytes
    img = imread(path)
    assert img.ndim == 3 and img.shape[2] in (3, 4) and min(img.shape[:2]) > 200
    assert np.ptp(img[..., :3]) > 0.5                                   # not a blank image
    return img


def test_sensitivity_figures_render(tmp_path):
    for fn, table in ((tornado_plot, TORNADO), (morris_plot, MORRIS), (sobol_plot, SOBOL)):
        path = fn(table, "leak fraction", tmp_path / f"{fn.__name__}.png")
        assert path == tmp_path / f"{fn.__name__}.png"
        _check_png(path)
    # without the interval columns and the assumed flag too
    _check_png(tornado_plot(TORNADO.iloc[:, :7], "leak fraction", tmp_path / "t2.png"))


def test_provenance_goes_into_the_png(tmp_path):
    path = sobol_plot(SOBOL, "leak fraction", tmp_path / "sub" / "sobol.png",
                      provenance=PROVENANCE)
    _check_png(path)
    assert json.loads(Image.open(path).text["Description"]) == PROVENANCE


def test_convergence_distribution_and_saturation_render(tmp_path):
    rng = np.random.default_rng(1)
    leaks = rng.binomial(12, 0.25, 200).astype(float)
    runs = np.arange(1, leaks.size + 1)
    mean = np.cumsum(leaks) / runs
    sd = np.array([leaks[:k].std(ddof=1) if k > 1 else np.nan for k in runs])
    half = 1.96 * sd / np.sqrt(runs)
    _check_png(convergence_plot(leaks, mean - half, mean + half, "leakers per raid",
                                tmp_path / "conv.png"))
    _check_png(distribution_plot(leaks, "leakers per raid", tmp_path / "dist.png", discrete=True,
                                 mean=leaks.mean(), ci_low=leaks.mean() - 0.2,
                                 ci_high=leaks.mean() + 0.2))
    cont = np.append(rng.normal(3.0, 1.0, 300), np.nan)                 # one run without a value
    _check_png(distribution_plot(cont, "interceptors per kill", tmp_path / "dist2.png", False))
    sat = pd.DataFrame([{"series": s, "x": n, "mean": m, "ci_low": m - 0.05, "ci_high": m + 0.05}
                        for s, k in (("S-400 only", 0.02), ("S-400 + Pantsir", 0.01))
                        for n in (4, 8, 16, 32) for m in [min(1.0, k * n)]])
    _check_png(saturation_plot(sat, "raid size (aircraft)", "leak fraction", tmp_path / "sat.png"))
    _check_png(saturation_plot(sat.drop(columns="series").iloc[:4], "raid size (aircraft)",
                               "leak fraction", tmp_path / "sat1.png"))


def test_empty_or_incomplete_input_is_refused(tmp_path):
    for fn in (tornado_plot, morris_plot, sobol_plot):
        with pytest.raises(InputError, match="table is empty"):
            fn(TORNADO.iloc[:0], "leak fraction", tmp_path / "x.png")
    with pytest.raises(InputError, match="lacks column"):
        sobol_plot(SOBOL.drop(columns="ST_conf"), "leak fraction", tmp_path / "x.png")
    with pytest.raises(InputError, match="table is empty"):
        saturation_plot(pd.DataFrame(columns=["x", "mean", "ci_low", "ci_high"]), "x", "y",
                        tmp_path / "x.png")
    with pytest.raises(InputError, match="no values"):
        distribution_plot([], "leakers", tmp_path / "x.png", discrete=True)
    with pytest.raises(InputError, match="one interval per run"):
        convergence_plot([1.0, 2.0], [np.nan], [np.nan], "leakers", tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
