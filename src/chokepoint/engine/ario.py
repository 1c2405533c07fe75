"""ARIO rules (Hallegatte 2008; BoARIO 0.7 semantics) on a compiled network, batched over scenarios.

:func:`simulate_ario` runs the adaptive regional input-output model day by day on any
:class:`~chokepoint.network.CompiledNetwork` — typically an MRIO imported with
:func:`chokepoint.io.mrio.from_pymrio` — for S scenarios at once. Each rule is a pure function
below; equations and notation are in ``docs/mrio.md``. With ``ArioParams(compat=True)`` (the
default) the loop reproduces BoARIO's ``ARIOPsiModel``/``Simulation`` step, quirks included
(listed in :data:`BOARIO_QUIRKS`); ``compat=False`` removes them.

Why a loop of its own rather than rules inside :func:`chokepoint.engine.simulate`: ARIO's step
differs from the engine's in timing and state (deliveries restock within the day, no pipeline;
inventory targets follow the current optimal production; orders are split by the suppliers'
current capacity; capacity events act through destroyed capital with a rebuilding demand). The
ARIO order on a link is rank one — ``order_e = g_k · w_e · ρ_{u(e)}`` (pair factor g_k, baseline
flow w_e, supplier capacity ratio ρ_u) — so the state lives per input pair and per node only,
never per link: S × m + S × n numbers instead of the engine's S × E, which is what lets an
EXIOBASE-sized table (8 M links) run in a fraction of BoARIO's memory.

Layout: inside the loop, state arrays put the scenario axis *last* — (n, S) per node, (m, S) per
input pair — so that a sweep over links reads each supplier's S values contiguously; the
returned Dataset has the usual ``member, day, node`` order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

import numba
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from chokepoint.errors import ChokepointError, InputError, Problem
from chokepoint.network.compile import CompiledNetwork

if TYPE_CHECKING:
    import xarray as xr

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Recovery = Literal["linear", "convexe", "convexe noscale", "concave"]
Progress = Callable[[int, int], None]

BOARIO_QUIRKS: tuple[str, ...] = (
    "Q1 a direct capacity event (BoARIO EventArbitraryProd) acts one step late, at onset and "
    "through its recovery (the arbitrary capacity loss is refreshed after the total loss is taken)",
    "Q2 overproduction is not updated on steps 0 and 1",
    "Q3 inventories are not updated on a step where deliveries equal use within np.allclose over "
    "the whole matrix, and the inventory gap counts as zero where stocks equal their goal within "
    "np.allclose (rtol 1e-5, atol 1e-8)",
    "Q4 an input constrains production only if its coefficient exceeds 1e-5/365 (BoARIO compares "
    "annual flows with daily output x 1e-5)",
    "Q5 recovering and remaining rebuilding damages are rounded each step (capital to "
    "10^-(log10(monetary factor)+1), capacity shares to 1e-6)",
    "Q6 orders are computed against total demand net of the day's rebuilding deliveries",
    "Q7 after the last rebuilding event ends, its last residual rebuilding demand stays in force",
    "Q8 inventory durations of at most one day are raised to two",
)


@dataclass(frozen=True)
class ArioParams:
    """Parameters of the ARIO rules (defaults: BoARIO 0.7 ``ARIOPsiModel``, Hallegatte 2008).

    Attributes
    ----------
    alpha_base, alpha_max, alpha_tau
        α^b, α^max and τ_α (days) of overproduction: 1.0, 1.25, 365 (Hallegatte 2008).
    psi
        ψ: production is limited by an input when its stock is below ψ s_i a_k x^opt (0.8,
        BoARIO ``psi_param``; 1.0 gives ``ARIOBaseModel``).
    inventory_restoration_tau
        τ_INV (days): the inventory gap is ordered over this time (60, BoARIO); ``None`` orders the
        whole gap at once (``ARIOBaseModel``).
    order_type
        ``"alt"``: an input's orders are split over its suppliers by baseline flow x current
        capacity ratio (Guan et al. 2020, BoARIO default); ``"noalt"``: by baseline flow only.
    rebuild_tau
        τ_REBUILD (days) of rebuilding demand when an event gives none (60, BoARIO).
    capital_to_va
        Productive capital per unit of annual value added (4, Hallegatte 2008; BoARIO default).
    days_per_year
        Days in the table's year: annual capital against daily flows (365).
    monetary_factor
        Size of the table's money unit (10^6 for million USD): sets BoARIO's rounding (Q5).
    tech_threshold
        An input pair constrains production only if a_k > this (Q4: 1e-5/365).
    compat
        Reproduce BoARIO's step exactly, quirks Q1–Q8 included (:data:`BOARIO_QUIRKS`).
    """

    alpha_base: float = 1.0
    alpha_max: float = 1.25
    alpha_tau: float = 365.0
    psi: float = 0.8
    inventory_restoration_tau: float | None = 60.0
    order_type: Literal["alt", "noalt"] = "alt"
    rebuild_tau: int = 60
    capital_to_va: float = 4.0
    days_per_year: float = 365.0
    monetary_factor: float = 1e6
    tech_threshold: float = 1e-5 / 365.0
    compat: bool = True

    def __post_init__(self) -> None:
        problems = []
        if not 1.0 <= self.alpha_base <= self.alpha_max:
            problems.append("expected 1 ≤ alpha_base ≤ alpha_max")
        if self.alpha_tau <= 0 or self.rebuild_tau <= 0 or self.days_per_year <= 0:
            problems.append("expected alpha_tau, rebuild_tau and days_per_year > 0")
        if not 0.0 < self.psi <= 1.0:
            problems.append(f"expected 0 < psi ≤ 1, got {self.psi}")
        if self.inventory_restoration_tau is not None and self.inventory_restoration_tau <= 0:
            problems.append("expected inventory_restoration_tau > 0 or None")
        if self.order_type not in ("alt", "noalt"):
            problems.append(f"expected order_type 'alt' or 'noalt', got {self.order_type!r}")
        if self.monetary_factor < 1 or self.capital_to_va <= 0:
            problems.append("expected monetary_factor ≥ 1 and capital_to_va > 0")
        if problems:
            raise ChokepointError("invalid ArioParams: " + "; ".join(problems))

    def as_dict(self) -> dict[str, object]:
        """The parameters as a plain dict (for provenance attrs)."""
        return asdict(self)


@dataclass(frozen=True)
class ArioEvent:
    """One ARIO event on some nodes, for every scenario of the batch.

    ``kind="capital"``: ``impact`` is productive capital destroyed (table money units) per node;
    the capacity lost is Δ_n = lost_n / K_n. It recovers along ``recovery`` over
    ``recovery_tau`` days, or, with ``rebuild=True``, by rebuilding: a demand of
    ``rebuilding_factor`` x the damage addressed to ``rebuilding_sectors`` (product -> share)
    of all regions, in proportion to the node's baseline purchases, served over ``rebuild_tau``.
    ``kind="capacity"``: ``impact`` is the share of capacity lost (BoARIO's arbitrary event).

    ``impact`` is (k,) for all scenarios alike or (S, k) per scenario; ``occurrence`` ≥ 1 is the
    day it strikes; recovery starts ``duration`` days later.
    """

    kind: Literal["capital", "capacity"]
    nodes: Sequence[str]
    impact: npt.ArrayLike
    occurrence: int = 1
    duration: int = 1
    recovery: Recovery = "linear"
    recovery_tau: int = 1
    rebuild: bool = False
    rebuild_tau: int | None = None
    rebuilding_sectors: Mapping[str, float] = field(default_factory=dict)
    rebuilding_factor: float = 1.0
    name: str = ""


# --------------------------------------------------------------------------------------------
# Pure rules. Shapes: n nodes, m input pairs, S scenarios (last axis).
# --------------------------------------------------------------------------------------------


def _div(num: FloatArray, den: FloatArray, fill: float = 0.0) -> FloatArray:
    num, den = np.broadcast_arrays(num, den)
    out = np.full(num.shape, fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def overproduction(
    alpha: FloatArray, demand: FloatArray, x_prev: FloatArray, p: ArioParams
) -> FloatArray:
    """α ← max(1, α + (α^max − α) s / τ_α + (α^b − α) [s = 0] / τ_α), s = (D − x) / D.  (n, S) -> (n, S).

    D: total demand now (orders, final and rebuilding demand); x: last step's production. As in
    BoARIO, s < 0 (production above demand) lowers α through the first term.
    """
    scarcity = _div(demand - x_prev, demand)
    up = (p.alpha_max - alpha) * scarcity / p.alpha_tau
    down = (p.alpha_base - alpha) * (scarcity == 0) / p.alpha_tau
    return np.maximum(alpha + up + down, 1.0)


def production_capacity(x0: FloatArray, delta: FloatArray, alpha: FloatArray) -> FloatArray:
    """x^cap = x̄ (1 − Δ) α.  (n,), (n, S), (n, S) -> (n, S)."""
    return x0[:, None] * (1.0 - delta) * alpha


def _input_limited_py(
    pair_indptr: IntArray, stock: FloatArray, req: FloatArray, x_opt: FloatArray
) -> FloatArray:  # pragma: no cover - compiled
    n, s_count = x_opt.shape
    out = x_opt.copy()
    for node in numba.prange(n):
        for k in range(pair_indptr[node], pair_indptr[node + 1]):
            r = req[k]
            if r > 0.0:
                for s in range(s_count):
                    lim = stock[k, s] / r
                    if lim < out[node, s]:
                        out[node, s] = lim
    return out


_input_limited = numba.njit(cache=True)(_input_limited_py)
_input_limited_par = numba.njit(parallel=True, cache=True)(_input_limited_py)

PARALLEL_WORK = 2_000_000
"""Above this many inner iterations a kernel runs on all cores (below, thread start-up dominates)."""


def production(
    x_opt: FloatArray, stock: FloatArray, requirement: FloatArray, pair_indptr: IntArray
) -> FloatArray:
    """x = min(x^opt, min_k I_k / (ψ s_k a_k)) over the constraining pairs k of each node.

    ``requirement`` = ψ s_k a_k (0 for a pair that never constrains).  (n, S), (m, S), (m,) -> (n, S).
    Equals BoARIO's min_k x^opt · min(1, I_k / (ψ s_k a_k x^opt)).
    """
    kernel = _input_limited_par if stock.size > PARALLEL_WORK else _input_limited
    return kernel(  # type: ignore[no-any-return]
        pair_indptr, np.ascontiguousarray(stock), requirement, np.ascontiguousarray(x_opt)
    )


def _csr_times_py(
    indptr: npt.NDArray[np.int32], indices: npt.NDArray[np.int32], data: FloatArray, x: FloatArray
) -> FloatArray:  # pragma: no cover - compiled
    rows = len(indptr) - 1
    s_count = x.shape[1]
    out = np.zeros((rows, s_count))
    for i in numba.prange(rows):
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            w = data[p]
            for s in range(s_count):
                out[i, s] += w * x[j, s]
    return out


_csr_times = numba.njit(cache=True)(_csr_times_py)
_csr_times_par = numba.njit(parallel=True, cache=True)(_csr_times_py)


def sparse_times(matrix: sp.csr_array, x: FloatArray) -> FloatArray:
    """M x for a CSR matrix and a dense (cols, S) block, parallel over rows.  -> (rows, S)."""
    kernel = _csr_times_par if matrix.nnz * x.shape[1] > PARALLEL_WORK else _csr_times
    return kernel(  # type: ignore[no-any-return]
        matrix.indptr, matrix.indices, matrix.data, np.ascontiguousarray(x)
    )


def rationing(x: FloatArray, demand: FloatArray) -> FloatArray:
    """φ_u = x_u / D_u: every order, final and rebuilding demand on u is served in this share."""
    return _div(x, demand)


def allclose_by_scenario(a: FloatArray, b: FloatArray) -> BoolArray:
    """np.allclose(a[:, s], b[:, s]) for each scenario s (|a − b| ≤ 1e-8 + 1e-5 |b| everywhere)."""
    return np.all(np.abs(a - b) <= 1e-8 + 1e-5 * np.abs(b), axis=0)  # type: ignore[no-any-return]


def inventory_gap(
    stock: FloatArray, goal: FloatArray, restoration: float, compat: bool
) -> FloatArray:
    """gap_k = max(goal_k − I_k, 0) / τ_INV (0 for a scenario whose stocks all equal their goal, Q3)."""
    gap = np.maximum(goal - stock, 0.0) * restoration
    if compat:
        gap[:, allclose_by_scenario(stock, goal)] = 0.0
    return gap


def recovery_curve(kind: Recovery, elapsed: FloatArray, tau: float) -> FloatArray:
    """h(e): share of the initial damage left e days after recovery starts (BoARIO's functions).

    linear 1 − e/τ (≥ 0); convexe (1 − 1/τ)^(4e); convexe noscale (1 − 1/τ)^e;
    concave τ / (τ + 10^-6 e^γ), γ = (ln τ − ln 10^-6) / (ln τ − ln 2).
    """
    e = np.asarray(elapsed, dtype=np.float64)
    if kind == "linear":
        return np.maximum(1.0 - e / tau, 0.0)  # type: ignore[no-any-return]
    if kind == "convexe":
        return (1.0 - 1.0 / tau) ** (4.0 * e)  # type: ignore[no-any-return]
    if kind == "convexe noscale":
        return (1.0 - 1.0 / tau) ** e  # type: ignore[no-any-return]
    if kind == "concave":
        steep = 1e-6
        gamma = (math.log(tau) - math.log(steep)) / (math.log(tau) - math.log(2.0))
        return tau / (tau + steep * e**gamma)  # type: ignore[no-any-return]
    msg = f"unknown recovery function {kind!r}"
    raise ChokepointError(msg)


def _distribute_and_order_py(
    indptr: npt.NDArray[np.int32],
    src: npt.NDArray[np.int32],
    w: FloatArray,
    pair_indptr: IntArray,
    amount: FloatArray,
    goal_coef: FloatArray,
    restoration: float,
    stock: FloatArray,
    g: FloatArray,
    x: FloatArray,
    v: FloatArray,
    x_goal: FloatArray,
    ratio: FloatArray,
    stock_out: FloatArray,
    g_out: FloatArray,
    moved: npt.NDArray[np.bool_],
    far: npt.NDArray[np.bool_],
    inv_requirement: FloatArray,
    limit: FloatArray,
    chunks: int,
) -> FloatArray:  # pragma: no cover - compiled
    n, s_count = x.shape
    partial = np.zeros((chunks, n, s_count))
    step = (n + chunks - 1) // chunks
    for c in numba.prange(chunks):
        deliv = np.empty(s_count)
        weight = np.empty(s_count)
        lim = np.empty(s_count)
        for node in range(c * step, min(n, (c + 1) * step)):
            lim[:] = np.inf
            for k in range(pair_indptr[node], pair_indptr[node + 1]):
                lo, hi = indptr[k], indptr[k + 1]
                a = amount[k]
                gc = goal_coef[k]
                req = inv_requirement[k]
                if s_count == 1:
                    d = 0.0
                    wt = 0.0
                    for e in range(lo, hi):
                        u = src[e]
                        d += w[e] * v[u, 0]
                        wt += w[e] * ratio[u, 0]
                    deliv[0] = d
                    weight[0] = wt
                else:
                    deliv[:] = 0.0
                    weight[:] = 0.0
                    for e in range(lo, hi):
                        u = src[e]
                        we = w[e]
                        for s in range(s_count):
                            deliv[s] += we * v[u, s]
                            weight[s] += we * ratio[u, s]
                for s in range(s_count):
                    add = g[k, s] * deliv[s]
                    use = a * x[node, s]
                    if abs(add - use) > 1e-8 + 1e-5 * abs(use):
                        moved[node, s] = True
                    st = max(stock[k, s] + add - use, 0.0)
                    stock_out[k, s] = st
                    if req > 0.0 and st * req < lim[s]:
                        lim[s] = st * req
                    goal = gc * x_goal[node, s]
                    if abs(st - goal) > 1e-8 + 1e-5 * abs(goal):
                        far[node, s] = True
                    gap = max(goal - st, 0.0) * restoration + use
                    deliv[s] = gap / weight[s] if weight[s] != 0.0 else 0.0
                    g_out[k, s] = deliv[s]
                if s_count == 1:
                    gk = deliv[0]
                    for e in range(lo, hi):
                        partial[c, src[e], 0] += w[e] * gk
                else:
                    for e in range(lo, hi):
                        u = src[e]
                        we = w[e]
                        for s in range(s_count):
                            partial[c, u, s] += we * deliv[s]
            for s in range(s_count):
                limit[node, s] = lim[s]
    return partial.sum(axis=0)


_distribute_and_order = numba.njit(cache=True)(_distribute_and_order_py)
_distribute_and_order_par = numba.njit(parallel=True, cache=True)(_distribute_and_order_py)


def _order_factors_py(
    indptr: npt.NDArray[np.int32],
    src: npt.NDArray[np.int32],
    w: FloatArray,
    pair_indptr: IntArray,
    amount: FloatArray,
    goal_coef: FloatArray,
    restoration: float,
    stock: FloatArray,
    x: FloatArray,
    x_goal: FloatArray,
    ratio: FloatArray,
    nogap: npt.NDArray[np.bool_],
    g_out: FloatArray,
    far: npt.NDArray[np.bool_],
) -> None:  # pragma: no cover - compiled
    n, s_count = x.shape
    for node in numba.prange(n):
        weight = np.empty(s_count)
        for k in range(pair_indptr[node], pair_indptr[node + 1]):
            weight[:] = 0.0
            for e in range(indptr[k], indptr[k + 1]):
                u = src[e]
                for s in range(s_count):
                    weight[s] += w[e] * ratio[u, s]
            for s in range(s_count):
                use = amount[k] * x[node, s]
                goal = goal_coef[k] * x_goal[node, s]
                st = stock[k, s]
                if abs(st - goal) > 1e-8 + 1e-5 * abs(goal):
                    far[node, s] = True
                gap = use if nogap[s] else max(goal - st, 0.0) * restoration + use
                g_out[k, s] = gap / weight[s] if weight[s] != 0.0 else 0.0


_order_factors = numba.njit(cache=True)(_order_factors_py)


def _supplier_orders_py(
    indptr: npt.NDArray[np.int32],
    src: npt.NDArray[np.int32],
    w: FloatArray,
    g: FloatArray,
    n: int,
    chunks: int,
) -> FloatArray:  # pragma: no cover - compiled
    m, s_count = g.shape
    partial = np.zeros((chunks, n, s_count))
    step = (m + chunks - 1) // chunks
    for c in numba.prange(chunks):
        for k in range(c * step, min(m, (c + 1) * step)):
            for e in range(indptr[k], indptr[k + 1]):
                u = src[e]
                we = w[e]
                for s in range(s_count):
                    partial[c, u, s] += we * g[k, s]
    return partial.sum(axis=0)


_supplier_orders = numba.njit(cache=True)(_supplier_orders_py)
_supplier_orders_par = numba.njit(parallel=True, cache=True)(_supplier_orders_py)


def supplier_orders(by_pair: sp.csr_array, g: FloatArray, n: int) -> FloatArray:
    """Σ_{e out of u} w_e g_{k(e)} for every supplier u (then × ρ_u gives its orders).  (m, S) -> (n, S).

    Sweeps the links pair by pair (the pair-level array is read once, in order) and adds into
    per-thread node-level buffers, which stay in cache.
    """
    big = by_pair.nnz * g.shape[1] > PARALLEL_WORK
    kernel = _supplier_orders_par if big else _supplier_orders
    chunks = numba.get_num_threads() if big else 1
    return kernel(by_pair.indptr, by_pair.indices, by_pair.data, np.ascontiguousarray(g), n, chunks)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# Network preparation and events.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ArioNet:
    """The arrays ARIO needs from a compiled network (n nodes, m input pairs, E links)."""

    x0: FloatArray
    """x̄_n, baseline output per day [n]."""
    fd: FloatArray
    """Final demand per node per day [n]."""
    amount: FloatArray
    """a_k [m]."""
    days: FloatArray
    """s_k, inventory duration in days [m]."""
    pair_node: IntArray
    pair_product: IntArray
    pair_indptr: IntArray
    by_pair: sp.csr_array
    """(m x n): w_e at (k(e), u(e)) — Σ over a pair's links."""
    inflow: FloatArray
    """W⁰_k = Σ_{e→k} w_e [m]."""
    capital: FloatArray
    """K_n, productive capital (table money units) [n]."""


def prepare(net: CompiledNetwork, p: ArioParams) -> ArioNet:
    """Arrays and link matrices of ``net`` for :func:`simulate_ario`."""
    n, m = net.n_nodes, net.n_pairs
    w = net.link_flow.astype(np.float64)
    by_pair = sp.csr_array((w, (net.link_pair, net.link_src)), shape=(m, n))
    by_pair.sum_duplicates()
    by_pair.indptr = by_pair.indptr.astype(np.int32)
    by_pair.indices = by_pair.indices.astype(np.int32)
    x0 = net.output.astype(np.float64)
    use = np.bincount(net.pair_node, net.pair_amount, minlength=n) * x0
    va = np.maximum(x0 - use, 0.0) * p.days_per_year
    days = net.stock_target_days.astype(np.float64).copy()
    days[days <= 1.0] = 2.0
    return ArioNet(
        x0=x0,
        fd=net.final_demand_by_node(),
        amount=net.pair_amount.astype(np.float64),
        days=days,
        pair_node=net.pair_node,
        pair_product=net.pair_product,
        pair_indptr=net.pair_indptr,
        by_pair=by_pair,
        inflow=net.pair_inflow(),
        capital=va * p.capital_to_va,
    )


@dataclass(eq=False)
class _Event:
    """An event bound to node ids, impacts as (k, S)."""

    spec: ArioEvent
    nodes: IntArray
    impact: FloatArray
    # Rebuilding: entries (link-level) with supplier, affected node position, remaining (e, S).
    reb_src: IntArray | None = None
    reb_aff: IntArray | None = None
    remaining: FloatArray | None = None
    finished: BoolArray | None = None


def _bind(
    events: Sequence[ArioEvent], net: CompiledNetwork, an: ArioNet, size: int
) -> list[_Event]:
    problems: list[Problem] = []
    bound: list[_Event] = []
    for i, ev in enumerate(events):
        where = f"events[{i}]"
        idx = net.node_ids.get_indexer(np.asarray(list(ev.nodes), dtype=object))
        for j in np.flatnonzero(idx < 0):
            problems.append(Problem(f"{where}.nodes[{j}]", f"unknown node {ev.nodes[int(j)]!r}"))
        imp = np.asarray(ev.impact, dtype=np.float64)
        if imp.ndim == 1:
            imp = np.repeat(imp[:, None], size, axis=1)
        elif imp.ndim == 2 and imp.shape[0] == size:
            imp = imp.T.copy()
        if imp.shape != (len(ev.nodes), size):
            problems.append(
                Problem(
                    f"{where}.impact",
                    f"expected shape ({len(ev.nodes)},) or ({size}, {len(ev.nodes)}), got {np.shape(ev.impact)}",
                )
            )
            continue
        if ev.occurrence < 1 or ev.duration < 1 or ev.recovery_tau < 1:
            problems.append(Problem(where, "expected occurrence, duration and recovery_tau ≥ 1"))
        if (imp < 0).any() or not np.isfinite(imp).all():
            problems.append(Problem(f"{where}.impact", "expected finite impacts ≥ 0"))
        if ev.kind == "capacity" and (imp > 1).any():
            problems.append(Problem(f"{where}.impact", "expected capacity shares ≤ 1"))
        if (
            ev.kind == "capital"
            and (idx >= 0).all()
            and (imp > an.capital[idx][:, None] * (1 + 1e-12)).any()
        ):
            problems.append(
                Problem(f"{where}.impact", "expected capital destroyed ≤ productive capital K_n")
            )
        bound.append(_Event(ev, idx.astype(np.int64), imp))
    if problems:
        raise InputError("ARIO events", problems)
    for b in bound:
        if b.spec.kind == "capital" and b.spec.rebuild:
            _rebuild_entries(b, net, an, size)
    return bound


def _rebuild_entries(b: _Event, net: CompiledNetwork, an: ArioNet, size: int) -> None:
    """Rebuilding demand per link into (affected node, rebuilding sector): f σ_p D0_j w_e / W⁰_k."""
    spec = b.spec
    shares = np.zeros(len(net.products))
    for product, share in spec.rebuilding_sectors.items():
        pos = net.products.get_indexer([product])[0]
        if pos < 0:
            raise InputError(
                "ARIO events", [Problem("rebuilding_sectors", f"unknown product {product!r}")]
            )
        shares[pos] = share
    if not math.isclose(shares.sum(), 1.0, rel_tol=1e-6):
        raise InputError(
            "ARIO events",
            [Problem("rebuilding_sectors", f"expected shares summing to 1, got {shares.sum():g}")],
        )
    aff_pos = np.full(net.n_nodes, -1, dtype=np.int64)
    aff_pos[b.nodes] = np.arange(len(b.nodes))
    link_aff = aff_pos[net.link_dst]
    link_sector_share = shares[net.node_product[net.link_src]]
    pick = (link_aff >= 0) & (link_sector_share > 0)
    e = np.flatnonzero(pick)
    k = net.link_pair[e]
    within = _div(net.link_flow[e], an.inflow[k])
    amount = (spec.rebuilding_factor * link_sector_share[e] * within)[:, None] * b.impact[
        link_aff[e]
    ]
    b.reb_src = net.link_src[e].astype(np.int64)
    b.reb_aff = link_aff[e].astype(np.int64)
    b.remaining = amount
    b.finished = np.zeros(size, dtype=bool)


def _precision(p: ArioParams) -> int:
    return int(math.log10(p.monetary_factor)) + 1


def _capital_lost(ev: _Event, day: int, p: ArioParams, n: int) -> FloatArray | None:
    """lost_n(t) of a capital event that recovers along its curve (None before it strikes)."""
    spec = ev.spec
    o, d = spec.occurrence, spec.duration
    if day < o:
        return None
    if p.compat:
        # BoARIO: initial damage through step o+d; then the value its recover() left a step before.
        elapsed = day - 1 - (o + d)
        if elapsed < 0:
            value = ev.impact
        else:
            value = np.round(
                ev.impact * recovery_curve(spec.recovery, np.array(elapsed), spec.recovery_tau),
                _precision(p),
            )
    else:
        elapsed = day - (o + d)
        value = (
            ev.impact
            if elapsed < 0
            else ev.impact * recovery_curve(spec.recovery, np.array(elapsed), spec.recovery_tau)
        )
    out = np.zeros((n, value.shape[1]))
    np.add.at(out, ev.nodes, value)
    return out


def _capacity_lost(ev: _Event, day: int, p: ArioParams, n: int) -> FloatArray | None:
    """Δ_n(t) of a direct capacity event (Q1: one step late in compatibility mode)."""
    spec = ev.spec
    o, d = spec.occurrence, spec.duration
    lag = 2 if p.compat else 0
    start = o + 1 if p.compat else o
    if day < start:
        return None
    r = day - lag  # value the event's recovery left after step r
    elapsed = r - (o + d)
    if elapsed < 0:
        value = ev.impact
    else:
        h = recovery_curve(spec.recovery, np.array(elapsed), spec.recovery_tau)
        value = np.round(ev.impact * h, 6) if p.compat else ev.impact * h
    out = np.zeros((n, value.shape[1]))
    np.maximum.at(out, ev.nodes, value)
    return out


# --------------------------------------------------------------------------------------------
# The loop.
# --------------------------------------------------------------------------------------------


def simulate_ario(
    net: CompiledNetwork,
    events: Sequence[ArioEvent] = (),
    params: ArioParams | None = None,
    *,
    horizon: int = 365,
    members: int | Sequence[str] = 1,
    progress: Progress | None = None,
) -> xr.Dataset:
    """Run ARIO on ``net`` for S scenarios (``members``) over ``horizon`` days.

    Each day t (BoARIO's order, ``docs/mrio.md``): event schedule -> capacity loss Δ and
    rebuilding demand; overproduction α; x^cap = x̄ (1 − Δ) α and x^opt = min(D, x^cap); the
    inventory limit x = min(x^opt, min_k I_k / (ψ s_k a_k)); proportional rationing φ = x / D of
    every order, final and rebuilding demand; inventories I_k += deliveries − a_k x;
    rebuilding and recovery; next orders: (a_k x + gap_k) split over suppliers.

    Returns
    -------
    xarray.Dataset
        ``output``, ``capacity``, ``overproduction``, ``final_unmet``, ``rebuild_demand`` over
        (member, day, node); ``baseline_output`` per node; parameters and quirks in ``attrs``.
    """
    import xarray as xr

    p = params or ArioParams()
    names = [f"member{i}" for i in range(members)] if isinstance(members, int) else list(members)
    size = len(names)
    an = prepare(net, p)
    evs = _bind(events, net, an, size)
    n = net.n_nodes
    x0, a = an.x0, an.amount
    requirement = np.where(a > p.tech_threshold, p.psi * an.days * a, 0.0)
    restoration = 1.0 / p.inventory_restoration_tau if p.inventory_restoration_tau else 1.0
    use0 = a * x0[an.pair_node]

    stock = np.repeat((an.days * use0)[:, None], size, axis=1)
    g = np.repeat(np.where(an.inflow > 0, 1.0, 0.0)[:, None], size, axis=1)
    ratio = np.ones((n, size))
    alpha = np.full((n, size), p.alpha_base)
    x = np.repeat(x0[:, None], size, axis=1)
    fd = an.fd[:, None]
    reb_demand = np.zeros((n, size))
    reb_ever = False

    out_x = np.empty((size, horizon, n))
    out_cap = np.empty((size, horizon, n))
    out_alpha = np.empty((size, horizon, n))
    out_fd = np.empty((size, horizon, n))
    out_reb = np.empty((size, horizon, n))

    bp = an.by_pair
    goal_coef = a * an.days
    big = bp.nnz * size > PARALLEL_WORK
    fused = _distribute_and_order_par if big else _distribute_and_order
    chunks = numba.get_num_threads() if big else 1
    stock_next = np.empty_like(stock)
    g_next = np.empty_like(g)
    orders = ratio * supplier_orders(bp, g, n)
    no_limit = np.full((n, size), np.inf)
    inv_requirement = _div(np.ones_like(requirement), requirement)
    limit = production(no_limit, stock, requirement, an.pair_indptr)
    for day in range(horizon):
        # 1. events: capacity loss Δ and (re)filled rebuilding demand
        delta, rebuilding = _capacity_loss(evs, day, p, an, size)
        if rebuilding.any():
            reb_ever = True
            reb_demand = np.where(
                rebuilding[None, :], _rebuilding_demand(evs, day, p, n), reb_demand
            )
        demand = orders + fd + reb_demand

        # 2. overproduction from the gap between demand and last production
        if day > (1 if p.compat else 0):
            alpha = overproduction(alpha, demand, x, p)

        # 3. production
        cap = production_capacity(x0, delta, alpha)
        x_opt = np.fmin(demand, cap)
        x = np.minimum(x_opt, limit)  # = min(x^opt, min_k I_k / (ψ s_k a_k)), see `production`

        # 4. proportional rationing; 5. inventories and next orders (one sweep over the links)
        phi = rationing(x, demand)
        served_reb = reb_demand * phi
        reb_left = reb_demand - served_reb
        x_goal = np.fmin(orders + fd + (reb_left if p.compat else reb_demand), cap)
        ratio_next = (
            _div(cap, x0[:, None], fill=1.0) if p.order_type == "alt" else np.ones((n, size))
        )
        moved = np.zeros((n, size), dtype=bool)
        far = np.zeros((n, size), dtype=bool)
        pulled = fused(
            bp.indptr, bp.indices, bp.data, an.pair_indptr, a, goal_coef, restoration,
            stock, g, x, ratio * phi, x_goal, ratio_next, stock_next, g_next, moved, far,
            inv_requirement, limit, chunks,
        )  # fmt: skip
        fixed = False
        if p.compat:
            # Q3: a scenario whose deliveries equal its use keeps its stocks; one whose stocks
            # equal their goal orders its use only. Both are rare outside the steady state.
            kept = ~moved.any(axis=0)
            if kept.any():
                stock_next[:, kept] = stock[:, kept]
                limit[:, kept] = production(
                    no_limit[:, kept], stock[:, kept], requirement, an.pair_indptr
                )
                far[:, kept] = False
                _order_factors(
                    bp.indptr, bp.indices, bp.data, an.pair_indptr, a, goal_coef, restoration,
                    np.ascontiguousarray(stock_next[:, kept]), np.ascontiguousarray(x[:, kept]),
                    np.ascontiguousarray(x_goal[:, kept]), np.ascontiguousarray(ratio_next[:, kept]),
                    np.zeros(int(kept.sum()), dtype=bool), sub := np.empty((len(a), int(kept.sum()))),
                    far_sub := np.zeros((n, int(kept.sum())), dtype=bool),
                )  # fmt: skip
                g_next[:, kept] = sub
                far[:, kept] = far_sub
                fixed = True
            close = ~far.any(axis=0)
            if close.any():
                _order_factors(
                    bp.indptr, bp.indices, bp.data, an.pair_indptr, a, goal_coef, restoration,
                    np.ascontiguousarray(stock_next[:, close]), np.ascontiguousarray(x[:, close]),
                    np.ascontiguousarray(x_goal[:, close]), np.ascontiguousarray(ratio_next[:, close]),
                    np.ones(int(close.sum()), dtype=bool), sub := np.empty((len(a), int(close.sum()))),
                    np.zeros((n, int(close.sum())), dtype=bool),
                )  # fmt: skip
                g_next[:, close] = sub
                fixed = True
        stock, stock_next = stock_next, stock
        g, g_next = g_next, g
        ratio = ratio_next
        orders = ratio * (supplier_orders(bp, g, n) if fixed else pulled)
        if reb_ever:
            reb_demand = reb_left
            _receive_rebuilding(evs, day, p, phi)

        out_x[:, day, :] = x.T
        out_cap[:, day, :] = cap.T
        out_alpha[:, day, :] = alpha.T
        out_fd[:, day, :] = (fd * (1.0 - phi)).T
        out_reb[:, day, :] = (reb_left + served_reb).T
        if progress is not None:
            progress(day + 1, horizon)

    coords = {
        "member": ("member", np.asarray(names, dtype=str)),
        "day": ("day", np.arange(horizon, dtype=np.int64)),
        "node": ("node", np.asarray(net.node_ids, dtype=str)),
        "region": ("node", np.asarray(net.regions[net.node_region], dtype=str)),
        "product": ("node", np.asarray(net.products[net.node_product], dtype=str)),
    }
    dims = ("member", "day", "node")
    unit = "units/day"
    ds = xr.Dataset(
        {
            "output": (dims, out_x, {"units": unit, "long_name": "production x_n"}),
            "capacity": (dims, out_cap, {"units": unit, "long_name": "capacity x̄ (1 − Δ) α"}),
            "overproduction": (dims, out_alpha, {"units": "1", "long_name": "overproduction α_n"}),
            "final_unmet": (dims, out_fd, {"units": unit, "long_name": "final demand not served"}),
            "rebuild_demand": (
                dims,
                out_reb,
                {"units": unit, "long_name": "rebuilding demand addressed"},
            ),
            "baseline_output": (("node",), x0, {"units": unit}),
        },
        coords=coords,  # type: ignore[arg-type]
        attrs={
            "model": "ARIO (Hallegatte 2008) as in BoARIO 0.7"
            + (" (compatibility mode)" if p.compat else ""),
            "dataset": net.name,
            "params": repr(p.as_dict()),
            "quirks": list(BOARIO_QUIRKS) if p.compat else [],
        },
    )
    return ds


def _rebuilding(ev: _Event, day: int) -> bool:
    """Whether a rebuilding event has reached its rebuilding phase (day ≥ o + d)."""
    return ev.remaining is not None and day >= ev.spec.occurrence + ev.spec.duration


def _capacity_loss(
    evs: Sequence[_Event], day: int, p: ArioParams, an: ArioNet, size: int
) -> tuple[FloatArray, BoolArray]:
    """Δ_n(t) = max(Σ_events lost_n / K_n, max_events capacity share), and which scenarios rebuild.

    A rebuilding event's damage is its initial damage until day o + d, then its remaining
    rebuilding demand / f (0 once rebuilt).  -> (n, S), (S,).
    """
    n = len(an.x0)
    lost = np.zeros((n, size))
    share = np.zeros((n, size))
    rebuilding = np.zeros(size, dtype=bool)
    for ev in evs:
        if ev.spec.kind == "capacity":
            v = _capacity_lost(ev, day, p, n)
            if v is not None:
                np.maximum(share, v, out=share)
        elif ev.remaining is not None and ev.finished is not None:
            if day < ev.spec.occurrence:
                continue
            alive = ~ev.finished
            later = day > ev.spec.occurrence + ev.spec.duration
            dmg = _remaining_damage(ev, len(ev.nodes)) if later else ev.impact
            if _rebuilding(ev, day):
                rebuilding |= alive
            np.add.at(lost, ev.nodes, dmg * alive)
        else:
            v = _capital_lost(ev, day, p, n)
            if v is not None:
                lost += v
    return np.maximum(_div(lost, an.capital[:, None]), share), rebuilding


def _rebuilding_demand(evs: Sequence[_Event], day: int, p: ArioParams, n: int) -> FloatArray:
    """R_u = Σ_events Σ_{entries of u} remaining / τ_REBUILD over rebuilding events.  -> (n, S)."""
    out: FloatArray | None = None
    for ev in evs:
        if _rebuilding(ev, day):
            assert ev.remaining is not None and ev.finished is not None and ev.reb_src is not None
            if out is None:
                out = np.zeros((n, ev.remaining.shape[1]))
            tau = ev.spec.rebuild_tau or p.rebuild_tau
            np.add.at(out, ev.reb_src, ev.remaining * (~ev.finished) / tau)
    assert out is not None
    return out


def _receive_rebuilding(evs: Sequence[_Event], day: int, p: ArioParams, phi: FloatArray) -> None:
    """remaining ← max(round(remaining − φ_u remaining / τ_REBUILD), 0); rebuilt when all are 0."""
    for ev in evs:
        if _rebuilding(ev, day):
            assert ev.remaining is not None and ev.finished is not None and ev.reb_src is not None
            tau = ev.spec.rebuild_tau or p.rebuild_tau
            got = ev.remaining * (~ev.finished) / tau * phi[ev.reb_src]
            rest = ev.remaining - got
            if p.compat:
                rest = np.round(rest, _precision(p))
            ev.remaining = np.maximum(rest, 0.0)
            ev.finished |= ~ev.remaining.any(axis=0)


def _remaining_damage(ev: _Event, k: int) -> FloatArray:
    """Damage of a rebuilding event per affected node: remaining rebuilding demand / f."""
    assert ev.remaining is not None and ev.reb_aff is not None
    out = np.zeros((k, ev.remaining.shape[1]))
    np.add.at(out, ev.reb_aff, ev.remaining)
    return out / ev.spec.rebuilding_factor
