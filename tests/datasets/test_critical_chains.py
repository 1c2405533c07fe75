"""The embedded dataset ``critical-chains``: valid, balanced, sourced, reproducible."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import chokepoint as cp
from chokepoint.datasets.build import critical_chains as cc
from chokepoint.datasets.registry import dataset_path
from chokepoint.io.tables import read_folder
from chokepoint.network.balance import balance
from chokepoint.network.schema import TABLES, node_id
from chokepoint.network.tables import NetworkTables


@pytest.fixture(scope="module")
def tables() -> NetworkTables:
    return cp.load_dataset("critical-chains")


def _china_share(t: NetworkTables, product: str) -> float:
    p = t.producers[t.producers["product"] == product]
    return float(p.loc[p["region"] == "CHN", "output"].sum() / p["output"].sum())


def _sourced_share(product: str, year: str) -> float:
    ss = pd.read_csv(cc.SOURCES / "stage_shares.csv", dtype=str, keep_default_na=False)
    row = ss[(ss["product"] == product) & (ss["year"] == year) & (ss["country_iso3"] == "CHN")]
    assert len(row) == 1
    return float(row["share"].iloc[0])


def test_loads_validates_and_balances(tables: NetworkTables) -> None:
    assert tables.label == "critical-chains@2025.1"
    # read_folder re-validates, including the balance of every node (1% tolerance)
    again = read_folder(dataset_path("critical-chains"), check_balance=True)
    assert again.counts() == tables.counts()
    # balancing once more moves nothing by more than one part in a million
    _, changes = balance(tables, tolerance=1e-6)
    assert changes.empty


def test_size_and_regions(tables: NetworkTables) -> None:
    counts = tables.counts()
    assert 150 <= counts["producers"] <= 600  # "a few hundred nodes"
    regions = set(tables.regions["region"])
    required = {"CHN", "USA", "JPN", "KOR", "IND", "DEU", "EUR", "AUS", "MYS", "MMR", "VNM", "ROW"}
    assert required <= regions
    assert len(regions) >= 12
    assert tables.meta["default_stock_days"] == 30


def test_every_row_has_a_source_or_a_labelled_assumption(tables: NetworkTables) -> None:
    for name in TABLES:
        df = tables.frames[name]
        ok = (df["source"].str.strip() != "") | df["note"].str.startswith("ASSUMPTION:")
        assert ok.all(), f"{name}: rows without source {list(df.index[~ok])}"


@pytest.mark.parametrize(
    ("product", "sourced_product", "year"),
    [
        ("ndpr_oxide", "magnet rare earth elements, refined (separated) output", "2023"),
        ("dy_tb_oxide", "heavy rare earth separation (Dy, Tb)", "2023"),
        ("ndfeb_magnet", "NdFeB sintered permanent magnets, production", "2024"),
        ("gallium", "primary low-purity gallium production", "2024"),
        ("anode_material", "anode active material manufacturing capacity", "2023"),
        ("battery_cell", "battery production", "2024"),
    ],
)
def test_china_shares_equal_the_sources(
    tables: NetworkTables, product: str, sourced_product: str, year: str
) -> None:
    # e.g. NdFeB: Adamas "nearly 90%" -> 0.90; gallium: 839 of 848 t -> 0.9894 (USGS, rounded)
    assert _china_share(tables, product) == pytest.approx(
        _sourced_share(sourced_product, year), abs=5e-4
    )


def test_dependence_is_honoured_for_magnet_importers(tables: NetworkTables) -> None:
    # Japan's magnet imports: 31.1% from China (KITA); the US: 76.8%.
    lk = tables.links
    for region, share in (("JPN", 0.311), ("USA", 0.768)):
        buys = lk[(lk["buyer"] == f"{region}/traction_motor")]
        from_chn = buys.loc[buys["supplier"].str.startswith("CHN/"), "flow"].sum()
        assert from_chn / buys["flow"].sum() == pytest.approx(share, abs=1e-6)


def test_nexperia_like_firm_has_plants_in_several_countries(tables: NetworkTables) -> None:
    p = tables.producers
    nex = p[p["firm"] == "nexperia"]
    assert set(nex.loc[nex["product"] == "mature_chip_wafer", "region"]) == {"DEU", "GBR"}
    assert "CHN" in set(nex.loc[nex["product"] == "packaged_chip", "region"])
    assert nex["region"].nunique() >= 2
    assert set(nex["owner_region"]) == {"NLD"}
    # its Chinese back-end takes wafers only from its own European fabs ...
    lk = tables.links
    into = lk[lk["buyer"] == "CHN/packaged_chip/nexperia"]
    assert set(into["supplier"]) == {
        "DEU/mature_chip_wafer/nexperia",
        "GBR/mature_chip_wafer/nexperia",
    }
    # ... and it ships to European car-parts makers
    out = lk[lk["supplier"] == "CHN/packaged_chip/nexperia"]
    assert {"DEU/ecu", "EUR/ecu"} <= set(out["buyer"])
    ids = node_id(p["region"], p["product"], p["firm"])
    assert "CHN/packaged_chip/nexperia" in set(ids)


def test_side_tables_and_balancing_log(tables: NetworkTables) -> None:
    folder = dataset_path("critical-chains")
    mva = pd.read_csv(folder / "manufacturing_share.csv")
    chn = mva[(mva["country_iso3"] == "CHN") & (mva["year"] == 2024)]
    assert float(chn["share"].iloc[0]) == pytest.approx(0.277)
    log = pd.read_csv(folder / "balancing.csv")
    assert {"location", "old", "new", "kind", "note"} <= set(log.columns)
    assert set(log["kind"]) <= {"reconcile", "balance"}


def test_rebuild_reproduces_the_committed_tables(tmp_path: Path) -> None:
    cc.write(cc.build(), tmp_path)
    committed = dataset_path("critical-chains")
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in committed.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name
