"""A firm's plant is a small part of its region-industry: the summary reports its own stop."""

from __future__ import annotations

import pytest

import chokepoint as cp
from chokepoint.scenario.batch import ScenarioBatch
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario


@pytest.fixture(scope="module")
def ds():  # type: ignore[no-untyped-def]
    net = cp.build_network(cp.load_dataset("critical-chains"))
    return cp.simulate(net, compile_scenario(load_scenario("nexperia-2025"), net))


def test_firm_plants_have_their_own_time_to_pain(ds) -> None:  # type: ignore[no-untyped-def]
    firms = ds.cp.summary()["metrics"]["firms"]
    nodes = {str(n) for n, f in zip(ds["node"].values, ds["firm"].values, strict=True) if f}
    members = set(map(str, ds["scenario"].values))
    assert {r["node"] for r in firms} == nodes
    assert len(firms) == len(nodes) * len(members)
    by_node = ds.cp.shortfall(by="node").set_index(["member", "node"])
    for r in firms:
        row = by_node.loc[(r["member"], r["node"])]
        assert r["firm"] == "nexperia"
        assert r["time_to_pain"] == row["time_to_pain"]
        assert r["depth"] == pytest.approx(row["depth"])
    # the Dutch-controlled wafer fab in Germany stops while its region-industry barely moves
    wafer = [r for r in firms if r["node"] == "DEU/mature_chip_wafer/nexperia"]
    assert all(r["time_to_pain"] is not None for r in wafer)
    group = ds.cp.time_to_pain().set_index(["member", "region", "product"])["day"]
    assert all(group.loc[(r["member"], "DEU", "mature_chip_wafer")] is None for r in wafer)


def test_no_firm_nodes_give_an_empty_list() -> None:
    net = cp.build_network(cp.load_dataset("toy"))
    ds = cp.simulate(net, ScenarioBatch.baseline(5))
    assert ds.cp.summary()["metrics"]["firms"] == []
