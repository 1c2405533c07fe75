"""Leverage matrix on a symmetric two-country network, and what a stockpile does to it."""

from __future__ import annotations

import pandas as pd
import pytest

import chokepoint as cp
from chokepoint.bargaining.leverage import ALL_PRODUCTS, leverage_batch, leverage_matrix
from chokepoint.errors import NotFoundError


def two_countries(stock_b_of_a_part: float = 20.0) -> cp.CompiledNetwork:
    """A makes a_part, B makes b_part; each country's car needs one of each."""
    frames = {
        "regions": pd.DataFrame({"region": ["A", "B"]}),
        "products": pd.DataFrame(
            {
                "product": ["a_part", "b_part", "car"],
                "stage": ["component", "component", "end"],
                "unit": ["unit", "unit", "vehicle"],
                "unit_value_usd": [100.0, 100.0, 1000.0],
            }
        ),
        "producers": pd.DataFrame(
            {
                "region": ["A", "B", "A", "B"],
                "product": ["a_part", "b_part", "car", "car"],
                "capacity": [25.0, 25.0, 12.0, 12.0],
                "output": [20.0, 20.0, 10.0, 10.0],
            }
        ),
        "recipes": pd.DataFrame(
            {"product": ["car", "car"], "input": ["a_part", "b_part"], "amount": [1.0, 1.0]}
        ),
        "links": pd.DataFrame(
            {
                "supplier": ["A/a_part", "A/a_part", "B/b_part", "B/b_part"],
                "buyer": ["A/car", "B/car", "A/car", "B/car"],
                "flow": [10.0, 10.0, 10.0, 10.0],
                "lead_time_days": [2, 5, 5, 2],
            }
        ),
        "final_demand": pd.DataFrame(
            {"supplier": ["A/car", "B/car"], "region": ["A", "B"], "quantity": [10.0, 10.0]}
        ),
        "stocks": pd.DataFrame(
            {
                "node": ["A/car", "A/car", "B/car", "B/car"],
                "input": ["a_part", "b_part", "a_part", "b_part"],
                "target_days": [20.0, 20.0, stock_b_of_a_part, 20.0],
            }
        ),
    }
    return cp.build_network(frames)


def test_batch_has_one_member_per_pair_and_instrument() -> None:
    batch, members = leverage_batch(
        two_countries(), ["A", "B"], horizon_days=60, share_threshold=0.5
    )
    # each side: a full ban plus a ban of the one product it dominates (cars are not traded: no lever)
    assert batch.size == len(members) == 4
    assert set(members["instrument"]) == {ALL_PRODUCTS, "ban a_part", "ban b_part"}
    with pytest.raises(NotFoundError):
        leverage_batch(two_countries(), ["A", "Z"])


def test_symmetric_network_gives_symmetric_matrix() -> None:
    result = leverage_matrix(two_countries(), ["A", "B"], horizon_days=90)
    damage = result.damage_matrix()
    assert damage.loc["A", "B"] == pytest.approx(damage.loc["B", "A"], rel=1e-9)
    assert damage.loc["A", "B"] > 0
    pair = result.pairs.iloc[0]
    assert pair["symmetry"] == pytest.approx(1.0)
    assert pair["stronger"] == ""
    # without a_part B's cars stop once 20 days of stock and 5 days in transit are used up
    assert 20 <= result.matrix.set_index("actor").loc["A", "time_to_pain_day"] <= 26


def test_stockpile_lowers_the_other_sides_leverage() -> None:
    base = leverage_matrix(two_countries(20.0), ["A", "B"], horizon_days=90).damage_matrix()
    stocked = leverage_matrix(two_countries(60.0), ["A", "B"], horizon_days=90)
    matrix = stocked.damage_matrix()
    assert matrix.loc["A", "B"] < base.loc["A", "B"]
    assert stocked.pairs.iloc[0]["stronger"] == "B"
