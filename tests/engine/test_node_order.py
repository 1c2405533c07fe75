"""The engine may run a network with its nodes renumbered for locality: same results, given order."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chokepoint as cp
from chokepoint.engine.ordering import Relabel, locality_order, wants_locality
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario
from chokepoint.testing.chains import random_network

VARIABLES = ("output", "capacity", "exports", "inventory_days", "unmet_demand", "price", "binding")


def _every_kind(net: cp.CompiledNetwork, size: int) -> list[Rule]:
    """A rule of each kind that indexes nodes, pairs or links, on every few ids."""
    col = np.full((size, 1), 0.5)
    return [
        Rule("permit", np.arange(0, net.n_links, 3), 2, col * 0.2, 40),
        Rule("quota", np.arange(1, net.n_links, 4), 5, col * 0.0 + 0.1, 30),
        Rule("capacity_factor", np.arange(0, net.n_nodes, 5), 0, col, 25),
        Rule("capacity_add", np.arange(2, net.n_nodes, 7), 30, col, 20),
        Rule("stock_release", np.arange(0, net.n_pairs, 3), 10, col, 10),
        Rule("requirement_factor", np.arange(1, net.n_pairs, 4), 15, col * 1.5, 20),
        Rule("target_factor", np.arange(0, net.n_pairs, 2), 0, col * 3.0, 20),
        Rule("final_permit", np.arange(0, len(net.fd_node), 6), 3, col, 20),
        Rule("final_demand_factor", np.arange(1, len(net.fd_node), 5), 8, col, 20),
    ]


def _pair(net: cp.CompiledNetwork, batch: ScenarioBatch, record: str) -> tuple[object, object]:
    runs = [
        cp.simulate(net, batch, cp.EngineParams(node_order=order), record=record)  # type: ignore[arg-type]
        for order in ("given", "locality")
    ]
    return runs[0], runs[1]


def _same(a: object, b: object, rtol: float = 1e-9) -> None:
    for var in (*VARIABLES, "final_delivered", "final_demand", "market_price"):
        np.testing.assert_allclose(b[var].values, a[var].values, rtol=rtol, atol=rtol)  # type: ignore[index]
    for coord in ("node", "region", "product", "final"):
        if coord in a.coords:  # type: ignore[attr-defined]
            assert (b[coord].values == a[coord].values).all()  # type: ignore[index]


@pytest.mark.parametrize("record", ["full", "summary"])
def test_renumbered_dataset_run_gives_the_given_order_results(record: str) -> None:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    batch = compile_scenario(load_scenario("rare-earth-licensing-2025"), net)
    batch = ScenarioBatch(
        batch.name, batch.horizon, batch.members, [*batch.rules, *_every_kind(net, batch.size)]
    )
    given_order, renumbered = _pair(net, batch, record)
    _same(given_order, renumbered)
    out = given_order["output"].values  # type: ignore[index]
    assert (out < given_order["baseline_output"].values - 1e-6).any()  # type: ignore[index]


def test_locality_order_renumbers_nodes() -> None:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    order = locality_order(net)
    assert sorted(order.tolist()) == list(range(net.n_nodes))
    assert not np.array_equal(order, np.arange(net.n_nodes))  # the test above renumbers
    assert locality_order(net) is order  # once per network


def _links(net: cp.CompiledNetwork) -> set[tuple[str, str, float]]:
    ids = np.asarray(net.node_ids, dtype=str)
    return set(zip(ids[net.link_src], ids[net.link_dst], net.link_flow, strict=True))


def test_relabelled_network_keeps_its_invariants() -> None:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    order = np.random.default_rng(3).permutation(net.n_nodes)
    new = Relabel.of(net, order).network
    assert (np.diff(new.pair_node) >= 0).all() and (np.diff(new.link_src) >= 0).all()
    assert (new.pair_node == np.repeat(np.arange(new.n_nodes), np.diff(new.pair_indptr))).all()
    assert (np.diff(new.pair_indptr) == np.bincount(new.pair_node, minlength=new.n_nodes)).all()
    assert (np.diff(new.link_indptr) == np.bincount(new.link_src, minlength=new.n_nodes)).all()
    assert (new.pair_node[new.link_pair] == new.link_dst).all()
    assert (new.group_node[new.pair_group] == new.pair_node).all()
    live = new.alt_pair >= 0
    assert (live == (net.alt_pair >= 0)).all()
    # the same links, flows and final demand, under new names
    assert _links(net) == _links(new)
    assert (np.asarray(new.node_ids)[new.fd_node] == np.asarray(net.node_ids)[net.fd_node]).all()
    # every array field of the network is one of those renumbered or a per-product/label field
    sizes = {net.n_nodes, net.n_pairs, net.n_links, net.n_groups}
    kept = {"unit_value", "product_stage", "product_unit", "fd_region", "fd_quantity"}
    kept |= {"alt_qualification_days"}  # per product, per final-demand entry, per alternative
    for field in dataclasses.fields(net):
        value = getattr(net, field.name)
        if isinstance(value, np.ndarray) and field.name not in kept and len(value) in sizes:
            assert not np.array_equal(getattr(new, field.name), value), field.name


def test_auto_renumbers_large_networks_only() -> None:
    net = cp.build_network(cp.load_dataset("toy"))
    assert not wants_locality(net, "auto")
    assert wants_locality(net, "locality")
    assert not wants_locality(net, "given")
    with pytest.raises(cp.ChokepointError, match="node_order"):
        cp.EngineParams(node_order="random")  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), shock=st.floats(0.0, 1.0))
def test_random_networks_renumbered_give_the_same_results(seed: int, shock: float) -> None:
    net = random_network(seed, tiers=4, regions=4)
    rules = [
        Rule("permit", np.arange(0, net.n_links, 2), 0, np.full((1, 1), shock), 30),
        Rule("capacity_factor", np.arange(0, net.n_nodes, 3), 5, np.full((1, 1), shock), 20),
    ]
    batch = ScenarioBatch("r", 60, ["m"], rules)
    given_order, renumbered = _pair(net, batch, "full")
    _same(given_order, renumbered)
