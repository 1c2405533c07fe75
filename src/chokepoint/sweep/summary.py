"""Summaries of a sweep: quantiles per metric and region-product, and a sensitivity ranking.

Sensitivity is the Spearman rank correlation between each input parameter and each output
metric across members (robust to monotone non-linear responses); inputs are ranked by the
absolute correlation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

QUANTILES: tuple[float, ...] = (0.05, 0.5, 0.95)


def quantiles(rows: pd.DataFrame, q: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Quantiles of each (metric, region, product) across members; ``never`` counts members whose
    value is missing (e.g. time-to-pain never reached)."""
    grouped = rows.groupby(["metric", "region", "product"], sort=True)["value"]
    table = grouped.quantile(list(q)).unstack()
    table.columns = [f"q{round(100 * x):02d}" for x in q]
    table["members"] = grouped.size()
    table["never"] = grouped.apply(lambda s: int(s.isna().sum()))
    return table.reset_index()


def sensitivity(
    rows: pd.DataFrame, parameters: pd.DataFrame, metric: str, region: str, product: str
) -> pd.DataFrame:
    """Spearman ρ between each parameter and one output (metric, region, product) across members."""
    target = rows[
        (rows["metric"] == metric) & (rows["region"] == region) & (rows["product"] == product)
    ]
    y = target.set_index("member")["value"]
    x = parameters.set_index("member").reindex(y.index)
    out = []
    for name in x.columns:
        valid = y.notna() & x[name].notna()
        if valid.sum() < 3 or x[name][valid].nunique() < 2 or y[valid].nunique() < 2:
            rho = float("nan")
        else:
            rho = float(stats.spearmanr(x[name][valid], y[valid]).statistic)
        out.append({"parameter": name, "spearman_rho": rho})
    table = pd.DataFrame(out)
    table["abs"] = table["spearman_rho"].abs()
    return (
        table.sort_values("abs", ascending=False, na_position="last")
        .drop(columns="abs")
        .reset_index(drop=True)
    )


def fan(rows: pd.DataFrame, metric: str, region: str, product: str) -> np.ndarray:
    """Sorted member values of one output (for fan and spread charts)."""
    sel = rows[
        (rows["metric"] == metric) & (rows["region"] == region) & (rows["product"] == product)
    ]
    return np.sort(sel["value"].dropna().to_numpy())
