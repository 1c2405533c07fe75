"""Invariants of the long-run market model on random markets and policies (Hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.market.model import run
from chokepoint.market.presets import compile_preset
from chokepoint.market.schema import MarketPreset

pos = st.floats(min_value=0.5, max_value=50.0)


@st.composite
def markets(draw: st.DrawFn) -> MarketPreset:
    n_rivals = draw(st.integers(min_value=1, max_value=4))
    producers: list[dict[str, Any]] = [
        {
            "name": "S",
            "region": "CHN",
            "state": True,
            "capacity": draw(st.floats(min_value=10.0, max_value=300.0)),
            "cash_cost": draw(pos),
            "fixed_cost": draw(st.floats(min_value=0.0, max_value=5.0)),
        }
    ]
    for i in range(n_rivals):
        producers.append(
            {
                "name": f"R{i}",
                "region": draw(st.sampled_from(["USA", "EU", "AUS"])),
                "capacity": draw(st.floats(min_value=0.0, max_value=150.0)),
                "entry_capacity": draw(st.floats(min_value=1.0, max_value=150.0)),
                "cash_cost": draw(pos),
                "fixed_cost": draw(st.floats(min_value=0.0, max_value=5.0)),
                "buffer": draw(st.floats(min_value=-1.0, max_value=5.0)),
                "lead_time": draw(st.integers(min_value=0, max_value=4)),
            }
        )
    u_min = draw(st.floats(min_value=0.0, max_value=1.0))
    policy = {
        "start": 2001,
        "end": 2012,
        "subsidy": draw(st.floats(min_value=0.0, max_value=20.0)),
        "loss_coverage": draw(st.floats(min_value=0.0, max_value=1.0)),
        "min_utilisation": u_min,
        "max_utilisation": draw(st.floats(min_value=u_min, max_value=1.0)),
        "export_tax": draw(st.floats(min_value=0.0, max_value=1.0)),
        "export_quota": draw(st.one_of(st.none(), st.floats(min_value=0.0, max_value=200.0))),
        "expand_capacity_to": draw(st.one_of(st.none(), st.floats(min_value=0.5, max_value=2.0))),
        "max_capacity_growth": draw(st.floats(min_value=0.0, max_value=0.5)),
        "tech_ban_added_lead_time": draw(st.integers(min_value=0, max_value=3)),
        "price_discipline": draw(st.booleans()),
    }
    retire = {
        "start": 2006,
        "end": 2012,
        "retire_capacity": draw(st.floats(min_value=0.0, max_value=0.5)),
    }
    return MarketPreset.model_validate(
        {
            "name": "random",
            "product": "x",
            "quantity_unit": "t",
            "price_unit": "USD/kg",
            "money_per_quantity_price": 0.001,
            "start_year": 2000,
            "end_year": 2012,
            "state_region": "CHN",
            "producers": producers,
            "demand": {
                "reference_price": draw(st.floats(min_value=1.0, max_value=50.0)),
                "points": [
                    {"year": 2000, "quantity": draw(st.floats(min_value=10.0, max_value=300.0))},
                    {"year": 2012, "quantity": draw(st.floats(min_value=10.0, max_value=600.0))},
                ],
                "elasticity": draw(st.floats(min_value=0.1, max_value=2.0)),
                "domestic_share": [
                    {"year": 2000, "share": draw(st.floats(min_value=0.05, max_value=0.95))}
                ],
                "backstop_price": draw(st.floats(min_value=60.0, max_value=500.0)),
            },
            "policies": [policy, retire],
            "sources": [{"id": "h", "cite": "hypothesis"}],
        }
    )


@settings(max_examples=40, deadline=None)
@given(markets())
def test_invariants(preset: MarketPreset) -> None:
    res = run(compile_preset(preset))
    inp = res.inputs
    total = res.output.sum(axis=2)
    # shares sum to one wherever anything is produced; HHI in [1/R, 1]
    shares = res.shares()
    made = total > 1e-9
    np.testing.assert_allclose(shares.sum(axis=2)[made], 1.0, rtol=1e-9)
    assert (res.hhi()[made] <= 1.0 + 1e-9).all()
    assert (res.hhi()[made] >= 1.0 / len(inp.regions) - 1e-9).all()
    # no output above capacity, none negative
    assert (res.output >= -1e-9).all()
    assert (res.output <= res.capacity * (1 + 1e-9) + 1e-9).all()
    # the state's output respects output discipline u_max
    st_out = res.output[:, :, inp.state_mask]
    st_cap = res.capacity[:, :, inp.state_mask]
    assert (st_out <= inp.max_util[:, :, None] * st_cap * (1 + 1e-9) + 1e-9).all()
    # no negative cash without exit (in the same year) for rivals; the state's producers never exit
    neg = res.buffer[:, :, ~inp.state_mask] < 0
    assert not (neg & ~res.exited[:, :, ~inp.state_mask]).any()
    assert not res.exited[:, :, inp.state_mask].any()
    # prices non-negative and capped by the backstop: a per-unit subsidy at or above cash cost
    # lets the state offer at zero (offer = max(c - s, 0), model.py), so a zero price is possible
    for price in (res.price_domestic, res.price_foreign):
        assert (price >= 0).all()
        assert (price <= inp.backstop_price[:, None] * (1 + 1e-9)).all()
    # consumption inside + outside = world output; exports never above the quota
    np.testing.assert_allclose(
        res.consumption_domestic + res.consumption_foreign, total, rtol=1e-7, atol=1e-6
    )
    assert (res.exports <= inp.quota + 1e-6).all()
    # the foreign price is never below the domestic one when the state exports
    exporting = res.exports > 1e-6
    assert (res.price_foreign[exporting] >= res.price_domestic[exporting] * (1 - 1e-9)).all()
    # the subsidy bill is never negative
    assert (res.state_subsidy >= -1e-12).all()


@settings(max_examples=20, deadline=None)
@given(markets(), st.floats(min_value=0.05, max_value=0.5))
def test_retiring_state_capacity_never_lowers_the_first_year_price(
    preset: MarketPreset, r: float
) -> None:
    """Comparative statics in the first year: consolidation (retire share r) raises P or leaves it."""
    from dataclasses import replace

    from chokepoint.market.model import tile

    inp = tile(compile_preset(preset), 2)
    retire = np.zeros_like(inp.retire)
    retire[1, 0] = r
    inp = replace(inp, retire=retire)
    res = run(inp)
    assert res.price_foreign[1, 0] >= res.price_foreign[0, 0] * (1 - 1e-9)
    assert res.price_domestic[1, 0] >= res.price_domestic[0, 0] * (1 - 1e-9)
