"""Coercion potential on the toy network, computed by hand."""

from __future__ import annotations

import pytest

import chokepoint as cp
from chokepoint.analysis.coercion import coercion_potential, dominated_stages, stage_shares
from chokepoint.errors import NotFoundError


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    return cp.build_network(cp.load_dataset("toy"))


def test_stage_shares(net: cp.CompiledNetwork) -> None:
    shares = stage_shares(net).set_index(["product", "region"])["share"]
    assert shares["refined", "NORTH"] == pytest.approx(6 / 8)
    assert shares["ore", "SOUTH"] == pytest.approx(4 / 16)
    assert shares.groupby(level="product").sum().tolist() == pytest.approx([1.0] * 4)


def test_dominated_stages(net: cp.CompiledNetwork) -> None:
    stages = dominated_stages(net, "NORTH", threshold=0.5)
    assert set(stages["product"]) == {"ore", "refined"}
    assert dominated_stages(net, "NORTH", threshold=0.8).empty


def test_value_at_risk_by_hand(net: cp.CompiledNetwork) -> None:
    table = coercion_potential(net, "NORTH").set_index("region")
    # EAST: 75% of its refined metal is Northern -> 75% of 150 x 20,000 + 600 x 50 USD/day
    assert table.loc["EAST", "value_usd_per_day"] == pytest.approx(150 * 20_000 + 600 * 50)
    assert table.loc["EAST", "value_at_risk_usd_per_day"] == pytest.approx(
        0.75 * (150 * 20_000 + 600 * 50)
    )
    assert table.loc["WEST", "value_at_risk_usd_per_day"] == pytest.approx(
        0.75 * (50 * 20_000 + 200 * 50)
    )
    # SOUTH refines its own ore: nothing Northern inside
    assert table.loc["SOUTH", "value_at_risk_usd_per_day"] == 0.0
    assert "NORTH" not in table.index
    assert table.loc["EAST", "share_at_risk"] == pytest.approx(0.75)


def test_unknown_actor(net: cp.CompiledNetwork) -> None:
    with pytest.raises(NotFoundError, match="unknown region"):
        coercion_potential(net, "ATLANTIS")
