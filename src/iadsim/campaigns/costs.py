"""Unit costs and the cost-exchange ratio of a campaign.

A costs file gives the unit cost of interceptors and threats, each cited or assumed like every
equipment figure (``low`` / ``nominal`` / ``high`` where sources disagree)::

    currency: USD
    price_year: 2022
    costs:
      - item: Tomahawk
        nominal: 2.0e6
        sources: [{url: "https://...", title: "..."}]
      - item: 48N6E3
        low: 1.0e6
        nominal: 2.0e6
        high: 2.5e6
        assumed: true
        reasoning: "no public export price; ..."

:func:`cost_exchange` reads the runs table: per run, the cost of the interceptors fired
(``missiles_fired_<type>_count`` x unit cost) over the value of the threats destroyed
(``killed_<type>_count`` x unit cost) -- above 1 the defence spends more than it destroys.
Its mean over runs with a t interval at nominal costs, and the ratio of the mean spend to the
mean value destroyed at the costs' extremes (defence low and threats high; defence high and
threats low), so the report says how much the answer depends on the prices.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from iadsim.analysis.estimates import mean_ci
from iadsim.errors import EquipmentError, InputError
from iadsim.scenario.library import Library, load_library

__all__ = ["Cost", "Costs", "load_costs", "cost_exchange", "check_priced", "COSTS_FILE"]

#: The campaign's costs (JSON, as checked), read into the report.
COSTS_FILE = "costs.json"


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str
    title: str
    note: str | None = None


class Cost(BaseModel):
    """The unit cost of one item (missile or threat type), in the file's currency."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    item: str
    nominal: Annotated[float, Field(gt=0)]
    low: Annotated[float, Field(gt=0)] | None = None
    high: Annotated[float, Field(gt=0)] | None = None
    sources: tuple[_Source, ...] = ()
    assumed: bool = False
    reasoning: str | None = None

    @model_validator(mode="after")
    def _cited(self) -> Cost:
        if not self.sources and not (self.assumed and self.reasoning):
            raise ValueError("a cost needs sources (url, title), or assumed: true with its "
                             "reasoning")
        if not (self.range[0] <= self.nominal <= self.range[1]):
            raise ValueError(f"low {self.range[0]:g} <= nominal {self.nominal:g} <= high "
                             f"{self.range[1]:g} is required")
        return self

    @property
    def range(self) -> tuple[float, float]:
        """``(low, high)``; the nominal value where a bound is not given."""
        return (self.nominal if self.low is None else self.low,
                self.nominal if self.high is None else self.high)


class Costs(BaseModel):
    """A costs file: ``currency``, ``price_year`` and the ``costs`` by item."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: str = "USD"
    price_year: int | None = None
    costs: tuple[Cost, ...]

    def by_item(self) -> dict[str, Cost]:
        return {c.item: c for c in self.costs}


def load_costs(path: str | os.PathLike[str], library: Library | None = None) -> Costs:
    """Read and check a costs file: the structure, a citation or an assumption per cost, items
    the library knows (any of an item's names; stored under its id), each item once.

    Raises
    ------
    InputError
        Naming the file, the entry and field, the bad value and what is allowed.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"--costs {path}: cannot be read as YAML ({exc})") from None
    try:
        costs = Costs.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']} (got {first.get('input')!r})") from None
    lib = library or load_library()
    out, seen = [], set()
    for i, cost in enumerate(costs.costs):
        try:
            item = lib.get(cost.item)
        except EquipmentError as exc:
            allowed = "; ".join(p.allowed for p in exc.problems if p.allowed)
            raise InputError(f"{path}: costs[{i}].item: unknown equipment {cost.item!r}; "
                             f"allowed: {allowed or 'an item of `iadsim equipment list`'}") from None
        if item.id in seen:
            raise InputError(f"{path}: costs[{i}].item: {cost.item} is priced twice; allowed: "
                             "each item once")
        seen.add(item.id)
        out.append(cost.model_copy(update={"item": item.id}))
    return costs.model_copy(update={"costs": tuple(out)})


#: ``killed_*_count`` / ``missiles_fired_*_count`` columns that are not per type.
_TOTALS = ("", "by_missile", "by_gun")


def _spend(runs: pd.DataFrame, prefix: str, prices: dict[str, float]) -> np.ndarray:
    """Per run: the count of each type in the ``<prefix><type>_count`` columns x its price."""
    total = np.zeros(len(runs))
    for column in runs.columns:
        if column.startswith(prefix) and column.endswith("_count"):
            item = column[len(prefix):-len("_count")]
            if item in _TOTALS:
                continue
            n = runs[column].to_numpy(float)
            if n.any() and item not in prices:
                raise InputError(f"--costs: no cost for {item} ({column}); allowed: a costs file "
                                 "that prices every missile type fired and threat type "
                                 "destroyed")
            total += n * prices.get(item, 0.0)
    return total


def cost_exchange(runs: pd.DataFrame, costs: Costs) -> pd.DataFrame:
    """The cost-exchange ratio per alternative (see the module notes). Columns: alternative,
    spend, value_destroyed (means per run at nominal costs), ratio, low, high (mean per-run
    ratio at nominal costs and its 95 % t interval over the runs that destroyed something),
    ratio_best, ratio_worst (mean spend / mean value destroyed at the costs' extremes), runs,
    currency."""
    by = costs.by_item()
    nominal = {k: c.nominal for k, c in by.items()}
    low = {k: c.range[0] for k, c in by.items()}
    high = {k: c.range[1] for k, c in by.items()}
    rows = []
    for alt, part in runs.groupby("alternative", sort=True):
        spend = _spend(part, "missiles_fired_", nominal)
        value = _spend(part, "killed_", nominal)
        ok = value > 0
        ratio = spend[ok] / value[ok]
        ci = mean_ci(ratio) if ratio.size >= 2 else None
        best = _spend(part, "missiles_fired_", low).mean() / max(
            _spend(part, "killed_", high).mean(), 1e-300)
        worst = _spend(part, "missiles_fired_", high).mean() / max(
            _spend(part, "killed_", low).mean(), 1e-300)
        rows.append({"alternative": int(alt), "spend": spend.mean(),
                     "value_destroyed": value.mean(),
                     "ratio": float(ratio.mean()) if ratio.size else math.nan,
                     "low": ci.low if ci else math.nan, "high": ci.high if ci else math.nan,
                     "ratio_best": best if value.any() else math.nan,
                     "ratio_worst": worst if value.any() else math.nan,
                     "runs": int(ok.sum()), "currency": costs.currency})
    return pd.DataFrame(rows)


def check_priced(costs: Costs, items: set[str], library: Library | None = None) -> None:
    """Every missile and threat type among ``items`` (a World's equipment ids) has a cost --
    checked before a campaign runs.

    Raises
    ------
    InputError
        Naming the items without a cost.
    """
    lib = library or load_library()
    needed = sorted(i for i in items if lib.get(i).kind in ("missile", "threat"))
    missing = [i for i in needed if i not in costs.by_item()]
    if missing:
        raise InputError(f"--costs: no cost for {', '.join(missing)}; allowed: a costs file that "
                         f"prices every missile and threat type of the scenario "
                         f"({', '.join(needed)})")
