"""Hypothesis: random valid scenarios on the toy network compile to well-formed rules."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import chokepoint as cp
from chokepoint.scenario.compile import NEUTRAL, compile_scenario
from chokepoint.scenario.load import load_scenario

NET = cp.build_network(cp.load_dataset("toy"))
REGIONS = [str(r) for r in NET.regions]
PRODUCTS = [str(p) for p in NET.products]
HORIZON = 40
WIDTH = {
    "permit": NET.n_links + len(NET.alt_src),
    "quota": NET.n_links + len(NET.alt_src),
    "capacity_factor": NET.n_nodes,
    "capacity_add": NET.n_nodes,
    "stock_release": NET.n_pairs,
    "requirement_factor": NET.n_pairs,
    "final_demand_factor": len(NET.fd_node),
    "final_permit": len(NET.fd_node),
    "target_factor": NET.n_pairs,
}

share = st.floats(0.0, 1.0)
day = st.integers(0, HORIZON - 1)


@st.composite
def instrument(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            [
                "export_ban",
                "quota",
                "licensing",
                "capacity_shock",
                "stockpile_release",
                "capacity_investment",
                "substitution",
                "demand_restraint",
            ]
        )
    )
    start = draw(day)
    out: dict[str, Any] = {
        "type": kind,
        "actor": draw(st.sampled_from(REGIONS)),
        "products": draw(st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=3, unique=True)),
        "start_day": start,
    }
    if draw(st.booleans()):
        out["end_day"] = draw(st.integers(start + 1, HORIZON + 20))
    if draw(st.booleans()):
        out["targets"] = draw(st.lists(st.sampled_from(REGIONS), min_size=1, unique=True))
    if start > 0 and draw(st.booleans()):
        out["announce_day"] = draw(st.integers(0, start - 1))
        out["front_running"] = draw(st.floats(1.0, 3.0))
    if kind == "quota":
        out["cap_share" if draw(st.booleans()) else "cap_per_day"] = draw(share)
    elif kind == "licensing":
        out["processing_days"] = draw(st.integers(0, 80))
        out["approval_share"] = draw(
            st.one_of(share, st.just({"distribution": "beta", "alpha": 2.0, "beta": 5.0}))
        )
    elif kind == "capacity_shock":
        out["share_lost"] = draw(share)
        out["recovery"] = {
            "path": draw(st.sampled_from(["none", "linear", "exponential"])),
            "days": draw(st.integers(0, 30)),
        }
    elif kind == "stockpile_release":
        pick = draw(st.sampled_from(["units", "days", "all"]))
        if pick == "units":
            out["units_per_day"] = draw(st.floats(0.1, 50.0))
        elif pick == "days":
            out["days_of_use"] = draw(st.floats(0.1, 50.0))
        out["over_days"] = draw(st.integers(1, 30))
    elif kind == "capacity_investment":
        out["units_per_day" if draw(st.booleans()) else "share_of_capacity"] = draw(
            st.floats(0.1, 5.0)
        )
        out["lead_time_days"] = draw(st.integers(0, 60))
        out["ramp_days"] = draw(st.integers(0, 20))
    elif kind == "substitution":
        out |= {"alternative": "x", "share": draw(share), "efficiency_penalty": draw(share)}
        out["ramp_days"] = draw(st.integers(0, 20))
    elif kind == "demand_restraint":
        out["share"] = draw(share)
    return out


@st.composite
def scenario(draw: st.DrawFn) -> dict[str, Any]:
    instruments = draw(st.lists(instrument(), max_size=4))
    return {
        "name": "random",
        "dataset": "toy",
        "horizon_days": HORIZON,
        "seed": draw(st.integers(0, 2**32)),
        "members": draw(st.integers(1, 3)),
        "instruments": {f"i{j}": inst for j, inst in enumerate(instruments)},
    }


@settings(max_examples=150, deadline=None)
@given(scenario())
def test_random_valid_scenarios_compile_to_well_formed_rules(doc: dict[str, Any]) -> None:
    s = load_scenario(doc)
    batch = compile_scenario(s, NET)
    assert batch.size == doc["members"]
    for rule in batch.rules:
        assert (
            rule.values.ndim == 2
            and rule.values.shape[0] == batch.size
            and rule.values.shape[1] >= 1
        )
        assert len(rule.index) > 0
        assert rule.index.min() >= 0 and rule.index.max() < WIDTH[rule.kind]
        assert len(np.unique(rule.index)) == len(rule.index)
        assert 0 <= rule.start < HORIZON and rule.days >= 1
        v = rule.values
        assert np.all(v >= 0), rule
        if rule.kind in (
            "permit",
            "capacity_factor",
            "requirement_factor",
            "final_demand_factor",
            "final_permit",
        ):
            assert np.all(v <= 1.0), rule
        if rule.kind == "target_factor":
            assert np.all(v >= 1.0)
        assert np.isfinite(v).all() or rule.kind == "quota"
        assert NEUTRAL[rule.kind] >= 0


@settings(max_examples=40, deadline=None)
@given(scenario())
def test_compilation_is_deterministic(doc: dict[str, Any]) -> None:
    a = compile_scenario(load_scenario(doc), NET)
    b = compile_scenario(load_scenario(doc), NET)
    assert [(r.kind, r.index.tolist(), r.start, r.values.tolist()) for r in a.rules] == [
        (r.kind, r.index.tolist(), r.start, r.values.tolist()) for r in b.rules
    ]
