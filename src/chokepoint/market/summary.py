"""Plain summaries of a market run: yearly records, events, totals and the side-by-side check."""

from __future__ import annotations

from typing import Any

import numpy as np

from chokepoint.market.model import MarketResult
from chokepoint.market.schema import MarketPreset


def simulated_value(
    res: MarketResult, metric: str, year: int, base_year: int | None
) -> float | None:
    """The simulated counterpart of an observation metric (member 0), or None if undefined."""
    years = res.inputs.years.tolist()
    if year not in years:
        return None
    t = years.index(year)
    kind, _, arg = metric.partition(":")
    regs = res.inputs.regions
    if kind == "share":
        return float(res.shares()[0, t, regs.index(arg)]) if arg in regs else 0.0
    if kind == "output":
        return float(res.region_output()[0, t, regs.index(arg)]) if arg in regs else 0.0
    if kind == "utilisation":
        if arg not in regs:
            return 0.0
        sel = np.array([r == arg for r in res.inputs.producer_regions])
        cap = float(res.capacity[0, t, sel].sum())
        return float(res.output[0, t, sel].sum()) / cap if cap > 0 else 0.0
    if kind == "price":
        series = res.price_domestic[0] if arg == "domestic" else res.price_foreign[0]
        return float(series[t])
    if kind == "price_index":
        if base_year is None or base_year not in years:
            return None
        series = res.price_domestic[0] if arg == "domestic" else res.price_foreign[0]
        return float(series[t] / series[years.index(base_year)])
    return None


def compare(res: MarketResult, preset: MarketPreset) -> list[dict[str, Any]]:
    """Side by side: each observation with the simulated value of the same metric and year."""
    rows = []
    for ob in preset.observations:
        sim = simulated_value(res, ob.metric, ob.year, ob.base_year)
        rows.append(
            {
                "year": ob.year,
                "metric": ob.metric,
                "observed": ob.value,
                "simulated": None if sim is None else round(sim, 4),
                "base_year": ob.base_year,
                "source": ob.source,
                "note": ob.note,
            }
        )
    return rows


def summarise(res: MarketResult, preset: MarketPreset, member: int = 0) -> dict[str, Any]:
    """JSON-ready summary of one batch member (records rather than nested maps)."""
    inp = res.inputs
    years = inp.years.tolist()
    regs = inp.regions
    shares = res.shares()[member]
    hhi = res.hhi()[member]
    state_share = res.state_share()[member]
    yearly = []
    for t, y in enumerate(years):
        yearly.append(
            {
                "year": y,
                "price_domestic": round(float(res.price_domestic[member, t]), 4),
                "price_foreign": round(float(res.price_foreign[member, t]), 4),
                "output": round(float(res.output[member, t].sum()), 2),
                "exports": round(float(res.exports[member, t]), 2),
                "unmet": round(float(res.unmet[member, t]), 2),
                "state_share": round(float(state_share[t]), 4),
                "hhi": round(float(hhi[t]), 4),
                "state_subsidy_usd_m": round(float(res.state_subsidy[member, t]), 3),
                **{f"share_{r}": round(float(shares[t, i]), 4) for i, r in enumerate(regs)},
            }
        )
    dep = res.dependency_year()[member]
    rival = ~inp.state_mask
    return {
        "preset": preset.name,
        "product": preset.product,
        "units": {"quantity": preset.quantity_unit, "price": preset.price_unit, "money": "USD m"},
        "state_region": inp.state_region,
        "regions": list(regs),
        "yearly": yearly,
        "events": res.events(member),
        "totals": {
            "state_subsidy_usd_m": round(float(res.state_subsidy[member].sum()), 2),
            "rival_losses_usd_m": round(float(res.rival_losses()[member, -1]), 2),
            "rival_support_usd_m": round(float(res.other_support[member].sum()), 2),
            "trade_wedge_revenue_usd_m": round(float(res.tax_revenue[member].sum()), 2),
            "dependency_threshold": inp.dependency_threshold,
            "dependency_year": dep,
            "rival_exits": int(res.exited[member][:, rival].sum()),
            "rival_entries": int(res.entered[member][:, rival].sum()),
            "peak_price_foreign": round(float(np.max(res.price_foreign[member])), 4),
            "peak_price_foreign_year": int(years[int(np.argmax(res.price_foreign[member]))]),
        },
        "comparison": compare(res, preset),
        "sources": [s.model_dump() for s in preset.sources],
        "assumptions": [a.model_dump() for a in preset.assumptions],
    }
