"""The engine reads final-demand entries in node order whatever order the network lists them in."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import chokepoint as cp
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario


@pytest.mark.parametrize("record", ["full", "summary"])
def test_results_do_not_depend_on_the_order_of_final_demand_entries(record: str) -> None:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    # B lists A's final-demand entries shuffled: B's entry j is A's entry perm[j]
    perm = np.random.default_rng(0).permutation(len(net.fd_node))
    rank = np.argsort(perm)
    shuffled = dataclasses.replace(
        net,
        fd_node=net.fd_node[perm],
        fd_region=net.fd_region[perm],
        fd_quantity=net.fd_quantity[perm],
    )
    entries = np.arange(0, len(net.fd_node), 5)  # demand restraint on every fifth entry of A
    held = np.arange(2, len(net.fd_node), 7)  # and a permit on every seventh
    runs = []
    for network, restrained, permitted in (
        (net, entries, held),
        (shuffled, rank[entries], rank[held]),
    ):
        batch = compile_scenario(load_scenario("rare-earth-licensing-2025"), network)
        size = batch.size
        restraint = Rule("final_demand_factor", restrained, 10, np.full((size, 1), 0.5), 30)
        permit = Rule("final_permit", permitted, 5, np.full((size, 1), 0.3), 20)
        rules = [*batch.rules, restraint, permit]
        batch = ScenarioBatch(batch.name, batch.horizon, batch.members, rules)
        runs.append(cp.simulate(network, batch, record=record))  # type: ignore[arg-type]
    a, b = runs
    for var in ("output", "exports", "inventory_days", "unmet_demand", "price"):
        np.testing.assert_allclose(b[var].values, a[var].values, rtol=1e-12, atol=1e-12)
    delivered_a, delivered_b = a["final_delivered"].values, b["final_delivered"].values
    if record == "full":  # entry by entry, in each network's own order
        delivered_a = delivered_a[:, :, perm]
    np.testing.assert_allclose(delivered_b, delivered_a, rtol=1e-12, atol=1e-12)
    demand_a, demand_b = a["final_demand"].values, b["final_demand"].values
    if record == "full":
        demand_a = demand_a[:, :, perm]
    np.testing.assert_allclose(demand_b, demand_a, rtol=1e-12, atol=1e-12)
    assert (a["final_delivered"].values < a["final_demand"].values - 1e-9).any()  # shortages
