"""Figures of a run (matplotlib's object API: no pyplot state, safe on a web service's threads):
each takes the results ``xarray.Dataset``.

Output, inventories and prices are aggregated from nodes to (region, product) where that is what a
reader asks about. They are drawn for the member given, or for every member (the default): one panel
per member, the same series in the same colour in each, for the first :data:`MAX_MEMBERS` members
(the title says how many more there are). :func:`chain_flow` draws the disrupted chain of one member
as a layered flow diagram: stages from left to right, arrows sized by baseline value shipped and
coloured by how far the buyer's output fell; :func:`all_figures` draws one per member.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from matplotlib import colormaps
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from chokepoint.network.compile import CompiledNetwork

_DPI = 110
PAIN = 0.95
"""Output ratio below which a region-industry counts as hit (the time-to-pain threshold)."""
MAX_MEMBERS = 8
"""Members drawn (one panel or chain diagram each); a run with more shows its first 8."""


def _member(ds: xr.Dataset, member: int) -> xr.Dataset:
    return ds.isel(scenario=member) if "scenario" in ds.dims else ds


def _which(ds: xr.Dataset, member: int) -> str:
    """`` (member NAME)`` when the run has several members, else empty."""
    if "scenario" in ds.dims and ds.sizes["scenario"] > 1:
        return f" (member {ds['scenario'].values[member]})"
    return ""


def _members(ds: xr.Dataset, member: int | None) -> list[int]:
    """The members to draw: ``member``, or the first :data:`MAX_MEMBERS` of the run."""
    if member is not None:
        return [member]
    return list(range(min(ds.sizes.get("scenario", 1), MAX_MEMBERS)))


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


def hardest_hit(ds: xr.Dataset, top: int = 8, member: int | None = 0) -> list[str]:
    """The ``top`` region/products with the lowest minimum output ratio (below 99.5%), in
    ``member`` or (``None``) in any of the members drawn."""
    ratio = pd.concat([output_ratio(ds, m).min() for m in _members(ds, member)], axis=1).min(axis=1)
    ratio = ratio[ratio < 0.995].sort_values()
    return [str(k) for k in ratio.index[:top]]


def _panels(ds: xr.Dataset, title: str, member: int | None) -> tuple[Figure, list[Any]]:
    """A figure with one panel per member drawn (2 columns, shared axes), titled."""
    shown = _members(ds, member)
    n = len(shown)
    total = ds.sizes.get("scenario", 1)
    if member is not None:
        title += _which(ds, member)
    elif total > n:
        title += f" (first {n} of {total} members)"
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    size = (8.0, 4.2) if n == 1 else (10.0, 1.0 + 2.4 * rows)
    fig = Figure(figsize=size, layout="constrained", dpi=_DPI)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    for ax, m in zip(flat, shown, strict=False):
        ax.spines[["top", "right"]].set_visible(False)
        if n > 1:
            ax.set_title(f"member {ds['scenario'].values[m]}", loc="left", fontsize=9)
        ax.set_xlabel("day")
        ax.tick_params(labelbottom=True)  # also above a hidden panel
    fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    return fig, flat[:n]


def _legend(fig: Figure, axes: list[Any]) -> None:
    """One legend for the figure: every labelled line of any panel, once."""
    seen: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    if seen:
        fig.legend(
            list(seen.values()),
            list(seen),
            loc="outside lower center",
            fontsize=8,
            ncols=min(len(seen), 4),
            frameon=False,
        )


def _colours(keys: list[str]) -> dict[str, Any]:
    """The same colour for a series in every panel."""
    cycle = colormaps["tab10"]
    return {k: cycle(i % 10) for i, k in enumerate(keys)}


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")


def output_over_time(ds: xr.Dataset, top: int = 8, member: int | None = None) -> Figure:
    """Output relative to baseline of the hardest-hit region-industries, with the 95% line; one
    panel per member (every member drawn when ``member`` is None)."""
    fig, axes = _panels(ds, "Output of the hardest-hit region-industries (1 = baseline)", member)
    keys = hardest_hit(ds, top, member)
    colour = _colours(keys)
    for ax, m in zip(axes, _members(ds, member), strict=True):
        ratio = output_ratio(ds, m)
        for k in keys:
            ax.plot(ratio.index, ratio[k].to_numpy(), label=k, lw=1.6, color=colour[k])
        ax.axhline(0.95, color="0.5", ls=":", lw=1, label="95% of baseline")
        if not keys:
            _empty(ax, "no region-industry fell below 99.5% of baseline")
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("output / baseline")
    _legend(fig, axes)
    return fig


def _series(ds: xr.Dataset, name: str, dim: str, shown: list[int]) -> npt.NDArray[np.float64]:
    """``ds[name]`` as (member drawn, day, ``dim``) values."""
    var = ds[name] if "scenario" in ds.dims else ds[name].expand_dims("scenario")
    return np.asarray(var.transpose("scenario", "day", dim).values, dtype=np.float64)[shown]


def inventories(ds: xr.Dataset, top: int = 8, member: int | None = None) -> Figure:
    """Days of input cover of the nodes whose cover falls most (inventories drawing down); one
    panel per member (every member drawn when ``member`` is None)."""
    fig, axes = _panels(ds, "Inventories drawing down (days of cover, largest falls)", member)
    values = _series(ds, "inventory_days", "node", _members(ds, member))
    finite = np.isfinite(values).all(axis=(0, 1)) & (values[:, 0] > 0).all(axis=0)
    nodes = np.asarray(ds["node"].values, dtype=str)
    order: list[int] = []
    if finite.any():
        start = np.where(finite, values[:, :1], 1.0)
        fall = np.where(finite, (values / start).min(axis=(0, 1)), np.inf)
        ranked = np.argsort(fall)[: min(top, int(finite.sum()))]
        order = [int(i) for i in ranked if fall[i] < 0.999]
    colour = _colours([str(nodes[i]) for i in order])
    for ax, v in zip(axes, values, strict=True):
        for i in order:
            node = str(nodes[i])
            ax.plot(ds["day"].values, v[:, i], label=node, lw=1.6, color=colour[node])
        if not order:
            _empty(ax, "no inventory fell" if finite.any() else "no inventories recorded")
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("days of cover")
    _legend(fig, axes)
    return fig


def prices(ds: xr.Dataset, top: int = 8, member: int | None = None) -> Figure:
    """Scarcity price index of the markets whose price moved most (1 = baseline); one panel per
    member (every member drawn when ``member`` is None)."""
    fig, axes = _panels(ds, "Scarcity prices (index, 1 = baseline)", member)
    if "market_price" in ds:
        p = _series(ds, "market_price", "market", _members(ds, member))
        move = np.abs(p - 1.0).max(axis=(0, 1))
        order = [int(i) for i in np.argsort(-move)[:top] if move[i] > 1e-3]
        label = {
            i: f"{ds['market_region'].values[i]}/{ds['market_product'].values[i]}" for i in order
        }
        colour = _colours(list(label.values()))
        for ax, pm in zip(axes, p, strict=True):
            for i in order:
                ax.plot(ds["day"].values, pm[:, i], label=label[i], lw=1.6, color=colour[label[i]])
            if not order:
                _empty(ax, "no price moved")
    else:
        for ax in axes:
            _empty(ax, "no prices recorded")
    for ax in axes:
        ax.axhline(1.0, color="0.5", ls=":", lw=1)
    axes[0].set_ylabel("price index")
    _legend(fig, axes)
    return fig


def chain_flow(
    ds: xr.Dataset, net: CompiledNetwork, member: int = 0, max_nodes: int = 40
) -> Figure:
    """The disrupted chain as a flow diagram: the links into region-industries whose output fell
    below 95% of baseline, (region, product) nodes by stage, arrows sized by baseline value
    shipped and coloured by the buyer's lowest output ratio."""
    fig = Figure(figsize=(9.0, 5.5), layout="constrained", dpi=_DPI)
    ax = fig.subplots()
    ax.set_title(
        "The disrupted chain (arrow width: baseline value; colour: buyer's worst output)"
        + _which(ds, member),
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
    cmap = colormaps["RdYlGn"]
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
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def all_figures(ds: xr.Dataset, net: CompiledNetwork | None = None) -> dict[str, Figure]:
    """Every figure of the report, by title: output, inventories and prices with a panel per
    member, and (with ``net``) a disrupted-chain diagram per member (titled with its name when the
    run has several); at most :data:`MAX_MEMBERS` members are drawn."""
    figs = {
        "Output by region and industry": output_over_time(ds),
        "Inventories": inventories(ds),
        "Prices": prices(ds),
    }
    if net is not None:
        for m in _members(ds, None):
            figs["Disrupted chain" + _which(ds, m)] = chain_flow(ds, net, member=m)
    return figs
