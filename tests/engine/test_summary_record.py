"""Summary records (added up inside the node pass) against full records aggregated by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import chokepoint as cp
from chokepoint.engine import loop
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario


def _by_market(full: xr.Dataset) -> pd.Index:
    return pd.Index(
        [f"{r}/{p}" for r, p in zip(full["region"].values, full["product"].values, strict=True)]
    )


@pytest.mark.parametrize("blocks", [1, 3])
def test_summary_equals_full_records_aggregated(
    blocks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Nexperia preset on the embedded dataset: firm-level nodes share markets with others.
    net = cp.build_network(cp.load_dataset("critical-chains"))
    batch = compile_scenario(load_scenario("nexperia-2025"), net)
    full = cp.simulate(net, batch)
    monkeypatch.setattr(loop, "block_count", lambda n_links: blocks)  # blocks combined in order
    summ = cp.simulate(net, batch, record="summary")
    market = _by_market(full)
    labels = _by_market(summ)
    assert (market.value_counts() > 1).any()  # some markets hold several nodes
    at = labels.get_indexer(market)
    assert (at >= 0).all()

    def summed(name: str) -> np.ndarray:
        out = np.zeros(summ[name].shape)
        np.add.at(out, (slice(None), slice(None), at), full[name].values)
        return out

    for name in ("output", "capacity", "unmet_demand", "exports"):
        np.testing.assert_allclose(summ[name].values, summed(name), rtol=1e-12, atol=1e-12)
    smallest = np.full(summ["inventory_days"].shape, np.inf)
    np.minimum.at(
        smallest,
        (slice(None), slice(None), at),
        np.nan_to_num(full["inventory_days"].values, nan=np.inf),
    )
    np.testing.assert_array_equal(
        np.nan_to_num(summ["inventory_days"].values, nan=np.inf), smallest
    )
    # dominant binding constraint: the code behind the largest shortfall x̄ − x (ties: lower code)
    gap = np.clip(full["baseline_output"].values - full["output"].values, 0, None)
    by_code = np.zeros((3, *summ["binding"].shape))
    for c in range(3):
        np.add.at(
            by_code[c],
            (slice(None), slice(None), at),
            np.where(full["binding"].values == c, gap, 0.0),
        )
    dominant = np.zeros(summ["binding"].shape, dtype=np.int8)
    best = np.zeros(summ["binding"].shape)
    for c in (1, 2):
        better = by_code[c] > best
        dominant[better], best = c, np.where(better, by_code[c], best)
    np.testing.assert_array_equal(summ["binding"].values, dominant)
    # final demand by (supplier market, buyer region)
    node_market = dict(zip(full["node"].values, market, strict=True))
    key = pd.Index(
        [
            f"{node_market[supplier]}|{region}"
            for supplier, region in zip(
                full["final_supplier"].values, full["final_region"].values, strict=True
            )
        ]
    )
    groups = pd.Index(
        [
            f"{supplier}|{region}"
            for supplier, region in zip(
                summ["final_supplier"].values, summ["final_region"].values, strict=True
            )
        ]
    )
    to = groups.get_indexer(key)
    assert (to >= 0).all()
    for name in ("final_delivered", "final_demand"):
        out = np.zeros(summ[name].shape)
        np.add.at(out, (slice(None), slice(None), to), full[name].values)
        np.testing.assert_allclose(summ[name].values, out, rtol=1e-12, atol=1e-12)
