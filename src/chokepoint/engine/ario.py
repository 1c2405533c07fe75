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
input pair — so that a sweep over links reads each supplier's S values contiguously; the returned
Dataset has the usual ``scenario, day, node`` order. The pair-level state is the order factor g_k and
the inventory (each one (m, S) array, which the sweep reads and overwrites) and a copy of
yesterday's inventory (BoARIO's Q3 may keep it), written by the sweep only until every scenario has
moved — in the steady state, rarely after. One sweep over the links per day (:func:`sweep_links`)
does deliveries, inventories, inventory limits and next orders; pairs are in sweep order (by
product, then node, see :class:`ArioNet`) and split into work items of whole products, so a link
reads rows of the few suppliers of one product, which stay in cache, and each supplier's orders are
summed within one work item in a fixed order: results do not depend on the number of threads or on
the batch. The sweep reads v = ρ φ and ρ' of a supplier side by side (one row of 2S values).
Everything else a day does per node — demand, overproduction, capacity, production, rationing,
inventory goal, the day's outputs — is one compiled pass over the nodes (:func:`produce_nodes`,
the same bits as the numpy rules below); events touch only their nodes' rows.
``ArioParams(dtype="float32")`` keeps the sweep's state and link weights in float32 (large
batches; float64 is the default and the oracle's).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

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
    dtype
        Precision of the link weights and of the state the link sweep reads and writes (order
        factors, inventories, x, x^goal, ρ, v, orders): ``"float64"`` (default; the BoARIO
        oracle's) or ``"float32"``, which halves their memory and speeds up large batches;
        results then differ from float64's by float32 rounding (about 1e-6 relative, see
        ``docs/mrio.md``). Events, rebuilding, α and the returned Dataset stay float64.
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
    dtype: Literal["float64", "float32"] = "float64"

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
        if self.dtype not in ("float64", "float32"):
            problems.append(f"expected dtype 'float64' or 'float32', got {self.dtype!r}")
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


def rationing(x: FloatArray, demand: FloatArray) -> FloatArray:
    """φ_u = x_u / D_u: every order, final and rebuilding demand on u is served in this share."""
    return _div(x, demand)


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


# --------------------------------------------------------------------------------------------
# The sweep over the links (numba). Pairs are in sweep order (ArioNet): by product, then node;
# `groups` splits the products into work items (runs of products, one per thread), `seg[i, b]`
# is the first pair of product i in node block b. A link's supplier makes the pair's product, so
# a work item owns the suppliers of its products: it adds their orders alone
# (no reduction, and the same sums for any number of threads), while the rows it reads per link
# (the suppliers of one product) and per pair (the nodes of one block) stay in cache. Only the
# per-node inventory limits are kept per work item, then reduced with min (exact in any order).
# --------------------------------------------------------------------------------------------

SEED, GAP, USE = 0, 1, 2
"""How an order factor g_k is found from a state (``mode`` per scenario): SEED g_k = 1 (0 for a
pair without suppliers; the baseline orders), GAP g_k = (a_k x + max(G_k − I_k, 0) / τ_INV) / W_k,
USE g_k = a_k x / W_k (Q3: every stock of the scenario is at its goal), where
W_k = Σ_{e→k} w_e ρ_{u(e)}."""

PARALLEL_LINKS = 200_000
"""From this many links on, the sweeps split their work over all cores (below: one work item, as
thread start-up would dominate)."""

BLOCK_VALUES = 16_384
"""Node block of the sweep: nodes x scenarios per block, so the node rows read per pair stay in
the core's cache (16k values = 128 kB per node array)."""


# Parallel kernels only: numba's cache keys a compiled function by its bytecode and signature,
# not by `parallel`, so a serial and a parallel build of one function would load each other.
@numba.njit(parallel=True, cache=True)
def _sweep(
    groups: IntArray,
    seg: IntArray,
    indptr: npt.NDArray[np.int32],
    src: npt.NDArray[np.int32],
    w: FloatArray,
    pair_node: IntArray,
    amount: FloatArray,
    goal_coef: FloatArray,
    inv_requirement: FloatArray,
    restoration: float,
    g: FloatArray,
    stock: FloatArray,
    kept: FloatArray,
    x: FloatArray,
    x_goal: FloatArray,
    rows: FloatArray,
) -> tuple[
    FloatArray, FloatArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]
]:  # pragma: no cover - compiled
    n, s_count = x.shape
    chunks = len(groups) - 1
    flat = rows.reshape(n, 2 * s_count)  # per node: v (S values), then ρ' (S values)
    pulled = np.zeros((n, s_count), w.dtype)
    # Per work item: groups of products share no supplier, but they share the buyers' nodes.
    limit = np.full((chunks, n, s_count), np.inf)
    moved = np.zeros((chunks, s_count), dtype=np.bool_)
    far = np.zeros((chunks, s_count), dtype=np.bool_)
    for c in numba.prange(chunks):
        # Deliveries' and next weights' sums side by side, as the rows they sum.
        acc = np.empty(2 * s_count, w.dtype)
        deliv = acc[:s_count]
        w_next = acc[s_count:]
        g_next = np.empty(s_count, w.dtype)
        mv = np.zeros(s_count, dtype=np.bool_)
        fr = np.zeros(s_count, dtype=np.bool_)
        # Yesterday's stocks are kept while some scenario has not moved in this work item (Q3
        # may need them for a scenario that moves nowhere); a scenario that moved needs none.
        keep = True
        for b in range(seg.shape[1] - 1):
            for i in range(groups[c], groups[c + 1]):
                for k in range(seg[i, b], seg[i, b + 1]):
                    j = pair_node[k]
                    lo, hi = indptr[k], indptr[k + 1]
                    if s_count == 1:
                        # One scenario: the same arithmetic on scalars (no loops of one).
                        d = 0.0
                        wn = 0.0
                        for e in range(lo, hi):
                            u = src[e]
                            d += w[e] * rows[u, 0, 0]
                            wn += w[e] * rows[u, 1, 0]
                        add = g[k, 0] * d
                        use = amount[k] * x[j, 0]
                        st = stock[k, 0]
                        if keep:
                            kept[k, 0] = st
                        if abs(add - use) > 1e-8 + 1e-5 * abs(use):
                            mv[0] = True
                            keep = False
                        st = max(st + add - use, 0.0)
                        stock[k, 0] = st
                        goal = goal_coef[k] * x_goal[j, 0]
                        if abs(st - goal) > 1e-8 + 1e-5 * abs(goal):
                            fr[0] = True
                        gap = max(goal - st, 0.0) * restoration + use
                        gk = gap / wn if wn != 0.0 else 0.0
                        g[k, 0] = gk
                        req = inv_requirement[k]
                        if req > 0.0:
                            limit[c, j, 0] = min(limit[c, j, 0], st * req)
                        for e in range(lo, hi):
                            pulled[src[e], 0] += w[e] * gk
                        continue
                    acc[:] = 0.0
                    # Four links at a time (the same sums in the same order, a quarter
                    # of the loads and stores of the accumulators), then one at a time.
                    e = lo
                    while e + 3 < hi:
                        u0, u1, u2, u3 = src[e], src[e + 1], src[e + 2], src[e + 3]
                        w0, w1, w2, w3 = w[e], w[e + 1], w[e + 2], w[e + 3]
                        r0, r1, r2, r3 = flat[u0], flat[u1], flat[u2], flat[u3]
                        for t in range(2 * s_count):
                            acc[t] = (
                                acc[t] + w0 * r0[t] + w1 * r1[t] + w2 * r2[t] + w3 * r3[t]
                            )  # fmt: skip
                        e += 4
                    while e < hi:
                        we = w[e]
                        r0 = flat[src[e]]
                        for t in range(2 * s_count):
                            acc[t] += we * r0[t]
                        e += 1
                    a = amount[k]
                    gc = goal_coef[k]
                    if keep:
                        for s in range(s_count):
                            kept[k, s] = stock[k, s]
                    # Branch-free over the scenarios (so that it vectorises).
                    for s in range(s_count):
                        add = g[k, s] * deliv[s]  # yesterday's order factor, stored
                        use = a * x[j, s]
                        mv[s] |= abs(add - use) > 1e-8 + 1e-5 * abs(use)
                        st = max(stock[k, s] + add - use, 0.0)
                        stock[k, s] = st
                        goal = gc * x_goal[j, s]
                        fr[s] |= abs(st - goal) > 1e-8 + 1e-5 * abs(goal)
                        gap = max(goal - st, 0.0) * restoration + use
                        gn = gap / w_next[s] if w_next[s] != 0.0 else 0.0
                        g_next[s] = gn
                        g[k, s] = gn
                    req = inv_requirement[k]
                    if req > 0.0:
                        for s in range(s_count):
                            limit[c, j, s] = min(limit[c, j, s], stock[k, s] * req)
                    for e in range(lo, hi):
                        u = src[e]
                        we = w[e]
                        for s in range(s_count):
                            pulled[u, s] += we * g_next[s]
                    if keep:
                        keep = not mv.all()
        moved[c] = mv
        far[c] = fr
    for c in range(1, chunks):
        for j in range(n):
            for s in range(s_count):
                limit[0, j, s] = min(limit[0, j, s], limit[c, j, s])
        for s in range(s_count):
            moved[0, s] |= moved[c, s]
            far[0, s] |= far[c, s]
    return pulled, limit[0], moved[0], far[0]


@numba.njit(parallel=True, cache=True)
def _orders(
    groups: IntArray,
    seg: IntArray,
    indptr: npt.NDArray[np.int32],
    src: npt.NDArray[np.int32],
    w: FloatArray,
    pair_node: IntArray,
    amount: FloatArray,
    goal_coef: FloatArray,
    seed: FloatArray,
    restoration: float,
    mode: npt.NDArray[np.int8],
    chosen: IntArray,
    stock: FloatArray,
    x: FloatArray,
    x_goal: FloatArray,
    ratio: FloatArray,
    pulled: FloatArray,
    g_out: FloatArray,
) -> None:  # pragma: no cover - compiled
    chunks = len(groups) - 1
    for c in numba.prange(chunks):
        weight = np.empty(len(chosen), w.dtype)
        g = np.empty(len(chosen), w.dtype)
        for b in range(seg.shape[1] - 1):
            for i in range(groups[c], groups[c + 1]):
                for k in range(seg[i, b], seg[i, b + 1]):
                    j = pair_node[k]
                    lo, hi = indptr[k], indptr[k + 1]
                    weight[:] = 0.0
                    for e in range(lo, hi):
                        for t, s in enumerate(chosen):
                            weight[t] += w[e] * ratio[src[e], s]
                    for t, s in enumerate(chosen):
                        if mode[s] == SEED:
                            g[t] = seed[k]
                        else:
                            use = amount[k] * x[j, s]
                            if mode[s] == GAP:
                                goal = goal_coef[k] * x_goal[j, s]
                                use = max(goal - stock[k, s], 0.0) * restoration + use
                            g[t] = use / weight[t] if weight[t] != 0.0 else 0.0
                        g_out[k, s] = g[t]
                    for e in range(lo, hi):
                        for t, s in enumerate(chosen):
                            pulled[src[e], s] += w[e] * g[t]


@numba.njit(cache=True)
def _stock_check(
    pair_node: IntArray,
    goal_coef: FloatArray,
    requirement: FloatArray,
    chosen: IntArray,
    stock: FloatArray,
    x_goal: FloatArray,
    limit: FloatArray,
    far: npt.NDArray[np.bool_],
) -> None:  # pragma: no cover - compiled
    for s in chosen:
        limit[:, s] = np.inf
        far[s] = False
    for k in range(len(pair_node)):
        j = pair_node[k]
        r = requirement[k]
        for s in chosen:
            st = stock[k, s]
            if r > 0.0 and st / r < limit[j, s]:
                limit[j, s] = st / r
            goal = goal_coef[k] * x_goal[j, s]
            if abs(st - goal) > 1e-8 + 1e-5 * abs(goal):
                far[s] = True


@numba.njit(parallel=True, cache=True)
def _copy_columns(src: FloatArray, dst: FloatArray, chosen: IntArray) -> None:  # pragma: no cover
    for k in numba.prange(src.shape[0]):
        for s in chosen:
            dst[k, s] = src[k, s]


NODE_BLOCK = 64
"""Nodes per block of the node step: its outputs are written as runs of this many nodes."""

PARALLEL_VALUES = 1 << 17
"""From this many node values (nodes x scenarios) on, the node step runs on all cores."""


@numba.njit(cache=True)
def _produce_rows(
    j0: int,
    j1: int,
    day: int,
    update_alpha: bool,
    compat: bool,
    alt: bool,
    alpha_base: float,
    alpha_max: float,
    alpha_tau: float,
    x0: FloatArray,
    fd: FloatArray,
    delta: FloatArray,
    reb_demand: FloatArray,
    ratio: FloatArray,
    pulled: FloatArray,
    limit: FloatArray,
    alpha: FloatArray,
    x: FloatArray,
    cap: FloatArray,
    x_goal: FloatArray,
    ratio_next: FloatArray,
    v: FloatArray,
    phi: FloatArray,
    reb_left: FloatArray,
    unmet: FloatArray,
    reb_out: FloatArray,
    out_x: FloatArray,
    out_cap: FloatArray,
    out_alpha: FloatArray,
    out_fd: FloatArray,
    out_reb: FloatArray,
) -> None:  # pragma: no cover - compiled
    """The node step (:func:`produce_nodes`) on nodes j0:j1, then their outputs for ``day``."""
    s_count = x.shape[1]
    for j in range(j0, j1):
        for s in range(s_count):
            base = ratio[j, s] * pulled[j, s] + fd[j]  # orders + final demand
            rb = reb_demand[j, s]
            demand = base + rb
            a = alpha[j, s]
            if update_alpha:
                scarcity = (demand - x[j, s]) / demand if demand != 0.0 else 0.0
                up = (alpha_max - a) * scarcity / alpha_tau
                down = (alpha_base - a) * (1.0 if scarcity == 0.0 else 0.0) / alpha_tau
                a = max(a + up + down, 1.0)
                alpha[j, s] = a
            c = x0[j] * (1.0 - delta[j, s]) * a
            xn = min(min(demand, c), limit[j, s])
            ph = xn / demand if demand != 0.0 else 0.0
            served = rb * ph
            left = rb - served
            cap[j, s] = c
            x[j, s] = xn
            phi[j, s] = ph
            reb_left[j, s] = left
            x_goal[j, s] = min(base + (left if compat else rb), c)
            ratio_next[j, s] = (c / x0[j] if x0[j] != 0.0 else 1.0) if alt else 1.0
            v[j, s] = ratio[j, s] * ph
            unmet[j, s] = fd[j] * (1.0 - ph)
            reb_out[j, s] = left + served
    for s in range(s_count):
        for j in range(j0, j1):
            out_x[s, day, j] = x[j, s]
            out_cap[s, day, j] = cap[j, s]
            out_alpha[s, day, j] = alpha[j, s]
            out_fd[s, day, j] = unmet[j, s]
            out_reb[s, day, j] = reb_out[j, s]


@numba.njit(cache=True)
def _produce_serial(n: int, *args: Any) -> None:  # pragma: no cover - compiled
    for j0 in range(0, n, NODE_BLOCK):
        _produce_rows(j0, min(n, j0 + NODE_BLOCK), *args)


@numba.njit(parallel=True, cache=True)
def _produce_parallel(n: int, *args: Any) -> None:  # pragma: no cover - compiled
    for b in numba.prange((n + NODE_BLOCK - 1) // NODE_BLOCK):
        j0 = b * NODE_BLOCK
        _produce_rows(j0, min(n, j0 + NODE_BLOCK), *args)


def produce_nodes(
    day: int,
    p: ArioParams,
    an: ArioNet,
    delta: FloatArray,
    reb_demand: FloatArray,
    ratio: FloatArray,
    pulled: FloatArray,
    limit: FloatArray,
    state: tuple[FloatArray, ...],
    outputs: tuple[FloatArray, ...],
) -> None:
    """One day's node step, in place, in one pass over the nodes (shapes (n, S)).

    Demand D = ρ pulled + final demand + rebuilding demand R (orders: ρ x pulled); from day 2 on
    (day 1 without ``compat``) α ← :func:`overproduction`; x^cap = x̄ (1 − Δ) α;
    x = min(D, x^cap, ``limit``); φ = x / D; R left = R − R φ; x^goal = min(orders + final demand
    + R left (R without ``compat``), x^cap); ρ' = x^cap / x̄ (1 with ``"noalt"`` orders);
    v = ρ φ. ``state`` is (α, x, x^cap, x^goal, ρ', v, φ, R left, final demand unmet, R addressed),
    α and x read and overwritten; ``outputs`` (output, capacity, α, final demand unmet,
    rebuilding demand) are (S, days, n) arrays that receive ``day``.
    """
    n = len(an.x0)
    args = (
        day, day > (1 if p.compat else 0), p.compat, p.order_type == "alt",
        p.alpha_base, p.alpha_max, p.alpha_tau, an.x0, an.fd, delta, reb_demand, ratio, pulled,
        limit, *state, *outputs,
    )  # fmt: skip
    if delta.size >= PARALLEL_VALUES:
        _produce_parallel(n, *args)
    else:
        _produce_serial(n, *args)


# --------------------------------------------------------------------------------------------
# Network preparation and events.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ArioNet:
    """The arrays ARIO needs from a compiled network (n nodes, m input pairs, E links).

    The link weights and the per-pair coefficients the sweeps read (``amount``, ``goal_coef``,
    ``requirement``, ``inv_requirement``, ``seed``) are in ``ArioParams.dtype``; the rest is
    float64.

    Pairs are in *sweep order*: by product, then by node (``pair_position`` maps the network's
    pair ids to it), so a sweep over them reads the suppliers of one product at a time.
    """

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
    pair_position: IntArray
    """Sweep position of each of the network's pairs [m]."""
    n_products: int
    by_pair: sp.csr_array
    """(m x n): w_e at (k(e), u(e)) — Σ over a pair's links."""
    inflow: FloatArray
    """W⁰_k = Σ_{e→k} w_e [m]."""
    capital: FloatArray
    """K_n, productive capital (table money units) [n]."""
    goal_coef: FloatArray
    """s_k a_k: inventory goal per unit of optimal production [m]."""
    requirement: FloatArray
    """ψ s_k a_k for a pair that constrains production (a_k > tech_threshold, Q4), else 0 [m]."""
    inv_requirement: FloatArray
    """1 / requirement (0 where it is 0) [m]."""
    seed: FloatArray
    """Order factor of the baseline: 1, or 0 for a pair without suppliers [m]."""
    restoration: float
    """1 / τ_INV (1 without inventory restoration time)."""


def prepare(net: CompiledNetwork, p: ArioParams) -> ArioNet:
    """Arrays and link matrices of ``net`` for :func:`simulate_ario`, pairs in sweep order."""
    n, m = net.n_nodes, net.n_pairs
    order = np.lexsort((net.pair_node, net.pair_product))
    position = np.empty(m, dtype=np.int64)
    position[order] = np.arange(m)
    w = net.link_flow.astype(np.float64)
    by_pair = sp.csr_array((w, (position[net.link_pair], net.link_src)), shape=(m, n))
    by_pair.sum_duplicates()
    by_pair.indptr = by_pair.indptr.astype(np.int32)
    by_pair.indices = by_pair.indices.astype(np.int32)
    x0 = net.output.astype(np.float64)
    use = np.bincount(net.pair_node, net.pair_amount, minlength=n) * x0
    va = np.maximum(x0 - use, 0.0) * p.days_per_year
    days = net.stock_target_days.astype(np.float64)[order]
    days[days <= 1.0] = 2.0
    amount = net.pair_amount.astype(np.float64)[order]
    inflow = net.pair_inflow()[order]
    requirement = np.where(amount > p.tech_threshold, p.psi * days * amount, 0.0)
    tau = p.inventory_restoration_tau
    by_pair.data = by_pair.data.astype(p.dtype)
    return ArioNet(
        x0=x0,
        fd=net.final_demand_by_node(),
        amount=amount.astype(p.dtype),
        days=days,
        pair_node=net.pair_node[order],
        pair_product=net.pair_product[order],
        pair_position=position,
        n_products=len(net.products),
        by_pair=by_pair,
        inflow=inflow,
        capital=va * p.capital_to_va,
        goal_coef=(amount * days).astype(p.dtype),
        requirement=requirement.astype(p.dtype),
        inv_requirement=_div(np.ones_like(requirement), requirement).astype(p.dtype),
        seed=np.where(inflow > 0, 1.0, 0.0).astype(p.dtype),
        restoration=1.0 / tau if tau else 1.0,
    )


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """How the link sweeps split their work for S scenarios: work items of products, node blocks."""

    groups: IntArray
    """Products groups[c]:groups[c+1] are work item c, one per thread (balanced by links) [items + 1]."""
    seg: IntArray
    """Pairs of product i in node block b: seg[i, b]:seg[i, b+1] [products, blocks + 1]."""


def sweep_plan(
    an: ArioNet, size: int, threads: int | None = None, block: int | None = None
) -> SweepPlan:
    """The :class:`SweepPlan` of ``an`` for ``size`` scenarios.

    ``threads``: all cores from PARALLEL_LINKS links on, else 1; ``block``: nodes per block
    (BLOCK_VALUES / size). Neither changes the results.
    """
    n, n_products = len(an.x0), an.n_products
    links = np.diff(an.by_pair.indptr).astype(np.float64)
    if threads is None:
        threads = numba.get_num_threads() if an.by_pair.nnz >= PARALLEL_LINKS else 1
    cum = np.cumsum(np.bincount(an.pair_product, links, minlength=n_products))
    cuts = np.searchsorted(cum, cum[-1] * np.arange(1, threads) / threads) + 1 if n_products else []
    groups = np.concatenate([[0], np.minimum(cuts, n_products), [n_products]]).astype(np.int64)
    block = block or max(1, BLOCK_VALUES // size)
    bounds = np.append(np.arange(0, n, block), n)
    key = an.pair_product * n + an.pair_node
    seg = np.searchsorted(key, np.arange(n_products)[:, None] * n + bounds[None, :])
    return SweepPlan(groups, seg.astype(np.int64))


def sweep_links(
    an: ArioNet,
    plan: SweepPlan,
    g: FloatArray,
    stock: FloatArray,
    kept: FloatArray,
    x: FloatArray,
    x_goal: FloatArray,
    v: FloatArray,
    ratio_next: FloatArray,
) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
    """One day's deliveries, inventories, next orders and inventory limits in one sweep over the links.

    Per pair k of node j: deliveries g_k Σ_{e→k} w_e v_{u(e)} with yesterday's order factor g_k
    (``g``) and v = ρ φ; I_k ← max(I_k + deliveries − a_k x_j, 0) in ``stock``; the next
    g_k = (a_k x_j + max(s_k a_k x^goal_j − I_k, 0) / τ_INV) / Σ_{e→k} w_e ρ'_{u(e)} with today's x,
    x^goal = min(D, x^cap) and ρ' = ``ratio_next``, written into ``g`` and pushed to the
    suppliers: pulled_u = Σ_{e out of u} w_e g_{k(e)} (× ρ'_u gives their orders). ``kept``
    receives yesterday's stocks until every scenario of a work item has moved: complete for a
    scenario that moved nowhere (Q3 restores them), partial otherwise.
    Shapes: (m, S) order factors and stocks, (n, S) node rows.

    Returns
    -------
    pulled (n, S); limit min_k I_k / (ψ s_k a_k) per node (n, S); per scenario whether some
    delivery differs from use and some stock from its goal beyond np.allclose's tolerance (Q3).
    """
    return _sweep(  # type: ignore[no-any-return]
        plan.groups, plan.seg, an.by_pair.indptr, an.by_pair.indices, an.by_pair.data,
        an.pair_node, an.amount, an.goal_coef, an.inv_requirement, an.restoration,
        g, stock, kept, x, x_goal, np.stack((v, ratio_next), axis=1),
    )  # fmt: skip


def supplier_orders(
    an: ArioNet,
    plan: SweepPlan,
    mode: npt.NDArray[np.int8],
    chosen: IntArray,
    stock: FloatArray,
    x: FloatArray,
    x_goal: FloatArray,
    ratio: FloatArray,
    pulled: FloatArray,
    g: FloatArray,
) -> None:
    """Order factors g_k from the state (``mode``) and pulled_u = Σ_{e out of u} w_e g_{k(e)}, for the ``chosen`` scenarios (columns).

    Same sums, in the same order, as :func:`sweep_links`.  (m, S), (n, S) -> ``pulled`` (n, S)
    and ``g`` (m, S), written in the chosen columns only.
    """
    pulled[:, chosen] = 0.0
    _orders(
        plan.groups, plan.seg, an.by_pair.indptr, an.by_pair.indices, an.by_pair.data,
        an.pair_node, an.amount, an.goal_coef, an.seed, an.restoration, mode, chosen,
        stock, x, x_goal, ratio, pulled, g,
    )  # fmt: skip


def inventory_limit(
    an: ArioNet,
    chosen: IntArray,
    stock: FloatArray,
    x_goal: FloatArray,
    limit: FloatArray,
    far: BoolArray,
) -> None:
    """limit_j = min_k I_k / (ψ s_k a_k) and far_s (some I_k ≠ s_k a_k x^goal_j) for ``chosen``."""
    _stock_check(an.pair_node, an.goal_coef, an.requirement, chosen, stock, x_goal, limit, far)


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
    within = _div(net.link_flow[e], an.inflow[an.pair_position[k]])
    amount = (spec.rebuilding_factor * link_sector_share[e] * within)[:, None] * b.impact[
        link_aff[e]
    ]
    b.reb_src = net.link_src[e].astype(np.int64)
    b.reb_aff = link_aff[e].astype(np.int64)
    b.remaining = amount
    b.finished = np.zeros(size, dtype=bool)


def _precision(p: ArioParams) -> int:
    return int(math.log10(p.monetary_factor)) + 1


def _capital_lost(ev: _Event, day: int, p: ArioParams) -> FloatArray | None:
    """lost_n(t) of a capital event that recovers along its curve, per event node (k, S); None
    before it strikes."""
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
    return value


def _capacity_lost(ev: _Event, day: int, p: ArioParams) -> FloatArray | None:
    """Δ_n(t) of a direct capacity event per event node (k, S) (Q1: one step late in
    compatibility mode)."""
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
    return value


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
        (scenario, day, node); ``baseline_output`` per node; parameters and quirks in ``attrs``.
    """
    import xarray as xr

    p = params or ArioParams()
    names = [f"member{i}" for i in range(members)] if isinstance(members, int) else list(members)
    size = len(names)
    an = prepare(net, p)
    evs = _bind(events, net, an, size)
    n = net.n_nodes
    x0 = an.x0
    plan = sweep_plan(an, size)
    everyone = np.arange(size)

    # The sweep's state in p.dtype: inventories, order factors, x, x^goal, ρ, ρ', v, pulled.
    dt = np.dtype(p.dtype)
    stock = np.repeat((an.days * (an.amount * x0[an.pair_node])).astype(dt)[:, None], size, axis=1)
    kept = np.empty_like(stock)
    ratio = np.ones((n, size), dt)
    alpha = np.full((n, size), p.alpha_base)
    x = np.repeat(x0.astype(dt)[:, None], size, axis=1)
    x_goal = x.copy()
    reb_demand = np.zeros((n, size))
    reb_ever = False
    # The node rows the day's step writes in place: x^cap, ρ', v = ρ φ, φ, rebuilding demand
    # left unserved, final demand unmet and rebuilding demand addressed (outputs).
    ratio_next, v = np.empty((n, size), dt), np.empty((n, size), dt)
    cap, phi, reb_left, unmet, reb_out = (np.empty((n, size)) for _ in range(5))
    delta = np.zeros((n, size))  # Δ, written by _capacity_loss in the events' rows

    out_x = np.empty((size, horizon, n))
    out_cap = np.empty((size, horizon, n))
    out_alpha = np.empty((size, horizon, n))
    out_fd = np.empty((size, horizon, n))
    out_reb = np.empty((size, horizon, n))

    # The order factors g_k (SEED: the baseline), then kept by the sweep.
    mode = np.full(size, SEED, dtype=np.int8)
    pulled = np.empty((n, size), dt)
    g = np.empty_like(stock)
    supplier_orders(an, plan, mode, everyone, stock, x, x_goal, ratio, pulled, g)
    limit = np.empty((n, size))
    inventory_limit(an, everyone, stock, x_goal, limit, np.empty(size, dtype=bool))
    for day in range(horizon):
        # 1. events: capacity loss Δ and (re)filled rebuilding demand
        rebuilding = _capacity_loss(evs, day, p, an, delta)
        if rebuilding.any():
            reb_ever = True
            reb_demand = np.where(
                rebuilding[None, :], _rebuilding_demand(evs, day, p, n), reb_demand
            )
        # 2.-4. overproduction α from the gap between demand and last production; x^cap,
        # x = min(D, x^cap, min_k I_k / (ψ s_k a_k)); rationing φ = x / D; x^goal; ρ'; the
        # day's outputs (one pass over the nodes, in place).
        produce_nodes(
            day, p, an, delta, reb_demand, ratio, pulled, limit,
            (alpha, x, cap, x_goal, ratio_next, v, phi, reb_left, unmet, reb_out),
            (out_x, out_cap, out_alpha, out_fd, out_reb),
        )  # fmt: skip

        # 5. inventories and next orders (one sweep over the links)
        pulled, limit, moved, far = sweep_links(an, plan, g, stock, kept, x, x_goal, v, ratio_next)
        mode[:] = GAP
        if p.compat:
            # Q3: a scenario whose deliveries equal its use keeps its stocks; one whose stocks
            # equal their goal orders its use only. Both are rare outside the steady state.
            keep = np.flatnonzero(~moved)
            if len(keep):
                _copy_columns(kept, stock, keep)
                inventory_limit(an, keep, stock, x_goal, limit, far)
            mode[~far] = USE
            fixed = np.flatnonzero(~far | ~moved)
            if len(fixed):
                supplier_orders(an, plan, mode, fixed, stock, x, x_goal, ratio_next, pulled, g)
        ratio, ratio_next = ratio_next, ratio  # orders: ratio x pulled, formed in produce_nodes
        if reb_ever:
            reb_demand, reb_left = reb_left, reb_demand
            _receive_rebuilding(evs, day, p, phi)

        if progress is not None:
            progress(day + 1, horizon)

    coords = {
        "scenario": ("scenario", np.asarray(names, dtype=str)),
        "day": ("day", np.arange(horizon, dtype=np.int64)),
        "node": ("node", np.asarray(net.node_ids, dtype=str)),
        "region": ("node", np.asarray(net.regions[net.node_region], dtype=str)),
        "product": ("node", np.asarray(net.products[net.node_product], dtype=str)),
        "unit": ("node", np.asarray(net.product_unit[net.node_product], dtype=str)),
    }
    dims = ("scenario", "day", "node")
    unit = "product unit/day (coordinate 'unit')"
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
    evs: Sequence[_Event], day: int, p: ArioParams, an: ArioNet, delta: FloatArray
) -> BoolArray:
    """Δ_n(t) = max(Σ_events lost_n / K_n, max_events capacity share) into ``delta`` (n, S), and
    which scenarios rebuild (S,).

    Only the rows of the events' nodes are written (the others stay as they are: 0). A rebuilding
    event's damage is its initial damage until day o + d, then its remaining rebuilding demand / f
    (0 once rebuilt).
    """
    size = delta.shape[1]
    rebuilding = np.zeros(size, dtype=bool)
    if not evs:
        return rebuilding
    rows = np.unique(np.concatenate([ev.nodes for ev in evs]))
    lost = np.zeros((len(rows), size))
    share = np.zeros((len(rows), size))
    for ev in evs:
        at = np.searchsorted(rows, ev.nodes)
        if ev.spec.kind == "capacity":
            v = _capacity_lost(ev, day, p)
            if v is not None:
                np.maximum.at(share, at, v)
        elif ev.remaining is not None and ev.finished is not None:
            if day < ev.spec.occurrence:
                continue
            alive = ~ev.finished
            later = day > ev.spec.occurrence + ev.spec.duration
            dmg = _remaining_damage(ev, len(ev.nodes)) if later else ev.impact
            if _rebuilding(ev, day):
                rebuilding |= alive
            np.add.at(lost, at, dmg * alive)
        else:
            v = _capital_lost(ev, day, p)
            if v is not None:
                total = np.zeros_like(lost)
                np.add.at(total, at, v)
                lost += total
    delta[rows] = np.maximum(_div(lost, an.capital[rows][:, None]), share)
    return rebuilding


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
