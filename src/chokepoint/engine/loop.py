"""The day loop: DESIGN §5 steps in order; rules are applied day by day.

Loops run over days, over the rules of the batch and over scenario chunks — never over nodes or
links: the per-node and per-pair work of a day is two compiled passes (:mod:`chokepoint.engine.fused`)
over arrays with the scenario axis last. A day t:

0. strategic releases enter the stocks I_k (the day's arrivals entered them at the end of
   yesterday's pair pass);
1. capacity K_n(t) = K_n · capacity factors · α_n + added capacity;
2. servable orders O_n: yesterday's orders per link σ_e · order_k under permits p_e and quota caps,
   summed by supplier, plus final demand;
3. (node pass) production x_n = min(K_n(t), min_g C_g, O_n), input use, days of cover, delivery
   ratio x_n / O_n, final deliveries, expected use, overproduction α_n;
4. (pair pass) proportional shipments into the pipeline (arriving on day t + L_e), shortfalls,
   next orders (expected use plus the inventory-and-pipeline gap over T_r), adaptation of sourcing
   shares toward spare, permitted, qualified suppliers, tomorrow's orders per supplier, and
   tomorrow's arrivals out of the pipeline into the stocks;
5. scarcity prices per market, records.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from chokepoint.engine import fused as F
from chokepoint.engine import kernels as K
from chokepoint.engine.ordering import Relabel, locality_order, wants_locality
from chokepoint.engine.params import EngineParams
from chokepoint.engine.recorder import RawRecords, Recorder, RecordMode
from chokepoint.engine.state import EngineState
from chokepoint.engine.structure import EngineNet, prepare
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.batch import Rule, RuleKind, ScenarioBatch

if TYPE_CHECKING:
    import xarray as xr

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[int, int], None]
"""``progress(done, total)`` in scenario-days (S x horizon in all), called after each simulated day."""


class _RuleSet:
    """The batch's rules for one chunk of scenarios, as sparse rows of (rows, S) value blocks.

    Permit and quota rules act through one table over ``links``: the sorted engine positions of
    every link any of them names; each such rule keeps the rows of its links in that table.
    """

    def __init__(self, rules: Sequence[Rule], lo: int, hi: int, net: EngineNet, dtype: np.dtype):
        self.size, self.dtype = hi - lo, dtype
        self.by_kind: dict[RuleKind, list[tuple[Rule, IntArray, FloatArray]]] = {}
        link_rules = [r for r in rules if r.kind in ("permit", "quota")]
        positions = [
            np.unique(net.link_position[np.asarray(r.index, np.int64)]) for r in link_rules
        ]
        self.links: IntArray = (
            np.unique(np.concatenate(positions)) if positions else np.zeros(0, np.int64)
        )
        self.link_src = net.link_src[self.links].astype(np.int64)
        self.link_export = net.link_export[self.links]
        self.link_pair = net.link_pair[self.links].astype(np.int64)
        for r in rules:
            idx = np.asarray(r.index, dtype=np.int64)
            if r.kind in ("permit", "quota"):
                idx = np.searchsorted(self.links, np.unique(net.link_position[idx]))
            vals = np.asarray(r.values, dtype=np.float64)[lo:hi]
            self.by_kind.setdefault(r.kind, []).append((r, idx, vals))

    def active(self, kind: RuleKind, day: int) -> list[tuple[IntArray, FloatArray]]:
        """(index, per-scenario value (S,)) of the rules of ``kind`` in force on ``day``."""
        out = []
        for r, idx, vals in self.by_kind.get(kind, []):
            if r.active(day):
                col = min(day - r.start, r.days - 1, vals.shape[1] - 1)
                out.append((idx, vals[:, col]))
        return out

    def factor(self, kind: RuleKind, day: int) -> tuple[IntArray, FloatArray] | None:
        """Rows and product of the multipliers of ``kind`` on ``day`` ((R,), (R, S)), or None."""
        return self._combine(kind, day, additive=False)

    def added(self, kind: RuleKind, day: int) -> tuple[IntArray, FloatArray] | None:
        """Rows and sum of the additive values of ``kind`` on ``day`` ((R,), (R, S)), or None."""
        return self._combine(kind, day, additive=True)

    def _combine(
        self, kind: RuleKind, day: int, *, additive: bool
    ) -> tuple[IntArray, FloatArray] | None:
        """The active rules of ``kind`` on the union of their rows: summed (an id named twice in a
        rule counts twice) or multiplied (once per rule), from 0 or 1."""
        act = self.active(kind, day)
        if not act:
            return None
        rows = np.unique(np.concatenate([idx for idx, _ in act]))
        out = (np.zeros if additive else np.ones)((len(rows), self.size), dtype=self.dtype)
        for idx, v in act:
            at, value = np.searchsorted(rows, idx), v[None, :].astype(self.dtype)
            if additive:
                np.add.at(out, at, value)
            else:
                out[at] *= value
        return rows, out

    def dense_factor(self, kind: RuleKind, day: int, width: int) -> FloatArray | None:
        """The multipliers of ``kind`` on ``day`` as a dense (width, S) array, or None."""
        sparse = self.factor(kind, day)
        if sparse is None:
            return None
        out = np.ones((width, self.size), dtype=self.dtype)
        out[sparse[0]] = sparse[1]
        return out

    def permits(
        self, day: int, share: FloatArray, orders: FloatArray
    ) -> tuple[FloatArray, FloatArray] | None:
        """Today's permit table over ``links``: multipliers p (R, S) and the orders per link
        σ_e order_k they act on; None when no rule is in force.

        Permits multiply; each quota then scales its links so that Σ σ_e order_k p_e ≤ cap.
        """
        permits, quotas = self.active("permit", day), self.active("quota", day)
        if not permits and not quotas:
            return None
        wanted = share[self.links] * orders[self.link_pair]
        table = np.ones((len(self.links), self.size), dtype=self.dtype)
        for rows, p in permits:
            table[rows] *= p[None, :].astype(self.dtype)
        for rows, cap_q in quotas:
            total = (wanted[rows] * table[rows]).sum(axis=0)
            scale = np.minimum(1.0, K._div(cap_q, total, fill=1.0))
            table[rows] *= scale[None, :].astype(self.dtype)
        return table, wanted


def run_chunk(
    net: EngineNet,
    rules: Sequence[Rule],
    lo: int,
    hi: int,
    horizon: int,
    params: EngineParams,
    recorder: Recorder,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Simulate scenarios ``lo:hi`` of a batch for ``horizon`` days, writing into ``recorder``."""
    size = hi - lo
    ft = np.dtype(params.dtype)
    st = EngineState.initial(net, size, params)
    rs = _RuleSet(rules, lo, hi, net, ft)
    target0 = (net.stock_target_days * net.pair_use)[:, None]
    use_per_unit = K._div(net.pair_use, net.output[net.pair_node])  # ū_k / x̄_n
    util0 = _baseline_utilisation(net, st)[:, None]
    amount0 = net.pair_amount[:, None]
    no_requirement = np.ones((0, 1), dtype=ft)
    no_rules = (np.zeros(0, np.int64), np.ones((0, size), ft))
    n, m, n_markets = net.n, net.m, net.n_markets
    full = recorder.mode == "full"
    pair_pass = F.pair_pass if size == 1 else F.pair_pass_batch  # S > 1: scenario innermost
    node_pass = F.node_pass if size == 1 else F.node_pass_batch  # S = 1: a compile-time constant

    # day buffers, reused; a summary run keeps no per-node records (rows 0: the node pass skips them)
    node_rows, final_rows = (n, net.n_final) if full else (0, 0)
    x = np.empty((node_rows, size), dtype=ft)
    binding = np.empty((node_rows, size), dtype=np.int8)
    binding_input = np.full((node_rows, size), -1, dtype=np.int32)
    unmet, inv_days, exports = (np.empty((node_rows, size), dtype=ft) for _ in range(3))
    no_restriction = np.zeros((0, 2, size), dtype=ft)
    restricted = np.zeros((n, 2, size), dtype=ft) if len(rs.links) else no_restriction
    delivered = np.empty((final_rows, size), dtype=ft)
    blocks = _Blocks(net, params.threads)
    # market sums per block (bought, got, sold, potential), added in block order: the same result
    # whatever the number of threads
    block_markets = np.empty((blocks.count, 4, n_markets, size), dtype=ft)
    no_own = [()] * blocks.count
    bin_sums = np.empty((blocks.count, net.bin_size, 2, size), dtype=ft)  # scratch per block
    # summary records, added up by the node pass per block (float64), combined in block order
    node_pos, final_pos, n_pos, n_groups = recorder.summary_layout()
    block_summary = np.empty((blocks.count, n_pos, 8, size))
    block_final = np.empty((blocks.count, n_groups, 2, size))
    ring_lengths = np.arange(int(np.diff(net.ring_ptr).max(initial=1)) + 1)
    # final-demand entries in node order, so the node pass reads them in one sweep (rules and
    # records keep the network's order: entry f sits at fd_rank[f])
    fd_order = net.fd_order
    fd_rank = np.empty_like(fd_order)
    fd_rank[fd_order] = np.arange(len(fd_order))
    reordered = not np.array_equal(fd_order, np.arange(len(fd_order)))
    fd_export, fd_market = net.fd_export[fd_order], net.fd_market[fd_order]
    final_pos = final_pos[fd_order] if len(final_pos) else final_pos
    base_final = np.broadcast_to(net.fd_quantity[fd_order, None], (net.n_final, size)).astype(ft)

    try:
        for day in range(horizon):
            # 0. strategic releases (arrivals entered the stocks in yesterday's pair pass)
            release = rs.added("stock_release", day)
            if release is not None:
                rows, amount = release
                moved = np.minimum(amount, st.strategic[rows])
                st.strategic[rows] -= moved
                st.stock[rows] += moved

            # 1. capacity
            cap = net.capacity[:, None] * st.overproduction
            factor = rs.factor("capacity_factor", day)
            if factor is not None:
                rows, f = factor
                cap[rows] = net.capacity[rows, None] * f * st.overproduction[rows]
            added = rs.added("capacity_add", day)
            if added is not None:
                cap[added[0]] += added[1]

            # 2. servable orders: permits and quotas hold back part of the orders per link
            table = rs.permits(day, st.share, st.orders)
            held = no_restriction
            if table is None:
                rule_links, permit = no_rules
            else:
                permit, wanted = table
                rule_links, held = rs.links, restricted
                F.hold_back(rs.link_src, rs.link_export, wanted, permit, held)
            # final demand D_f (after restraint) and the part of it producers may serve, D_f p_f
            demanded = base_final
            fd_factor = rs.factor("final_demand_factor", day)
            if fd_factor is not None:
                demanded = base_final.copy()
                demanded[fd_rank[fd_factor[0]]] = net.fd_quantity[fd_factor[0], None] * fd_factor[1]
            final = demanded
            fd_permit = rs.factor("final_permit", day)
            if fd_permit is not None:
                final = demanded.copy()
                final[fd_rank[fd_permit[0]]] *= fd_permit[1]
            requirement = rs.dense_factor("requirement_factor", day, m)
            amount = amount0 * requirement if requirement is not None else amount0

            blocks.run(
                F.bin_orders,
                blocks.pairs,
                (net.link_ptr, net.link_slot, st.share, st.orders, st.binned),
                no_own,
            )

            # 3. the node pass: orders received, production, use, cover, deliveries, overproduction
            block_markets.fill(0.0)
            block_summary.fill(0.0)
            block_summary[:, :, 4] = np.inf  # smallest days of cover
            block_final.fill(0.0)

            blocks.run(
                node_pass,
                blocks.nodes,
                (
                    net.bin_size,
                    net.bin_ptr,
                    net.slot_src,
                    net.slot_export,
                    st.binned,
                    net.pair_ptr,
                    net.group_ptr,
                    net.pair_group,
                    net.group_product,
                    net.fd_ptr,
                    fd_export,
                    fd_market,
                    net.node_market,
                    net.output,
                    use_per_unit,
                    amount,
                    requirement if requirement is not None else no_requirement,
                    cap,
                    st.supply,
                    held,
                    final,
                    demanded,
                    st.stock,
                    st.expected_use,
                    st.overproduction,
                    params.order_basis == "demand",
                    params.order_smoothing,
                    params.overproduction_base,
                    params.overproduction_max,
                    params.overproduction_tau,
                    full,
                    node_pos,
                    final_pos,
                    x,
                    binding,
                    binding_input,
                    unmet,
                    inv_days,
                    exports,
                    delivered,
                ),
                [
                    (*block_markets[b], block_summary[b], block_final[b], bin_sums[b])
                    for b in range(blocks.count)
                ],
            )

            # 4. the pair pass: shipments, pipeline, orders, adaptation
            target_factor = rs.dense_factor("target_factor", day, m)
            target = target0 * target_factor if target_factor is not None else target0

            blocks.run(
                pair_pass,
                blocks.pairs,
                (
                    net.link_ptr,
                    net.link_src,
                    net.link_lead,
                    net.link_alt_days,
                    net.ring_ptr,
                    net.pair_market,
                    net.pair_use,
                    net.link_share,
                    rule_links,
                    permit,
                    day,
                    day % np.maximum(ring_lengths, 1),
                    st.supply,
                    target,
                    st.expected_use,
                    st.stock,
                    params.inventory_restoration_days,
                    params.adaptation_speed,
                    params.shortfall_threshold,
                    params.return_speed,
                    st.share,
                    st.orders,
                    st.wanted_pair,
                    st.ring,
                    st.transit,
                    st.pipe_target,
                    st.first_short,
                    st.displaced,
                ),
                [(block_markets[b, 0], block_markets[b, 1]) for b in range(blocks.count)],
            )
            markets = block_markets.sum(axis=0) if blocks.count > 1 else block_markets[0]

            # 5. scarcity prices per market, records
            p_star = K.price_target(
                markets[0],
                markets[1],
                markets[2],
                markets[3],
                util0,
                params.price_elasticity,
                params.price_index_max,
            )
            st.log_price += params.price_adjustment_speed * (p_star - st.log_price)
            if full:
                recorder.record(
                    day,
                    output=x,
                    capacity=cap,
                    binding=binding,
                    binding_input=binding_input,
                    inventory_days=inv_days,
                    unmet_demand=unmet,
                    exports=exports,
                    final_delivered=delivered[fd_rank] if reordered else delivered,
                    final_demand=demanded[fd_rank] if reordered else demanded,
                    market_price=np.exp(st.log_price),
                )
            else:
                summary = block_summary.sum(axis=0).transpose(1, 0, 2)  # (8, P, S)
                summary[4] = block_summary[:, :, 4].min(axis=0)
                final_sums = block_final.sum(axis=0).transpose(1, 0, 2)  # (2, G, S)
                recorder.record_summary(day, summary, final_sums, np.exp(st.log_price))
            if progress is not None:
                progress(size)
    finally:
        blocks.close()


class _Blocks:
    """Contiguous blocks of nodes and of pairs with about equal work, run on a few threads.

    The number of blocks depends on the network only (:func:`block_count`), so results do not
    depend on the number of threads; the compiled passes release the GIL, so the blocks of a pass
    run side by side.
    """

    def __init__(self, net: EngineNet, threads: int) -> None:
        count = block_count(net.n_links)
        node_work = np.bincount(net.slot_src, minlength=net.n) + 2 * np.diff(net.pair_ptr) + 1
        pair_work = np.diff(net.link_ptr) + np.diff(net.ring_ptr)
        # node blocks end on bin boundaries: each bin's order sums are made once
        self.nodes = np.minimum(_split(node_work, count) // net.bin_size * net.bin_size, net.n)
        self.nodes[-1] = net.n
        self.pairs = _split(pair_work, count)
        self.count = count
        workers = min(count, threads or os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(workers) if workers > 1 else None

    def run(
        self,
        kernel: Callable[..., None],
        bounds: IntArray,
        shared: tuple[object, ...],
        own: Sequence[tuple[object, ...]],
    ) -> None:
        """``kernel(lo, hi, *shared, *own[b])`` for every block b = ``bounds[b]:bounds[b+1]``, in
        parallel when there is more than one worker."""

        def one(b: int) -> None:
            kernel(bounds[b], bounds[b + 1], *shared, *own[b])

        if self._pool is None:
            for b in range(self.count):
                one(b)
        else:
            list(self._pool.map(one, range(self.count)))

    def close(self) -> None:
        """Stop the worker threads."""
        if self._pool is not None:
            self._pool.shutdown()


MAX_BLOCKS = 16


def block_count(n_links: int) -> int:
    """Blocks a day's passes are cut into: one per 250,000 links, 1 to :data:`MAX_BLOCKS`."""
    return int(min(MAX_BLOCKS, max(1, n_links // 250_000)))


def _split(work: npt.NDArray[np.integer], count: int) -> IntArray:
    """Boundaries (count + 1,) splitting ``work`` into ``count`` contiguous runs of similar sums."""
    total = np.concatenate([[0], np.cumsum(work)])
    cuts = np.searchsorted(total, np.linspace(0, total[-1], count + 1)[1:-1])
    return np.concatenate([[0], cuts, [len(work)]]).astype(np.int64)


def _baseline_utilisation(net: EngineNet, st: EngineState) -> FloatArray:
    """ū_M: Σ x̄_n / Σ min(K_n, C_n) over the sellers of each market, C_n the cover of the initial
    stocks plus the first day's arrivals (the stranded-supply side of prices)."""
    stock0 = st.stock[:, 0].astype(np.float64)
    per_pair = K._div(stock0, net.pair_amount.astype(np.float64), fill=np.inf)
    group_cover = np.bincount(net.pair_group, per_pair, minlength=net.n_groups)
    group_node = np.repeat(np.arange(net.n), np.diff(net.group_ptr))
    node_cover = np.full(net.n, np.inf)
    np.minimum.at(node_cover, group_node, group_cover)
    potential = np.minimum(net.capacity.astype(np.float64), node_cover)
    sold = np.bincount(net.node_market, net.output, minlength=net.n_markets).astype(np.float64)
    possible = np.bincount(net.node_market, potential, minlength=net.n_markets).astype(np.float64)
    return K._div(sold, possible).astype(st.stock.dtype)


def simulate(
    net: CompiledNetwork,
    batch: ScenarioBatch,
    params: EngineParams | None = None,
    *,
    record: RecordMode = "full",
    progress: Progress | None = None,
) -> xr.Dataset:
    """Run a :class:`~chokepoint.scenario.ScenarioBatch` on a network, day by day (DESIGN §5).

    Parameters
    ----------
    net
        The compiled network (its baseline must be balanced for the no-rule run to be a steady state).
    batch
        S scenarios: rules (permits, quotas, capacity factors, releases, ...) over ``batch.horizon``
        days. Rule indices of kind ``permit``/``quota`` ≥ E refer to alternative supplier a = index − E.
    params
        Engine parameters (defaults: :class:`EngineParams`).
    record
        ``"full"``: every node per day; ``"summary"``: nodes aggregated to (region, product) per day.
    progress
        Optional callback ``progress(done, total)`` in scenario-days (total = S x horizon).

    Returns
    -------
    xarray.Dataset
        dims ``member``, ``day``, ``node`` (and ``final``, ``market``); see
        :func:`chokepoint.results.dataset.to_dataset`.
    """
    from chokepoint.results.dataset import to_dataset

    params = params or EngineParams()
    records = run_records(net, batch, params, record=record, progress=progress)
    return to_dataset(records, net, batch, params)


def run_records(
    net: CompiledNetwork,
    batch: ScenarioBatch,
    params: EngineParams,
    *,
    record: RecordMode = "full",
    progress: Progress | None = None,
) -> RawRecords:
    """Simulate and return the raw records (arrays only; :func:`simulate` labels them).

    Large networks run with their nodes renumbered for locality (``params.node_order``, see
    :mod:`chokepoint.engine.ordering`); the records come back in the network's own order.
    """
    _check_rules(batch, net)
    if wants_locality(net, params.node_order):
        relabel = Relabel.of(net, locality_order(net))
        records = _run_records(relabel.network, relabel.batch(batch), params, record, progress)
        return relabel.records(records)
    return _run_records(net, batch, params, record, progress)


def _run_records(
    net: CompiledNetwork,
    batch: ScenarioBatch,
    params: EngineParams,
    record: RecordMode,
    progress: Progress | None,
) -> RawRecords:
    enet = prepare(net, params.pipeline_max_days, params.dtype)
    size, horizon = batch.size, int(batch.horizon)
    chunk = params.scenario_chunk or size
    node_firm = net.node_firm
    exported = np.where(enet.link_export, enet.link_flow, 0.0)
    fd_exported = np.where(enet.fd_export, enet.fd_quantity, 0.0)
    base_exports = (
        np.bincount(enet.link_src, exported, minlength=enet.n)
        + np.bincount(enet.fd_node, fd_exported, minlength=enet.n)
    ).astype(np.float64)
    total = size * horizon
    done = [0]

    def tick(scenario_days: int) -> None:
        done[0] += scenario_days
        if progress is not None:
            progress(done[0], total)

    parts = []
    for lo in range(0, size, chunk):
        hi = min(size, lo + chunk)
        rec = Recorder(record, enet, hi - lo, horizon, node_firm, base_exports)
        run_chunk(enet, batch.rules, lo, hi, horizon, params, rec, tick if progress else None)
        parts.append(rec.records())
    return RawRecords.concat(parts)


def _check_rules(batch: ScenarioBatch, net: CompiledNetwork) -> None:
    from chokepoint.errors import ChokepointError

    links = net.n_links + int(np.count_nonzero(net.alt_pair >= 0))  # and live alternatives
    nodes, pairs, finals = net.n_nodes, net.n_pairs, len(net.fd_node)
    width = {
        "permit": links,
        "quota": links,
        "capacity_factor": nodes,
        "capacity_add": nodes,
        "stock_release": pairs,
        "requirement_factor": pairs,
        "final_demand_factor": finals,
        "final_permit": finals,
        "target_factor": pairs,
    }
    problems = []
    for i, r in enumerate(batch.rules):
        idx = np.asarray(r.index)
        vals = np.asarray(r.values)
        if r.kind not in width:
            problems.append(f"rule {i} ({r.label}): unknown kind {r.kind!r}")
            continue
        if idx.size and (idx.min() < 0 or idx.max() >= width[r.kind]):
            problems.append(
                f"rule {i} ({r.label}): index out of range [0, {width[r.kind]}) for {r.kind}"
            )
        if vals.ndim != 2 or vals.shape[0] != batch.size:
            problems.append(
                f"rule {i} ({r.label}): values must have shape (S={batch.size}, L), got {vals.shape}"
            )
        elif np.isnan(vals).any() or (vals < 0).any():
            problems.append(f"rule {i} ({r.label}): values must be finite and >= 0")
    if problems:
        msg = "invalid scenario batch: " + "; ".join(problems)
        raise ChokepointError(msg)
