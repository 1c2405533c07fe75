"""Pure vectorised steps of the day loop at node, group and pair level (DESIGN §5).

No I/O, no logging, no loop over nodes or links. The per-link steps (orders per link, proportional
shipments into the pipeline, adaptation of sourcing shares) are fused passes in
:mod:`chokepoint.engine.fused`. Shapes: S scenarios, n nodes, m input pairs, G substitution groups,
M markets (region, product). Every function takes and returns arrays with the scenario axis first;
reductions over pairs and groups go through :class:`~chokepoint.engine.structure.Segments`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from chokepoint.engine.structure import EngineNet, Segments

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.integer]
BoolArray = npt.NDArray[np.bool_]

DEMAND, CAPACITY, INPUT = 0, 1, 2
"""Binding-constraint codes: output limited by orders (normal), by capacity, by an input."""


def _div(num: FloatArray, den: FloatArray, fill: float = 0.0) -> FloatArray:
    """num / den where den > 0, else ``fill`` (broadcasting)."""
    num, den = np.broadcast_arrays(num, den)
    out = np.full(num.shape, fill, dtype=np.result_type(num, den))
    np.divide(num, den, out=out, where=den > 0)
    return out


def capacity(
    base: FloatArray, factor: FloatArray, added: FloatArray, overproduction: FloatArray
) -> FloatArray:
    """K_n(t) = K_n · (1 − shock_n(t)) · α_n(t) + new capacity.  (n,), (S, n) x3 -> (S, n)."""
    return base * factor * overproduction + added


def group_cover(stock: FloatArray, amount: FloatArray, pairs_by_group: Segments) -> FloatArray:
    """C_g = Σ_{k∈g} I_k / a_k, units of output the stock of group g allows.  (S, m), (S|1, m) -> (S, G)."""
    return pairs_by_group.sum(_div(stock, amount, fill=np.inf))


def input_cover(cover: FloatArray, groups_by_node: Segments) -> FloatArray:
    """min_g C_g over the groups of each node (+inf for a node without inputs).  (S, G) -> (S, n)."""
    return groups_by_node.min(cover, empty=np.inf)


def produce(
    cap: FloatArray, cover: FloatArray, orders: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """x_n = min(K_n(t), min_g C_g, O_n) and the binding constraint code.  (S, n) x3 -> (S, n) x2.

    Ties go to demand first (the normal state), then capacity, then inputs.
    """
    x = np.minimum(np.minimum(cap, cover), orders)
    binding = np.full(x.shape, INPUT, dtype=np.int8)
    binding[cap <= cover] = CAPACITY
    binding[orders <= np.minimum(cap, cover)] = DEMAND
    return x, binding


def binding_group(cover: FloatArray, node_cover: FloatArray, net: EngineNet) -> IntArray:
    """Index of the first group g of each node with C_g = min_g C_g (−1 for none).  -> (S, n)."""
    g = np.arange(net.n_groups, dtype=np.int64)
    cand = np.where(cover <= node_cover[:, net.group_node], g, net.n_groups)
    first = net.groups_by_node.min(cand.astype(np.float64), empty=net.n_groups)
    return np.where(first >= net.n_groups, -1, first).astype(np.int64)


def input_use(
    x: FloatArray, stock: FloatArray, cover: FloatArray, pair_node: IntArray, pair_group: IntArray
) -> FloatArray:
    """use_k = x_n · I_k / C_g(k): a group's inputs are drawn in proportion to their stocks.

    (S, n), (S, m), (S, G) -> (S, m).  Equals a_k x_n for a pair alone in its group, never exceeds
    I_k (x_n ≤ C_g), and reproduces baseline use when the pairs of a group share a target in days.
    """
    use = x[:, pair_node] * _div(stock, cover[:, pair_group])
    return np.minimum(use, stock)


def pop_pipeline(ring: FloatArray, day: int) -> FloatArray:
    """Take the arrivals of day t out of the ring buffer (in place).  (S, B, m) -> (S, m)."""
    slot = day % ring.shape[1]
    arrived = ring[:, slot, :].copy()
    ring[:, slot, :] = 0.0
    return arrived


def next_orders(
    expected: FloatArray,
    stock: FloatArray,
    transit: FloatArray,
    target_stock: FloatArray,
    pipe_target: FloatArray,
    restoration_days: float,
) -> FloatArray:
    """order_k = max(0, E_k + (τ_k ū_k + pipe_k − I_k − transit_k) / T_r).  (S, m) x5 -> (S, m)."""
    gap = target_stock + pipe_target - stock - transit
    return np.maximum(expected + gap / restoration_days, 0.0)


def overproduction(
    alpha: FloatArray, orders: FloatArray, x: FloatArray, base: float, top: float, tau: float
) -> FloatArray:
    """ARIO overproduction (Hallegatte 2008; BoARIO ``calc_overproduction``).  (S, n) x3 -> (S, n).

    With scarcity s_n = (O_n − x_n) / O_n: α ← α + (α^max − α) s_n / τ_α if s_n > 0, else
    α ← α + (α^b − α) / τ_α; never below 1.
    """
    scarcity = np.clip(_div(orders - x, orders), 0.0, None)
    up = (top - alpha) * scarcity / tau
    down = (base - alpha) / tau
    return np.maximum(alpha + np.where(scarcity > 0, up, down), 1.0)


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
