"""MRIO import: a 2-region x 2-sector table whose every figure is checked by hand.

Daily flows (annual = 365 x daily): (A,x)->(A,y) 2, (A,x)->(B,y) 1, (A,y)->(A,x) 1,
(B,x)->(B,y) 2, (B,y)->(B,x) 1. Final demand per (supplier, region) after summing categories:
(A,x)->A 7, (A,y)->A 9, (B,x)->B 8, (B,y): A -1 and B 10 - 2 = 8 (rule R1 nets -1 against 8: B 7).
Outputs x = Z row + final demand: (A,x) 3 + 7 = 10, (A,y) 1 + 9 = 10, (B,x) 2 + 8 = 10,
(B,y) 1 + 7 = 8. Coefficients (summed over supplier regions): a_y,(A,x) = 1/10, a_x,(A,y) = 2/10,
a_y,(B,x) = 1/10, a_x,(B,y) = (1 + 2)/8 = 0.375.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymrio
import pytest

from chokepoint.errors import InputError
from chokepoint.io.mrio import from_pymrio, parse_unit, pymrio_test_system, synthetic_iosystem
from chokepoint.network import compile_network

IDX = pd.MultiIndex.from_product([["A", "B"], ["x", "y"]], names=["region", "sector"])


def _table(unit: str = "M.USD") -> pymrio.IOSystem:
    z = np.zeros((4, 4))
    z[0, 1], z[0, 3], z[1, 0], z[2, 3], z[3, 2] = 2, 1, 1, 2, 1
    cols = pd.MultiIndex.from_product([["A", "B"], ["c1", "c2"]], names=["region", "category"])
    y = np.zeros((4, 4))
    y[0, 0], y[1, 0], y[2, 2] = 7, 9, 8
    y[3, 0], y[3, 2], y[3, 3] = -1, 10, -2
    return pymrio.IOSystem(
        Z=pd.DataFrame(z * 365, index=IDX, columns=IDX),
        Y=pd.DataFrame(y * 365, index=IDX, columns=cols),
        unit=pd.DataFrame({"unit": unit}, index=IDX),
        name="hand",
    )


def test_hand_checked_table() -> None:
    t = from_pymrio(_table())
    prod = t.producers.set_index(["region", "product"])
    np.testing.assert_allclose(prod["output"].to_numpy(), [10, 10, 10, 8])
    np.testing.assert_allclose(prod["capacity"].to_numpy(), [12.5, 12.5, 12.5, 10])
    rec = t.recipes.set_index(["region", "product", "input"])["amount"]
    assert rec.to_dict() == pytest.approx(
        {("A", "x", "y"): 0.1, ("A", "y", "x"): 0.2, ("B", "x", "y"): 0.1, ("B", "y", "x"): 0.375}
    )
    fd = t.final_demand.set_index(["supplier", "region"])["quantity"]
    assert fd.to_dict() == pytest.approx(
        {("A/x", "A"): 7, ("A/y", "A"): 9, ("B/x", "B"): 8, ("B/y", "B"): 7}
    )
    assert len(t.links) == 5
    assert t.products["unit_value_usd"].tolist() == [1e6, 1e6]
    mrio = t.meta["mrio"]
    assert mrio["unit"] == "M.USD" and mrio["usd_per_unit"] == 1e6
    assert mrio["repairs"] == [
        "R1: 1 negative final-demand entries in 1 industries netted (0 with negative total final demand set to 0)"
    ]
    assert t.meta["default_stock_days"] == 90
    # Suppliers of sector x in both regions are substitutes for one input pair of B/y.
    net = compile_network(t)
    k = net.link_pair[net.link_dst == net.node_ids.get_loc("B/y")]
    assert len(set(k.tolist())) == 1
    # quantities of an MRIO are money: every sector is counted in the table's unit
    assert net.product_unit.tolist() == ["M.USD", "M.USD"]


def test_sector_inventories_and_unit_conversion() -> None:
    t = from_pymrio(_table("M.EUR"), inventory_days={"x": 30}, usd_per_unit=1.1e6)
    assert sorted(zip(t.stocks["node"], t.stocks["target_days"], strict=True)) == [
        ("A/y", 30.0),
        ("B/y", 30.0),
    ]
    assert t.products["unit_value_usd"].tolist() == [1.1e6, 1.1e6]
    with pytest.raises(InputError, match="expected the USD value of one table unit"):
        from_pymrio(_table("M.EUR"))
    with pytest.raises(InputError, match="inventory_days:z"):
        from_pymrio(_table(), inventory_days={"z": 30})


def test_parse_unit() -> None:
    assert parse_unit("M.USD") == (1e6, "USD")
    assert parse_unit("Mill USD") == (1e6, "USD")
    assert parse_unit("MEUR") == (1e6, "EUR")
    assert parse_unit("thousand GBP") == (1e3, "GBP")
    assert parse_unit("index") == (1.0, None)


def test_pymrio_test_system_and_synthetic() -> None:
    t = from_pymrio(pymrio_test_system())
    assert t.counts()["producers"] == 48 and t.meta["mrio"]["unit"] == "Mill USD"
    io = synthetic_iosystem(3, 4, density=0.5, intermediate_share=0.6, seed=3)
    z, y = io.Z.to_numpy(), io.Y.to_numpy()
    assert (y >= 0).all()
    # Intermediate flows are 60% ± 20% of every industry's output.
    share = z.sum(axis=0) / (z.sum(axis=1) + y.sum(axis=1))
    assert ((share > 0.47) & (share < 0.73)).all()
    from_pymrio(io)  # balanced: validation passes


def test_main_engine_runs_an_imported_mrio_at_steady_state() -> None:
    from chokepoint.engine import simulate
    from chokepoint.scenario.batch import ScenarioBatch

    net = compile_network(from_pymrio(pymrio_test_system()))
    ds = simulate(net, ScenarioBatch.baseline(20))
    out = ds.output.isel(scenario=0).to_numpy()
    np.testing.assert_allclose(out, np.tile(net.output, (20, 1)), rtol=1e-9)
