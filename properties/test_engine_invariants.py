"""Hypothesis invariants of the engine on small random balanced networks and random batches."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import chokepoint as cp
from chokepoint.engine import kernels as K
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.testing.chains import random_network as _random_network

H = 50
FAST = settings(max_examples=10, deadline=None)
SEEDS = st.integers(0, 40)
random_network = lru_cache(maxsize=None)(_random_network)


def _rules(net: cp.CompiledNetwork, seed: int, size: int) -> list[Rule]:
    """Random permits, quotas, capacity shocks, releases and demand factors for ``size`` members."""
    rng = np.random.default_rng(seed)
    e, n, m, f = net.n_links, net.n_nodes, net.n_pairs, len(net.fd_node)

    def pick(k: int) -> np.ndarray:
        return np.unique(rng.integers(0, k, size=max(1, k // 3)))

    rules = [
        Rule("permit", pick(e), int(rng.integers(0, 10)), rng.random((size, 1)), length=40),
        Rule(
            "capacity_factor", pick(n), int(rng.integers(0, 20)), rng.random((size, 3)), length=30
        ),
        Rule("stock_release", pick(m), 0, 5 * rng.random((size, 1)), length=10),
        Rule("final_demand_factor", pick(f), 5, 0.5 + rng.random((size, 1)), length=20),
        Rule("requirement_factor", pick(m), 0, 0.5 + rng.random((size, 1)), length=H),
        Rule("target_factor", pick(m), 0, 1 + rng.random((size, 1)), length=15),
        Rule("capacity_add", pick(n), 30, 3 * rng.random((size, 1)), persist=True),
    ]
    q = pick(e)
    rules.append(Rule("quota", q, 0, net.link_flow[q].sum() * rng.random((size, 1)), length=H))
    return rules


@FAST
@given(seed=SEEDS, size=st.integers(1, 3))
def test_no_rules_is_an_exact_steady_state(seed: int, size: int) -> None:
    net = random_network(seed, tiers=4)
    ds = cp.simulate(net, ScenarioBatch.baseline(H, size))
    np.testing.assert_allclose(
        ds["output"].values,
        np.broadcast_to(net.output, (size, H, net.n_nodes)),
        rtol=1e-9,
        atol=1e-12,
    )
    inv = ds["inventory_days"].values
    np.testing.assert_allclose(inv, np.broadcast_to(inv[:, :1], inv.shape), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ds["market_price"].values, 1.0, atol=1e-9)


@FAST
@given(seed=SEEDS)
def test_permits_of_one_reproduce_the_baseline(seed: int) -> None:
    net = random_network(seed, tiers=3)
    ones = Rule("permit", np.arange(net.n_links), 0, np.ones((1, 1)), length=H)
    ds = cp.simulate(net, ScenarioBatch("ones", H, ["m"], rules=[ones]))
    base = cp.simulate(net, ScenarioBatch.baseline(H))
    np.testing.assert_array_equal(ds["output"].values, base["output"].values)


@FAST
@given(seed=SEEDS, rules_seed=SEEDS)
def test_physical_invariants_under_random_rules(seed: int, rules_seed: int) -> None:
    net = random_network(seed, tiers=4)
    ds = cp.simulate(net, ScenarioBatch("r", H, ["a", "b"], rules=_rules(net, rules_seed, 2)))
    out, cap = ds["output"].values, ds["capacity"].values
    tol = 1e-9 * (1 + np.abs(cap))
    assert (out >= -1e-12).all()
    assert (out <= cap + tol).all(), "output above capacity"
    inv = ds["inventory_days"].values
    assert (np.nan_to_num(inv, nan=0.0) >= -1e-12).all(), "negative stock"
    assert (ds["market_price"].values > 0).all() and np.isfinite(ds["market_price"].values).all()
    # nothing shipped that was not produced: exports and final deliveries come out of output
    assert (ds["exports"].values <= out + tol).all()
    delivered = ds["final_delivered"].values
    per_node = np.zeros_like(out)
    for f, node in enumerate(net.fd_node):  # loop over a handful of test entries
        per_node[:, :, node] += delivered[:, :, f]
    assert (per_node <= out + tol).all()
    assert (delivered <= ds["final_demand"].values + 1e-9).all()


@FAST
@given(seed=SEEDS, size=st.integers(1, 3), scale=st.floats(0.01, 100), day=st.integers(0, 400))
def test_fused_shipments_add_up_to_output(seed: int, size: int, scale: float, day: int) -> None:
    from chokepoint.engine import fused as F
    from chokepoint.engine.structure import prepare

    en = prepare(random_network(seed, tiers=3), 365)
    rng = np.random.default_rng(seed)
    orders = rng.random((size, en.m)) * scale
    share = np.broadcast_to(en.link_share, (size, en.n_links)).copy()
    wanted = np.empty((size, en.n_links))
    by_src, by_pair = np.zeros((size, en.n)), np.zeros((size, en.m))
    F.link_demand(orders, share, en.link_pair, en.link_src, wanted, by_src, by_pair)
    np.testing.assert_allclose(by_pair, orders, rtol=1e-9)  # shares of a pair sum to 1
    final = rng.random((size, en.n_final)) * scale
    servable = by_src + en.fd_by_node.sum(final)
    x = np.minimum(servable, rng.random((size, en.n)) * scale * 3)
    ratio = np.minimum(K._div(x, servable), 1.0)
    delivered = final * ratio[:, en.fd_node]
    ring = np.zeros((size, en.ring_days, en.m))
    received, exports = np.zeros((size, en.m)), np.zeros((size, en.n))
    shipped = wanted.copy()
    F.link_ship(
        shipped,
        ratio,
        en.link_src,
        en.link_pair,
        en.link_lead,
        en.link_export,
        day,
        ring,
        received,
        exports,
    )
    out = np.stack([np.bincount(en.link_src, row, minlength=en.n) for row in shipped])
    np.testing.assert_allclose(out + en.fd_by_node.sum(delivered), x, rtol=1e-9, atol=1e-12)
    assert (shipped <= wanted + 1e-12).all()
    np.testing.assert_allclose(ring.sum(axis=1), received, rtol=1e-9, atol=1e-12)
    # a shipment with lead time L lands in slot (day + L) mod B
    lead = en.link_lead[0]
    only = np.zeros_like(shipped)
    only[:, 0] = shipped[:, 0]
    ring1 = np.zeros_like(ring)
    F.link_ship(
        only,
        np.ones_like(ratio),
        en.link_src,
        en.link_pair,
        en.link_lead,
        en.link_export,
        day,
        ring1,
        np.zeros_like(received),
        np.zeros_like(exports),
    )
    np.testing.assert_allclose(
        ring1[:, (day + lead) % en.ring_days, en.link_pair[0]], shipped[:, 0], rtol=1e-12
    )


@FAST
@given(seed=SEEDS, lo=st.floats(0, 1), hi=st.floats(0, 1))
def test_loss_is_monotone_in_ban_severity(seed: int, lo: float, hi: float) -> None:
    lo, hi = sorted((lo, hi))
    net = random_network(seed, tiers=3)
    rng = np.random.default_rng(seed)
    links = np.unique(rng.integers(0, net.n_links, size=2))
    # severity s: permit 1 - s on the banned links; members ordered by severity
    ban = Rule("permit", links, 0, np.array([[1 - lo], [1 - hi]]), length=H)
    ds = cp.simulate(net, ScenarioBatch("ban", H, ["lo", "hi"], rules=[ban]))
    unmet = (ds["final_demand"] - ds["final_delivered"]).sum(("day", "final")).values
    assert unmet[1] >= unmet[0] - 1e-6 * (1 + unmet[0])


@FAST
@given(seed=SEEDS, lo=st.floats(0, 1), hi=st.floats(0, 1))
def test_loss_is_monotone_in_shock_depth(seed: int, lo: float, hi: float) -> None:
    lo, hi = sorted((lo, hi))
    net = random_network(seed, tiers=3)
    node = np.array([int(np.random.default_rng(seed).integers(0, net.n_nodes))])
    shock = Rule("capacity_factor", node, 0, np.array([[1 - lo], [1 - hi]]), length=H)
    ds = cp.simulate(net, ScenarioBatch("shock", H, ["lo", "hi"], rules=[shock]))
    unmet = (ds["final_demand"] - ds["final_delivered"]).sum(("day", "final")).values
    assert unmet[1] >= unmet[0] - 1e-6 * (1 + unmet[0])


@FAST
@given(seed=SEEDS, rules_seed=SEEDS, size=st.integers(2, 4))
def test_a_batch_equals_its_single_runs(seed: int, rules_seed: int, size: int) -> None:
    net = random_network(seed, tiers=4)
    rules = _rules(net, rules_seed, size)
    batch = cp.simulate(net, ScenarioBatch("b", H, [f"m{i}" for i in range(size)], rules=rules))
    for i in range(size):
        one = [
            Rule(r.kind, r.index, r.start, r.values[i : i + 1], r.length, r.persist, r.label)
            for r in rules
        ]
        single = cp.simulate(net, ScenarioBatch("s", H, ["m"], rules=one))
        for var in ("output", "inventory_days", "exports", "price"):
            np.testing.assert_allclose(
                batch[var].values[i], single[var].values[0], rtol=1e-12, atol=1e-12
            )
    # chunked batches give the same result as one chunk
    chunked = cp.simulate(
        net,
        ScenarioBatch("b", H, [f"m{i}" for i in range(size)], rules=rules),
        cp.EngineParams(scenario_chunk=1),
    )
    np.testing.assert_allclose(chunked["output"].values, batch["output"].values, rtol=1e-12)
