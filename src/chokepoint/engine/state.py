"""EngineState: the only mutable arrays of a run, each with a leading scenario axis S.

Initialised at the baseline steady state so that a batch without rules reproduces it exactly: stocks
at their initial days of cover, the in-transit pipeline full of baseline flows (a link with lead time
L_e holds L_e days of f_e, arriving on days 0..L_e-1), orders equal to baseline flows, sourcing shares
σ_e at their baseline values, overproduction α = α^b and every price index at 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chokepoint.engine.params import EngineParams
from chokepoint.engine.structure import EngineNet

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.integer]


@dataclass(eq=False)
class EngineState:
    """Mutable state of S scenarios (shapes in brackets).

    Attributes
    ----------
    stock : I_k, units [S, m]
    strategic : strategic stockpile not yet released, units [S, m]
    ring : in-transit pipeline; ``ring[:, t % B, k]`` arrives at pair k at the start of day t [S, B, m]
    transit : Σ of ``ring`` over slots, units in transit to pair k [S, m]
    expected_use : E_k, expected daily input use [S, m]
    orders : order_k placed for the next day, units/day [S, m]
    share : σ_e, sourcing share of link e in its pair's orders [S, E']
    pipe_target : Σ_{e→k} σ_e ū_k L_e, the in-transit level the pair aims at [S, m]
    overproduction : α_n [S, n]
    log_price : ln P_M, scarcity price index per market [S, M]
    first_short : first day pair k was short (-1 if never) [S, m]
    """

    stock: FloatArray
    strategic: FloatArray
    ring: FloatArray
    transit: FloatArray
    expected_use: FloatArray
    orders: FloatArray
    share: FloatArray
    pipe_target: FloatArray
    overproduction: FloatArray
    log_price: FloatArray
    first_short: IntArray

    @staticmethod
    def initial(net: EngineNet, size: int, params: EngineParams) -> EngineState:
        """The baseline steady state for ``size`` scenarios."""
        ft = np.dtype(params.dtype)
        s, m, b = size, net.m, net.ring_days
        use = net.pair_use
        ring = np.zeros((s, b, m), dtype=ft)
        flow = net.link_flow.astype(np.float64)
        for day in range(b):  # loop over ring slots (≤ pipeline bound), not over links
            live = net.link_lead > day
            ring[:, day, :] += np.bincount(net.link_pair[live], flow[live], minlength=m).astype(ft)
        transit = ring.sum(axis=1)
        pipe_target = np.broadcast_to(
            np.bincount(net.link_pair, flow * net.link_lead, minlength=m).astype(ft), (s, m)
        ).copy()
        return EngineState(
            stock=np.broadcast_to(net.stock_initial_days * use, (s, m)).astype(ft),
            strategic=np.broadcast_to(net.stock_strategic, (s, m)).astype(ft),
            ring=ring,
            transit=transit,
            expected_use=np.broadcast_to(use, (s, m)).astype(ft),
            orders=np.broadcast_to(use, (s, m)).astype(ft),
            share=np.broadcast_to(net.link_share, (s, net.n_links)).astype(ft),
            pipe_target=pipe_target,
            overproduction=np.full((s, net.n), params.overproduction_base, dtype=ft),
            log_price=np.zeros((s, net.n_markets), dtype=ft),
            first_short=np.full((s, m), -1, dtype=np.int64),
        )
