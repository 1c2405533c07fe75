"""docs/scenarios.md: the reference section matches the schema, and every example runs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario
from chokepoint.scenario.schema import reference_markdown

DOC = Path(__file__).parents[2] / "docs" / "scenarios.md"


def test_reference_is_in_sync_with_the_schema() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("<!-- reference:start -->\n", 1)[1].split("\n<!-- reference:end -->", 1)[0]
    assert section == reference_markdown(), (
        "regenerate the reference section of docs/scenarios.md: "
        "uv run --frozen python -m chokepoint.scenario.schema docs/scenarios.md"
    )


def test_every_example_loads_and_compiles(toy: CompiledNetwork) -> None:
    blocks = re.findall(r"```yaml example\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 10
    kinds = set()
    for block in blocks:
        scenario = load_scenario(yaml.safe_load(block))
        batch = compile_scenario(scenario, toy)
        assert batch.rules, scenario.name
        kinds |= {inst.type for _, inst in scenario.instrument_items()}  # type: ignore[attr-defined]
    assert len(kinds) == 8  # one example per instrument type
