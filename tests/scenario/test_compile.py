"""Compilation of each instrument on the toy network, with the expected rules computed by hand
(ids are listed in conftest.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from chokepoint.errors import InputError
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.scenario.compile import compile_scenario, shock_path
from chokepoint.scenario.instruments import CapacityShock
from chokepoint.scenario.load import load_scenario


def batch_of(net: CompiledNetwork, horizon: int = 60, **instruments: Any) -> ScenarioBatch:
    scenario = load_scenario(
        {"name": "t", "dataset": "toy", "horizon_days": horizon, "instruments": instruments}
    )
    return compile_scenario(scenario, net)


def only(batch: ScenarioBatch, kind: str) -> Rule:
    rules = [r for r in batch.rules if r.kind == kind]
    assert len(rules) == 1, [(r.kind, r.label) for r in batch.rules]
    return rules[0]


def test_export_ban_hits_exports_and_alternatives_not_domestic_buyers(toy: CompiledNetwork) -> None:
    # WEST/component ships 200/day to WEST/product (domestic: untouched) and is EAST/product's
    # qualified alternative (engine link 8 = E 8 + alternative 0): only the latter is banned.
    b = batch_of(toy, ban={"type": "export_ban", "actor": "WEST", "products": ["component"]})
    rule = only(b, "permit")
    assert rule.index.tolist() == [8]
    assert rule.values.tolist() == [[0.0]]
    assert (rule.start, rule.days) == (0, 60)
    assert b.actors == ["WEST"]


def test_export_ban_on_refined_and_final_demand(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        ban={
            "type": "export_ban",
            "actor": "NORTH",
            "products": ["refined"],
            "start_day": 10,
            "end_day": 40,
        },
    )
    rule = only(b, "permit")
    assert rule.index.tolist() == [2, 3]  # NORTH/refined -> EAST and WEST components
    assert (rule.start, rule.days) == (10, 30)
    assert rule.active(39) and not rule.active(40)
    # EAST/product serves WEST's final demand directly (f = 1): an export to final demand
    fd = only(
        batch_of(toy, b2={"type": "export_ban", "actor": "EAST", "products": ["product"]}),
        "final_permit",
    )
    assert fd.index.tolist() == [1]
    assert fd.values.tolist() == [[0.0]]


def test_targets_restrict_the_selection(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        ban={"type": "export_ban", "actor": "NORTH", "products": ["refined"], "targets": ["WEST"]},
    )
    assert only(b, "permit").index.tolist() == [3]


def test_ban_with_no_exports_warns_and_compiles_to_nothing(toy: CompiledNetwork) -> None:
    b = batch_of(toy, ban={"type": "export_ban", "actor": "EAST", "products": ["component"]})
    assert b.rules == []
    assert "no effect" in str(b.meta["warnings"])


def test_quota_share_of_baseline(toy: CompiledNetwork) -> None:
    # NORTH's refined exports are 4.5 + 1.5 = 6/day; half of it is a cap of 3/day
    b = batch_of(
        toy, q={"type": "quota", "actor": "NORTH", "products": ["refined"], "cap_share": 0.5}
    )
    rule = only(b, "quota")
    assert rule.index.tolist() == [2, 3]
    assert rule.values.tolist() == [[3.0]]


def test_licensing_processing_then_approval_share(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        lic={
            "type": "licensing",
            "actor": "NORTH",
            "products": ["refined"],
            "approval_share": 0.25,
            "processing_days": 3,
            "start_day": 2,
        },
    )
    rule = only(b, "permit")
    assert rule.start == 2 and rule.days == 58
    # days 2, 3, 4: nothing licensed yet; from day 5 on: a quarter of the trade
    assert [float(rule.value_on(d)[0]) for d in (2, 4, 5, 59)] == [0.0, 0.0, 0.25, 0.25]


def test_announcement_front_running(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        ban={
            "type": "export_ban",
            "actor": "NORTH",
            "products": ["refined"],
            "announce_day": 5,
            "start_day": 20,
            "front_running": 1.5,
        },
    )
    tf = only(b, "target_factor")
    assert tf.index.tolist() == [2, 3]  # EAST and WEST component's refined-metal pairs
    assert (tf.start, tf.days, tf.values.tolist()) == (5, 15, [[1.5]])
    assert tf.active(19) and not tf.active(20)


def test_capacity_shock_linear_recovery() -> None:
    # half lost on days 0..9, then the loss falls 0.5, 0.375, 0.25, 0.125 and is gone on day 14
    s = CapacityShock(
        type="capacity_shock",
        actor="SOUTH",
        products=["refined"],
        share_lost=0.5,
        end_day=10,
        recovery={"path": "linear", "days": 4},
    )
    path = shock_path(s, 60)
    assert path.tolist() == [0.5] * 10 + [0.5, 0.625, 0.75, 0.875]


def test_capacity_shock_exponential_and_open_ended() -> None:
    s = CapacityShock(type="capacity_shock", actor="SOUTH", products=["refined"], share_lost=0.4)
    assert shock_path(s, 30).tolist() == [0.6] * 30
    e = CapacityShock(
        type="capacity_shock",
        actor="X",
        products=["p"],
        share_lost=1.0,
        recovery={"path": "exponential", "days": 3},
    )
    # lost share exp(-3 t / 3) = 1, e^-1, e^-2 from the start day
    np.testing.assert_allclose(shock_path(e, 30), 1.0 - np.exp(-np.arange(3.0)))


def test_capacity_shock_rule(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        s={
            "type": "capacity_shock",
            "actor": "SOUTH",
            "products": ["ore", "refined"],
            "share_lost": 1.0,
            "end_day": 5,
        },
    )
    rule = only(b, "capacity_factor")
    assert rule.index.tolist() == [1, 3]
    assert rule.values.tolist() == [[0.0] * 5]
    assert not rule.active(5)


def test_stockpile_release_days_of_use_capped_by_strategic_stock(toy: CompiledNetwork) -> None:
    # EAST/component uses 0.01 x 600 = 6 t/day of refined metal and holds 10 days (60 t) strategic
    five = batch_of(
        toy,
        r={
            "type": "stockpile_release",
            "actor": "EAST",
            "products": ["refined"],
            "days_of_use": 5,
            "over_days": 5,
        },
    )
    rule = only(five, "stock_release")
    assert rule.index.tolist() == [2]
    assert (rule.values.tolist(), rule.days) == ([[6.0]], 5)  # 30 t over 5 days
    many = batch_of(
        toy,
        r={
            "type": "stockpile_release",
            "actor": "EAST",
            "products": ["refined"],
            "days_of_use": 50,
            "over_days": 20,
        },
    )
    assert only(many, "stock_release").values.tolist() == [[3.0]]  # capped at 60 t, over 20 days


def test_stockpile_release_units_per_day_until_empty(toy: CompiledNetwork) -> None:
    # 60 t strategic at 4 t/day lasts 15 days
    b = batch_of(
        toy,
        r={
            "type": "stockpile_release",
            "actor": "EAST",
            "products": ["refined"],
            "units_per_day": 4,
        },
    )
    rule = only(b, "stock_release")
    assert (rule.values.tolist(), rule.days) == ([[4.0]], 15)


def test_stockpile_release_without_stock_warns(toy: CompiledNetwork) -> None:
    b = batch_of(toy, r={"type": "stockpile_release", "actor": "WEST", "products": ["refined"]})
    assert b.rules == [] and "no strategic stock" in str(b.meta["warnings"])


def test_capacity_investment_lead_time_and_ramp(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        i={
            "type": "capacity_investment",
            "actor": "SOUTH",
            "products": ["refined"],
            "units_per_day": 2,
            "lead_time_days": 20,
            "ramp_days": 4,
            "start_day": 1,
        },
    )
    rule = only(b, "capacity_add")
    assert rule.index.tolist() == [3] and rule.start == 21 and rule.persist
    assert rule.values.tolist() == [[0.5, 1.0, 1.5, 2.0]]
    assert float(rule.value_on(59)[0]) == 2.0  # stays in service
    share = only(
        batch_of(
            toy,
            i={
                "type": "capacity_investment",
                "actor": "NORTH",
                "products": ["refined"],
                "share_of_capacity": 0.25,
            },
        ),
        "capacity_add",
    )
    assert share.values.tolist() == [[2.0]]  # a quarter of K = 8


def test_substitution_requirement_and_penalty(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        s={
            "type": "substitution",
            "actor": "WEST",
            "products": ["refined"],
            "alternative": "ferrite",
            "share": 0.5,
            "efficiency_penalty": 0.2,
            "ramp_days": 2,
        },
    )
    req = only(b, "requirement_factor")
    assert req.index.tolist() == [3] and req.values.tolist() == [[0.75, 0.5]]
    cap = only(b, "capacity_factor")
    assert cap.index.tolist() == [5] and np.allclose(
        cap.values, [[0.95, 0.9]]
    )  # 1 - 0.5 x 0.2 x ramp
    assert b.meta["substitution"] == [
        {"instrument": "s", "alternative": "ferrite", "share": 0.5, "efficiency_penalty": 0.2}
    ]


def test_demand_restraint(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy, d={"type": "demand_restraint", "actor": "WEST", "products": ["product"], "share": 0.1}
    )
    rule = only(b, "final_demand_factor")
    assert rule.index.tolist() == [1, 2] and rule.values.tolist() == [[0.9]]


def test_named_members_stack_with_neutral_values(toy: CompiledNetwork) -> None:
    scenario = load_scenario(
        {
            "name": "m",
            "dataset": "toy",
            "horizon_days": 30,
            "instruments": {
                "lic": {
                    "type": "licensing",
                    "actor": "NORTH",
                    "products": ["refined"],
                    "approval_share": 0.25,
                }
            },
            "members": [
                {"name": "strict"},
                {
                    "name": "lenient",
                    "overrides": {"instruments": {"lic": {"approval_share": 0.75}}},
                },
                {"name": "none", "overrides": {"instruments": {"lic": None}}},
            ],
        }
    )
    b = compile_scenario(scenario, toy)
    assert list(b.members) == ["strict", "lenient", "none"]
    rule = only(b, "permit")
    assert rule.values[:, 0].tolist() == [0.25, 0.75, 1.0]  # the third member has no licensing


def test_unknown_codes_are_reported_with_suggestions(toy: CompiledNetwork) -> None:
    scenario = load_scenario(
        {
            "name": "x",
            "instruments": {
                "ban": {"type": "export_ban", "actor": "NORHT", "products": ["refind", "zzz"]}
            },
        }
    )
    with pytest.raises(InputError) as info:
        compile_scenario(scenario, toy)
    text = str(info.value)
    assert "3 problems" in text
    assert "instruments.ban.actor: unknown region 'NORHT'; did you mean 'NORTH'?" in text
    assert "instruments.ban.products[0]: unknown product 'refind'; did you mean 'refined'?" in text
    assert "unknown product 'zzz' (not in toy@1.0)" in text


def test_capacity_after_the_horizon_warns(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        60,
        i={
            "type": "capacity_investment",
            "actor": "SOUTH",
            "products": ["refined"],
            "units_per_day": 1,
            "lead_time_days": 90,
        },
    )
    assert b.rules == [] and "after the horizon" in str(b.meta["warnings"])


def test_capacity_investment_without_a_producer_warns(toy: CompiledNetwork) -> None:
    b = batch_of(
        toy,
        i={
            "type": "capacity_investment",
            "actor": "EAST",
            "targets": ["EAST", "SOUTH"],
            "products": ["refined"],
            "units_per_day": 1,
        },
    )
    assert only(b, "capacity_add").index.tolist() == [3]  # SOUTH/refined exists, EAST/refined not
    assert "no existing producer to expand for EAST/refined" in str(b.meta["warnings"])
