"""Chain views: the stages of a chain, who produces each stage, and who supplies whom.

A chain is the set of products whose ``products.chains`` column names it (``;``-separated). Its
stages are ordered from the rawest input to the end products by the recipes: a product's depth
is the length of the longest recipe path from a chain product with no chain inputs. Shares are of
baseline output x_n (producers.output) summed by region.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import NotFoundError
from chokepoint.network.tables import NetworkTables


def chain_membership(tables: NetworkTables) -> pd.DataFrame:
    """One row per (chain, product) from ``products.chains``."""
    p = tables.products[["product", "chains"]].copy()
    p["chain"] = p["chains"].fillna("").astype(str).str.split(";")
    out = p.explode("chain")
    out["chain"] = out["chain"].str.strip()
    return out.loc[out["chain"] != "", ["chain", "product"]].reset_index(drop=True)


def list_chains(tables: NetworkTables) -> pd.DataFrame:
    """Every chain with its number of products, producers and regions."""
    member = chain_membership(tables)
    prod = tables.producers[["product", "region"]]
    joined = member.merge(prod, on="product", how="left")
    return (
        joined.groupby("chain", sort=True)
        .agg(
            products=("product", "nunique"),
            producers=("region", "count"),
            regions=("region", "nunique"),
        )
        .reset_index()
    )


def _require(tables: NetworkTables, chain: str) -> pd.DataFrame:
    member = chain_membership(tables)
    sub = member[member["chain"] == chain]
    if sub.empty:
        known = ", ".join(sorted(member["chain"].unique()))
        msg = f"unknown chain {chain!r}; expected one of {known}"
        raise NotFoundError(msg)
    return sub


def chain_stages(tables: NetworkTables, chain: str) -> pd.DataFrame:
    """Products of ``chain`` ordered upstream to downstream, with their recipe depth.

    Columns: product, name, stage, unit, depth, world_output (units/day).
    """
    products = list(_require(tables, chain)["product"])
    rec = tables.recipes
    rec = rec[rec["product"].isin(products) & rec["input"].isin(products)]
    depth = pd.Series(0, index=pd.Index(products), dtype=np.int64)
    # longest-path relaxation over the chain's recipe edges (at most len(products) rounds)
    for _ in range(len(products)):
        candidate = (depth.reindex(rec["input"]).to_numpy() + 1) if len(rec) else np.zeros(0)
        best = pd.Series(candidate, index=rec["product"].to_numpy()).groupby(level=0).max()
        new = depth.copy()
        new.loc[best.index] = np.maximum(depth.loc[best.index].to_numpy(), best.to_numpy())
        if new.equals(depth):
            break
        depth = new
    info = tables.products.set_index("product").loc[products, ["name", "stage", "unit"]]
    out = info.reset_index()
    out["depth"] = depth.loc[products].to_numpy()
    world = tables.producers.groupby("product")["output"].sum()
    out["world_output"] = world.reindex(products).fillna(0.0).to_numpy()
    return out.sort_values(["depth", "product"], kind="stable").reset_index(drop=True)


def stage_producers(tables: NetworkTables, chain: str) -> pd.DataFrame:
    """Producers of every stage of ``chain`` with their share of the stage's world output.

    Columns: product, depth, region, firm, output, share (output / stage total).
    """
    stages = chain_stages(tables, chain)[["product", "depth"]]
    p = tables.producers[["product", "region", "firm", "output"]].merge(stages, on="product")
    total = p.groupby("product")["output"].transform("sum")
    p["share"] = np.where(total > 0, p["output"] / total.where(total > 0, 1.0), 0.0)
    p = p.sort_values(["depth", "product", "share"], ascending=[True, True, False], kind="stable")
    return p[["product", "depth", "region", "firm", "output", "share"]].reset_index(drop=True)


def region_shares(tables: NetworkTables, chain: str) -> pd.DataFrame:
    """Stage shares by region (firms' plants summed into their region)."""
    p = stage_producers(tables, chain)
    g = p.groupby(["depth", "product", "region"], as_index=False)[["output", "share"]].sum()
    return g.sort_values(["depth", "product", "share"], ascending=[True, True, False]).reset_index(
        drop=True
    )


def top_country(tables: NetworkTables, chain: str) -> pd.DataFrame:
    """The largest producing region of every stage, with its share (CR1)."""
    r = region_shares(tables, chain)
    top = r.drop_duplicates(["product"], keep="first")
    return top[["depth", "product", "region", "share"]].reset_index(drop=True)


def supplier_shares(tables: NetworkTables, chain: str) -> pd.DataFrame:
    """For each chain product used by another chain product: who supplies it, by region.

    Columns: product (the buyer's product), input, region (supplier region), flow, share (of the
    input's deliveries to buyers of ``product``).
    """
    products = set(_require(tables, chain)["product"])
    lk = tables.links
    sup = lk["supplier"].str.split("/")
    buy = lk["buyer"].str.split("/")
    frame = pd.DataFrame(
        {
            "region": sup.str[0],
            "input": sup.str[1],
            "product": buy.str[1],
            "flow": lk["flow"],
        }
    )
    frame = frame[frame["input"].isin(products) & frame["product"].isin(products)]
    g = frame.groupby(["product", "input", "region"], as_index=False)["flow"].sum()
    g["share"] = g["flow"] / g.groupby(["product", "input"])["flow"].transform("sum")
    return g.sort_values(
        ["product", "input", "share"], ascending=[True, True, False], kind="stable"
    ).reset_index(drop=True)


def supplier_tree(tables: NetworkTables, chain: str, top: int = 3) -> list[dict[str, Any]]:
    """Who supplies whom, as a tree from each end product of ``chain`` down to its raw inputs.

    Each node is ``{"product", "suppliers": [{"region", "share"}...], "inputs": [...]}`` where
    ``suppliers`` are the ``top`` regions supplying that input to the parent product's makers.
    """
    stages = chain_stages(tables, chain)
    shares = supplier_shares(tables, chain)
    inputs = shares.groupby("product")["input"].unique().to_dict()
    production = region_shares(tables, chain)

    def node(product: str, parent: str | None, seen: frozenset[str]) -> dict[str, Any]:
        if parent is None:
            src = production[production["product"] == product]
        else:
            src = shares[(shares["product"] == parent) & (shares["input"] == product)]
        suppliers = [
            {"region": str(r), "share": float(s)}
            for r, s in zip(src["region"].head(top), src["share"].head(top), strict=True)
        ]
        children = [
            node(str(i), product, seen | {product})
            for i in sorted(inputs.get(product, []))
            if i not in seen
        ]
        return {"product": product, "suppliers": suppliers, "inputs": children}

    used = set(shares["input"])
    roots = [p for p in stages["product"] if p not in used]
    return [node(str(r), None, frozenset()) for r in roots]


def chain_summary(tables: NetworkTables, chain: str) -> dict[str, Any]:
    """Everything ``chokepoint chain show`` prints, as plain records."""

    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")
        ]

    return {
        "dataset": tables.label,
        "chain": chain,
        "stages": records(chain_stages(tables, chain)),
        "producers": records(stage_producers(tables, chain)),
        "top_country": records(top_country(tables, chain)),
        "tree": supplier_tree(tables, chain),
    }
