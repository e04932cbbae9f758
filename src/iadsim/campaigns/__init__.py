"""Campaigns (issue 12): many runs of one scenario over seeds and over the uncertain figures.

:mod:`~iadsim.campaigns.design` (varied figures, space-filling designs, per-run seeds),
:mod:`~iadsim.campaigns.sensitivity` (SALib samples and analyses),
:mod:`~iadsim.campaigns.sweep` (alternatives from ``--sweep``),
:mod:`~iadsim.campaigns.executor` and :mod:`~iadsim.campaigns.dask` (where runs execute),
:mod:`~iadsim.campaigns.store` (the exactly-once store), :mod:`~iadsim.campaigns.runner`
(the coordinator), :mod:`~iadsim.campaigns.report` and :mod:`~iadsim.campaigns.costs` (what a
campaign says), :mod:`~iadsim.campaigns.api` (``iadsim.campaign`` and ``iadsim compare``). The
estimates are in :mod:`iadsim.analysis.estimates`.
"""
