"""Criticality scatter: supply risk (SR) against economic importance (EI), thresholds drawn."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from chokepoint.analysis.criticality import EI_THRESHOLD, SR_THRESHOLD

__all__ = ["criticality_scatter"]


def criticality_scatter(
    scores: pd.DataFrame,
    path: Path | str,
    *,
    title: str = "EU criticality",
    sr_threshold: float = SR_THRESHOLD,
    ei_threshold: float = EI_THRESHOLD,
    moved: Mapping[str, tuple[float, float]] | None = None,
    label_all: bool = True,
) -> Path:
    """Write a scatter of SR (y) against EI (x) with the EU thresholds to ``path``.

    Parameters
    ----------
    scores
        Indexed by material with columns ``sr`` and ``ei``; rows lacking either are skipped.
    path
        Output file; the format follows the suffix (``.png``, ``.svg``, ``.pdf``).
    moved
        Optional material -> (SR before, EI before) for what-if runs: an arrow is drawn from
        the baseline position to the new one.
    label_all
        Label every point (otherwise only the critical ones).

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    known = scores.loc[scores["sr"].notna() & scores["ei"].notna()]
    sr = known["sr"].to_numpy(dtype=float)
    ei = known["ei"].to_numpy(dtype=float)
    crit = (sr >= sr_threshold) & (ei >= ei_threshold)

    fig = Figure(figsize=(9.5, 6.0), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x_max = max(10.0, float(np.nanmax(ei, initial=0.0)) * 1.05)
    y_max = max(sr_threshold * 2.0, float(np.nanmax(sr, initial=0.0)) * 1.1)
    ax.fill_between([ei_threshold, x_max], sr_threshold, y_max, color="tab:red", alpha=0.08, lw=0)
    ax.axhline(sr_threshold, color="tab:red", ls="--", lw=1.0, label=f"SR = {sr_threshold:g}")
    ax.axvline(ei_threshold, color="tab:red", ls=":", lw=1.0, label=f"EI = {ei_threshold:g}")
    ax.scatter(ei[~crit], sr[~crit], s=28, color="tab:blue", label="not critical", zorder=3)
    ax.scatter(ei[crit], sr[crit], s=36, color="tab:red", label="critical", zorder=3)
    for name, x, y, c in zip(known.index, ei, sr, crit, strict=True):
        if label_all or c:
            ax.annotate(str(name), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
    for name, (sr0, ei0) in (moved or {}).items():
        if name in known.index:
            ax.annotate(
                "",
                xy=(float(known.at[name, "ei"]), float(known.at[name, "sr"])),
                xytext=(ei0, sr0),
                arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.2},
            )
            ax.scatter([ei0], [sr0], s=28, facecolors="none", edgecolors="black", zorder=3)
    ax.set_xlim(0.0, x_max)
    ax.set_ylim(0.0, y_max)
    ax.set_xlabel("Economic importance (EI)")
    ax.set_ylabel("Supply risk (SR)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out
