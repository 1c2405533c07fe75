"""Hand-checked concentration indicators on tiny share tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chokepoint.analysis.concentration import (
    concentration,
    crn,
    governance_weighted_hhi,
    hhi,
    hhi_band,
    import_concentration,
    import_reliance,
    normalised_hhi,
    scale_wgi,
    shares,
    top_supplier,
)
from chokepoint.errors import ChokepointError


@pytest.fixture
def table() -> pd.DataFrame:
    # product a: CHN 0.6, AUS 0.3, USA 0.1; product b given as volumes 50/50.
    return pd.DataFrame(
        {
            "product": ["a", "a", "a", "b", "b"],
            "stage": ["mine"] * 5,
            "region": ["CHN", "AUS", "USA", "CHN", "BRA"],
            "share": [0.6, 0.3, 0.1, 0.5, 0.5],
            "value": [6.0, 3.0, 1.0, 50.0, 50.0],
            "t": [1.2, 1.0, 1.0, 1.0, 1.0],
        }
    )


def test_hhi_fraction_and_points(table: pd.DataFrame) -> None:
    # a: 0.36 + 0.09 + 0.01 = 0.46 ; b: 0.25 + 0.25 = 0.5
    h = hhi(table, ["product", "stage"])
    assert h[("a", "mine")] == pytest.approx(0.46)
    assert h[("b", "mine")] == pytest.approx(0.5)
    pts = hhi(table, "product", scale="points")
    assert pts["a"] == pytest.approx(4600.0)
    assert pts["b"] == pytest.approx(5000.0)


def test_shares_from_values_match_given_shares(table: pd.DataFrame) -> None:
    s = shares(table, "product", value="value")
    np.testing.assert_allclose(s.to_numpy(), table["share"].to_numpy())
    assert hhi(table, "product", value="value")["a"] == pytest.approx(0.46)


def test_shares_of_empty_group_are_nan() -> None:
    t = pd.DataFrame({"product": ["x", "x"], "value": [0.0, 0.0]})
    assert shares(t, "product").isna().all()


def test_crn_and_top_supplier(table: pd.DataFrame) -> None:
    assert crn(table, "product", 1)["a"] == pytest.approx(0.6)
    assert crn(table, "product", 3)["a"] == pytest.approx(1.0)
    assert crn(table, "product", 2)["a"] == pytest.approx(0.9)
    top = top_supplier(table, "product")
    assert top.loc["a", "top_region"] == "CHN"
    assert top.loc["a", "top_share"] == pytest.approx(0.6)
    # tie on b: first row in table order wins
    assert top.loc["b", "top_region"] == "CHN"
    with pytest.raises(ChokepointError):
        crn(table, "product", 0)


def test_normalised_hhi() -> None:
    # (0.46 - 1/3) / (1 - 1/3) = 0.12667 / 0.66667 = 0.19 ; two equal shares -> 0 ; monopoly -> 1
    out = normalised_hhi(np.array([0.46, 0.5, 1.0]), np.array([3, 2, 1]))
    np.testing.assert_allclose(out, [0.19, 0.0, 1.0])


def test_concentration_table(table: pd.DataFrame) -> None:
    c = concentration(table, "product")
    assert list(c.index) == ["a", "b"]
    assert c.loc["a", "n_suppliers"] == 3
    assert c.loc["a", "hhi_points"] == pytest.approx(4600.0)
    assert c.loc["a", "cr1"] == pytest.approx(0.6)
    assert c.loc["a", "cr3"] == pytest.approx(1.0)
    assert c.loc["a", "hhi_normalised"] == pytest.approx(0.19)
    assert c.loc["a", "band_2010"] == "highly concentrated"
    assert c.loc["b", "share_total"] == pytest.approx(1.0)


def test_hhi_bands_edges() -> None:
    b10 = hhi_band(np.array([1499.0, 1500.0, 2500.0, 2500.1, np.nan]), "2010")
    assert list(b10) == [
        "unconcentrated",
        "moderately concentrated",
        "moderately concentrated",
        "highly concentrated",
        "",
    ]
    b23 = hhi_band(np.array([1800.0, 1800.5]), "2023")
    assert list(b23) == ["not highly concentrated", "highly concentrated"]


def test_scale_wgi() -> None:
    # 2 (2.5 - 1.0) = 3 ; 2 (2.5 + 3) = 11 -> clipped 10 ; 2 (2.5 - 2.6) = -0.2 -> 0
    # Nigeria in the 2017 report: WGI* 6.92 <=> mean estimate -0.96
    np.testing.assert_allclose(scale_wgi(np.array([1.0, -3.0, 2.6, -0.96])), [3, 10, 0, 6.92])


def test_governance_weighted_hhi(table: pd.DataFrame) -> None:
    wgi = {"CHN": 6.0, "AUS": 2.0, "USA": 3.0, "BRA": 5.0}
    g = governance_weighted_hhi(table, "product", wgi, t="t")
    # a: 0.36*6*1.2 + 0.09*2 + 0.01*3 = 2.592 + 0.18 + 0.03 = 2.802 ; b: 0.25*6 + 0.25*5 = 2.75
    assert g.loc["a", "hhi_wgi_t"] == pytest.approx(2.802)
    assert g.loc["b", "hhi_wgi_t"] == pytest.approx(2.75)
    assert g.loc["a", "wgi_missing_share"] == 0.0
    # cap WGI*·t at 5: CHN 7.2 -> 5: 1.8 + 0.18 + 0.03 = 2.01
    capped = governance_weighted_hhi(table, "product", wgi, t="t", cap=5.0)
    assert capped.loc["a", "hhi_wgi_t"] == pytest.approx(2.01)


def test_governance_weighted_hhi_missing_wgi_is_reported(table: pd.DataFrame) -> None:
    wgi = {"CHN": 6.0, "AUS": 2.0}
    g = governance_weighted_hhi(table, "product", wgi, t="t")
    # USA excluded: 2.592 + 0.18 = 2.772, with 10% of supply reported as missing
    assert g.loc["a", "hhi_wgi_t"] == pytest.approx(2.772)
    assert g.loc["a", "wgi_missing_share"] == pytest.approx(0.1)
    assert g.loc["a", "wgi_missing_regions"] == "USA"
    assert g.loc["b", "wgi_missing_regions"] == "BRA"
    # with a default of 5 for missing regions: 2.772 + 0.01*5 = 2.822
    d = governance_weighted_hhi(table, "product", wgi, t="t", missing_wgi=5.0)
    assert d.loc["a", "hhi_wgi_t"] == pytest.approx(2.822)
    assert d.loc["a", "wgi_missing_share"] == 0.0


def test_import_reliance() -> None:
    # (100-20)/(20+100-20) = 0.8 ; net exporter -> 0 ; zero consumption -> NaN
    ir = import_reliance(np.array([20.0, 100.0, 0.0]), np.array([100.0, 10.0, 10.0]), [20, 50, 10])
    assert ir[0] == pytest.approx(0.8)
    assert ir[1] == 0.0
    assert np.isnan(ir[2])


def test_import_concentration_per_importer() -> None:
    trade = pd.DataFrame(
        {
            "importer": ["DEU", "DEU", "FRA", "DEU"],
            "exporter": ["CHN", "USA", "DEU", "DEU"],
            "product": ["ga"] * 4,
            "value": [80.0, 20.0, 10.0, 99.0],  # the DEU->DEU row is ignored
        }
    )
    production = pd.DataFrame({"region": ["DEU"], "product": ["ga"], "value": [50.0]})
    out = import_concentration(trade, production=production)
    deu = out.loc[("DEU", "ga")]
    # M = 100, X = 10, P = 50 -> IR = 90/140 ; HHI = 0.64 + 0.04
    assert deu["imports"] == pytest.approx(100.0)
    assert deu["hhi"] == pytest.approx(0.68)
    assert deu["top_origin"] == "CHN"
    assert deu["import_reliance"] == pytest.approx(90.0 / 140.0)
    assert deu["top_origin_reliance"] == pytest.approx(0.8 * 90.0 / 140.0)
    fra = out.loc[("FRA", "ga")]
    assert fra["hhi"] == pytest.approx(1.0)
    assert fra["import_reliance"] == pytest.approx(1.0)


def test_missing_column_is_a_clear_error(table: pd.DataFrame) -> None:
    with pytest.raises(ChokepointError, match="lacks column"):
        hhi(table, "sector")
