"""Content tracing on a 4-region chain computed by hand, including a hidden path via a third country."""

from __future__ import annotations

import pandas as pd
import pytest

import chokepoint as cp
from chokepoint.analysis.tracing import (
    embodied_content,
    exposure_matrix,
    origin_share,
    value_content_share,
)
from chokepoint.errors import NotFoundError


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    frames = {
        "regions": pd.DataFrame({"region": ["CHN", "USA", "JPN", "DEU"]}),
        "products": pd.DataFrame(
            {
                "product": ["oxide", "magnet", "car"],
                "stage": ["processed", "component", "end"],
                "unit": ["kg", "kg", "vehicle"],
                "unit_value_usd": [60.0, 80.0, 40_000.0],
            }
        ),
        "producers": pd.DataFrame(
            {
                "region": ["CHN", "USA", "JPN", "CHN", "DEU"],
                "product": ["oxide", "oxide", "magnet", "magnet", "car"],
                "capacity": [10.0, 1.0, 20.0, 20.0, 10.0],
                "output": [5.4, 0.6, 10.0, 10.0, 5.0],
            }
        ),
        "recipes": pd.DataFrame(
            {"product": ["magnet", "car"], "input": ["oxide", "magnet"], "amount": [0.3, 2.0]}
        ),
        "links": pd.DataFrame(
            {
                "supplier": ["CHN/oxide", "USA/oxide", "CHN/oxide", "JPN/magnet", "CHN/magnet"],
                "buyer": ["JPN/magnet", "JPN/magnet", "CHN/magnet", "DEU/car", "DEU/car"],
                "flow": [2.4, 0.6, 3.0, 6.0, 4.0],
            }
        ),
        # JPN and CHN sell the magnets DEU does not take to their home markets
        "final_demand": pd.DataFrame(
            {
                "supplier": ["DEU/car", "JPN/magnet", "CHN/magnet"],
                "region": ["DEU", "JPN", "CHN"],
                "quantity": [5.0, 4.0, 6.0],
            }
        ),
    }
    return cp.build_network(frames)


def test_embodied_content_by_hand(net: cp.CompiledNetwork) -> None:
    content = embodied_content(net, "oxide")
    # a car holds 2 kg magnet x 0.3 kg oxide = 0.6 kg oxide
    assert content.loc["DEU/car", "total"] == pytest.approx(0.6)
    # 60% of its magnets come from JPN (80% Chinese oxide), 40% from CHN (100% Chinese oxide)
    assert content.loc["DEU/car", "CHN"] == pytest.approx(0.6 * (0.6 * 0.8 + 0.4 * 1.0))
    assert content.loc["JPN/magnet", "USA"] == pytest.approx(0.3 * 0.2)
    # the traced stage embodies one unit of itself, from its own region only
    assert content.loc["USA/oxide", "USA"] == 1.0
    assert content.loc["USA/oxide", "CHN"] == 0.0


def test_hidden_dependence_through_third_country(net: cp.CompiledNetwork) -> None:
    share = origin_share(net, "oxide", "CHN")
    assert share["DEU/car"] == pytest.approx(0.88)
    assert share["JPN/magnet"] == pytest.approx(0.8)
    assert share["USA/oxide"] == 0.0


def test_value_share_is_the_de_minimis_quantity(net: cp.CompiledNetwork) -> None:
    value = value_content_share(net, "oxide", "CHN")
    # 0.528 kg Chinese oxide x 60 USD / 40,000 USD per car
    assert value["DEU/car"] == pytest.approx(0.528 * 60 / 40_000)
    assert value_content_share(net, "oxide")["DEU/car"] == pytest.approx(0.6 * 60 / 40_000)


def test_exposure_matrix_weights_by_output(net: cp.CompiledNetwork) -> None:
    table = exposure_matrix(net, "oxide", "CHN")
    assert table.loc["DEU", "car"] == pytest.approx(0.88)
    assert table.loc["JPN", "magnet"] == pytest.approx(0.8)


def test_unknown_product_is_a_clear_error(net: cp.CompiledNetwork) -> None:
    with pytest.raises(NotFoundError, match="unknown product"):
        embodied_content(net, "unobtainium")
