"""Compile the toy chain and check every index, share and CSR pointer by hand.

Nodes (producers.csv order): 0 NORTH/ore, 1 SOUTH/ore, 2 NORTH/refined, 3 SOUTH/refined,
4 EAST/component, 5 WEST/component, 6 EAST/product, 7 WEST/product.
Recipes: refined <- 2 ore; component <- 0.01 refined; product <- 4 component.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chokepoint as cp
from chokepoint.network import compile_network


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    from chokepoint.datasets import load_packaged

    return compile_network(load_packaged("toy"))


def test_node_labels(net: cp.CompiledNetwork) -> None:
    assert list(net.node_ids) == [
        "NORTH/ore",
        "SOUTH/ore",
        "NORTH/refined",
        "SOUTH/refined",
        "EAST/component",
        "WEST/component",
        "EAST/product",
        "WEST/product",
    ]
    # regions.csv order NORTH, SOUTH, EAST, WEST; products ore, refined, component, product.
    assert net.node_region.tolist() == [0, 1, 0, 1, 2, 3, 2, 3]
    assert net.node_product.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert net.node_owner.tolist() == net.node_region.tolist()  # no owner_region given
    assert (net.node_firm == -1).all()


def test_input_pairs_csr(net: cp.CompiledNetwork) -> None:
    # Ore nodes have no inputs; each other node has exactly one input pair.
    assert net.pair_indptr.tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 6]
    assert net.pair_node.tolist() == [2, 3, 4, 5, 6, 7]
    assert net.pair_product.tolist() == [0, 0, 1, 1, 2, 2]
    np.testing.assert_allclose(net.pair_amount, [2.0, 2.0, 0.01, 0.01, 4.0, 4.0])
    # No substitution groups: every pair is its own group.
    assert net.pair_group.tolist() == [0, 1, 2, 3, 4, 5]
    assert net.group_node.tolist() == [2, 3, 4, 5, 6, 7]


def test_links_csr_and_shares(net: cp.CompiledNetwork) -> None:
    # Links sorted by supplier: 0->2, 1->3, 2->4, 2->5, 3->4, 3->5, 4->6, 5->7.
    assert net.link_indptr.tolist() == [0, 1, 2, 4, 6, 7, 8, 8, 8]
    assert net.link_src.tolist() == [0, 1, 2, 2, 3, 3, 4, 5]
    assert net.link_dst.tolist() == [2, 3, 4, 5, 4, 5, 6, 7]
    assert net.link_pair.tolist() == [0, 1, 2, 3, 2, 3, 4, 5]
    np.testing.assert_allclose(net.link_flow, [12, 4, 4.5, 1.5, 1.5, 0.5, 600, 200])
    assert net.link_lead_time.tolist() == [2, 2, 20, 30, 25, 25, 3, 3]
    # EAST/component buys refined 4.5 from NORTH and 1.5 from SOUTH: shares 4.5/6 and 1.5/6.
    # WEST/component: 1.5 and 0.5 of 2.0.
    np.testing.assert_allclose(net.link_share(), [1, 1, 0.75, 0.75, 0.25, 0.25, 1, 1])
    np.testing.assert_allclose(net.pair_inflow(), [12, 4, 6, 2, 600, 200])


def test_final_demand_stocks_alternatives(net: cp.CompiledNetwork) -> None:
    assert net.fd_node.tolist() == [6, 6, 7]
    assert net.fd_region.tolist() == [2, 3, 3]
    np.testing.assert_allclose(net.final_demand_by_node(), [0, 0, 0, 0, 0, 0, 150, 50])
    # default_stock_days 30 everywhere; EAST/component's refined (pair 2) holds 10 strategic days.
    np.testing.assert_allclose(net.stock_target_days, [30] * 6)
    np.testing.assert_allclose(net.stock_initial_days, [30] * 6)
    np.testing.assert_allclose(net.stock_strategic_days, [0, 0, 10, 0, 0, 0])
    # EAST/product may qualify WEST/component for its component input (pair 4) in 20 days.
    assert (net.alt_pair.tolist(), net.alt_src.tolist()) == ([4], [5])
    assert net.alt_qualification_days.tolist() == [20]


def test_balanced_and_values(net: cp.CompiledNetwork) -> None:
    # Output = deliveries + final demand: NORTH/ore 12 = 12; EAST/product 150 = 0 + 150.
    np.testing.assert_allclose(net.output, net.deliveries() + net.final_demand_by_node())
    # Output total 12+4+6+2+600+200+150+50 = 1024.
    assert float(net.output.sum()) == 1024.0
    np.testing.assert_allclose(net.unit_value, [100, 10000, 50, 20000])
    adj = net.adjacency().toarray()
    assert adj[2, 4] == 4.5 and adj[3, 5] == 0.5 and adj.sum() == pytest.approx(824.0)


def test_compiled_arrays_are_integer_typed(net: cp.CompiledNetwork) -> None:
    for name in ("pair_indptr", "link_indptr", "link_src", "link_dst", "link_pair", "pair_node"):
        assert getattr(net, name).dtype == np.int64, name


def test_build_network_accepts_raw_frames() -> None:
    from chokepoint.datasets import load_packaged

    raw = {name: df.copy() for name, df in load_packaged("toy").frames.items()}
    net = cp.build_network(raw)
    assert net.n_nodes == 8 and isinstance(net.node_ids, pd.Index)
