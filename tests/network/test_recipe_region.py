"""Region-specific recipe rows (the optional ``recipes.region`` column).

Two regions A, B; metal needs 2 t ore per t everywhere (blank row) but 3 t in B (B's row overrides).
Outputs: A/metal 10, B/metal 10 (all to final demand); A/ore ships 2 x 10 = 20, B/ore 3 x 10 = 30.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from chokepoint.errors import InputError
from chokepoint.network import compile_network, validate_tables


def _frames(recipes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {
        "regions": pd.DataFrame({"region": ["A", "B"]}),
        "products": pd.DataFrame(
            {
                "product": ["ore", "metal"],
                "stage": ["raw", "material"],
                "unit": ["t", "t"],
                "unit_value_usd": [1.0, 10.0],
            }
        ),
        "producers": pd.DataFrame(
            {
                "region": ["A", "B", "A", "B"],
                "product": ["ore", "ore", "metal", "metal"],
                "capacity": [40.0, 40.0, 20.0, 20.0],
                "output": [20.0, 30.0, 10.0, 10.0],
            }
        ),
        "recipes": recipes,
        "links": pd.DataFrame(
            {"supplier": ["A/ore", "B/ore"], "buyer": ["A/metal", "B/metal"], "flow": [20.0, 30.0]}
        ),
        "final_demand": pd.DataFrame(
            {"supplier": ["A/metal", "B/metal"], "region": ["A", "B"], "quantity": [10.0, 10.0]}
        ),
    }


def test_region_row_overrides_blank_row() -> None:
    recipes = pd.DataFrame(
        {
            "product": ["metal", "metal"],
            "input": ["ore", "ore"],
            "amount": [2.0, 3.0],
            "region": ["", "B"],
        }
    )
    net = compile_network(validate_tables(_frames(recipes)))
    # One pair per metal node: A uses the blank row (2), B its own row (3).
    assert net.node_ids[net.pair_node].tolist() == ["A/metal", "B/metal"]
    np.testing.assert_array_equal(net.pair_amount, [2.0, 3.0])
    np.testing.assert_array_equal(net.pair_indptr, [0, 0, 0, 1, 2])
    assert net.link_pair.tolist() == [0, 1]


def test_without_region_rows_blank_recipe_everywhere() -> None:
    # Same table without B's row: B/metal would need 2 x 10 = 20 but receives 30 -> unbalanced.
    recipes = pd.DataFrame({"product": ["metal"], "input": ["ore"], "amount": [2.0]})
    with pytest.raises(InputError, match="B/metal: inputs of ore cover 15"):
        validate_tables(_frames(recipes))
    net = compile_network(validate_tables(_frames(recipes), check_balance=False))
    np.testing.assert_array_equal(net.pair_amount, [2.0, 2.0])


def test_link_to_buyer_whose_region_lacks_the_input_is_reported() -> None:
    # Only region A's metal uses ore: the link B/ore -> B/metal has no recipe input in B.
    recipes = pd.DataFrame(
        {"product": ["metal"], "input": ["ore"], "amount": [2.0], "region": ["A"]}
    )
    with pytest.raises(InputError) as err:
        validate_tables(_frames(recipes), check_balance=False)
    assert "links:1:buyer" in str(err.value)
    assert "in region 'B'" in str(err.value)
    assert "links:0:" not in str(err.value)


def test_unknown_recipe_region_and_duplicate_key() -> None:
    recipes = pd.DataFrame(
        {
            "product": ["metal", "metal", "metal"],
            "input": ["ore", "ore", "ore"],
            "amount": [2.0, 3.0, 3.0],
            "region": ["", "B", "B"],
        }
    )
    with pytest.raises(InputError, match=re.escape("recipes:2:product | duplicate key")):
        validate_tables(_frames(recipes))
    recipes = pd.DataFrame(
        {"product": ["metal"], "input": ["ore"], "amount": [2.0], "region": ["X"]}
    )
    with pytest.raises(InputError, match=re.escape("recipes:0:region | unknown region 'X'")):
        validate_tables(_frames(recipes))


def test_region_only_inputs_and_order_within_node() -> None:
    # Blank rows: metal <- ore (row 0); region B adds metal <- metal scrap (row 1) and overrides ore.
    recipes = pd.DataFrame(
        {
            "product": ["metal", "metal", "metal"],
            "input": ["ore", "metal", "ore"],
            "amount": [2.0, 0.1, 3.0],
            "region": ["", "B", "B"],
        }
    )
    frames = _frames(recipes)
    net = compile_network(validate_tables(frames, check_balance=False))
    # A/metal: [ore 2]; B/metal: [ore 3 (takes row 0's place), metal 0.1 (row 1)].
    assert net.node_ids[net.pair_node].tolist() == ["A/metal", "B/metal", "B/metal"]
    assert net.products[net.pair_product].tolist() == ["ore", "ore", "metal"]
    np.testing.assert_array_equal(net.pair_amount, [2.0, 3.0, 0.1])
