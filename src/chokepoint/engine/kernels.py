"""Pure vectorised steps of the day loop (DESIGN §5). No I/O, no logging, no loop over nodes or links.

Shapes: S scenarios, n nodes, m input pairs, G substitution groups, E' links (network links then
dormant alternatives), F final-demand entries, M markets (region, product). Every function takes and
returns arrays with the scenario axis first; reductions over links, pairs and groups go through
:class:`~chokepoint.engine.structure.Segments` (``np.add.reduceat`` on contiguous keys).
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


def link_orders(orders: FloatArray, share: FloatArray, link_pair: IntArray) -> FloatArray:
    """order_e = σ_e · order_{k(e)}.  (S, m), (S, E'), (E',) -> (S, E')."""
    return share * orders[:, link_pair]


def quota_cap(orders_e: FloatArray, index: IntArray, cap: FloatArray) -> None:
    """Scale the permitted orders of one quota group so their sum is at most ``cap`` (in place).

    (S, E'), (q,), (S,).  Shipments never exceed orders (proportional rationing), so capping orders
    caps shipments over the group: Σ_{e∈group} ship_e ≤ cap.
    """
    total = orders_e[:, index].sum(axis=1)
    scale = np.minimum(1.0, _div(cap, total, fill=1.0))
    orders_e[:, index] *= scale[:, None]


def servable_orders(
    orders_e: FloatArray, final: FloatArray, by_src: Segments, fd_by_node: Segments
) -> FloatArray:
    """O_n = Σ_{e out of n} order_e p_e + Σ_{f of n} d_f.  (S, E'), (S, F) -> (S, n)."""
    return by_src.sum(orders_e) + fd_by_node.sum(final)


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


def ship(
    x: FloatArray, orders: FloatArray, orders_e: FloatArray, final: FloatArray, net: EngineNet
) -> tuple[FloatArray, FloatArray]:
    """Proportional rationing: ship_e = x_n · order_e p_e / O_n, delivered_f = x_n · d_f / O_n.

    (S, n), (S, n), (S, E'), (S, F) -> (S, E'), (S, F).  Σ shipments + deliveries = x_n exactly up to
    rounding (nothing is shipped that was not produced).
    """
    ratio = np.minimum(_div(x, orders), 1.0)
    return orders_e * ratio[:, net.link_src], final * ratio[:, net.fd_node]


def push_pipeline(ring: FloatArray, shipped: FloatArray, day: int, net: EngineNet) -> FloatArray:
    """Put shipments into the ring buffer at their arrival day t + L_e (in place); return Σ per pair.

    (S, B, m), (S, E') -> (S, m).  Arrivals are summed per (lead time, pair) so memory is S·B·m, not
    per link and day.
    """
    per_seg = net.pipe_seg.sum(shipped)
    slots = (day + net.pipe_slots) % net.ring_days
    ring[:, slots, net.pipe_pairs] += per_seg
    return net.by_pair.sum(shipped)


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


def adapt_shares(
    share: FloatArray,
    delivered: FloatArray,
    pair_short: FloatArray,
    eligible_spare: FloatArray,
    speed: float,
    threshold: float,
    net: EngineNet,
) -> tuple[FloatArray, BoolArray]:
    """Move σ_e toward σ*_e = σ_e ρ_e + s_k w_e / W_k on short pairs; return new σ and moved pairs.

    ``delivered`` = σ_e ρ_e with ρ_e the share of link e's order that was shipped, ``pair_short`` =
    s_k = 1 − Σ_e σ_e ρ_e, ``eligible_spare`` = w_e, the spare capacity of u(e) if link e may carry
    orders (permitted and, for an alternative, qualified), W_k = Σ_{e→k} w_e.  Pairs with
    s_k ≤ threshold or W_k = 0 keep their shares.  (S, E') x2, (S, m), (S, E') -> (S, E'), (S, m).
    Shares of a pair keep summing to 1.
    """
    total_w = net.by_pair.sum(eligible_spare)
    moving = (pair_short > threshold) & (total_w > 0)
    if not moving.any():
        return share, moving
    target = (
        delivered
        + (pair_short * _div(np.ones_like(total_w), total_w))[:, net.link_pair] * eligible_spare
    )
    move = moving[:, net.link_pair]
    new = np.where(move, share + speed * (target - share), share)
    return new, moving


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
