"""Leverage heat map: damage each actor's strongest instrument does to each target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["leverage_heatmap"]


def leverage_heatmap(
    damage: pd.DataFrame,
    path: Path | str,
    *,
    pain_days: pd.DataFrame | None = None,
    title: str = "Leverage: damage of the strongest instrument (USD)",
) -> Path:
    """Write an actor x target heat map of D_AB (log colour scale) to ``path``.

    Parameters
    ----------
    damage
        Actor (rows) x target (columns) table of damage in USD; NaN where there is no lever.
    pain_days
        Optional table of the same shape: the target's time-to-pain, printed in each cell.
    """
    path = Path(path)
    values = damage.to_numpy(dtype=np.float64)
    shown = np.log10(np.where(values > 0, values, np.nan))
    n_rows, n_cols = values.shape
    fig = Figure(figsize=(1.2 + 0.9 * n_cols, 1.0 + 0.7 * n_rows))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(np.ma.masked_invalid(shown), cmap="Reds", aspect="auto")
    ax.set_xticks(range(n_cols), [str(c) for c in damage.columns])
    ax.set_yticks(range(n_rows), [str(r) for r in damage.index])
    ax.set_xlabel("target")
    ax.set_ylabel("actor")
    ax.set_title(title, fontsize=10)
    for i in range(n_rows):
        for j in range(n_cols):
            v = values[i, j]
            if not np.isfinite(v) or v <= 0:
                continue
            text = f"{v / 1e9:.2g} bn" if v >= 1e8 else f"{v / 1e6:.2g} m"
            if pain_days is not None:
                day = pain_days.iloc[i, j]
                text += f"\n{day:.0f} d" if np.isfinite(day) else "\nno pain"
            dark = np.nanmax(shown) - shown[i, j] < 0.4 * (np.nanmax(shown) - np.nanmin(shown))
            color = "white" if dark else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    fig.colorbar(image, ax=ax, label="log10 damage (USD)")
    fig.tight_layout()
    fig.savefig(path)
    return path
