"""shortage_origin: the walk follows the supplier behind the largest missing deliveries."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import chokepoint as cp
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.testing.chains import chain, network

H = 150


def two_suppliers(x_flow: float, z_flow: float) -> cp.CompiledNetwork:
    """Y/b (10/day to final demand) buys a from X/a (``x_flow``) and Z/a (``z_flow``); both make
    a from X/r. Every node holds 30 days of cover."""
    return network(
        [
            ("X", "r", 100.0, x_flow + z_flow),
            ("X", "a", 100.0, x_flow),
            ("Z", "a", 100.0, z_flow),
            ("Y", "b", 10.0, 10.0),
        ],
        [("a", "r", 1.0), ("b", "a", 1.0)],
        [
            ("X/r", "X/a", x_flow, 1),
            ("X/r", "Z/a", z_flow, 1),
            ("X/a", "Y/b", x_flow, 5),
            ("Z/a", "Y/b", z_flow, 5),
        ],
        [("Y/b", "Y", 10.0)],
    )


def ban_exports_of_x(net: cp.CompiledNetwork) -> xr.Dataset:
    """Ban X/a -> Y/b and X/r -> Z/a from day 0: X/a idles with its output stranded, Z/a runs out
    of r after its stock and stops shipping to Y/b."""
    ids = np.asarray(net.node_ids, dtype=str)
    pairs = list(zip(ids[net.link_src], ids[net.link_dst], strict=True))
    banned = [i for i, p in enumerate(pairs) if p in {("X/a", "Y/b"), ("X/r", "Z/a")}]
    ban = Rule("permit", np.array(banned), 0, np.zeros((1, 1)), length=H)
    return cp.simulate(net, ScenarioBatch("ban", H, ["m"], rules=[ban]))


def test_the_blocked_main_supplier_is_the_origin_not_the_small_one_that_fell() -> None:
    ds = ban_exports_of_x(two_suppliers(9.0, 1.0))
    org = ds.cp.shortage_origin().set_index("node")
    st = ds.cp.shortfall(by="node").set_index("node")
    # Z/a (10% of Y/b's a) falls, input-bound, before Y/b; X/a (90%) idles from day 0 with binding
    # code demand: 9/day missing from day 0 outweighs 1/day missing from Z/a's fall on.
    assert st.loc["Z/a", "time_to_pain"] < st.loc["Y/b", "time_to_pain"]
    assert org.loc["Z/a", "constraint"] == "input"
    assert org.loc["Y/b", "input"] == "a"
    assert org.loc["Y/b", "path"] == "Y/b <- X/a"
    assert org.loc["Y/b", "cause"] == "restricted supply"
    # X/a itself fell because its only orders were held back
    assert org.loc["X/a", "origin"] == "X/a" and org.loc["X/a", "cause"] == "restricted supply"


def test_the_larger_flow_decides_which_supplier_is_followed() -> None:
    # Same bans, flows swapped: 9/day missing once Z/a falls outweighs X/a's 1/day from day 0.
    ds = ban_exports_of_x(two_suppliers(1.0, 9.0))
    org = ds.cp.shortage_origin().set_index("node")
    assert org.loc["Y/b", "path"] == "Y/b <- Z/a <- X/r"
    assert org.loc["Y/b", "origin"] == "X/r" and org.loc["Y/b", "cause"] == "restricted supply"


def test_a_node_that_lost_its_orders_is_demand_bound() -> None:
    # Final demand for c halves: C and then B (and A) fall for lack of orders, nothing upstream.
    cut = Rule("final_demand_factor", np.array([0]), 0, np.full((1, 1), 0.5), length=60)
    ds = cp.simulate(chain(), ScenarioBatch("cut", 60, ["m"], rules=[cut]))
    org = ds.cp.shortage_origin().set_index("node")
    assert set(org.index) == {"X/a", "Y/b", "Y/c"}
    assert (org["cause"] == "demand").all() and (org["constraint"] == "demand").all()
    assert (org["origin"] == org.index).all()


def test_summary_record_is_refused_with_the_record_mode_needed() -> None:
    ban = Rule("permit", np.array([0]), 0, np.zeros((1, 1)), length=40)
    ds = cp.simulate(chain(), ScenarioBatch("b", 40, ["m"], rules=[ban]), record="summary")
    with pytest.raises(cp.InputError, match=r"record='full'.*binding_input"):
        ds.cp.shortage_origin()


def test_results_without_link_flows_are_refused() -> None:
    ban = Rule("permit", np.array([0]), 0, np.zeros((1, 1)), length=40)
    ds = cp.simulate(chain(), ScenarioBatch("b", 40, ["m"], rules=[ban]))
    with pytest.raises(cp.InputError, match="missing baseline_link_flow"):
        ds.drop_vars("baseline_link_flow").cp.shortage_origin()
