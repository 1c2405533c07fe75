"""Ranking of chokepoints by simulated damage (hypothetical extraction, run as one batch).

Every (region, product) pair whose world share is at least ``share_threshold`` is a candidate.
Member i of one batch stops candidate i completely for ``stop_days`` (capacity factor 0 on its
nodes); the engine propagates the stop through stocks, lead times and re-sourcing over
``horizon_days``. Damage is the value of output lost, Σ_t Σ_n (x̄_n − x_n(t)) v_n, over the world
and by region (the candidate's own region included: a stop hurts the stopper's buyers at home too).
Candidates are ranked by world value lost; each row also names the region hit hardest.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.analysis.coercion import stage_shares
from chokepoint.errors import NotFoundError
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.batch import Rule, ScenarioBatch


def candidates(net: CompiledNetwork, share_threshold: float = 0.2) -> pd.DataFrame:
    """(region, product) pairs with a world share ≥ ``share_threshold`` (product, region, output, share)."""
    shares = stage_shares(net)
    keep = shares[(shares["share"] >= share_threshold) & (shares["output"] > 0)]
    return keep.sort_values(["product", "share"], ascending=[True, False]).reset_index(drop=True)


def extraction_batch(
    net: CompiledNetwork,
    cands: pd.DataFrame,
    *,
    stop_days: int = 90,
    horizon_days: int = 180,
) -> ScenarioBatch:
    """One member per candidate: its nodes stop (capacity factor 0) on days 0..stop_days-1."""
    size = len(cands)
    rules = []
    region_of = net.regions[net.node_region].to_numpy()
    product_of = net.products[net.node_product].to_numpy()
    for i, row in enumerate(cands.itertuples(index=False)):
        nodes = np.flatnonzero((region_of == row.region) & (product_of == row.product)).astype(
            np.int64
        )
        values = np.ones((size, 1))
        values[i, 0] = 0.0
        rules.append(
            Rule(
                "capacity_factor",
                nodes,
                0,
                values,
                length=stop_days,
                label=f"stop {row.region}/{row.product}",
            )
        )
    members = [f"{r.region}/{r.product}" for r in cands.itertuples(index=False)]
    return ScenarioBatch(
        name="hypothetical-extraction",
        horizon=horizon_days,
        members=members,
        rules=rules,
        assumptions=[
            f"each candidate stops completely for {stop_days} days, then restarts at full capacity"
        ],
    )


def rank_chokepoints(
    net: CompiledNetwork,
    *,
    share_threshold: float = 0.2,
    stop_days: int = 90,
    horizon_days: int = 180,
    params: Any = None,
    top: int | None = None,
    focus_region: str | None = None,
) -> pd.DataFrame:
    """Simulate every candidate's stop as one batch and rank by world value of output lost.

    Returns columns ``region, product, share, world_value_lost_usd, hardest_hit_region,
    hardest_hit_value_lost_usd, regions_hit`` (regions losing more than 1% of their output value
    over the horizon), sorted by world value lost — or, with ``focus_region``, by the value lost
    in that region (column ``focus_value_lost_usd``; "which stages would hurt the EU most").
    """
    from chokepoint.engine import simulate

    cands = candidates(net, share_threshold)
    if cands.empty:
        return pd.DataFrame(
            columns=[
                "region",
                "product",
                "share",
                "world_value_lost_usd",
                "hardest_hit_region",
                "hardest_hit_value_lost_usd",
                "regions_hit",
            ]
        )
    batch = extraction_batch(net, cands, stop_days=stop_days, horizon_days=horizon_days)
    ds = simulate(net, batch, params, record="full")
    lost_by_region = value_lost_by_region(net, ds)  # (S, R)
    baseline_value = np.bincount(
        net.node_region, net.output * net.unit_value[net.node_product], minlength=len(net.regions)
    )
    world = lost_by_region.sum(axis=1)
    hardest = lost_by_region.argmax(axis=1)
    share_lost = np.divide(
        lost_by_region,
        baseline_value[None, :] * horizon_days,
        out=np.zeros_like(lost_by_region),
        where=baseline_value[None, :] > 0,
    )
    table = cands[["region", "product", "share"]].copy()
    table["world_value_lost_usd"] = world
    table["hardest_hit_region"] = np.asarray(net.regions)[hardest]
    table["hardest_hit_value_lost_usd"] = lost_by_region[np.arange(len(cands)), hardest]
    table["regions_hit"] = (share_lost > 0.01).sum(axis=1)
    order = "world_value_lost_usd"
    if focus_region is not None:
        if focus_region not in net.regions:
            msg = f"unknown region {focus_region!r}; expected one of {', '.join(map(str, net.regions))}"
            raise NotFoundError(msg)
        table["focus_value_lost_usd"] = lost_by_region[:, net.regions.get_loc(focus_region)]
        order = "focus_value_lost_usd"
    table = table.sort_values(order, ascending=False).reset_index(drop=True)
    return table.head(top) if top else table


def value_lost_by_region(net: CompiledNetwork, ds: Any) -> np.ndarray:
    """Σ_t Σ_{n in region} max(x̄_n − x_n(t), 0) v_n per member and region, USD (S, R)."""
    output = np.asarray(
        ds["output"].transpose("scenario", "day", "node").to_numpy(), dtype=np.float64
    )
    gap = np.clip(net.output[None, None, :] - output, 0.0, None).sum(axis=1)  # (S, n)
    value = gap * net.unit_value[net.node_product][None, :]
    n, regions = net.n_nodes, len(net.regions)
    membership = sp.csr_array((np.ones(n), (np.arange(n), net.node_region)), shape=(n, regions))
    return np.asarray(membership.T @ value.T).T
