"""critical-chains: where the world's NdFeB magnets go (ASSUMPTION industrial_motor_residual).

China's residual ("industrial motors and other uses") is its output minus its modelled uses minus
its exports, the exports being the sourced Q1-2025 rate (shared events.csv E020: "Q1-2025 magnet
exports ~5,100 t/month", supplements.csv ``china_magnet_exports``). The tests check that the built
tables carry that input through.
"""

from __future__ import annotations

import pandas as pd
import pytest

import chokepoint as cp
from chokepoint.datasets.build import critical_chains as cc
from chokepoint.network.tables import NetworkTables

E020_T_PER_MONTH = 5100.0  # events.csv E020: "Q1-2025 magnet exports ~5,100 t/month"


@pytest.fixture(scope="module")
def tables() -> NetworkTables:
    return cp.load_dataset("critical-chains")


def _magnet_links(t: NetworkTables) -> pd.DataFrame:
    lk = t.links[t.links["supplier"].str.endswith("/ndfeb_magnet")].copy()
    lk["supplier_region"] = lk["supplier"].str.split("/").str[0]
    lk["buyer_region"] = lk["buyer"].str.split("/").str[0]
    return lk


def test_supplement_row_is_the_e020_figure() -> None:
    sup = pd.read_csv(cc.SOURCES / "supplements.csv", dtype=str, keep_default_na=False)
    row = sup[sup["id"] == "china_magnet_exports"]
    assert len(row) == 1
    assert float(row["value"].iloc[0]) == E020_T_PER_MONTH
    assert row["unit"].iloc[0] == "t/month"
    assert "E020" in row["source"].iloc[0]


def test_china_magnet_exports_equal_the_e020_figure(tables: NetworkTables) -> None:
    lk = _magnet_links(tables)
    chn = lk[lk["supplier_region"] == "CHN"]
    exports = chn.loc[chn["buyer_region"] != "CHN", "flow"].sum()
    fd = tables.final_demand
    exports += fd.loc[
        fd["supplier"].str.startswith("CHN/ndfeb_magnet") & (fd["region"] != "CHN"), "quantity"
    ].sum()
    # 5,100 t/month x 12 / 365 = 167.7 t/day
    assert exports == pytest.approx(E020_T_PER_MONTH * 12 / cc.DAYS, rel=1e-6)
    # China's buyers take only Chinese magnets, so the exports are all of China's trade
    into_chn = lk[lk["buyer_region"] == "CHN"]
    assert set(into_chn["supplier_region"]) == {"CHN"}


def test_china_residual_is_output_minus_uses_minus_exports(tables: NetworkTables) -> None:
    p = tables.producers
    chn_out = p.loc[(p["region"] == "CHN") & (p["product"] == "ndfeb_magnet"), "output"].sum()
    lk = _magnet_links(tables)
    into_chn = lk[lk["buyer_region"] == "CHN"]
    modelled = into_chn.loc[into_chn["buyer"] != "CHN/industrial_motor", "flow"].sum()
    residual = p.loc[(p["region"] == "CHN") & (p["product"] == "industrial_motor"), "output"]
    assert float(residual.iloc[0]) == pytest.approx(
        chn_out - modelled - E020_T_PER_MONTH * 12 / cc.DAYS, rel=1e-6
    )


def test_other_regions_residual_follows_manufacturing_value_added(tables: NetworkTables) -> None:
    p = tables.producers
    im = p[(p["product"] == "industrial_motor") & (p["region"] != "CHN")]
    im = im.set_index("region")["output"]
    mva = pd.read_csv(cc.OUT / "manufacturing_share.csv")
    w = mva[mva["share"].notna() & (mva["region"] != "CHN")].groupby("region")["share"].sum()
    assert set(im.index) == set(w.index)
    pd.testing.assert_series_equal(
        (im / im.sum()).sort_index(), (w / w.sum()).sort_index(), check_names=False, rtol=1e-6
    )
