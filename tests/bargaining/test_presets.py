"""Preset runs on critical-chains (short horizon): orderings that follow from the inputs."""

from __future__ import annotations

import math

import pytest

import chokepoint as cp
from chokepoint.bargaining.game import ESCALATION, BargainResult, bargain
from chokepoint.bargaining.menu import load_menu


@pytest.fixture(scope="module")
def runs() -> dict[str, BargainResult]:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    out = {}
    for name in ("china-japan-2010", "china-japan-stockpile"):
        menu = load_menu(name).model_copy(update={"horizon_days": 90})
        out[name] = bargain(menu, net, sensitivity=False, timeline=False)
    return out


def test_japans_stockpile_lowers_chinas_leverage(runs: dict[str, BargainResult]) -> None:
    base, stocked = runs["china-japan-2010"], runs["china-japan-stockpile"]
    esc, esc_s = base.outcomes.loc[ESCALATION], stocked.outcomes.loc[ESCALATION]
    # the same measures against a Japan holding a year of rare-earth oxides and metals hurt less
    assert esc_s["harm_to_JPN"] < esc["harm_to_JPN"]
    assert esc_s["loss_JPN"] < esc["loss_JPN"]
    # and later: Japan's pain comes within the horizon without the stockpile, later or never with it
    assert math.isfinite(base.pain_days["JPN"])
    assert not stocked.pain_days["JPN"] <= base.pain_days["JPN"]


def test_stockpile_moves_the_predicted_deal(runs: dict[str, BargainResult]) -> None:
    base, stocked = runs["china-japan-2010"], runs["china-japan-stockpile"]
    share = "even_alternation_share_JPN"
    assert stocked.split[share] > base.split[share]
    # with Japan's pain gone or later, the deal comes later (or under no deadline)
    assert stocked.deal_day is None or stocked.deal_day > (base.deal_day or 0)
    assert base.nash is not None and stocked.nash is not None
