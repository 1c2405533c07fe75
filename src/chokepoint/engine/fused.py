"""The day's work as two fused passes compiled with numba: one over nodes, one over input pairs.

Every array here puts the scenario axis *last* — (n, S) per node, (m, S) per input pair, (E', S)
per link, (slots, S) for the pipeline ring — so each pass reads the network's index arrays once for
the whole batch and the S values of a node, pair or link side by side. Nodes, pairs and links are
visited in their stored order (see :mod:`chokepoint.engine.structure`): everything a node or pair
owns is contiguous. The orders per link travel from buyers to suppliers through supplier bins
(:func:`bin_orders`, then a bin at a time in :func:`node_pass`); the only other scattered access
is a link reading its supplier's delivery ratio. Every pass takes a range ``lo:hi`` of nodes,
pairs or links, so the engine can run disjoint blocks of a pass on threads.

:func:`node_pass`
    DESIGN §5 steps 2–4 and 6–8 at node level: the orders a supplier receives (summed from its
    bin), input cover per substitution group, production
    x_n = min(K_n(t), min_g C_g, O_n) and its binding constraint, input use drawn from stocks,
    days of cover after use, the delivery ratio x_n / O_n, final deliveries, expected input use,
    ARIO overproduction, and the market sums behind prices.
:func:`pair_pass`
    Steps 5 and 7–8 at pair level: proportional shipments of each link into the pair's pipeline
    ring (arriving on day t + L_e), the shortfall and first short day, next orders, adaptation of
    sourcing shares, and tomorrow's arrivals taken out of the ring into the stocks.
:func:`node_pass_batch`
    The node pass for a batch (S > 1): :func:`node_pass` is compiled with S = 1 as a constant
    (:func:`_node_pass_kernel`), which took about a fifth off the pass at S = 1.
:func:`pair_pass_batch`
    The same for a batch (S > 1), with the loops over a pair's links taking the scenario innermost
    so that they compile to vector instructions: 25–30% faster at S = 8, but twice as slow at S = 1,
    hence two kernels, compiled from one source (:func:`_pair_pass_kernel`); both give the same bits
    per scenario, which the tests check.

They are compiled once (``cache=True`` writes the machine code next to this file, or into
``NUMBA_CACHE_DIR``; on a read-only install numba compiles in memory at first use). Loops over
nodes, pairs and links live only here, inside compiled code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.integer]
BoolArray = npt.NDArray[np.bool_]

DEMAND, CAPACITY, INPUT = 0, 1, 2
"""Binding-constraint codes: output limited by orders (normal), by capacity, by an input."""

RETURNED = 1e-6
"""A displaced pair whose every sourcing share is within this of its baseline share is back: its
shares are set to the baseline ones."""

RATIO, SPARE = 0, 1
"""Rows of the supplier block ``supply`` (n, 2, S): what the pair pass reads at a link's supplier —
the delivery ratio x_u / O_u and the spare capacity — side by side, one scattered cache line."""


def _jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` (serial, releases the GIL).

    Serial on purpose: numba's default threading layer refuses concurrent parallel launches from
    several Python threads (a threaded sweep runner or web service); ``nogil`` lets the engine run
    blocks of a pass on its own threads, and such callers run scenarios side by side.
    """
    return cast(Callable[..., Any], numba.njit(cache=True, nogil=True)(fn))


@numba.njit(cache=True, nogil=True, inline="always")
def _sum_bin(
    b: int,
    bin_size: int,
    bin_ptr: IntArray,
    slot_src: IntArray,
    slot_export: BoolArray,
    binned: FloatArray,
    acc: FloatArray,
) -> None:
    """Orders received by the suppliers of bin b: ``acc[u − b·R]`` = (Σ σ_e order_k over u's links,
    over its cross-border links), summed from the bin's slots of ``binned`` (R = ``bin_size``)."""
    first = b * bin_size
    acc[:] = 0.0
    size = binned.shape[1]
    for j in range(bin_ptr[b], bin_ptr[b + 1]):
        u = slot_src[j] - first
        crosses = 1.0 if slot_export[j] else 0.0  # no branch: borders are not predictable
        if size == 1:  # the single-scenario case without the inner loop
            v = binned[j, 0]
            acc[u, 0, 0] += v
            acc[u, 1, 0] += v * crosses
        else:
            for s in range(size):
                v = binned[j, s]
                acc[u, 0, s] += v
                acc[u, 1, s] += v * crosses


def _node_pass_kernel(single: bool) -> Callable[..., None]:
    """The node pass for one scenario (``single``) or a batch, one source compiled twice:
    ``single`` makes S = 1 a constant of the compiled kernel, so the loops over scenarios vanish
    and a node's values stay in registers (at 1M nodes the pass took about 17% less time in an
    A/B). Both give the same bits per scenario."""

    def node_pass(
        lo: int,
        hi: int,
        bin_size: int,
        bin_ptr: IntArray,
        slot_src: IntArray,
        slot_export: BoolArray,
        binned: FloatArray,
        pair_ptr: IntArray,
        group_ptr: IntArray,
        pair_group: IntArray,
        group_product: IntArray,
        fd_ptr: IntArray,
        fd_export: BoolArray,
        fd_market: IntArray,
        node_market: IntArray,
        base_output: FloatArray,
        use_per_unit: FloatArray,
        amount: FloatArray,
        requirement: FloatArray,
        cap: FloatArray,
        supply: FloatArray,
        restricted: FloatArray,
        final: FloatArray,
        demanded: FloatArray,
        stock: FloatArray,
        expected_use: FloatArray,
        alpha: FloatArray,
        demand_basis: bool,
        smoothing: float,
        alpha_base: float,
        alpha_max: float,
        alpha_tau: float,
        want_binding_input: bool,
        node_pos: IntArray,
        final_pos: IntArray,
        x_out: FloatArray,
        binding_out: npt.NDArray[np.int8],
        binding_input_out: IntArray,
        unmet_out: FloatArray,
        inv_days_out: FloatArray,
        exports_out: FloatArray,
        delivered_out: FloatArray,
        market_bought: FloatArray,
        market_got: FloatArray,
        market_sold: FloatArray,
        market_potential: FloatArray,
        summary: FloatArray,
        final_sums: FloatArray,
        acc: FloatArray,
    ) -> None:
        """Production and everything that follows from it, node by node (DESIGN §5 steps 3–4, 6–8).

        Nodes ``lo:hi``. For node n and scenario s, with O_n = allowed orders + allowed final orders
        (the orders per link σ_e order_k of n's links, summed bin by bin from ``binned`` into the
        scratch ``acc`` (R, 2, S), minus what permits and quotas hold back, ``restricted`` (n, 2, S), or
        (0, 2, S) when no rule is in force; n's final-demand entries f are ``fd_ptr[n]:fd_ptr[n+1]``,
        every per-entry array in node order, with demand D_f in ``demanded`` and the part a permit lets
        n serve, D_f p_f, in ``final``):

        * C_g = Σ_{k∈g} I_k / a_k (``cover``, a scratch row per group of n); min_g C_g (+inf without
          inputs);
        * x_n = min(K_n(t), min_g C_g, O_n); binding code DEMAND if O_n ≤ min(K, C), else CAPACITY if
          K ≤ C, else INPUT (and the input product of the first group at the minimum);
        * use_k = min(x_n · I_k / C_g(k), I_k), I_k ← max(I_k − use_k, 0); days of cover after use
          min_g (C_g − x_n) / x̄_n (every group's cover falls by Σ_k use_k / a_k = x_n);
        * ratio_n = min(x_n / O_n, 1): the share of every order served; final deliveries d_f = ratio ·
          D_f p_f; unmet orders (Σ σ_e order_k + Σ D_f − x)⁺ (held-back orders count); exports = ratio · allowed cross-border orders + deliveries abroad; spare =
          max(min(K, C) − x, 0); ratio and spare go to ``supply`` for the pair pass;
        * E_k ← E_k + λ (basis_k − E_k), basis = min(K_n, O_n) ū_k / x̄_n (× requirement factor) or
          use_k; α_n ← ARIO overproduction with scarcity (O_n − x_n) / O_n;
        * market sums: final demand D_f and deliveries (buyers), output and potential min(K, C)
          (sellers).

        ``amount``/``requirement`` are (m, S) or (m, 1) (broadcast over scenarios). The per-node and
        per-final outputs (``x_out`` … ``delivered_out``) are skipped when they have no rows (a
        summary run keeps only the sums below).

        Summary records (when ``node_pos`` is not empty) are added up here, while the values are at
        hand: by position p = ``node_pos[n]`` into ``summary`` (P, 8, S) — Σ x, Σ K(t), Σ unmet, Σ
        exports, min days of cover, and Σ (x̄ − x)⁺ by binding code (entries 5–7; a position's eight
        values share a cache line) — and by final-demand group ``final_pos[f]`` into ``final_sums``
        (G, 2, S): Σ deliveries, Σ final demand.
        """
        size = 1 if single else cap.shape[1]
        summarizing = node_pos.shape[0] > 0
        wide_amount = amount.shape[1] > 1
        wide_req = requirement.shape[1] > 1
        has_rules = restricted.shape[0] > 0
        writing = x_out.shape[0] > 0
        inf = np.inf
        widest = int(np.max(group_ptr[lo + 1 : hi + 1] - group_ptr[lo:hi])) if hi > lo else 0
        cover = np.empty((max(widest, 1), size), dtype=stock.dtype)  # C_g of the node's groups
        rounded = np.empty(2, dtype=stock.dtype)  # unmet and days of cover as the records keep them
        for node in range(lo, hi):
            if node == lo or node % bin_size == 0:
                _sum_bin(node // bin_size, bin_size, bin_ptr, slot_src, slot_export, binned, acc)
            at = node % bin_size
            p0, p1 = pair_ptr[node], pair_ptr[node + 1]
            g0, g1 = group_ptr[node], group_ptr[node + 1]
            f0, f1 = fd_ptr[node], fd_ptr[node + 1]
            mk = node_market[node]
            for g in range(g0, g1):
                for s in range(size):
                    cover[g - g0, s] = 0.0
            for k in range(p0, p1):
                g = pair_group[k]
                for s in range(size):
                    a = amount[k, s if wide_amount else 0]
                    cover[g - g0, s] += stock[k, s] / a if a > 0 else inf
            for s in range(size):
                node_cover = inf
                for g in range(g0, g1):
                    node_cover = min(node_cover, cover[g - g0, s])
                fd_orders, fd_demand = 0.0, 0.0
                for i in range(f0, f1):
                    fd_orders += final[i, s]
                    fd_demand += demanded[i, s]
                wanted = acc[at, 0, s]
                allowed_export = acc[at, 1, s]
                allowed = wanted
                if has_rules:
                    allowed -= restricted[node, 0, s]
                    allowed_export -= restricted[node, 1, s]
                servable = allowed + fd_orders
                k_t = cap[node, s]
                potential = min(k_t, node_cover)
                x = min(potential, servable)
                code = INPUT
                if k_t <= node_cover:
                    code = CAPACITY
                if servable <= potential:
                    code = DEMAND
                if writing:
                    x_out[node, s] = x
                    binding_out[node, s] = code
                if want_binding_input:
                    b = -1
                    if code == INPUT:
                        for g in range(g0, g1):
                            if cover[g - g0, s] <= node_cover:
                                b = group_product[g]
                                break
                    binding_input_out[node, s] = b
                # days of cover after today's use: each group's cover falls by x (Σ_k use_k / a_k = x)
                after = inf
                for g in range(g0, g1):
                    after = min(after, cover[g - g0, s] - x)
                base = base_output[node]
                rounded[1] = max(after, 0.0) / base if base > 0 else inf
                ratio = min(x / servable, 1.0) if servable > 0 else 0.0
                supply[node, RATIO, s] = ratio
                supply[node, SPARE, s] = max(potential - x, 0.0)
                rounded[0] = max(wanted + fd_demand - x, 0.0)
                if writing:
                    unmet_out[node, s] = rounded[0]
                    inv_days_out[node, s] = rounded[1]
                planned = min(k_t, servable)
                for k in range(p0, p1):
                    cg = cover[pair_group[k] - g0, s]
                    use = x * (stock[k, s] / cg) if cg > 0 else 0.0
                    use = min(use, stock[k, s])
                    stock[k, s] = max(stock[k, s] - use, 0.0)
                    if demand_basis:
                        basis = planned * use_per_unit[k]
                        if requirement.shape[0] > 0:
                            basis = basis * requirement[k, s if wide_req else 0]
                    else:
                        basis = use
                    expected_use[k, s] += smoothing * (basis - expected_use[k, s])
                exports = allowed_export * ratio
                for f in range(f0, f1):
                    d = final[f, s] * ratio
                    if writing:
                        delivered_out[f, s] = d
                    if fd_export[f]:
                        exports += d
                    market_bought[fd_market[f], s] += demanded[f, s]
                    market_got[fd_market[f], s] += d
                    if summarizing:
                        final_sums[final_pos[f], 0, s] += d
                        final_sums[final_pos[f], 1, s] += demanded[f, s]
                if writing:
                    exports_out[node, s] = exports
                scarcity = max((servable - x) / servable, 0.0) if servable > 0 else 0.0
                a_n = alpha[node, s]
                if scarcity > 0:
                    a_n += (alpha_max - a_n) * scarcity / alpha_tau
                else:
                    a_n += (alpha_base - a_n) / alpha_tau
                alpha[node, s] = max(a_n, 1.0)
                market_sold[mk, s] += x
                market_potential[mk, s] += potential
                if summarizing:
                    p = node_pos[node]
                    summary[p, 0, s] += x
                    summary[p, 1, s] += k_t
                    summary[p, 2, s] += rounded[0]
                    summary[p, 3, s] += exports
                    cover_days = rounded[1]
                    if cover_days < summary[p, 4, s]:  # (NaN never counts)
                        summary[p, 4, s] = cover_days
                    if base > x:
                        summary[p, 5 + code, s] += base - x

    node_pass.__name__ = node_pass.__qualname__ = "_node_pass" if single else "_node_pass_batch"
    return node_pass


_node_pass = _node_pass_kernel(single=True)
_node_pass_batch = _node_pass_kernel(single=False)


def _pair_pass_kernel(batch: bool) -> Callable[..., None]:
    """The pair pass for one scenario (``batch`` False) or for a batch of S > 1 (True), one source
    compiled twice: ``batch`` is a constant of each compiled kernel, so each keeps only its branch.

    For a batch the loops over a pair's links take the scenario innermost (a link's S values side
    by side) and compile to vector instructions: 25–30% faster at S = 8, but twice as slow at S = 1,
    hence two kernels. Both give the same bits per scenario (the same expressions in the same order),
    which the tests check.
    """

    def pair_pass(
        lo: int,
        hi: int,
        link_ptr: IntArray,
        link_src: IntArray,
        link_lead: IntArray,
        link_alt_days: IntArray,
        ring_ptr: IntArray,
        pair_market: IntArray,
        pair_use: FloatArray,
        base_share: FloatArray,
        rule_link: IntArray,
        rule_permit: FloatArray,
        day: int,
        ring_base: IntArray,
        supply: FloatArray,
        target: FloatArray,
        expected_use: FloatArray,
        stock: FloatArray,
        restoration_days: float,
        speed: float,
        threshold: float,
        return_speed: float,
        share: FloatArray,
        orders: FloatArray,
        wanted_pair: FloatArray,
        ring: FloatArray,
        transit: FloatArray,
        pipe_target: FloatArray,
        first_short: IntArray,
        displaced: npt.NDArray[np.int8],
        market_bought: FloatArray,
        market_got: FloatArray,
    ) -> None:
        """Shipments, pipeline, orders and sourcing of input pairs ``lo:hi`` (DESIGN §5 steps 5, 7, 8).

        For each link e of pair k with supplier u and permit multiplier p_e (1 unless the link is in
        ``rule_link``, sorted): ship_e = σ_e · order_k · p_e · ratio_u, into ring slot
        (t + L_e) mod B_k of the pair. Then

        * s_k = 1 − received_k / wanted_k (0 when nothing was ordered); the first day with
          s_k > threshold starts the qualification clock of the pair's alternatives;
        * order_k ← max(0, E_k + (target_k + Π_k − I_k − T_k) / T_r), with T_k what is in transit
          after today's shipments (T_k += received_k);
        * tomorrow's arrivals (slot (t + 1) mod B_k) leave the ring and T_k and enter the stock I_k:
          the start of tomorrow (DESIGN §5 step 0), done here while the pair is at hand;
        * if s_k > threshold, σ_e ← σ_e + ν (σ*_e − σ_e) with σ*_e = ship_e / wanted_k + s_k w_e / W_k,
          w_e = p_e × the spare capacity of u(e) (what the permit lets through; an alternative counts
          once qualified), W_k = Σ w_e; Π_k = ū_k Σ σ_e L_e; the pair is then ``displaced``;
        * else, if the pair is displaced, its shares return toward the baseline σ̄_e: every link
          below its baseline share whose supplier may ship (p_e = 1) and has spare capacity (so
          served all its orders today) gains ν_r (σ̄_e − σ_e) (ν_r = ``return_speed``), taken from
          the links above their baseline share in proportion to their excess; once every share is within
          :data:`RETURNED` of its baseline the shares are set to it and the pair is no longer
          displaced;
        * tomorrow's orders per link σ_e order_k summed by pair (``wanted_pair`` is overwritten:
          today's value is read first); :func:`bin_orders` writes the same products into supplier
          bins for the node pass.

        ``target`` is (m, S) or (m, 1); ``ring_base[b]`` = t mod b for every ring length b.
        """
        size = share.shape[1]
        wide_target = target.shape[1] > 1
        n_rules = rule_link.shape[0]
        r = np.searchsorted(rule_link, link_ptr[lo]) if n_rules else 0
        # the adaptation's weights w_e and permits p_e of the current pair
        widest = int(np.max(link_ptr[lo + 1 : hi + 1] - link_ptr[lo:hi])) if hi > lo else 0
        weight, permit = np.empty(widest), np.empty(widest)
        # (batch) per scenario: Σ shipped, order_k
        received, new_orders = np.empty(size if batch else 0), np.empty(size if batch else 0)
        for k in range(lo, hi):
            e0, e1 = link_ptr[k], link_ptr[k + 1]
            r0, b_k = ring_ptr[k], ring_ptr[k + 1] - ring_ptr[k]
            base = ring_base[b_k]
            nxt = base + 1 if base + 1 < b_k else 0
            while r < n_rules and rule_link[r] < e0:
                r += 1
            r_first = r
            mk = pair_market[k]
            if batch:  # shipments of all scenarios, link by link
                received[:] = 0.0
                rr = r_first
                for e in range(e0, e1):
                    u = link_src[e]
                    slot = base + link_lead[e]
                    if slot >= b_k:
                        slot -= b_k
                    at = r0 + slot
                    if rr < n_rules and rule_link[rr] == e:
                        for s in range(size):
                            q = share[e, s] * orders[k, s]
                            q = q * rule_permit[rr, s]
                            q = q * supply[u, RATIO, s]
                            ring[at, s] += q
                            received[s] += q
                        rr += 1
                    else:
                        for s in range(size):
                            q = share[e, s] * orders[k, s]
                            q = q * supply[u, RATIO, s]
                            ring[at, s] += q
                            received[s] += q
            for s in range(size):
                order = orders[k, s]
                if batch:
                    got = received[s]
                else:  # shipments of scenario s
                    got = 0.0
                    rr = r_first
                    for e in range(e0, e1):
                        q = share[e, s] * order
                        if rr < n_rules and rule_link[rr] == e:
                            q = q * rule_permit[rr, s]
                            rr += 1
                        q = q * supply[link_src[e], RATIO, s]
                        slot = base + link_lead[e]
                        if slot >= b_k:
                            slot -= b_k
                        ring[r0 + slot, s] += q
                        got += q
                want = wanted_pair[k, s]
                in_transit = transit[k, s] + got
                arrived = ring[r0 + nxt, s]  # tomorrow's arrivals
                ring[r0 + nxt, s] = 0.0
                market_bought[mk, s] += want
                market_got[mk, s] += got
                short = 1.0 - got / want if want > 0 else 0.0
                if first_short[k, s] < 0 and short > threshold:
                    first_short[k, s] = day
                gap = target[k, s if wide_target else 0] + pipe_target[k, s] - stock[k, s]
                gap -= in_transit
                new_order = max(expected_use[k, s] + gap / restoration_days, 0.0)
                stock[k, s] += arrived  # in stock at the start of tomorrow (DESIGN §5 step 0)
                transit[k, s] = in_transit - arrived
                adapting = speed > 0 and short > threshold
                returning = not adapting and return_speed > 0 and displaced[k, s] != 0
                if adapting or returning:  # (inline: helpers taking arrays pay reference counts)
                    rr = r_first
                    for e in range(e0, e1):  # the permits p_e of the pair's links
                        p_e = 1.0
                        if rr < n_rules and rule_link[rr] == e:
                            p_e = rule_permit[rr, s]
                            rr += 1
                        permit[e - e0] = p_e
                if adapting:
                    since = first_short[k, s]
                    w_total = 0.0
                    for e in range(e0, e1):
                        w = 0.0
                        if _qualified(link_alt_days[e], since, day):
                            w = permit[e - e0] * supply[link_src[e], SPARE, s]
                        weight[e - e0] = w
                        w_total += w
                    if w_total > 0.0:
                        pipe = 0.0
                        for e in range(e0, e1):
                            q = share[e, s] * order * permit[e - e0] * supply[link_src[e], RATIO, s]
                            sigma_star = q / want + short * weight[e - e0] / w_total
                            share[e, s] += speed * (sigma_star - share[e, s])
                            pipe += share[e, s] * link_lead[e]
                        pipe_target[k, s] = pair_use[k] * pipe
                        displaced[k, s] = 1
                elif returning:  # back toward the baseline shares once the pair is no longer short
                    gain, excess, farthest = 0.0, 0.0, 0.0
                    for e in range(e0, e1):
                        gap = base_share[e] - share[e, s]
                        farthest = max(farthest, abs(gap))
                        w = 0.0
                        if gap > 0.0:
                            # spare capacity: u served all its orders today and could serve more
                            if permit[e - e0] >= 1.0 and supply[link_src[e], SPARE, s] > 0:
                                w = return_speed * gap
                        else:
                            excess -= gap
                        weight[e - e0] = w
                        gain += w
                    if farthest <= RETURNED or gain > 0.0:
                        pipe = 0.0
                        for e in range(e0, e1):
                            if farthest <= RETURNED:
                                share[e, s] = base_share[e]
                            elif share[e, s] > base_share[e]:
                                cut = gain * (share[e, s] - base_share[e]) / excess
                                share[e, s] = max(share[e, s] - cut, base_share[e])
                            else:
                                share[e, s] += weight[e - e0]
                            pipe += share[e, s] * link_lead[e]
                        pipe_target[k, s] = pair_use[k] * pipe
                        if farthest <= RETURNED:
                            displaced[k, s] = 0
                orders[k, s] = new_order
                if batch:
                    new_orders[s] = new_order
                else:  # tomorrow's orders of scenario s
                    total = 0.0
                    for e in range(e0, e1):
                        total += share[e, s] * new_order
                    wanted_pair[k, s] = total
            if batch:  # tomorrow's orders of all scenarios, link by link
                received[:] = 0.0
                for e in range(e0, e1):
                    for s in range(size):
                        received[s] += share[e, s] * new_orders[s]
                for s in range(size):
                    wanted_pair[k, s] = received[s]

    pair_pass.__name__ = pair_pass.__qualname__ = "_pair_pass_batch" if batch else "_pair_pass"
    return pair_pass


_pair_pass = _pair_pass_kernel(batch=False)
_pair_pass_batch = _pair_pass_kernel(batch=True)


@numba.njit(cache=True, nogil=True, inline="always")
def _qualified(alt_days: int, first_short: int, day: int) -> bool:
    """Whether a link counts for adaptation: a network link always; an alternative
    (``alt_days`` ≥ 0) once qualified, ``day`` ≥ ``first_short`` + ``alt_days`` with the pair
    first short on day ``first_short`` ≥ 0. Scalars only: no array reference counting."""
    return alt_days < 0 or (first_short >= 0 and day >= first_short + alt_days)


def _bin_orders(
    lo: int,
    hi: int,
    link_ptr: IntArray,
    link_slot: IntArray,
    share: FloatArray,
    orders: FloatArray,
    binned: FloatArray,
) -> None:
    """The coming day's orders per link σ_e order_k of pairs ``lo:hi``, written into their
    supplier-binned slots (the same products the pair pass adds up into ``wanted_pair``).

    A tight loop of writes into a few hundred sequential streams (one per bin): cheap on its own,
    far cheaper than the same writes made amid the pair pass's other memory streams. Computing
    the products here, rather than storing them per link in the pair pass and copying them, saves
    writing and reading back one value per link and scenario.
    """
    size = share.shape[1]
    for k in range(lo, hi):
        if size == 1:  # one scenario: without the inner loop
            order = orders[k, 0]
            for e in range(link_ptr[k], link_ptr[k + 1]):
                binned[link_slot[e], 0] = share[e, 0] * order
        else:
            for e in range(link_ptr[k], link_ptr[k + 1]):
                for s in range(size):
                    binned[link_slot[e], s] = share[e, s] * orders[k, s]


def _supplier_orders(
    bin_size: int,
    bin_ptr: IntArray,
    slot_src: IntArray,
    slot_export: BoolArray,
    binned: FloatArray,
    received: FloatArray,
) -> None:
    """The orders per link in their supplier-binned slots (``binned``) summed by supplier: all
    links and cross-border (n, 2, S)."""
    n = received.shape[0]
    acc = np.empty((bin_size, 2, binned.shape[1]), dtype=received.dtype)
    for b in range(bin_ptr.shape[0] - 1):
        _sum_bin(b, bin_size, bin_ptr, slot_src, slot_export, binned, acc)
        first = b * bin_size
        for u in range(first, min(first + bin_size, n)):
            received[u] = acc[u - first]


def _pair_orders(
    link_ptr: IntArray, share: FloatArray, orders: FloatArray, out: FloatArray
) -> None:
    """Orders per link σ_e · order_k summed by buyer pair (m, S)."""
    for k in range(link_ptr.shape[0] - 1):
        for s in range(share.shape[1]):
            total = 0.0
            for e in range(link_ptr[k], link_ptr[k + 1]):
                total += share[e, s] * orders[k, s]
            out[k, s] = total


def _fill_ring(
    link_ptr: IntArray,
    link_lead: IntArray,
    link_flow: FloatArray,
    ring_ptr: IntArray,
    ring: FloatArray,
) -> None:
    """The baseline pipeline: slot d of pair k holds Σ_{e→k, L_e > d} f_e (arrives on day d).

    A pair's links are sorted by lead time, so the slots fill from the last day down, adding each
    link's flow once its lead time passes d.
    """
    m = link_ptr.shape[0] - 1
    for k in range(m):
        e = link_ptr[k + 1] - 1
        total = 0.0
        for d in range(ring_ptr[k + 1] - ring_ptr[k] - 1, -1, -1):
            while e >= link_ptr[k] and link_lead[e] > d:
                total += link_flow[e]
                e -= 1
            ring[ring_ptr[k] + d, :] = total


def _hold_back(
    link_src: IntArray,
    link_export: BoolArray,
    wanted: FloatArray,
    permit: FloatArray,
    held: FloatArray,
) -> None:
    """The orders permits and quotas hold back, by supplier: ``held`` (n, 2, S) gets, on the rows
    of the rule links' suppliers (set to 0 first), Σ (σ_e order_k − σ_e order_k p_e) over all
    their rule links and over the cross-border ones."""
    size = wanted.shape[1]
    for i in range(link_src.shape[0]):
        for s in range(size):
            held[link_src[i], 0, s] = 0.0
            held[link_src[i], 1, s] = 0.0
    for i in range(link_src.shape[0]):
        u = link_src[i]
        for s in range(size):
            delta = wanted[i, s] - wanted[i, s] * permit[i, s]
            held[u, 0, s] += delta
            if link_export[i]:
                held[u, 1, s] += delta


node_pass = _jit(_node_pass)
node_pass_batch = _jit(_node_pass_batch)
pair_pass = _jit(_pair_pass)
pair_pass_batch = _jit(_pair_pass_batch)
bin_orders = _jit(_bin_orders)
supplier_orders = _jit(_supplier_orders)
pair_orders = _jit(_pair_orders)
fill_ring = _jit(_fill_ring)
hold_back = _jit(_hold_back)
