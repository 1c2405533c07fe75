"""Hypothesis invariants of the ARIO rules on random small MRIOs and random capacity shocks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.engine.ario import ArioEvent, ArioParams, simulate_ario
from chokepoint.io.mrio import from_pymrio, synthetic_iosystem
from chokepoint.network import compile_network


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    share=st.floats(0.05, 0.95),
    days=st.sampled_from([5.0, 30.0, 90.0]),
    compat=st.booleans(),
    order_type=st.sampled_from(["alt", "noalt"]),
)
def test_output_bounded_and_non_negative(
    seed: int, share: float, days: float, compat: bool, order_type: str
) -> None:
    io = synthetic_iosystem(2, 3, density=0.6, intermediate_share=0.6, seed=seed)
    net = compile_network(from_pymrio(io, inventory_days=days))
    rng = np.random.default_rng(seed)
    hit = [str(net.node_ids[i]) for i in rng.choice(net.n_nodes, 2, replace=False)]
    event = ArioEvent(
        "capacity", hit, [share, share / 2], occurrence=2, duration=10, recovery_tau=30
    )
    params = ArioParams(compat=compat, order_type=order_type)  # type: ignore[arg-type]
    ds = simulate_ario(net, [event], params, horizon=90)
    out, cap = ds.output.to_numpy(), ds.capacity.to_numpy()
    assert (out >= 0).all()
    assert (out <= cap * (1 + 1e-12) + 1e-12).all()
    assert (ds.final_unmet.to_numpy() >= -1e-9).all()
    assert (ds.overproduction.to_numpy() >= 1.0).all()
    assert (ds.overproduction.to_numpy() <= params.alpha_max + 1e-12).all()
    # A hit node never produces more than its damaged capacity allows (without overproduction).
    first = int(net.node_ids.get_loc(hit[0]))
    lag = 1 if compat else 0
    assert out[0, 2 + lag, first] <= net.output[first] * (1 - share) * params.alpha_max + 1e-9
