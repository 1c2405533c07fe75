"""docs/scenarios.md, section 'Coercion instruments': every example compiles on critical-chains."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import chokepoint as cp
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario

DOC = Path(__file__).parents[2] / "docs" / "scenarios.md"


def test_every_coercion_example_compiles_on_critical_chains() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml coercion-example\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 3
    net = cp.build_network(cp.load_dataset("critical-chains"))
    kinds = set()
    batches = {}
    for block in blocks:
        scenario = load_scenario(yaml.safe_load(block))
        batches[scenario.name] = batch = compile_scenario(scenario, net)
        assert batch.rules, scenario.name
        assert batch.meta["warnings"] == [], scenario.name
        kinds |= {inst.type for _, inst in scenario.instrument_items()}  # type: ignore[attr-defined]
    assert kinds >= {"extraterritorial_licensing", "equipment_export_ban", "firm_control"}
    # the equipment ban of the example is broken by makers outside China: the US cells keep
    # their own 730-day lead time
    bans = batches["equipment-ban"].meta["capacity_bans"]
    assert bans and all(b["broken_by"] and b["effective_lead_time_days"] == 730 for b in bans)
    assert [r.start for r in batches["equipment-ban"].rules_of("capacity_add")] == [730]
