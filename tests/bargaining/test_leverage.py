"""Leverage matrix on a symmetric two-country network, and what a stockpile does to it."""

from __future__ import annotations

import pytest

from chokepoint.bargaining.leverage import ALL_PRODUCTS, leverage_batch, leverage_matrix
from chokepoint.errors import NotFoundError
from chokepoint.testing.chains import two_countries


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
