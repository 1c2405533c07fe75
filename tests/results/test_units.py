"""Physical units in results: magnets in tonnes and cars in vehicles never add up.

Four plants without inputs, each selling 10/day to final demand at home, capacity = output = 10
(no overproduction): X makes magnets (t, 50 USD/t) and cars (vehicle, 1000 USD), Y ore (t, 5 USD/t)
and magnets. For the first 10 of 20 days every plant but X/car runs at half capacity and X/car
stops. Lost: each magnet and ore plant 10 x 5 = 50 t, X/car 10 x 10 = 100 vehicles; in USD,
X 50 x 50 + 100 x 1000 = 102 500 and Y 50 x 50 + 50 x 5 = 2 750.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import chokepoint as cp
from chokepoint.engine.recorder import RecordMode
from chokepoint.report.html import ranked, table
from chokepoint.results import pain
from chokepoint.results.io import from_netcdf, from_parquet, to_netcdf, to_parquet
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.testing.chains import network

H = 20
PHYSICAL = ["units", "units_supply", "units_orders"]


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    nodes = [("X", "magnet"), ("X", "car"), ("Y", "ore"), ("Y", "magnet")]
    return network(
        producers=[(r, p, 10.0, 10.0) for r, p in nodes],
        recipes=[],
        links=[],
        final=[(f"{r}/{p}", r, 10.0) for r, p in nodes],
        unit_values={"magnet": 50.0, "car": 1000.0, "ore": 5.0},
        units={"magnet": "t", "car": "vehicle", "ore": "t"},
    )


def _simulate(net: cp.CompiledNetwork, record: RecordMode = "full") -> xr.Dataset:
    half = Rule("capacity_factor", np.array([0, 2, 3]), 0, np.full((1, 1), 0.5), length=10)
    stop = Rule("capacity_factor", np.array([1]), 0, np.zeros((1, 1)), length=10)
    batch = ScenarioBatch("shock", H, ["m"], rules=[half, stop])
    return cp.simulate(net, batch, cp.EngineParams(overproduction_max=1.0), record=record)


@pytest.fixture(scope="module")
def ds(net: cp.CompiledNetwork) -> xr.Dataset:
    return _simulate(net)


def test_compiled_network_keeps_each_products_unit(net: cp.CompiledNetwork) -> None:
    assert list(net.products) == ["magnet", "car", "ore"]
    assert net.product_unit.tolist() == ["t", "vehicle", "t"]
    assert net.node_table()["unit"].tolist() == ["t", "vehicle", "t", "t"]


def test_a_missing_unit_is_labelled_not_guessed(net: cp.CompiledNetwork) -> None:
    # built without units (as benchmarks/bench_engine.py does): every product says so
    bare = dataclasses.replace(net, product_unit=np.empty(0, dtype=str))
    assert bare.product_unit.tolist() == [
        "magnet (unit not given)",
        "car (unit not given)",
        "ore (unit not given)",
    ]
    blank = dataclasses.replace(net, product_unit=np.array(["t", " ", "t"]))
    assert blank.product_unit.tolist() == ["t", "car (unit not given)", "t"]
    with pytest.raises(ValueError, match="one product_unit per product"):
        dataclasses.replace(net, product_unit=np.array(["t"]))


def test_output_lost_by_region_is_mixed_where_units_differ(ds: xr.Dataset) -> None:
    lost = ds.cp.output_lost(by="region").set_index("region")
    assert list(lost.columns[:2]) == ["member", "unit"]
    assert lost.loc["X", "unit"] == "mixed"
    assert lost.loc["X", PHYSICAL].isna().all()  # tonnes + vehicles: no sum
    assert lost.loc["X", "value_usd"] == pytest.approx(102_500.0)
    assert lost.loc["X", "value_usd_at_prices"] > 0
    # Y's ore and magnets are both in tonnes: 50 + 50 t, all for want of capacity
    assert lost.loc["Y", "unit"] == "t"
    assert lost.loc["Y", "units"] == pytest.approx(100.0)
    assert lost.loc["Y", "units_supply"] == pytest.approx(100.0)
    assert lost.loc["Y", "units_orders"] == pytest.approx(0.0)
    assert lost.loc["Y", "value_usd"] == pytest.approx(2_750.0)


def test_output_lost_by_region_and_product_keeps_each_unit(ds: xr.Dataset) -> None:
    lost = ds.cp.output_lost(by=("region", "product")).set_index(["region", "product"])
    assert lost["unit"].to_dict() == {
        ("X", "car"): "vehicle",
        ("X", "magnet"): "t",
        ("Y", "magnet"): "t",
        ("Y", "ore"): "t",
    }
    assert lost["units"].to_dict() == pytest.approx(
        {("X", "car"): 100.0, ("X", "magnet"): 50.0, ("Y", "magnet"): 50.0, ("Y", "ore"): 50.0}
    )
    assert lost.loc[("X", "car"), "value_usd"] == pytest.approx(100_000.0)
    by_node = ds.cp.output_lost(by="node").set_index("node")
    assert by_node.loc["X/car", "unit"] == "vehicle" and by_node.loc["X/car", "units"] == 100.0
    by_product = ds.cp.output_lost(by="product").set_index("product")
    assert by_product.loc["magnet", "unit"] == "t"
    assert by_product.loc["magnet", "units"] == pytest.approx(100.0)  # X and Y, both tonnes


def test_unmet_final_demand_carries_the_unit(ds: xr.Dataset) -> None:
    unmet = ds.cp.unmet_final_demand().set_index(["region", "product"])
    assert unmet.loc[("X", "car"), "unit"] == "vehicle"
    assert unmet.loc[("X", "car"), "units"] == pytest.approx(100.0)
    assert unmet.loc[("Y", "ore"), "unit"] == "t"
    assert unmet.loc[("Y", "ore"), "units"] == pytest.approx(50.0)


def test_shares_over_mixed_units_are_taken_in_usd(ds: xr.Dataset) -> None:
    # X at baseline: 10 t x 50 + 10 vehicles x 1000 = 10 500 USD/day; shocked: 5 t x 50 = 250
    st = ds.cp.shortfall(by="region").set_index("region")
    assert st.loc["X", "depth"] == pytest.approx(1 - 250 / 10_500)
    assert st.loc["Y", "depth"] == pytest.approx(0.5)  # (5 + 5) t / (10 + 10) t
    # in tonnes + vehicles X would keep 5 / 20 = 25% (> 10%); in USD it keeps 2.4%
    (day,) = pain.days_to_loss(ds, "X", products=["magnet", "car"], share=0.9)["day"]
    assert day == 0


@pytest.mark.parametrize("record", ["full", "summary"])
def test_dataset_has_unit_coordinates(net: cp.CompiledNetwork, record: RecordMode) -> None:
    ds = _simulate(net, record)
    assert ds["unit"].dims == ("node",)
    assert dict(zip(ds["node"].values, ds["unit"].values, strict=True)) == {
        "X/magnet": "t",
        "X/car": "vehicle",
        "Y/ore": "t",
        "Y/magnet": "t",
    }
    assert ds["final_unit"].dims == ("final",)
    finals = zip(ds["final_product"].values, ds["final_unit"].values, strict=True)
    assert {p: u for p, u in finals} == {"magnet": "t", "car": "vehicle", "ore": "t"}
    for name in ("output", "capacity", "baseline_output", "unmet_demand", "exports"):
        assert "coordinate 'unit'" in ds[name].attrs["units"], name
    for name in ("final_demand", "final_delivered", "final_baseline"):
        assert "coordinate 'final_unit'" in ds[name].attrs["units"], name
    assert ds.cp.output_lost(by="region").set_index("region").loc["X", "unit"] == "mixed"


def test_round_trips_keep_the_units(ds: xr.Dataset, tmp_path: Path) -> None:
    for back in (
        from_netcdf(to_netcdf(ds, tmp_path / "run.nc")),
        from_parquet(to_parquet(ds, tmp_path / "run")),
    ):
        assert back["unit"].values.tolist() == ds["unit"].values.tolist()
        assert back["final_unit"].values.tolist() == ds["final_unit"].values.tolist()
        assert back["output"].attrs["units"] == ds["output"].attrs["units"]
        lost = back.cp.output_lost(by="region")
        assert lost["unit"].tolist() == ["mixed", "t"]
        assert back.cp.summary() == ds.cp.summary()


def test_results_without_units_never_add_two_products(ds: xr.Dataset) -> None:
    old = ds.drop_vars(["unit", "final_unit"])  # written before units were recorded
    lost = old.cp.output_lost(by="region").set_index("region")
    assert (lost["unit"] == "mixed").all() and lost[PHYSICAL].isna().all().all()
    unmet = old.cp.unmet_final_demand().set_index(["region", "product"])
    assert unmet.loc[("X", "car"), "unit"] == "car (unit not given)"


def test_summary_is_strict_json_with_units(ds: xr.Dataset) -> None:
    summary = ds.cp.summary()
    text = json.dumps(summary, allow_nan=False)  # NaN would raise
    metrics = json.loads(text)["metrics"]
    units = {(r["region"], r["product"]): r["unit"] for r in metrics["output_lost"]}
    assert units[("X", "car")] == "vehicle" and units[("Y", "ore")] == "t"
    assert {r["unit"] for r in metrics["unmet_final_demand"]} == {"t", "vehicle"}


def test_report_tables_keep_a_mixed_group(ds: xr.Dataset) -> None:
    # a summary whose records were taken by region: the mixed group has null units
    records = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in ds.cp.output_lost(by="region").to_dict(orient="records")
    ]
    lost = ranked({"metrics": {"output_lost": records}})["output_lost"]
    assert [r["region"] for r in lost] == ["X", "Y"]  # X is kept on its USD loss
    html = table(lost, ["region", "units", "unit", "value_usd"])
    assert "<td>mixed</td>" in html and "—" in html and "never" not in html
