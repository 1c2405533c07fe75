"""Properties of the bargaining solutions on random menus (no engine)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chokepoint.bargaining.solutions import alternating_offers, nash_bargaining, rubinstein_share

payoff = st.floats(min_value=-1e6, max_value=0.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(payoff, payoff), min_size=2, max_size=16))
def test_nash_is_feasible_and_pareto_undominated(rows: list[tuple[float, float]]) -> None:
    menu = pd.DataFrame(rows, columns=["A", "B"], index=[f"o{i}" for i in range(len(rows))])
    result = nash_bargaining(menu, "o0")
    if result.outcome is None:
        return
    a, b = menu.loc[result.outcome]
    d_a, d_b = menu.loc["o0"]
    assert a >= d_a and b >= d_b
    # no feasible outcome is at least as good for both and strictly better for one
    better = (menu["A"] >= a) & (menu["B"] >= b) & ((menu["A"] > a) | (menu["B"] > b))
    assert not better.any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(payoff, payoff), min_size=2, max_size=16))
def test_nash_swaps_with_the_sides(rows: list[tuple[float, float]]) -> None:
    menu = pd.DataFrame(rows, columns=["A", "B"], index=[f"o{i}" for i in range(len(rows))])
    one = nash_bargaining(menu, "o0", sides=("A", "B"))
    two = nash_bargaining(menu, "o0", sides=("B", "A"))
    assert np.isclose(one.product, two.product)


@given(
    st.floats(min_value=0.0, max_value=0.999),
    st.floats(min_value=0.0, max_value=0.999),
)
def test_rubinstein_share_in_unit_interval_and_monotone(d_p: float, d_r: float) -> None:
    share = rubinstein_share(d_p, d_r)
    assert 0.0 <= share <= 1.0
    # a more patient responder never leaves the proposer more
    assert rubinstein_share(d_p, min(d_r + 0.0005, 0.9995)) <= share + 1e-12


@given(st.floats(min_value=1.0, max_value=1000.0), st.floats(min_value=1.0, max_value=1000.0))
@example(999.9999999999999, 1000.0)  # a near tie that rounds to exactly 0.5 (found by Hypothesis)
def test_even_alternation_favours_the_side_that_hurts_later(t_a: float, t_b: float) -> None:
    out = alternating_offers(1.0, {"A": t_a, "B": t_b}, proposer="A")
    assert np.isclose(out["limit_share_A"], t_a / (t_a + t_b))
    # the side that hurts later gets at least half (rounding may leave a near tie at exactly 0.5)
    share = out["limit_share_A"]
    assert share >= 0.5 if t_a >= t_b else share <= 0.5
