"""Results: metrics on a hand-checked chain, JSON summary shape, netCDF and Parquet round trips."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pa_parquet
import pytest
import xarray as xr

import chokepoint as cp
from chokepoint.results.io import from_netcdf, from_parquet, to_netcdf, to_parquet
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.testing.chains import chain

H = 80


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    # A -> B -> C chain, total ban on A -> B from day 0 in member "ban", none in "calm".
    ban = Rule("permit", np.array([0]), 0, np.array([[0.0], [1.0]]), length=H)
    batch = ScenarioBatch("ban", H, ["ban", "calm"], rules=[ban], actors=["X"], seed=7)
    return cp.simulate(chain(), batch)


def test_shortfall_stats_by_node(ds: xr.Dataset) -> None:
    st = ds.cp.shortfall(by="node").set_index(["member", "node"])
    # B stops on day 35 (30 days of stock + 5 in transit) and never recovers within 80 days
    assert st.loc[("ban", "Y/b"), "time_to_pain"] == 35
    assert st.loc[("ban", "Y/b"), "depth"] == pytest.approx(1.0)
    assert st.loc[("ban", "Y/b"), "duration"] == H - 35
    assert st.loc[("ban", "Y/b"), "recovery_day"] is None
    assert st.loc[("calm", "Y/b"), "time_to_pain"] is None
    assert st.loc[("calm", "Y/b"), "duration"] == 0


def test_recovery_day_after_a_short_ban() -> None:
    # Ban for 40 days only: B idles from day 35; A -> B reopens on day 40 and ships B's order for
    # its planned 10/day plus gap/60; it arrives after the 5-day lead time, on day 45, and B runs
    # at 10 again. Under ARIO's order rule (orders follow actual production, 0 while idle) B
    # orders only its gap 350/60 = 5.83 and restarts below 95%.
    ban = Rule("permit", np.array([0]), 0, np.zeros((1, 1)), length=40)
    ds = cp.simulate(chain(), ScenarioBatch("short", H, ["m"], rules=[ban]))
    st = ds.cp.shortfall(by="node").set_index("node")
    assert st.loc["Y/b", "time_to_pain"] == 35
    assert st.loc["Y/b", "recovery_day"] == 45
    assert st.loc["Y/b", "duration"] == 10
    ario = cp.EngineParams(order_basis="production")
    ds = cp.simulate(chain(), ScenarioBatch("short", H, ["m"], rules=[ban]), ario)
    np.testing.assert_allclose(ds["output"].sel(node="Y/b").values[0, 45], 350 / 60, rtol=1e-9)


def test_output_and_value_lost(ds: xr.Dataset) -> None:
    lost = ds.cp.output_lost().set_index(["member", "region", "product"])
    # B: 45 idle days x 10 units x 10 USD (every product of the chain is worth 10 USD/unit)
    assert lost.loc[("ban", "Y", "b"), "units"] == pytest.approx(450.0)
    assert lost.loc[("ban", "Y", "b"), "value_usd"] == pytest.approx(4500.0)
    assert lost.loc[("calm", "Y", "b"), "units"] == pytest.approx(0.0, abs=1e-9)
    unmet = ds.cp.unmet_final_demand().set_index(["member", "region", "product"])
    # C stops on day 68 (last B shipment arrives day 37, then 30 days of stock): 12 days x 10
    assert unmet.loc[("ban", "Y", "c"), "units"] == pytest.approx(120.0)


def test_prices_rise_for_the_starved_and_fall_for_the_restricting_seller(ds: xr.Dataset) -> None:
    pr = ds.cp.prices().set_index(["member", "region", "product"])
    assert pr.loc[("ban", "Y", "a"), "peak_index"] > 1.5  # buyers of a in Y are starved
    assert pr.loc[("ban", "X", "a"), "trough_index"] < 0.5  # X's a cannot be sold abroad
    assert bool(pr.loc[("ban", "X", "a"), "inside_actors"])
    paths = ds.cp.price_paths()
    assert paths.sel(side="inside", scenario="ban").values[-1] < 1.0
    np.testing.assert_allclose(ds["market_price"].sel(scenario="calm").values, 1.0)


def test_peak_day_is_the_first_day_near_a_peak_approached_asymptotically() -> None:
    # Y's buyers of a are starved: its price creeps up to the cap (2 here) until the last day.
    ban = Rule("permit", np.array([0]), 0, np.array([[0.0], [1.0]]), length=H)
    batch = ScenarioBatch("ban", H, ["ban", "calm"], rules=[ban], actors=["X"])
    ds = cp.simulate(chain(), batch, cp.EngineParams(price_index_max=2.0))
    pr = ds.cp.prices().set_index(["member", "region", "product"])
    path = ds["market_price"].sel(scenario="ban").isel(market=1).values  # market Y/a
    assert (ds["market_region"].values[1], ds["market_product"].values[1]) == ("Y", "a")
    day = pr.loc[("ban", "Y", "a"), "peak_day"]
    assert path[-1] > path[day] and day < H - 1  # still rising after peak_day
    assert path[day] >= path.max() * (1 - 1e-3) > path[day - 1]
    assert bool(pr.loc[("ban", "Y", "a"), "hit_cap"])
    assert not pr.loc[("ban", "X", "a"), "hit_cap"]  # the restricting seller's price fell
    assert not pr.loc[("calm", "Y", "a"), "hit_cap"] and pr.loc[("calm", "Y", "a"), "peak_day"] == 0
    exact = ds.cp.prices(tolerance=0.0).set_index(["member", "region", "product"])
    assert exact.loc[("ban", "Y", "a"), "peak_day"] == int(path.argmax())
    rows = ds.cp.summary()["metrics"]["prices"]
    ya = next(r for r in rows if (r["member"], r["region"], r["product"]) == ("ban", "Y", "a"))
    assert ya["peak_day"] == day and ya["hit_cap"] is True
    with pytest.raises(cp.InputError, match="tolerance"):
        ds.cp.prices(tolerance=1.5)


def test_shortage_origin_names_the_binding_input(ds: xr.Dataset) -> None:
    org = ds.cp.shortage_origin().set_index(["member", "node"])
    assert org.loc[("ban", "Y/b"), "constraint"] == "input"
    assert org.loc[("ban", "Y/b"), "input"] == "a"
    assert org.loc[("ban", "Y/c"), "input"] == "b"
    # C <- B <- A: A kept its capacity but could not sell to B (the ban): restricted supply at A
    assert org.loc[("ban", "Y/c"), "path"] == "Y/c <- Y/b <- X/a"
    assert org.loc[("ban", "Y/c"), "origin"] == "X/a"
    assert org.loc[("ban", "Y/c"), "cause"] == "restricted supply"
    # A itself fell because every order to it was held back
    assert org.loc[("ban", "X/a"), "cause"] == "restricted supply"


def test_shortage_origin_traces_a_capacity_shock() -> None:
    # A's capacity drops to 5 (< the 10 it sells): B gets 5/day from day 5 and runs short on
    # day 65 (300 / 5 = 60 days later), C on day 128 (5/day from day 68, 60 days of drawdown).
    shock = Rule("capacity_factor", np.array([0]), 0, np.full((1, 1), 0.05), length=160)
    params = cp.EngineParams(overproduction_max=1.0)
    ds = cp.simulate(chain(), ScenarioBatch("shock", 160, ["m"], rules=[shock]), params)
    org = ds.cp.shortage_origin().set_index("node")
    assert org.loc["Y/b", "day"] == 65 and org.loc["Y/c", "day"] == 128
    assert org.loc["X/a", "cause"] == "capacity"
    assert org.loc["Y/c", "origin"] == "X/a" and org.loc["Y/c", "cause"] == "capacity"
    assert org.loc["Y/c", "path"] == "Y/c <- Y/b <- X/a"


def test_summary_is_json_with_members(ds: xr.Dataset) -> None:
    s = json.loads(json.dumps(ds.cp.summary()))
    assert s["scenario"] == "ban" and s["scenarios"] == 2 and s["horizon_days"] == H
    ttp = {(r["member"], r["region"], r["product"]): r["day"] for r in s["metrics"]["time_to_pain"]}
    assert ttp[("ban", "Y", "b")] == 35 and ttp[("calm", "Y", "b")] is None
    months = [r for r in s["metrics"]["exports_monthly"] if r["member"] == "ban"]
    assert {r["month"] for r in months} == {1, 2, 3}
    assert all(r["share_of_baseline"] == 0.0 for r in months if r["exporter"] == "X")
    assert s["assumptions"] and s["sources"]


def test_summary_mode_aggregates_to_region_product() -> None:
    ban = Rule("permit", np.array([0]), 0, np.zeros((1, 1)), length=H)
    ds = cp.simulate(chain(), ScenarioBatch("b", H, ["m"], rules=[ban]), record="summary")
    assert list(ds["node"].values) == ["X/a", "Y/b", "Y/c"]
    ttp = ds.cp.time_to_pain().set_index(["region", "product"])["day"]
    assert ttp[("Y", "b")] == 35 and ttp[("Y", "c")] == 68


def test_netcdf_and_parquet_round_trips(ds: xr.Dataset, tmp_path: Path) -> None:
    nc = from_netcdf(to_netcdf(ds, tmp_path / "run.nc"))
    np.testing.assert_array_equal(nc["output"].values, ds["output"].values)
    assert nc.attrs["scenario"] == "ban" and nc.attrs["seed"] == 7
    assert nc.cp.summary()["metrics"]["time_to_pain"] == ds.cp.summary()["metrics"]["time_to_pain"]
    pq = from_parquet(to_parquet(ds, tmp_path / "run"))
    np.testing.assert_array_equal(
        pq["output"].transpose("scenario", "day", "node").values, ds["output"].values
    )
    assert pq.cp.summary() == ds.cp.summary()
    pd.testing.assert_frame_equal(pq.cp.shortage_origin(), ds.cp.shortage_origin())
    assert list(pq["node"].values) == list(ds["node"].values)


def test_parquet_round_trip_keeps_variable_attrs(ds: xr.Dataset, tmp_path: Path) -> None:
    pq = from_parquet(to_parquet(ds, tmp_path / "run"))
    for name, var in ds.variables.items():
        assert set(pq[name].attrs) == set(var.attrs), name
        for key, value in var.attrs.items():
            np.testing.assert_array_equal(pq[name].attrs[key], value, err_msg=f"{name}.{key}")
    assert pq["binding"].attrs["flag_meanings"] == "demand capacity input"
    assert pq["output"].attrs["units"] == "product unit/day (coordinate 'unit')"
    # attrs of a Dataset read back from netCDF (numpy arrays) survive too
    nc = from_netcdf(to_netcdf(ds, tmp_path / "run.nc"))
    again = from_parquet(to_parquet(nc, tmp_path / "again"))
    assert list(again["binding"].attrs["flag_values"]) == [0, 1, 2]


def test_dims_are_scenario_day_node(ds: xr.Dataset) -> None:
    assert ds["output"].dims == ("scenario", "day", "node")
    assert ds["market_price"].dims == ("scenario", "day", "market")
    assert list(ds["scenario"].values) == ["ban", "calm"]


def test_results_saved_with_the_old_member_dim_load_as_scenario(
    ds: xr.Dataset, tmp_path: Path
) -> None:
    """Runs stored before the dimension was renamed (``member``) still load, renamed."""
    old = ds.rename({"scenario": "member"})
    nc = from_netcdf(to_netcdf(old, tmp_path / "old.nc"))
    assert nc["output"].dims == ("scenario", "day", "node")
    assert nc.cp.summary() == ds.cp.summary()
    root = to_parquet(ds, tmp_path / "old")
    for group in ("node", "final", "market"):  # as an older version wrote them
        table = pa_parquet.read_table(root / f"{group}.parquet")
        names = ["member" if c == "scenario" else c for c in table.column_names]
        renamed = table.rename_columns(names).replace_schema_metadata(table.schema.metadata)
        pa_parquet.write_table(renamed, root / f"{group}.parquet")
    pq = from_parquet(root)
    assert pq["output"].transpose("scenario", "day", "node").dims == ("scenario", "day", "node")
    assert pq.cp.summary() == ds.cp.summary()
