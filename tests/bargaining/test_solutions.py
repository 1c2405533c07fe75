"""Bargaining solutions: hand-computed Nash solution on a 2x2 menu, symmetry, patience."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chokepoint.bargaining.solutions import (
    alternating_offers,
    nash_bargaining,
    patience,
    rubinstein_share,
)


def menu_2x2(
    loss_a_from_b: float, loss_b_from_a: float, cost_a: float, cost_b: float
) -> pd.DataFrame:
    """Payoffs of keeping (K) or pausing (P) each side's measure: A's measure hurts B and costs A."""
    rows = {}
    for a_keeps in (True, False):
        for b_keeps in (True, False):
            name = f"A{'K' if a_keeps else 'P'}-B{'K' if b_keeps else 'P'}"
            pay_a = -(loss_a_from_b if b_keeps else 0.0) - (cost_a if a_keeps else 0.0)
            pay_b = -(loss_b_from_a if a_keeps else 0.0) - (cost_b if b_keeps else 0.0)
            rows[name] = (pay_a, pay_b)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["A", "B"])


def test_nash_on_2x2_by_hand() -> None:
    # A's measure costs B 10 and A 2; B's measure costs A 6 and B 1.
    menu = menu_2x2(loss_a_from_b=6, loss_b_from_a=10, cost_a=2, cost_b=1)
    # threat AK-BK: A = -8, B = -11.  AP-BP: gains (8, 11) -> 88; AK-BP: A=-2 (6), B=-10 (1) -> 6;
    # AP-BK: A=-6 (2), B=-1 (10) -> 20.  Mutual pause wins.
    result = nash_bargaining(menu, "AK-BK", sides=("A", "B"))
    assert result.outcome == "AP-BP"
    assert result.gains == (8.0, 11.0)
    assert result.product == 88.0
    assert result.table.loc["AP-BK", "nash_product"] == 20.0


def test_symmetric_case_gives_symmetric_deal() -> None:
    menu = menu_2x2(loss_a_from_b=5, loss_b_from_a=5, cost_a=1, cost_b=1)
    result = nash_bargaining(menu, "AK-BK")
    assert result.gains[0] == result.gains[1]
    shares = alternating_offers(10.0, {"A": 30.0, "B": 30.0}, proposer="A", round_days=0.01)
    assert shares["share_A"] == pytest.approx(0.5, abs=1e-3)
    assert shares["limit_share_A"] == 0.5


def test_no_deal_when_nothing_improves_on_the_threat() -> None:
    menu = pd.DataFrame({"A": [0.0, -1.0], "B": [0.0, 5.0]}, index=["threat", "other"])
    assert nash_bargaining(menu, "threat").outcome is None


def test_faster_pain_means_smaller_share() -> None:
    slow, fast = 120.0, 30.0
    a_hurts_fast = alternating_offers(1.0, {"A": fast, "B": slow}, proposer="A")
    a_hurts_slow = alternating_offers(1.0, {"A": slow, "B": fast}, proposer="A")
    assert a_hurts_fast["share_A"] < a_hurts_slow["share_A"]
    assert a_hurts_fast["limit_share_A"] == pytest.approx((1 / slow) / (1 / fast + 1 / slow))


def test_patience_and_rubinstein_by_hand() -> None:
    assert patience(7.0, 7.0) == pytest.approx(math.exp(-1))
    assert rubinstein_share(0.5, 0.8) == pytest.approx(0.2 / 0.6)
    with pytest.raises(ValueError, match="discount"):
        rubinstein_share(1.0, 0.5)
    with pytest.raises(ValueError, match="positive"):
        patience(0.0)
