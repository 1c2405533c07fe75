"""The engine on the embedded toy network: steady state, a ban, a batch."""

from __future__ import annotations

import numpy as np
import pytest

import chokepoint as cp
from chokepoint.scenario.batch import Rule, ScenarioBatch


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    return cp.build_network(cp.load_dataset("toy"))


def _link(net: cp.CompiledNetwork, src: str, dst: str) -> int:
    ids = np.asarray(net.node_ids)
    hit = np.flatnonzero((ids[net.link_src] == src) & (ids[net.link_dst] == dst))
    return int(hit[0])


def test_no_rules_is_the_steady_state(net: cp.CompiledNetwork) -> None:
    ds = cp.simulate(net, ScenarioBatch.baseline(120))
    np.testing.assert_allclose(ds["output"].values[0], np.tile(net.output, (120, 1)), rtol=1e-12)
    # every input pair of the toy holds 30 days of cover, day after day
    inv = ds["inventory_days"].values[0]
    np.testing.assert_allclose(inv[:, 2:], 30.0, rtol=1e-12)
    assert np.isnan(inv[:, :2]).all()  # ore nodes have no inputs
    np.testing.assert_allclose(ds["market_price"].values, 1.0, atol=1e-12)


def test_ban_on_the_refiner_stops_the_buyers(net: cp.CompiledNetwork) -> None:
    ban = Rule(
        "permit",
        np.array([_link(net, "NORTH/refined", "EAST/component")]),
        0,
        np.zeros((1, 1)),
        length=150,
    )
    ds = cp.simulate(net, ScenarioBatch("ban", 150, ["ban"], rules=[ban], actors=["NORTH"]))
    ttp = ds.cp.time_to_pain(by="node").set_index("node")["day"]
    assert ttp["EAST/component"] is not None
    assert ttp["SOUTH/ore"] is None
    summary = ds.cp.summary()
    assert set(summary["metrics"]) == {
        "time_to_pain",
        "output_lost",
        "unmet_final_demand",
        "exports_monthly",
        "prices",
        "recovery_day",
        "firms",
        "shortfall",
        "price_paths",
        "shortage_origin",
    }
    assert summary["scenarios"] == 1
    assert "member" not in summary["metrics"]["time_to_pain"][0]
    lost = ds.cp.output_lost().set_index(["region", "product"])
    assert lost.loc[("EAST", "component"), "units"] > 0


def test_progress_counts_scenario_days_and_chunks_agree(net: cp.CompiledNetwork) -> None:
    calls: list[tuple[int, int]] = []
    ban = Rule("permit", np.array([2, 3]), 0, np.array([[0.0], [0.5], [1.0]]), length=40)
    batch = ScenarioBatch("b", 40, ["a", "b", "c"], rules=[ban])
    ds = cp.simulate(
        net,
        batch,
        cp.EngineParams(scenario_chunk=2),
        progress=lambda done, total: calls.append((done, total)),
    )
    # chunks of 2 and 1 scenarios: 40 calls of +2 then 40 of +1, ending at 3 x 40
    assert len(calls) == 80 and calls[-1] == (120, 120) and calls[0] == (2, 120)
    whole = cp.simulate(net, batch)
    np.testing.assert_array_equal(ds["output"].values, whole["output"].values)


def test_float32_keeps_the_steady_state_and_bad_rules_are_refused(
    net: cp.CompiledNetwork,
) -> None:
    ds = cp.simulate(net, ScenarioBatch.baseline(60), cp.EngineParams(dtype="float32"))
    np.testing.assert_allclose(ds["output"].values[0], np.tile(net.output, (60, 1)), rtol=1e-5)
    bad = Rule("permit", np.array([99]), 0, np.zeros((1, 1)))
    with pytest.raises(cp.ChokepointError, match="index out of range"):
        cp.simulate(net, ScenarioBatch("bad", 10, ["m"], rules=[bad]))
    with pytest.raises(cp.ChokepointError, match="adaptation_speed"):
        cp.EngineParams(adaptation_speed=2.0)
