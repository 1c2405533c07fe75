"""Figures of a run (matplotlib, Agg backend): each takes the results ``xarray.Dataset``.

Output, inventories and prices are drawn for the first member (or the member given) and aggregated
from nodes to (region, product) where that is what a reader asks about. :func:`chain_flow` draws the
disrupted chain as a layered flow diagram: stages from left to right, arrows sized by baseline
value shipped and coloured by how far the buyer's output fell.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from chokepoint.network.compile import CompiledNetwork

_DPI = 110
PAIN = 0.95
"""Output ratio below which a region-industry counts as hit (the time-to-pain threshold)."""


def _member(ds: xr.Dataset, member: int) -> xr.Dataset:
    return ds.isel(member=member) if "member" in ds.dims else ds


def _which(ds: xr.Dataset, member: int) -> str:
    """`` (member NAME)`` when the run has several members, else empty."""
    if "member" in ds.dims and ds.sizes["member"] > 1:
        return f" (member {ds['member'].values[member]})"
    return ""


def output_ratio(ds: xr.Dataset, member: int = 0) -> pd.DataFrame:
    """Output / baseline per day (rows) and ``region/product`` (columns), nodes summed."""
    one = _member(ds, member)
    key = pd.Index(
        [f"{r}/{p}" for r, p in zip(one["region"].values, one["product"].values, strict=True)],
        name="market",
    )
    out = pd.DataFrame(one["output"].values, index=one["day"].values, columns=key)
    base = pd.Series(one["baseline_output"].values, index=key)
    grouped = out.T.groupby(level=0).sum().T
    base_g = base.groupby(level=0).sum()
    keep = base_g[base_g > 0].index
    return grouped[keep] / base_g[keep]


def hardest_hit(ds: xr.Dataset, top: int = 8, member: int = 0) -> list[str]:
    """The ``top`` region/products with the lowest minimum output ratio (below 99.5%)."""
    ratio = output_ratio(ds, member).min()
    ratio = ratio[ratio < 0.995].sort_values()
    return [str(k) for k in ratio.index[:top]]


def _figure(title: str) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=(8.0, 4.2), layout="constrained", dpi=_DPI)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel("day")
    return fig, ax


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")


def output_over_time(ds: xr.Dataset, top: int = 8, member: int = 0) -> Figure:
    """Output relative to baseline of the hardest-hit region-industries, with the 95% line."""
    fig, ax = _figure(
        "Output of the hardest-hit region-industries (1 = baseline)" + _which(ds, member)
    )
    ratio = output_ratio(ds, member)
    keys = hardest_hit(ds, top, member)
    for k in keys:
        ax.plot(ratio.index, ratio[k].to_numpy(), label=k, lw=1.6)
    ax.axhline(0.95, color="0.5", ls=":", lw=1, label="95% of baseline")
    if not keys:
        _empty(ax, "no region-industry fell below 99.5% of baseline")
    ax.set_ylabel("output / baseline")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncols=2, frameon=False)
    return fig


def inventories(ds: xr.Dataset, top: int = 8, member: int = 0) -> Figure:
    """Days of input cover of the nodes whose cover falls most (inventories drawing down)."""
    fig, ax = _figure(
        "Inventories drawing down (days of cover, largest falls)" + _which(ds, member)
    )
    inv = _member(ds, member)["inventory_days"]
    values = inv.values
    finite = np.isfinite(values).all(axis=0) & (values[0] > 0)
    if finite.any():
        fall = np.where(finite, values.min(axis=0) / np.where(finite, values[0], 1.0), np.inf)
        ranked = np.argsort(fall)[: min(top, int(finite.sum()))]
        order = [int(i) for i in ranked if fall[i] < 0.999]
        for i in order:
            ax.plot(inv["day"].values, values[:, i], label=str(inv["node"].values[i]), lw=1.6)
        if not order:
            _empty(ax, "no inventory fell")
    else:
        _empty(ax, "no inventories recorded")
    ax.set_ylabel("days of cover")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncols=2, frameon=False)
    return fig


def prices(ds: xr.Dataset, top: int = 8, member: int = 0) -> Figure:
    """Scarcity price index of the markets whose price moved most (1 = baseline)."""
    fig, ax = _figure("Scarcity prices (index, 1 = baseline)" + _which(ds, member))
    one = _member(ds, member)
    if "market_price" in one:
        p = one["market_price"].values
        move = np.abs(p - 1.0).max(axis=0)
        order = [int(i) for i in np.argsort(-move)[:top] if move[i] > 1e-3]
        for i in order:
            label = f"{one['market_region'].values[i]}/{one['market_product'].values[i]}"
            ax.plot(one["day"].values, p[:, i], label=label, lw=1.6)
        if not order:
            _empty(ax, "no price moved")
    else:
        _empty(ax, "no prices recorded")
    ax.axhline(1.0, color="0.5", ls=":", lw=1)
    ax.set_ylabel("price index")
    ax.legend(fontsize=8, ncols=2, frameon=False)
    return fig


def chain_flow(
    ds: xr.Dataset, net: CompiledNetwork, member: int = 0, max_nodes: int = 40
) -> Figure:
    """The disrupted chain as a flow diagram: the links into region-industries whose output fell
    below 95% of baseline, (region, product) nodes by stage, arrows sized by baseline value
    shipped and coloured by the buyer's lowest output ratio."""
    fig, ax = plt.subplots(figsize=(9.0, 5.5), layout="constrained", dpi=_DPI)
    ax.set_title(
        "The disrupted chain (arrow width: baseline value; colour: buyer's worst output)",
        loc="left",
        fontsize=11,
    )
    ax.axis("off")
    ratio = output_ratio(ds, member).min()
    node_key = np.array(
        [
            f"{net.regions[r]}/{net.products[p]}"
            for r, p in zip(net.node_region, net.node_product, strict=True)
        ]
    )
    links = pd.DataFrame(
        {
            "src": node_key[net.link_src],
            "dst": node_key[net.link_dst],
            "value": net.link_flow * net.unit_value[net.node_product[net.link_src]],
        }
    )
    links = (
        links[links["src"] != links["dst"]].groupby(["src", "dst"], as_index=False)["value"].sum()
    )
    hit = set(ratio[ratio < PAIN].index)
    near = links[links["dst"].isin(hit)]  # supply into the region-industries that fell
    if near.empty:
        _empty(ax, "no region-industry fell below 95% of baseline")
        return fig
    near = near.sort_values("value", ascending=False)
    keys: list[str] = []
    for s, d in zip(near["src"], near["dst"], strict=True):
        for k in (s, d):
            if k not in keys and len(keys) < max_nodes:
                keys.append(k)
    near = near[near["src"].isin(keys) & near["dst"].isin(keys)]
    stage_of = {
        f"{net.regions[r]}/{net.products[p]}": int(net.product_stage[p])
        for r, p in zip(net.node_region, net.node_product, strict=True)
    }
    stages = sorted({stage_of[k] for k in keys})
    col = {s: i for i, s in enumerate(stages)}
    pos: dict[str, tuple[float, float]] = {}
    for s in stages:
        members = sorted(k for k in keys if stage_of[k] == s)
        for i, k in enumerate(members):
            pos[k] = (float(col[s]), 1.0 - (i + 1) / (len(members) + 1))
    cmap = plt.get_cmap("RdYlGn")
    vmax = float(near["value"].max()) or 1.0
    for s, d, v in zip(near["src"], near["dst"], near["value"], strict=True):
        (x0, y0), (x1, y1) = pos[s], pos[d]
        worst = float(ratio.get(d, 1.0))
        ax.annotate(
            "",
            xy=(x1 - 0.06, y1),
            xytext=(x0 + 0.06, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "lw": 0.6 + 5.0 * np.sqrt(v / vmax),
                "color": cmap(min(max(worst, 0.0), 1.0)),
                "alpha": 0.8,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
    for k, (x, y) in pos.items():
        worst = float(ratio.get(k, 1.0))
        ax.text(
            x,
            y,
            f"{k}\n{worst:.0%}",
            ha="center",
            va="center",
            fontsize=7,
            bbox={
                "boxstyle": "round",
                "fc": cmap(min(max(worst, 0.0), 1.0)),
                "ec": "0.3",
                "alpha": 0.9,
            },
        )
    ax.set_xlim(-0.5, len(stages) - 0.5)
    ax.set_ylim(0, 1)
    return fig


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (and close it)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def all_figures(ds: xr.Dataset, net: CompiledNetwork | None = None) -> dict[str, Figure]:
    """Every figure of the report, by title."""
    figs = {
        "Output by region and industry": output_over_time(ds),
        "Inventories": inventories(ds),
        "Prices": prices(ds),
    }
    if net is not None:
        figs["Disrupted chain"] = chain_flow(ds, net)
    return figs
