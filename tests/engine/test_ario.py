"""ARIO rules: hand-checked kernels, steady state, batch = separate runs, event validation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from chokepoint.engine.ario import (
    ArioEvent,
    ArioParams,
    overproduction,
    production,
    recovery_curve,
    simulate_ario,
    supplier_orders,
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


def test_production_inventory_limit_hand_checked() -> None:
    # One node with two pairs: I = 5 against ψ s a = 0.8 (limit 5 / 0.8 = 6.25), the other never binds.
    x = production(
        np.array([[10.0]]), np.array([[5.0], [100.0]]), np.array([0.8, 0.0]), np.array([0, 2])
    )
    assert x[0, 0] == pytest.approx(6.25)


def test_recovery_curves() -> None:
    assert recovery_curve("linear", np.array(30.0), 60) == pytest.approx(0.5)
    assert recovery_curve("linear", np.array(90.0), 60) == 0.0
    assert recovery_curve("convexe noscale", np.array(2.0), 10) == pytest.approx(0.81)
    assert recovery_curve("convexe", np.array(1.0), 10) == pytest.approx(0.9**4)
    assert recovery_curve("concave", np.array(0.0), 30) == pytest.approx(1.0)


def test_supplier_orders_equal_sparse_product() -> None:
    rng = np.random.default_rng(0)
    by_pair = sp.random_array((30, 7), density=0.3, rng=rng, format="csr")
    by_pair.indptr = by_pair.indptr.astype(np.int32)
    by_pair.indices = by_pair.indices.astype(np.int32)
    g = rng.random((30, 3))
    np.testing.assert_allclose(supplier_orders(by_pair, g, 7), by_pair.T @ g)


@pytest.fixture(scope="module")
def net():  # type: ignore[no-untyped-def]
    io = synthetic_iosystem(2, 3, density=0.5, intermediate_share=0.6, seed=2)
    return compile_network(from_pymrio(io, inventory_days=20))


@pytest.mark.parametrize("compat", [True, False])
def test_no_event_is_a_steady_state(net, compat: bool) -> None:  # type: ignore[no-untyped-def]
    ds = simulate_ario(net, [], ArioParams(compat=compat), horizon=60)
    np.testing.assert_allclose(ds.output.isel(member=0), np.tile(net.output, (60, 1)), rtol=1e-12)
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
            batch.output.isel(member=i), alone.output.isel(member=0), rtol=1e-13
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
