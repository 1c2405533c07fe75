"""Chain views on the toy chain (ore -> refined -> component -> product), checked by hand."""

from __future__ import annotations

import pytest

import chokepoint as cp
from chokepoint.analysis.chains import (
    chain_stages,
    list_chains,
    region_shares,
    supplier_shares,
    supplier_tree,
    top_country,
)
from chokepoint.errors import NotFoundError
from chokepoint.network.tables import NetworkTables


@pytest.fixture(scope="module")
def toy() -> NetworkTables:
    return cp.load_dataset("toy")


def test_stages_are_ordered_by_recipe_depth(toy: NetworkTables) -> None:
    stages = chain_stages(toy, "toy")
    assert list(stages["product"]) == ["ore", "refined", "component", "product"]
    assert list(stages["depth"]) == [0, 1, 2, 3]
    # world refined output: NORTH 6 + SOUTH 2 = 8 per day
    assert stages.set_index("product").loc["refined", "world_output"] == pytest.approx(8.0)


def test_shares_and_top_country(toy: NetworkTables) -> None:
    shares = region_shares(toy, "toy").set_index(["product", "region"])["share"]
    assert shares[("refined", "NORTH")] == pytest.approx(0.75)  # 6 / 8
    assert shares[("ore", "SOUTH")] == pytest.approx(0.25)  # 4 / 16
    top = top_country(toy, "toy").set_index("product")
    assert top.loc["component", "region"] == "EAST"  # 600 of 800
    assert top.loc["component", "share"] == pytest.approx(0.75)


def test_who_supplies_whom(toy: NetworkTables) -> None:
    s = supplier_shares(toy, "toy").set_index(["product", "input", "region"])["share"]
    # refined to component makers: NORTH 4.5 + 1.5 = 6, SOUTH 1.5 + 0.5 = 2 -> 0.75 / 0.25
    assert s[("component", "refined", "NORTH")] == pytest.approx(0.75)
    tree = supplier_tree(toy, "toy")
    assert [n["product"] for n in tree] == ["product"]
    chain = tree[0]
    assert chain["inputs"][0]["product"] == "component"
    assert chain["inputs"][0]["inputs"][0]["inputs"][0]["product"] == "ore"
    assert list_chains(toy).set_index("chain").loc["toy", "products"] == 4


def test_unknown_chain_is_a_clear_error(toy: NetworkTables) -> None:
    with pytest.raises(NotFoundError, match="expected one of toy"):
        chain_stages(toy, "rare-earths")
