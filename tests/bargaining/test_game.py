"""The bargaining game on a symmetric two-country network: outcomes, Nash deal, timing, stockpiles."""

from __future__ import annotations

import math

import pytest

from chokepoint.bargaining.game import ESCALATION, BargainResult, _concede, bargain, scale_stocks
from chokepoint.bargaining.menu import Menu
from chokepoint.testing.chains import two_countries


def toy_menu(**extra: object) -> Menu:
    """A bans a_part to B, B bans b_part to A, both in force from day 0, each can pause."""
    return Menu.model_validate(
        {
            "name": "toy",
            "dataset": "toy",
            "horizon_days": 90,
            "sides": ["A", "B"],
            "rivalry": {"A": 0.25, "B": 0.25},
            "stockpile_multipliers": [3.0],
            "measures": {
                "a_ban": {
                    "side": "A",
                    "instrument": {
                        "type": "export_ban",
                        "actor": "A",
                        "products": ["a_part"],
                        "targets": ["B"],
                    },
                },
                "b_ban": {
                    "side": "B",
                    "instrument": {
                        "type": "export_ban",
                        "actor": "B",
                        "products": ["b_part"],
                        "targets": ["A"],
                    },
                },
            },
        }
        | extra
    )


@pytest.fixture(scope="module")
def result() -> BargainResult:
    return bargain(toy_menu(), two_countries(), sensitivity=True)


def test_outcomes_are_every_subset_and_symmetric(result: BargainResult) -> None:
    out = result.outcomes
    both = "concede: a_ban + b_ban"
    assert list(out.index) == [ESCALATION, "concede: a_ban", "concede: b_ban", both]
    assert out.loc[ESCALATION, "loss_A"] == pytest.approx(out.loc[ESCALATION, "loss_B"], rel=1e-9)
    assert out.loc["concede: a_ban", "loss_A"] == pytest.approx(out.loc["concede: b_ban", "loss_B"])
    assert out.loc[both, ["loss_A", "loss_B"]].tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    # A pauses, B keeps its ban: B only loses the b_part it no longer sells to A,
    # 10 units/day x 100 USD x 90 days = 90,000 USD
    assert out.loc["concede: a_ban", "loss_B"] == pytest.approx(90_000.0, rel=1e-6)
    # payoffs u_i = -L_i + 0.25 H_ij; A's measures do no harm once A concedes them all, and at
    # escalation A's ban does B the harm L_B(escalation) - L_B(A concedes) = 765k - 90k-ish
    row = out.loc["concede: a_ban"]
    assert row["harm_to_B"] == 0.0
    assert row["payoff_A"] == pytest.approx(-row["loss_A"])
    esc = out.loc[ESCALATION]
    assert esc["harm_to_B"] == pytest.approx(esc["loss_B"] - row["loss_B"])
    assert esc["payoff_A"] == pytest.approx(-esc["loss_A"] + 0.25 * esc["harm_to_B"])


def test_symmetric_case_gives_mutual_pause_and_even_split(result: BargainResult) -> None:
    assert result.nash == "concede: a_ban + b_ban"
    assert result.alternating == "concede: a_ban + b_ban"
    best = result.outcomes.loc[result.nash]
    assert best["gain_A"] == pytest.approx(best["gain_B"], rel=1e-9)
    assert result.split["even_alternation_share_A"] == pytest.approx(0.5)
    assert result.pain_days["A"] == result.pain_days["B"]
    assert set(result.deal()["in_deal"]) == {"pause (whole horizon)"}


def test_timing_from_the_first_pain(result: BargainResult) -> None:
    # pain = first day a product of A (under B's ban alone) is 5% below baseline: A's cars stop
    # once 20 days of b_part stock and the 5 days in transit are used up
    day = result.pain_days["A"]
    assert 20 <= day <= 27
    assert result.deal_day == day
    assert result.deal_round == math.ceil(day / 7)
    events = result.events
    assert list(events.loc[events["day"] == 0, "event"]) == ["a_ban in force", "b_ban in force"]
    assert (events.loc[events["day"] == day, "event"].str.contains("pause")).sum() == 2
    tl = result.timeline
    total = tl[(tl["path"] == ESCALATION) & (tl["side"] == "A")]["loss_usd"].sum()
    assert total == pytest.approx(result.outcomes.loc[ESCALATION, "loss_A"], rel=1e-9)
    deal = tl[(tl["path"] == "deal") & (tl["side"] == "A")]["loss_usd"].sum()
    assert 0 < deal < total


def test_stockpile_lowers_the_other_sides_leverage_and_moves_the_deal(
    result: BargainResult,
) -> None:
    sens = result.sensitivity.set_index("side_stocked")
    base = result.outcomes.loc[ESCALATION]
    a = sens.loc["A"]
    # three times A's stocks: B's ban hurts A less and later, A gets the larger share
    assert a["loss_escalation_A"] < base["loss_A"]
    assert a["loss_escalation_B"] == pytest.approx(base["loss_B"], rel=1e-6)
    assert a["pain_day_A"] > result.pain_days["A"] or math.isnan(a["pain_day_A"])
    assert a["share_A"] > 0.5
    b = sens.loc["B"]
    assert b["share_B"] == pytest.approx(a["share_A"])


def test_scale_stocks_only_touches_the_region() -> None:
    net = two_countries()
    scaled = scale_stocks(net, "B", 2.0)
    in_b = net.node_region[net.pair_node] == net.regions.get_loc("B")
    assert (scaled.stock_target_days[in_b] == 2 * net.stock_target_days[in_b]).all()
    assert (scaled.stock_target_days[~in_b] == net.stock_target_days[~in_b]).all()


def test_concessions_pause_and_come_back() -> None:
    menu = toy_menu()
    menu = menu.model_copy(
        update={
            "measures": {
                **menu.measures,
                "a_ban": menu.measures["a_ban"].model_copy(update={"pause_days": 30}),
            }
        }
    )
    assert _concede(menu, "b_ban", 0) == {"b_ban": None}
    over = _concede(menu, "a_ban", 10)
    assert over["a_ban"] == {"end_day": 10}
    assert over["a_ban__resumed"]["start_day"] == 40
    assert _concede(menu, "a_ban", 70)["a_ban"] == {"end_day": 70}
    assert "a_ban__resumed" not in _concede(menu, "a_ban", 70)  # back on day 100 > horizon 90
