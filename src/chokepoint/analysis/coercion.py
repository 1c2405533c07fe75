"""Sector-wide coercion potential: what a state could hold at risk across every stage it dominates.

For an actor A, the dominated stages are the products q whose world output A's nodes make at a
share of at least ``threshold``. A node n depends on A's q by the origin share s_nq (see
:mod:`chokepoint.analysis.tracing`). Under Leontief production, cutting every dominated stage at once
leaves n at most ``1 - max_q s_nq`` of its output, so the value at risk of n is

    VaR_n = x̄_n · v_n · max_q s_nq

(v_n the unit value of n's product), summed by target region — the systemic view behind "a third
of world manufacturing". It is a static upper bound (no stocks, no substitution, no re-routing);
the engine gives the dynamic answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.analysis.tracing import origin_share
from chokepoint.errors import NotFoundError
from chokepoint.network.compile import CompiledNetwork


def stage_shares(net: CompiledNetwork) -> pd.DataFrame:
    """World output share of each region per product (baseline): columns product, region, output, share."""
    frame = pd.DataFrame(
        {
            "product": net.products[net.node_product],
            "region": net.regions[net.node_region],
            "output": net.output,
        }
    )
    table = frame.groupby(["product", "region"], sort=True, as_index=False)["output"].sum()
    total = table.groupby("product")["output"].transform("sum")
    table["share"] = np.where(total > 0, table["output"] / total.where(total > 0, 1.0), 0.0)
    return table


def dominated_stages(net: CompiledNetwork, actor: str, threshold: float = 0.5) -> pd.DataFrame:
    """Products whose world output ``actor`` makes at a share ≥ ``threshold`` (product, share)."""
    if actor not in net.regions:
        msg = f"unknown region {actor!r}; expected one of {', '.join(map(str, net.regions))}"
        raise NotFoundError(msg)
    shares = stage_shares(net)
    mine = shares[(shares["region"] == actor) & (shares["share"] >= threshold)]
    return mine[["product", "share"]].sort_values("share", ascending=False).reset_index(drop=True)


def coercion_potential(
    net: CompiledNetwork,
    actor: str,
    *,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Value at risk per target region if ``actor`` cut every stage it dominates.

    Returns one row per region other than the actor: ``value_usd_per_day`` (baseline output value),
    ``value_at_risk_usd_per_day``, ``share_at_risk`` and ``main_stage`` (the dominated product
    behind most of the risk).
    """
    stages = dominated_stages(net, actor, threshold)
    value = net.output * net.unit_value[net.node_product]
    if stages.empty:
        risk = np.zeros((net.n_nodes, 1))
        names = ["(none)"]
    else:
        names = list(stages["product"])
        risk = np.column_stack(
            [np.nan_to_num(origin_share(net, q, actor).to_numpy()) for q in names]
        )
        # a maker of the stage itself is not "downstream" of it
        makes = net.products[net.node_product].to_numpy()[:, None] == np.asarray(names)[None, :]
        risk = np.where(makes, 0.0, risk)
    worst = risk.max(axis=1)
    main = np.asarray(names, dtype=object)[risk.argmax(axis=1)]
    frame = pd.DataFrame(
        {
            "region": net.regions[net.node_region],
            "value": value,
            "at_risk": value * worst,
            "main_stage": np.where(worst > 0, main, ""),
        }
    )
    frame = frame[frame["region"] != actor]
    grouped = frame.groupby("region", sort=True).agg(
        value_usd_per_day=("value", "sum"), value_at_risk_usd_per_day=("at_risk", "sum")
    )
    top = (
        frame[frame["main_stage"] != ""]
        .groupby(["region", "main_stage"])["at_risk"]
        .sum()
        .reset_index()
        .sort_values("at_risk", ascending=False)
        .drop_duplicates("region")
        .set_index("region")["main_stage"]
    )
    grouped["share_at_risk"] = np.where(
        grouped["value_usd_per_day"] > 0,
        grouped["value_at_risk_usd_per_day"]
        / grouped["value_usd_per_day"].where(grouped["value_usd_per_day"] > 0, 1.0),
        0.0,
    )
    grouped["main_stage"] = top.reindex(grouped.index).fillna("")
    return grouped.sort_values("value_at_risk_usd_per_day", ascending=False).reset_index()
