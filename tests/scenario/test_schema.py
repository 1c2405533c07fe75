"""The schema: documented fields, validators, JSON Schema, stochastic licensing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel, ValidationError

from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario import instruments as ins
from chokepoint.scenario.compile import compile_scenario, draw_share
from chokepoint.scenario.schema import Assumption, Member, Scenario, Source, scenario_json_schema

MODELS: list[type[BaseModel]] = [
    Scenario,
    Member,
    Source,
    Assumption,
    ins.Recovery,
    ins.Uniform,
    ins.Triangular,
    ins.Beta,
    *ins.INSTRUMENT_TYPES,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_is_documented(model: type[BaseModel]) -> None:
    undocumented = [name for name, f in model.model_fields.items() if not f.description]
    assert undocumented == []


def test_json_schema_has_every_instrument_as_a_tagged_union() -> None:
    schema = scenario_json_schema()
    tags = set()
    for name, definition in schema["$defs"].items():
        props = definition.get("properties", {})
        if "type" in props and "const" in props["type"]:
            tags.add(props["type"]["const"])
            assert definition["additionalProperties"] is False, name
    assert tags >= {  # later issues add instruments (coercion); these are the core ones
        "export_ban",
        "quota",
        "licensing",
        "capacity_shock",
        "stockpile_release",
        "capacity_investment",
        "substitution",
        "demand_restraint",
    }
    assert schema["properties"]["dataset"]["default"] == "critical-chains"


def base(**inst: Any) -> dict[str, Any]:
    return {"name": "s", "instruments": {"i": {"actor": "A", "products": ["p"], **inst}}}


@pytest.mark.parametrize(
    ("inst", "message"),
    [
        ({"type": "export_ban", "start_day": 5, "end_day": 5}, "expected end_day > start_day"),
        (
            {"type": "export_ban", "start_day": 5, "announce_day": 7},
            "expected announce_day < start_day",
        ),
        ({"type": "export_ban", "front_running": 1.3}, "needs an announce_day"),
        (
            {"type": "quota", "cap_share": 0.5, "cap_per_day": 3},
            "exactly one of cap_per_day or cap_share",
        ),
        ({"type": "capacity_investment"}, "exactly one of units_per_day or share_of_capacity"),
        (
            {
                "type": "licensing",
                "approval_share": {"distribution": "uniform", "low": 0.6, "high": 0.2},
            },
            "low <= high",
        ),
        ({"type": "export_ban", "start_day": 500}, "expected start_day < horizon_days"),
        ({"type": "export_ban", "products": []}, "at least 1 item"),
    ],
)
def test_validators(inst: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Scenario.model_validate(base(**inst))


def test_distribution_needs_a_seed() -> None:
    draw = {"distribution": "beta", "alpha": 2, "beta": 6}
    with pytest.raises(ValidationError, match="explicit seed"):
        Scenario.model_validate(base(type="licensing", approval_share=draw))
    assert Scenario.model_validate(
        {**base(type="licensing", approval_share=draw), "seed": 1}
    ).is_stochastic()


def test_targets_default_by_kind() -> None:
    regions = ["A", "B", "C"]
    ban = ins.ExportBan(type="export_ban", actor="A", products=["p"])
    shock = ins.CapacityShock(type="capacity_shock", actor="A", products=["p"], share_lost=0.5)
    assert ban.target_regions(regions) == ["B", "C"]
    assert shock.target_regions(regions) == ["A"]


def stochastic(seed: int, members: int) -> dict[str, Any]:
    return {
        "name": "draws",
        "dataset": "toy",
        "seed": seed,
        "members": members,
        "instruments": {
            "lic": {
                "type": "licensing",
                "actor": "NORTH",
                "products": ["refined"],
                "approval_share": {"distribution": "uniform", "low": 0.1, "high": 0.5},
            }
        },
    }


def test_stochastic_licensing_is_reproducible(toy: CompiledNetwork) -> None:
    def shares(seed: int, members: int) -> list[float]:
        b = compile_scenario(Scenario.model_validate(stochastic(seed, members)), toy)
        [rule] = b.rules
        return rule.values[:, 0].tolist()

    a, again = shares(42, 5), shares(42, 5)
    assert a == again
    assert all(0.1 <= x <= 0.5 for x in a) and len(set(a)) == 5
    assert shares(42, 3) == a[:3]  # member j's draw does not depend on the batch size
    assert shares(43, 5) != a
    # the stream is SeedSequence(seed, spawn_key=(instrument 0, member j))
    rng = np.random.default_rng(np.random.SeedSequence(42, spawn_key=(0, 2)))
    assert a[2] == pytest.approx(rng.uniform(0.1, 0.5))
    lic = ins.Licensing(type="licensing", actor="A", products=["p"], approval_share=0.3)
    assert draw_share(lic, None, 0, 7) == 0.3
