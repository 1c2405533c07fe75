"""EngineState: the only mutable arrays of a run, each with the scenario axis S *last*.

Initialised at the baseline steady state so that a batch without rules reproduces it exactly: stocks
at their initial days of cover, the in-transit pipeline full of baseline flows (a link with lead time
L_e holds L_e days of f_e, arriving on days 0..L_e-1), orders equal to baseline flows, sourcing shares
σ_e at their baseline values, overproduction α = α^b and every price index at 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chokepoint.engine import fused as F
from chokepoint.engine.params import EngineParams
from chokepoint.engine.structure import EngineNet

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.integer]


@dataclass(eq=False)
class EngineState:
    """Mutable state of S scenarios (shapes in brackets).

    Attributes
    ----------
    stock : I_k, units [m, S]
    strategic : strategic stockpile not yet released, units [m, S]
    ring : in-transit pipeline; slot ``ring_ptr[k] + t mod B_k`` arrives at pair k on day t
        [slots, S]
    transit : units in transit to pair k [m, S]
    expected_use : E_k, expected daily input use [m, S]
    orders : order_k placed for the coming day, units/day [m, S]
    supply : per supplier u, side by side: today's delivery ratio and spare capacity [n, 2, S]
        (rows :data:`~chokepoint.engine.fused.RATIO`, :data:`~chokepoint.engine.fused.SPARE`)
    wanted_pair : Σ of the coming day's orders per link by buyer pair [m, S]
    share : σ_e, sourcing share of link e in its pair's orders [E', S]
    binned : the coming day's orders per link σ_e order_k in their slots binned by supplier
        (``EngineNet.link_slot``) [E', S]
    pipe_target : Σ_{e→k} σ_e ū_k L_e, the in-transit level the pair aims at [m, S]
    overproduction : α_n [n, S]
    log_price : ln P_M, scarcity price index per market [M, S]
    first_short : first day pair k was short (-1 if never) [m, S]
    displaced : 1 while adaptation has moved pair k's sourcing shares off their baseline [m, S]
    """

    stock: FloatArray
    strategic: FloatArray
    ring: FloatArray
    transit: FloatArray
    expected_use: FloatArray
    orders: FloatArray
    supply: FloatArray
    wanted_pair: FloatArray
    share: FloatArray
    binned: FloatArray
    pipe_target: FloatArray
    overproduction: FloatArray
    log_price: FloatArray
    first_short: IntArray
    displaced: npt.NDArray[np.int8]

    @staticmethod
    def initial(net: EngineNet, size: int, params: EngineParams) -> EngineState:
        """The baseline steady state for ``size`` scenarios."""
        ft = np.dtype(params.dtype)
        s, m = size, net.m
        use = net.pair_use
        ring = np.zeros((net.ring_slots, s), dtype=ft)
        F.fill_ring(net.link_ptr, net.link_lead, net.link_flow, net.ring_ptr, ring)
        first = net.ring_ptr[:-1]  # every pair has at least one slot
        transit = (
            np.add.reduceat(ring, first, axis=0) if m else np.zeros((0, s), dtype=ft)
        ).astype(ft)
        arriving = ring[first].copy()  # day 0's arrivals are in stock at the start of day 0
        ring[first] = 0.0
        transit -= arriving
        flow = net.link_flow.astype(np.float64)
        pipe = np.bincount(net.link_pair, flow * net.link_lead, minlength=m).astype(ft)
        orders = np.broadcast_to(use[:, None], (m, s)).astype(ft)
        share = np.broadcast_to(net.link_share[:, None], (net.n_links, s)).astype(ft)
        wanted_pair = np.zeros((m, s), dtype=ft)
        F.pair_orders(net.link_ptr, share, orders, wanted_pair)
        return EngineState(
            stock=np.broadcast_to((net.stock_initial_days * use)[:, None], (m, s)).astype(ft)
            + arriving,
            strategic=np.broadcast_to(net.stock_strategic[:, None], (m, s)).astype(ft),
            ring=ring,
            transit=transit,
            expected_use=orders.copy(),
            orders=orders,
            supply=np.zeros((net.n, 2, s), dtype=ft),
            wanted_pair=wanted_pair,
            share=share,
            binned=np.empty_like(share),
            pipe_target=np.broadcast_to(pipe[:, None], (m, s)).copy(),
            overproduction=np.full((net.n, s), params.overproduction_base, dtype=ft),
            log_price=np.zeros((net.n_markets, s), dtype=ft),
            first_short=np.full((m, s), -1, dtype=np.int32),
            displaced=np.zeros((m, s), dtype=np.int8),
        )
