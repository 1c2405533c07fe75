"""Self-contained HTML report of a sweep: fan charts (member spread) and sensitivity tables."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from chokepoint.sweep.summary import quantiles, sensitivity


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode()


def fan_chart(rows: pd.DataFrame, metric: str = "output_lost_value_usd", top: int = 10) -> Figure:
    """Spread of ``metric`` across members for the ``top`` region-products by median: 5-95% bar,
    25-75% box and the median."""
    table = quantiles(rows, (0.05, 0.25, 0.5, 0.75, 0.95))
    table = (
        table[table["metric"] == metric].sort_values("q50", ascending=False).head(top).iloc[::-1]
    )
    fig = Figure(figsize=(8, max(3.0, 0.4 * len(table) + 1.5)))
    ax = fig.subplots()
    y = np.arange(len(table))
    ax.hlines(y, table["q05"], table["q95"], color="#9ecae1", linewidth=6, label="5-95%")
    ax.hlines(y, table["q25"], table["q75"], color="#3182bd", linewidth=10, label="25-75%")
    ax.plot(table["q50"], y, "k|", markersize=14, label="median")
    ax.set_yticks(y, table["region"] + " / " + table["product"])
    ax.set_xlabel(metric.replace("_", " "))
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def write_sweep_report(
    rows: pd.DataFrame, parameters: pd.DataFrame, path: str | Path, *, title: str
) -> Path:
    """Write the sweep report (figures inlined as base64 PNG; no external resources)."""
    table = quantiles(rows)
    lost = table[table["metric"] == "output_lost_value_usd"].sort_values("q50", ascending=False)
    parts = [f"<h1>{html.escape(title)}</h1>", f"<p>{rows['member'].nunique()} members.</p>"]
    parts.append(
        f'<h2>Value of output lost</h2><img alt="fan chart" src="data:image/png;base64,{_png(fan_chart(rows))}">'
    )
    ttp = table[table["metric"] == "time_to_pain_day"].sort_values("q50")
    if not ttp.empty:
        parts.append(
            f'<h2>Time to pain</h2><img alt="time to pain" src="data:image/png;base64,{_png(fan_chart(rows, "time_to_pain_day"))}">'
        )
    if not lost.empty:
        top = lost.iloc[0]
        sens = sensitivity(rows, parameters, "output_lost_value_usd", top["region"], top["product"])
        parts.append(
            f"<h2>Sensitivity of {html.escape(top['region'])} / {html.escape(top['product'])} value lost</h2>"
        )
        parts.append(sens.to_html(index=False, float_format=lambda v: f"{v:.3f}"))
    parts.append(
        "<h2>Quantiles</h2>" + table.to_html(index=False, float_format=lambda v: f"{v:,.4g}")
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><style>body{font-family:sans-serif;max-width:1000px;margin:auto}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
