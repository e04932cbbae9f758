"""Campaigns (issue 12): many runs of one scenario over seeds and over the uncertain figures.

:mod:`iadsim.campaigns.design` makes the design (which figures vary, how, and the points), and
the per-run seeds; the estimates are in :mod:`iadsim.analysis.estimates`.
"""
