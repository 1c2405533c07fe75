"""A ban on exports to final consumers leaves their demand standing and unmet; a restraint lowers
it. Toy network: EAST/product (node 6) serves 100/day of final demand at home and 50/day in WEST;
WEST/product serves the other 50/day of WEST's demand."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import chokepoint as cp
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario

DAYS, BAN = 60, 30


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    return cp.build_network(cp.load_dataset("toy"))


def _run(net: cp.CompiledNetwork, instrument: dict[str, object]) -> xr.Dataset:
    scenario = load_scenario(
        {"name": "t", "dataset": "toy", "horizon_days": DAYS, "instruments": {"i": instrument}}
    )
    return cp.simulate(net, compile_scenario(scenario, net))


def _west_from_east(net: cp.CompiledNetwork) -> int:
    regions = np.asarray(net.regions)
    ids = np.asarray(net.node_ids)
    hit = np.flatnonzero((regions[net.fd_region] == "WEST") & (ids[net.fd_node] == "EAST/product"))
    assert len(hit) == 1
    return int(hit[0])


def test_a_ban_on_final_demand_abroad_is_unmet_demand_not_lower_demand(
    net: cp.CompiledNetwork,
) -> None:
    ds = _run(
        net,
        {
            "type": "export_ban",
            "actor": "EAST",
            "products": ["product"],
            "targets": ["WEST"],
            "start_day": 0,
            "end_day": BAN,
        },
    )
    f = _west_from_east(net)
    demand = ds["final_demand"].values[0, :, f]
    delivered = ds["final_delivered"].values[0, :, f]
    np.testing.assert_allclose(demand, 50.0)  # WEST still wants EAST's product every day
    np.testing.assert_allclose(delivered[:BAN], 0.0)  # none of it may leave EAST
    unmet = ds.cp.unmet_final_demand().set_index(["region", "product"])
    # 50/day for 30 days (final demand keeps its producer; WEST's own entry is served in full)
    assert unmet.loc[("WEST", "product"), "units"] == pytest.approx(50.0 * BAN, rel=1e-12)
    # WEST's consumers are short, so WEST's market price rises while the ban lasts
    prices = ds["market_price"]
    west = (prices["market_region"] == "WEST") & (prices["market_product"] == "product")
    assert prices.values[0, BAN - 1, west.values].item() > 1.0


def test_a_restraint_lowers_final_demand_and_leaves_none_unmet(net: cp.CompiledNetwork) -> None:
    ds = _run(
        net,
        {
            "type": "demand_restraint",
            "actor": "WEST",
            "products": ["product"],
            "share": 0.1,
            "start_day": 0,
            "end_day": BAN,
        },
    )
    f = _west_from_east(net)
    np.testing.assert_allclose(ds["final_demand"].values[0, :BAN, f], 45.0, rtol=1e-12)
    unmet = ds.cp.unmet_final_demand().set_index(["region", "product"])
    assert unmet.loc[("WEST", "product"), "units"] == pytest.approx(0.0, abs=1e-9)
