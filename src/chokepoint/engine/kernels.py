"""Vectorised steps of the day loop at market level (DESIGN §5): scarcity prices.

No I/O, no logging. The per-node, per-pair and per-link steps are compiled passes in
:mod:`chokepoint.engine.fused`; what remains here works on (M, S) arrays of markets (region,
product) by scenarios, small enough for numpy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]


def _div(num: FloatArray, den: FloatArray, fill: float = 0.0) -> FloatArray:
    """num / den where den > 0, else ``fill`` (broadcasting)."""
    num, den = np.broadcast_arrays(num, den)
    out = np.full(num.shape, fill, dtype=np.result_type(num, den))
    np.divide(num, den, out=out, where=den > 0)
    return out


def price_target(
    demand: FloatArray,
    received: FloatArray,
    sold: FloatArray,
    potential: FloatArray,
    baseline_utilisation: FloatArray,
    elasticity: float,
    cap: float,
) -> FloatArray:
    """ln P*_M = (ln(D_M / R_M) + ln(u_M / ū_M)) / ε, clipped to ±ln(cap).  (S, M) x4, (M,) -> (S, M).

    D_M: orders placed by the market's buyers, R_M: deliveries they received; u_M = sold / potential
    output of the market's sellers.  Buyers short of supply push the index up; sellers with
    stranded supply (u_M below baseline) push it down.
    """
    lim = np.log(cap)
    buy = np.log(_div(demand, np.maximum(received, demand / cap), fill=1.0))
    util = _div(sold, potential, fill=0.0)
    sell = np.log(
        _div(util, np.broadcast_to(baseline_utilisation, util.shape), fill=1.0).clip(1.0 / cap, cap)
    )
    sell = np.where(potential > 0, sell, 0.0)
    return np.clip((buy + sell) / elasticity, -lim, lim)
