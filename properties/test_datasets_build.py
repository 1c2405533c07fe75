"""Hypothesis invariants of the critical-chains builder's sourcing step (``_allocate``).

Whatever the buyers' needs and the suppliers' targets (with equal totals), the flows deliver
every buyer its need and every supplier exactly its target, so stage shares survive; a buyer
with a sourced China import share gets exactly that share when it is feasible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.datasets.build.critical_chains import _allocate, _ipf

FAST = settings(max_examples=40, deadline=None)
positive = st.floats(0.1, 100.0, allow_nan=False)


@st.composite
def markets(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    needs = draw(st.lists(positive, min_size=1, max_size=6))
    weights = draw(st.lists(positive, min_size=2, max_size=5))
    total = sum(needs)
    targets = np.array(weights) / sum(weights) * total
    regions = ["CHN"] + [f"R{i}" for i in range(1, len(weights))]
    supply = pd.DataFrame(
        {"node": [f"{r}/x" for r in regions], "region": regions, "target": targets}
    )
    need = pd.DataFrame(
        {
            "node": [f"B{i}/y" for i in range(len(needs))],
            "region": [f"B{i}" for i in range(len(needs))],
            "need": needs,
        }
    )
    return need, supply


@FAST
@given(markets())
def test_flows_meet_every_need_and_every_target(market: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    need, supply = market
    flows = _allocate(need, supply, pd.DataFrame(columns=["region", "share", "source"]))
    got_in = flows.groupby("buyer")["annual"].sum().reindex(need["node"]).to_numpy()
    got_out = flows.groupby("supplier")["annual"].sum().reindex(supply["node"]).fillna(0.0)
    np.testing.assert_allclose(got_in, need["need"].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(got_out.to_numpy(), supply["target"].to_numpy(), rtol=1e-6)
    assert (flows["annual"] >= 0).all()


@FAST
@given(markets(), st.floats(0.0, 1.0))
def test_a_feasible_china_share_is_kept_exactly(
    market: tuple[pd.DataFrame, pd.DataFrame], share: float
) -> None:
    need, supply = market
    # fix the smallest buyer, so the fixed row is feasible whenever one buyer fits in each column
    b = int(need["need"].idxmin())
    china = pd.DataFrame({"region": [need["region"][b]], "share": [share], "source": ["test"]})
    fixed_chn = share * need["need"][b]
    fixed_other = (1 - share) * need["need"][b]
    chn_target = float(supply["target"][0])
    if fixed_chn > chn_target or fixed_other > float(supply["target"][1:].sum()):
        return  # infeasible as a fixed row: used as a prior only (not this property)
    flows = _allocate(need, supply, china)
    row = flows[flows["buyer"] == need["node"][b]]
    from_chn = row.loc[row["supplier"] == "CHN/x", "annual"].sum()
    assert abs(from_chn / need["need"][b] - share) < 1e-9
    got_out = flows.groupby("supplier")["annual"].sum().reindex(supply["node"]).fillna(0.0)
    np.testing.assert_allclose(got_out.to_numpy(), supply["target"].to_numpy(), rtol=1e-6)


@FAST
@given(st.lists(positive, min_size=1, max_size=5), st.lists(positive, min_size=1, max_size=5))
def test_ipf_matches_both_margins(rows: list[float], cols: list[float]) -> None:
    r = np.array(rows)
    c = np.array(cols) / sum(cols) * r.sum()
    m = _ipf(np.ones((len(r), len(c))), r, c)
    np.testing.assert_allclose(m.sum(axis=1), r, rtol=1e-8)
    np.testing.assert_allclose(m.sum(axis=0), c, rtol=1e-8)
