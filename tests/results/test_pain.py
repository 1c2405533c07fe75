"""Time-to-pain views on the hand-checkable chain X/a -> Y/b -> Y/c (chokepoint.testing.chains)."""

from __future__ import annotations

import numpy as np
import pytest

import chokepoint as cp
from chokepoint.results import pain
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.testing.chains import chain


def ban_batch(horizon: int = 120) -> ScenarioBatch:
    """X stops shipping a to Y/b from day 0 (permit 0 on the only link)."""
    return ScenarioBatch(
        name="ban",
        horizon=horizon,
        members=["ban"],
        rules=[Rule("permit", np.array([0]), 0, np.zeros((1, 1)), length=horizon)],
    )


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    return chain(lead=5)


def test_first_hit_and_half_loss(net: cp.CompiledNetwork) -> None:
    ds = cp.simulate(net, ban_batch())
    hits = pain.first_hit(ds)
    # Y/b holds 30 days of a plus 5 days in transit: it runs dry around day 35 and is the first
    # plant to stop for lack of an input; Y/c follows (its own 30 days of b) later.
    first = hits.iloc[0]
    assert (first["region"], first["product"]) == ("Y", "b")
    assert 30 <= first["day"] <= 40
    day_c = int(hits[hits["product"] == "c"]["day"].iloc[0])
    assert day_c > first["day"]
    # X/a loses its orders on day 0 but that is not an input shortage: it is not listed
    assert "a" not in set(hits["product"])
    assert "a" in set(pain.first_hit(ds, cause="any")["product"])
    half = pain.days_to_loss(ds, "Y", products=["c"])
    assert half["day"].iloc[0] is not None and half["day"].iloc[0] >= day_c


def test_stockpile_search_is_one_batch_and_brackets_the_answer(net: cp.CompiledNetwork) -> None:
    answer = pain.stockpile_for_delay(net, ban_batch(), "Y", "a", 60, max_days=64, steps=17)
    stops = [s if s is not None else 10**9 for s in answer.first_stops]
    assert len(stops) == 17 and stops == sorted(stops)  # more stock never stops earlier
    assert answer.days_needed is not None and answer.bracket is not None
    lo, hi = answer.bracket
    i_lo, i_hi = answer.sizes.index(lo), answer.sizes.index(hi)
    assert i_hi == i_lo + 1  # adjacent sizes: the largest that fails, the smallest that passes
    assert stops[i_lo] <= 60 < stops[i_hi]
    # a day-35 stop pushed past day 60 needs about 25 more days of use (sizes step 4 days)
    assert 20 <= answer.days_needed <= 32
    # units: D days x the pair's use a_k x̄_n = 1 x 10 per day; value at unit value 10 USD
    assert answer.units == pytest.approx(answer.days_needed * 10.0)
    assert answer.value_usd == pytest.approx(answer.units * 10.0)


def test_bisect_edges() -> None:
    assert pain.bisect_sizes([0, 1, 2], [None, None, None], 5) == (0.0, None)
    assert pain.bisect_sizes([0, 1, 2], [1, 2, 3], 5) == (None, None)
    assert pain.bisect_sizes([0, 1, 2, 3], [1, 4, 6, 9], 5) == (2.0, (1.0, 2.0))
