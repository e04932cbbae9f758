"""Small scenarios built by hand for engine tests (one fire unit, one threat, known geometry)."""

from __future__ import annotations

from iadsim.scenario.schema import Scenario


def pantsir_one_jet(start_lat: float = 53.08, end_lat: float = 52.9, missiles: bool = True,
                    name: str = "pantsir, one jet") -> Scenario:
    """One Pantsir-S1 (96K6 with 12 57E6E, or no missiles; 2A38M guns; 2RL80E search and 1RS2-1E
    tracking radars) at (53.0 N, 26.0 E) on flat ground; one F-16C at 500 m MSL flying due south
    along 26 E at 250 m/s from ``start_lat`` to ``end_lat``."""
    load = ", load: {57E6E: 12}" if missiles else ""
    return Scenario.from_yaml(f"""
iadsim: 1
name: {name}
seed: 4
terrain: {{synthetic: {{seed: 1, relief_m: 0, base_m: 0}}}}
battalions:
  - id: pantsir-1
    system: Pantsir-S1
    site: {{lat_deg: 53.0, lon_deg: 26.0, ground_alt_m: 0, location_note: test, assumed: true,
           reasoning: test}}
    radars: [{{id: p-search, type: 2RL80E}}, {{id: p-track, type: 1RS2-1E}}]
    launchers: [{{type: 96K6, count: 1{load}}}]
threats:
  - id: jet
    type: F-16C
    route:
      - {{lat_deg: {start_lat}, lon_deg: 26.0, alt_m: 500, alt_ref: msl, speed_m_s: 250}}
      - {{lat_deg: {end_lat}, lon_deg: 26.0, alt_m: 500, alt_ref: msl, speed_m_s: 250}}
""")
