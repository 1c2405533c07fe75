"""Figures of a long-run market run: prices, shares stacked by region, capacity, exits and entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from chokepoint.market.model import MarketResult


def plot_market(
    res: MarketResult,
    path: str | Path,
    title: str = "",
    price_unit: str = "",
    quantity_unit: str = "",
    observations: list[dict[str, Any]] | None = None,
    member: int = 0,
) -> Path:
    """Write a four-panel PNG (or any format matplotlib knows by the suffix) and return its path.

    Panels: price inside and outside the state; world shares stacked by region (observed shares
    as markers when given); capacity by region; the state's share and HHI. Exits are marked by
    red dashed lines, entries by green dotted lines, in every panel.
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    inp = res.inputs
    years = inp.years
    regs = list(inp.regions)
    shares = res.shares()[member]
    reg_idx = np.array([regs.index(r) for r in inp.producer_regions])
    cap_r = np.stack(
        [res.capacity[member][:, reg_idx == i].sum(axis=1) for i in range(len(regs))], axis=1
    )
    colours = colormaps["tab10"](np.arange(len(regs)) % 10)

    fig = Figure(figsize=(13, 8))
    axes = fig.subplots(2, 2, sharex=True)
    ax_p, ax_s, ax_k, ax_h = axes.ravel()
    ax_p.plot(years, res.price_foreign[member], label="outside the state", color="tab:blue")
    if not np.allclose(res.price_foreign[member], res.price_domestic[member]):
        ax_p.plot(
            years, res.price_domestic[member], label="inside the state", color="tab:red", ls="--"
        )
    ax_p.set_ylabel(f"price ({price_unit})" if price_unit else "price")
    ax_p.set_title("Price")
    ax_p.legend(loc="upper left", fontsize=8)

    ax_s.stackplot(years, shares.T, labels=regs, colors=colours, alpha=0.85)
    ax_s.set_ylim(0, 1)
    ax_s.set_ylabel("world share")
    ax_s.set_title("Shares by region (markers: observed)")
    for ob in observations or []:
        metric = str(ob.get("metric", ""))
        if metric.startswith("share:") and metric[6:] in regs:
            i = regs.index(metric[6:])
            ax_s.scatter(
                [ob["year"]], [ob["observed"]], color=colours[i], edgecolor="black", zorder=5
            )
    ax_s.legend(loc="lower left", fontsize=8, ncol=2)

    ax_k.stackplot(years, cap_r.T, labels=regs, colors=colours, alpha=0.85)
    ax_k.set_ylabel(f"capacity ({quantity_unit})" if quantity_unit else "capacity")
    ax_k.set_title("Capacity by region")

    ax_h.plot(years, res.state_share()[member], label=f"{inp.state_region} share", color="black")
    ax_h.plot(years, res.hhi()[member], label="HHI (regions)", color="tab:purple", ls="--")
    ax_h.axhline(inp.dependency_threshold, color="grey", lw=0.8, ls=":")
    ax_h.set_ylim(0, 1.05)
    ax_h.set_title("Concentration")
    ax_h.legend(loc="lower right", fontsize=8)

    for ev in res.events(member):
        if ev["event"] == "decision":
            continue
        colour, style = ("red", "--") if ev["event"] == "exit" else ("green", ":")
        for ax in axes.ravel():
            ax.axvline(ev["year"], color=colour, ls=style, lw=0.9, alpha=0.7)
        ax_p.annotate(
            f"{ev['event']}: {ev['producer']}",
            xy=(ev["year"], 1.0),
            xycoords=("data", "axes fraction"),
            rotation=90,
            fontsize=6,
            va="top",
            ha="right",
            color=colour,
        )
    for ax in axes[1]:
        ax.set_xlabel("year")
    fig.suptitle(title)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out
