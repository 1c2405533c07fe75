"""Figures for the static analyses (matplotlib's object API, no pyplot): exposure heat map,
value-at-risk bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def exposure_heatmap(matrix: pd.DataFrame, *, origin: str, stage: str, path: str | Path) -> Path:
    """Region x product heat map of the share of ``stage`` content originating in ``origin``."""
    data = matrix.dropna(how="all").dropna(axis=1, how="all")
    fig = Figure(figsize=(max(6.0, 0.5 * data.shape[1] + 3), max(3.0, 0.35 * data.shape[0] + 2)))
    ax = fig.subplots()
    image = ax.imshow(
        np.ma.masked_invalid(data.to_numpy(dtype=float)), vmin=0, vmax=1, cmap="Reds", aspect="auto"
    )
    ax.set_xticks(range(data.shape[1]), data.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(data.shape[0]), data.index, fontsize=8)
    ax.set_title(f"Share of {stage} content from {origin}")
    fig.colorbar(image, ax=ax, label="share")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    return out


def value_at_risk_bars(table: pd.DataFrame, *, actor: str, path: str | Path) -> Path:
    """Horizontal bars of value at risk per region (USD/day)."""
    data = table.sort_values("value_at_risk_usd_per_day")
    fig = Figure(figsize=(7, max(3.0, 0.3 * len(data) + 1.5)))
    ax = fig.subplots()
    ax.barh(data["region"], data["value_at_risk_usd_per_day"] / 1e6, color="#b2182b")
    ax.set_xlabel("value at risk, million USD/day")
    ax.set_title(f"Downstream value at risk if {actor} cut every stage it dominates")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    return out


def ranking_bars(table: pd.DataFrame, *, path: str | Path) -> Path:
    """Horizontal bars of world value lost per (region, stage) candidate (billion USD)."""
    column = (
        "focus_value_lost_usd"
        if "focus_value_lost_usd" in table.columns
        else "world_value_lost_usd"
    )
    data = table.iloc[::-1]
    labels = data["region"].astype(str) + " / " + data["product"].astype(str)
    fig = Figure(figsize=(8, max(3.0, 0.35 * len(data) + 1.5)))
    ax = fig.subplots()
    ax.barh(labels, data[column] / 1e9, color="#2166ac")
    ax.set_xlabel("value of output lost, billion USD")
    ax.set_title("Chokepoints ranked by simulated damage")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    return out
