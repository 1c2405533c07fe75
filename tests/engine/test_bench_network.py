"""The benchmark's synthetic network is balanced, and its shuffled layout is the structured one
renumbered; ``run_one`` measures every layout."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_engine.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_engine"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("shuffled", [False, True])
def test_network_is_balanced(bench: ModuleType, shuffled: bool) -> None:
    net = bench.make_network(2_000, shuffled=shuffled)
    assert net.n_links == 10 * net.n_nodes
    sold = np.bincount(net.link_src, net.link_flow, minlength=net.n_nodes)
    sold += net.final_demand_by_node()
    np.testing.assert_allclose(sold, net.output)  # every node sells its output
    used = net.pair_amount * net.output[net.pair_node]
    np.testing.assert_allclose(net.pair_inflow(), used)  # and buys what it uses


def test_shuffled_layout_renumbers_the_structured_one(bench: ModuleType) -> None:
    structured = bench.make_network(2_000, shuffled=False)
    shuffled = bench.make_network(2_000, shuffled=True)
    assert not np.array_equal(shuffled.node_ids, structured.node_ids)
    # node ids travel with the nodes: the same links between the same named nodes
    links = {
        (int(structured.node_ids[u]), int(structured.node_ids[b]), int(t))
        for u, b, t in zip(
            structured.link_src, structured.link_dst, structured.link_lead_time, strict=True
        )
    }
    moved = {
        (int(shuffled.node_ids[u]), int(shuffled.node_ids[b]), int(t))
        for u, b, t in zip(
            shuffled.link_src, shuffled.link_dst, shuffled.link_lead_time, strict=True
        )
    }
    assert links == moved


@pytest.mark.parametrize("layout", ["shuffled", "shuffled-given", "structured"])
def test_run_one_measures_a_layout(bench: ModuleType, layout: str) -> None:
    r = bench.run_one(1_000, 1, "float64", 3, threads=1, layout=layout)
    assert r["layout"] == layout and r["days"] == 3
    for key in ("s_per_scenario_year", "floor_s_per_scenario_year", "peak_gib", "triad_gbps"):
        assert float(r[key]) > 0, key
