"""Hypothesis: coercion instruments on critical-chains behave monotonically.

* extraterritorial licensing: a higher de minimis threshold never catches more suppliers, and every
  caught supplier's content share reaches the threshold;
* capacity bans: without a source outside the actor a ban never brings a plant on line earlier
  (L'_i >= L_i), and with a source it proceeds at the third-country lead time.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import chokepoint as cp
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario

NET = cp.build_network(cp.load_dataset("critical-chains"))
HORIZON = 400


def caught(threshold: float) -> dict[str, float]:
    rule = {
        "type": "extraterritorial_licensing",
        "actor": "CHN",
        "products": ["dy_tb_oxide"],
        "de_minimis": threshold,
        "approval_share": 0.5,
        "include_direct": False,
    }
    scenario = load_scenario({"name": "p", "horizon_days": 30, "instruments": {"r": rule}})
    meta = compile_scenario(scenario, NET).meta
    entries = meta.get("extraterritorial", [{"caught": []}])[0]["caught"]
    return {e["node"]: e["content_share"] for e in entries}


@settings(max_examples=8, deadline=None)
@given(st.floats(1e-5, 0.2), st.floats(1e-5, 0.2))
def test_higher_threshold_catches_no_more(a: float, b: float) -> None:
    low, high = sorted((a, b))
    at_low, at_high = caught(low), caught(high)
    assert set(at_high) <= set(at_low)
    assert all(share >= high for share in at_high.values())


def plant_start(ban: dict[str, Any], lead: int) -> list[int]:
    invest = {
        "type": "capacity_investment",
        "actor": "USA",
        "products": ["ndfeb_magnet"],
        "units_per_day": 1.0,
        "lead_time_days": lead,
    }
    scenario = load_scenario(
        {"name": "p", "horizon_days": HORIZON, "instruments": {"plant": invest, "ban": ban}}
    )
    return [r.start for r in compile_scenario(scenario, NET).rules_of("capacity_add")]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300))
def test_ban_without_source_never_speeds_up_a_plant(lead: int, banned: int, third: int) -> None:
    ban = {
        "type": "tech_export_ban",
        "actor": "CHN",
        "products": ["ndfeb_magnet"],
        "banned_lead_time_days": banned,
        "third_country_lead_time_days": third,
    }
    assert plant_start(ban, lead) == [max(lead, banned)]
    # REE processing equipment is also made in Japan: an equipment ban is broken
    broken = {**ban, "type": "equipment_export_ban", "equipment": ["ree_processing_equipment"]}
    assert plant_start(broken, lead) == [max(lead, third)]
