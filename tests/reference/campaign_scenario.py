"""The small raid of the campaign tests (tests/campaigns/): examples/minimal.yaml's S-400
battalion against tests/reference/campaign_raid.yaml (a jet and three low cruise missiles whose
outcome varies from seed to seed), and a one-point Payload of it for the executor tests."""

from __future__ import annotations

from pathlib import Path

from iadsim.campaigns.executor import Alternative, DesignPoint, Payload
from iadsim.engine.engagement import EngagementConfig
from iadsim.scenario.figures import Figures
from iadsim.scenario.load import load_scenario_text
from iadsim.scenario.schema import Scenario
from iadsim.scenario.world import build

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "src" / "iadsim" / "examples" / "minimal.yaml").read_text()
RAID = (ROOT / "tests" / "reference" / "campaign_raid.yaml").read_text()
SCENARIO_TEXT = MINIMAL + RAID


def campaign_raid() -> Scenario:
    """The scenario, loaded."""
    return load_scenario_text(SCENARIO_TEXT, path="campaign_raid.yaml")


def one_point_payload(with_world: bool = False) -> Payload:
    """Replications of one design point; ``with_world``: its World included, as the runner
    sends it when nothing varies (workers do not build it)."""
    sc = campaign_raid()
    return Payload((Alternative(sc, EngagementConfig()),), (DesignPoint(0, 0, {}, 0),),
                   Figures.of("nominal"), sc.seed,
                   world=build(sc, "nominal") if with_world else None)
