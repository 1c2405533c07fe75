"""ARIO rules: hand-checked kernels, steady state, batch = separate runs, event validation."""

from __future__ import annotations

import numpy as np
import pytest

from chokepoint.engine import ario
from chokepoint.engine.ario import (
    GAP,
    SEED,
    USE,
    ArioEvent,
    ArioParams,
    inventory_limit,
    overproduction,
    prepare,
    produce_nodes,
    production_capacity,
    rationing,
    recovery_curve,
    simulate_ario,
    supplier_orders,
    sweep_links,
    sweep_plan,
)
from chokepoint.errors import ChokepointError, InputError
from chokepoint.io.mrio import from_pymrio, synthetic_iosystem
from chokepoint.network import compile_network


def test_overproduction_hand_checked() -> None:
    p = ArioParams()
    alpha = np.array([[1.0], [1.1], [1.0]])
    demand = np.array([[100.0], [50.0], [80.0]])
    x_prev = np.array([[80.0], [50.0], [100.0]])
    got = overproduction(alpha, demand, x_prev, p)
    # scarcity 0.2: 1 + (1.25 - 1) x 0.2 / 365; scarcity 0: 1.1 + (1 - 1.1) / 365;
    # scarcity -0.25: 1 + 0.25 x -0.25 / 365 < 1 -> clipped to 1.
    np.testing.assert_allclose(got[:, 0], [1 + 0.05 / 365, 1.1 - 0.1 / 365, 1.0])


def test_recovery_curves() -> None:
    assert recovery_curve("linear", np.array(30.0), 60) == pytest.approx(0.5)
    assert recovery_curve("linear", np.array(90.0), 60) == 0.0
    assert recovery_curve("convexe noscale", np.array(2.0), 10) == pytest.approx(0.81)
    assert recovery_curve("convexe", np.array(1.0), 10) == pytest.approx(0.9**4)
    assert recovery_curve("concave", np.array(0.0), 30) == pytest.approx(1.0)


@pytest.mark.parametrize(("compat", "parallel"), [(True, False), (False, False), (True, True)])
def test_node_step_equals_the_rules(net, monkeypatch, compat: bool, parallel: bool) -> None:  # type: ignore[no-untyped-def]
    """The compiled node step gives the numpy rules' bits (overproduction, capacity, rationing)."""
    if parallel:
        monkeypatch.setattr(ario, "PARALLEL_VALUES", 0)
    p = ArioParams(compat=compat)
    an = prepare(net, p)
    rng = np.random.default_rng(3)
    n, size, days = net.n_nodes, 5, 3
    delta, reb, ratio, pulled = (rng.uniform(0, 0.5, (n, size)) for _ in range(4))
    reb[:, 0] = 0.0
    limit = an.x0[:, None] * rng.uniform(0.8, 1.5, (n, size))
    alpha = rng.uniform(1.0, 1.2, (n, size))
    x_prev = an.x0[:, None] * rng.uniform(0.5, 1.0, (n, size))
    orders = ratio * pulled
    demand = orders + an.fd[:, None] + reb
    alpha_want = overproduction(alpha, demand, x_prev, p)
    cap = production_capacity(an.x0, delta, alpha_want)
    x_want = np.minimum(np.fmin(demand, cap), limit)
    phi = rationing(x_want, demand)
    left = reb - reb * phi
    goal = np.fmin(orders + an.fd[:, None] + (left if compat else reb), cap)
    state = (alpha.copy(), x_prev.copy(), *(np.empty((n, size)) for _ in range(8)))
    outputs = tuple(np.full((size, days, n), -1.0) for _ in range(5))
    produce_nodes(2, p, an, delta, reb, ratio, pulled, limit, state, outputs)
    alpha_got, x_got, cap_got, goal_got, ratio_next, v, phi_got, left_got, unmet, _ = state
    for got, want in (
        (alpha_got, alpha_want), (x_got, x_want), (cap_got, cap), (goal_got, goal),
        (ratio_next, cap / an.x0[:, None]), (v, ratio * phi), (phi_got, phi), (left_got, left),
        (unmet, an.fd[:, None] * (1 - phi)),
    ):  # fmt: skip
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(outputs[0][:, 2, :], x_want.T)
    assert (outputs[0][:, [0, 1], :] == -1.0).all()


def _dense_day(an, mode, stock, x, x_goal, x_prev, x_goal_prev, v, ratio, ratio_next):  # type: ignore[no-untyped-def]
    """One day of the link sweep with plain sparse products (the reference)."""
    w, j, r = an.by_pair, an.pair_node, an.restoration
    a, gc = an.amount[:, None], an.goal_coef[:, None]

    def factor(modes, st, xs, xg, rho):  # type: ignore[no-untyped-def]
        weight = w @ rho
        gap = np.maximum(gc * xg[j] - st, 0.0) * r + a * xs[j]
        gap = np.where(modes == USE, a * xs[j], gap)
        g = np.divide(gap, weight, out=np.zeros_like(gap), where=weight != 0)
        return np.where(modes == SEED, an.seed[:, None], g)

    g_prev = factor(mode, stock, x_prev, x_goal_prev, ratio)
    deliveries = g_prev * (w @ v)
    use = a * x[j]
    new = np.maximum(stock + deliveries - use, 0.0)
    goal = gc * x_goal[j]
    g = factor(np.full_like(mode, GAP), new, x, x_goal, ratio_next)
    pulled = w.T @ g
    limit = np.full(x.shape, np.inf)
    binds = an.inv_requirement > 0
    np.minimum.at(limit, j[binds], new[binds] * an.inv_requirement[binds, None])
    moved = (np.abs(deliveries - use) > 1e-8 + 1e-5 * np.abs(use)).any(axis=0)
    far = (np.abs(new - goal) > 1e-8 + 1e-5 * np.abs(goal)).any(axis=0)
    return g_prev, (g, new, pulled, limit, moved, far)


@pytest.mark.parametrize(("threads", "block"), [(1, None), (3, 2)])
def test_link_sweep_equals_sparse_products(net, threads: int, block: int | None) -> None:  # type: ignore[no-untyped-def]
    an = prepare(net, ArioParams())
    rng = np.random.default_rng(1)
    m, n, size = len(an.amount), net.n_nodes, 4
    base = (an.goal_coef * an.x0[an.pair_node])[:, None]
    stock = base * rng.uniform(0.5, 1.5, (m, size))
    x, x_goal, x_prev, x_goal_prev = (
        an.x0[:, None] * rng.uniform(0.7, 1.0, (n, size)) for _ in range(4)
    )
    v, ratio, ratio_next = (rng.uniform(0.5, 1.2, (n, size)) for _ in range(3))
    mode = np.array([SEED, GAP, USE, GAP], dtype=np.int8)
    plan = sweep_plan(an, size, threads=threads, block=block)
    g_prev, want = _dense_day(an, mode, stock, x, x_goal, x_prev, x_goal_prev, v, ratio, ratio_next)
    # The order factors from the state, as the loop seeds them: the same bits as the reference's
    # up to rounding.
    g = np.full_like(stock, -1.0)
    supplier_orders(
        an, plan, mode, np.arange(size), stock, x_prev, x_goal_prev, ratio, np.empty((n, size)), g
    )
    np.testing.assert_allclose(g, g_prev, rtol=1e-12)
    out = stock.copy()
    kept = np.full_like(stock, -1.0)
    got = sweep_links(an, plan, g, out, kept, x, x_goal, v, ratio_next)
    # Yesterday's stocks, complete for the scenarios that moved nowhere.
    still = ~want[-2]
    np.testing.assert_array_equal(kept[:, still], stock[:, still])
    assert ((kept == -1.0) | (kept == stock)).all()
    for have, wnt in zip((g, out, *got), want, strict=True):
        np.testing.assert_allclose(have, wnt, rtol=1e-12)
    # The orders alone, for some scenarios: the same sums and factors as the sweep's, bit for bit.
    pulled = np.full((n, size), -1.0)
    g_alone = np.full_like(stock, -1.0)
    chosen = np.array([0, 2])
    supplier_orders(
        an, plan, np.full(size, GAP, dtype=np.int8), chosen, out, x, x_goal, ratio_next, pulled,
        g_alone,
    )  # fmt: skip
    np.testing.assert_array_equal(pulled[:, chosen], got[0][:, chosen])
    np.testing.assert_array_equal(g_alone[:, chosen], g[:, chosen])
    assert (pulled[:, [1, 3]] == -1.0).all()
    assert (g_alone[:, [1, 3]] == -1.0).all()
    limit = np.zeros((n, size))
    far = np.zeros(size, dtype=bool)
    inventory_limit(an, chosen, out, x_goal, limit, far)
    np.testing.assert_allclose(limit[:, chosen], got[1][:, chosen], rtol=1e-12)
    assert (far[chosen] == got[3][chosen]).all()


def test_link_sweep_sums_do_not_depend_on_threads(net) -> None:  # type: ignore[no-untyped-def]
    an = prepare(net, ArioParams())
    rng = np.random.default_rng(2)
    n, size = net.n_nodes, 3
    stock = rng.uniform(0, 10, (len(an.amount), size))
    x = an.x0[:, None] * rng.uniform(0.7, 1.0, (n, size))
    rho = rng.uniform(0.5, 1.2, (n, size))
    results = []
    for threads, block in ((1, None), (2, 1), (3, 4)):
        out = stock.copy()
        g = np.full_like(stock, 0.9)
        plan = sweep_plan(an, size, threads=threads, block=block)
        kept = np.empty_like(stock)
        results.append((out, g, *sweep_links(an, plan, g, out, kept, x, x, rho, rho)))
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def net():  # type: ignore[no-untyped-def]
    io = synthetic_iosystem(2, 3, density=0.5, intermediate_share=0.6, seed=2)
    return compile_network(from_pymrio(io, inventory_days=20))


@pytest.mark.parametrize("compat", [True, False])
def test_no_event_is_a_steady_state(net, compat: bool) -> None:  # type: ignore[no-untyped-def]
    ds = simulate_ario(net, [], ArioParams(compat=compat), horizon=60)
    np.testing.assert_allclose(ds.output.isel(scenario=0), np.tile(net.output, (60, 1)), rtol=1e-12)
    assert float(ds.final_unmet.max()) == pytest.approx(0.0, abs=1e-9)


def test_batch_equals_separate_runs(net) -> None:  # type: ignore[no-untyped-def]
    impacts = np.array([[0.2, 0.1], [0.5, 0.0], [0.9, 0.3]])
    nodes = ["R00/S001", "R01/S002"]
    batch = simulate_ario(
        net, [ArioEvent("capacity", nodes, impacts, occurrence=2, duration=5, recovery_tau=20)],
        horizon=80, members=3,
    )  # fmt: skip
    for i in range(3):
        alone = simulate_ario(
            net, [ArioEvent("capacity", nodes, impacts[i], occurrence=2, duration=5, recovery_tau=20)],
            horizon=80,
        )  # fmt: skip
        np.testing.assert_allclose(
            batch.output.isel(scenario=i), alone.output.isel(scenario=0), rtol=1e-13
        )
    # Bigger shocks hurt more (total output lost over the horizon).
    lost = (batch.baseline_output - batch.output).sum(("day", "node")).to_numpy()
    assert lost[0] < lost[1] < lost[2]


def test_event_problems_are_collected(net) -> None:  # type: ignore[no-untyped-def]
    bad = [
        ArioEvent("capacity", ["R00/S001", "XX/S000"], [0.2, 0.1]),
        ArioEvent("capacity", ["R00/S001"], [1.5]),
        ArioEvent("capital", ["R00/S001"], [1e12]),
    ]
    with pytest.raises(InputError) as err:
        simulate_ario(net, bad, horizon=5)
    text = str(err.value)
    assert "events[0].nodes[1] | unknown node 'XX/S000'" in text
    assert "events[1].impact | expected capacity shares ≤ 1" in text
    assert "events[2].impact | expected capital destroyed ≤ productive capital" in text
    with pytest.raises(ChokepointError, match="psi"):
        ArioParams(psi=1.5)


def test_float32_state_stays_close_to_float64(net) -> None:  # type: ignore[no-untyped-def]
    impacts = np.array([[0.2, 0.1], [0.5, 0.0], [0.9, 0.3]])
    event = ArioEvent(
        "capacity", ["R00/S001", "R01/S002"], impacts, occurrence=2, duration=5, recovery_tau=20
    )
    wide = simulate_ario(net, [event], horizon=80, members=3)
    narrow = simulate_ario(net, [event], ArioParams(dtype="float32"), horizon=80, members=3)
    assert narrow.output.dtype == np.float64  # the Dataset stays float64
    # Within float32 rounding of baseline output, node by node.
    x0 = net.output[None, None, :]
    for name in ("output", "capacity", "final_unmet"):
        assert (np.abs(narrow[name].to_numpy() - wide[name].to_numpy()) <= 1e-5 * x0).all()
    steady = simulate_ario(net, [], ArioParams(dtype="float32"), horizon=30)
    np.testing.assert_allclose(
        steady.output.isel(scenario=0), np.tile(net.output, (30, 1)), rtol=1e-5
    )
    with pytest.raises(ChokepointError, match="dtype"):
        ArioParams(dtype="float16")  # type: ignore[arg-type]
