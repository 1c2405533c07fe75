"""Chokepoint ranking by hypothetical extraction on the toy network."""

from __future__ import annotations

import numpy as np
import pytest

import chokepoint as cp
from chokepoint.analysis.ranking import candidates, extraction_batch, rank_chokepoints
from chokepoint.errors import NotFoundError


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    return cp.build_network(cp.load_dataset("toy"))


def test_candidates_and_batch(net: cp.CompiledNetwork) -> None:
    cands = candidates(net, share_threshold=0.5)
    assert set(zip(cands["region"], cands["product"], strict=True)) == {
        ("NORTH", "ore"),
        ("NORTH", "refined"),
        ("EAST", "component"),
        ("EAST", "product"),
    }
    batch = extraction_batch(net, cands, stop_days=90, horizon_days=120)
    assert batch.size == 4
    # member i stops only candidate i: factor 0 on its own rule, 1 on the others
    factors = np.stack([rule.values[:, 0] for rule in batch.rules])
    assert np.array_equal(factors, 1 - np.eye(4))


def test_ranking_by_hand(net: cp.CompiledNetwork) -> None:
    table = rank_chokepoints(net, share_threshold=0.2, stop_days=90, horizon_days=180)
    assert len(table) == 8
    top = table.iloc[0]
    assert (top["region"], top["product"]) == ("EAST", "product")
    # stopping EAST's assembly loses at least its own 150 units x 20,000 USD for 90 days
    assert top["hardest_hit_region"] == "EAST"
    assert top["hardest_hit_value_lost_usd"] >= 150 * 20_000 * 90 * (1 - 1e-9)
    assert top["world_value_lost_usd"] >= top["hardest_hit_value_lost_usd"]
    # the dominant refiner's stop hurts more than the minor refiner's
    rank = {
        (r, p): i for i, (r, p) in enumerate(zip(table["region"], table["product"], strict=True))
    }
    assert rank["NORTH", "refined"] < rank["SOUTH", "refined"]


def test_focus_region(net: cp.CompiledNetwork) -> None:
    table = rank_chokepoints(
        net, share_threshold=0.2, stop_days=30, horizon_days=60, focus_region="WEST"
    )
    assert table.iloc[0]["region"] == "WEST"
    assert table["focus_value_lost_usd"].is_monotonic_decreasing
    with pytest.raises(NotFoundError):
        rank_chokepoints(net, focus_region="ATLANTIS")
