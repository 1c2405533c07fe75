"""Fused per-link kernels compiled with numba (one pass over the links per step, no temporaries).

The per-link work of a day — orders per link, servable orders per supplier, proportional shipments
into the pipeline, the sums per buyer pair, adaptation of sourcing shares — dominates the cost on
large networks (E ≈ 10 n). Each function below is one sequential pass over the links of every
scenario; they are compiled once (``cache=True`` writes the machine code next to this file, or into
``NUMBA_CACHE_DIR``; on a read-only install numba compiles in memory at first use).
Loops over links live only here, inside compiled code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.integer]


def _jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` (serial, releases the GIL).

    Serial on purpose: numba's default threading layer refuses concurrent parallel launches from
    several Python threads (a threaded sweep runner or web service), and ``nogil`` already lets such
    callers run scenarios side by side.
    """
    return cast(Callable[..., Any], numba.njit(cache=True, nogil=True)(fn))


def _link_demand(
    orders: FloatArray,
    share: FloatArray,
    link_pair: IntArray,
    link_src: IntArray,
    wanted_out: FloatArray,
    wanted_src: FloatArray,
    wanted_pair: FloatArray,
) -> None:
    """order_e = σ_e · order_{k(e)} into ``wanted_out`` (S, E'); Σ by supplier (S, n) and by pair (S, m)."""
    s_count, e_count = share.shape
    for s in range(s_count):
        for e in range(e_count):
            w = share[s, e] * orders[s, link_pair[e]]
            wanted_out[s, e] = w
            wanted_src[s, link_src[e]] += w
            wanted_pair[s, link_pair[e]] += w


def _link_ship(
    allowed: FloatArray,
    ratio: FloatArray,
    link_src: IntArray,
    link_pair: IntArray,
    link_lead: IntArray,
    link_export: npt.NDArray[np.bool_],
    day: int,
    ring: FloatArray,
    received: FloatArray,
    exports: FloatArray,
) -> None:
    """ship_e = allowed_e · x_u/O_u, written over ``allowed``; into ring slot (t + L_e) mod B of k(e).

    Also Σ shipments per buyer pair (``received``, S x m) and exports per supplier (S x n).
    """
    s_count, e_count = allowed.shape
    b = ring.shape[1]
    base = day % b
    for s in range(s_count):
        for e in range(e_count):
            q = allowed[s, e] * ratio[s, link_src[e]]
            allowed[s, e] = q
            k = link_pair[e]
            slot = base + link_lead[e]  # (t + L_e) mod B without a division
            if slot >= b:
                slot -= b
            ring[s, slot, k] += q
            received[s, k] += q
            if link_export[e]:
                exports[s, link_src[e]] += q


def _adapt(
    share: FloatArray,
    shipped: FloatArray,
    wanted_pair: FloatArray,
    short: FloatArray,
    spare: FloatArray,
    blocked: npt.NDArray[np.bool_],
    has_blocked: bool,
    first_short: IntArray,
    link_alt_days: IntArray,
    link_src: IntArray,
    link_lead: IntArray,
    pair_ptr: IntArray,
    pair_links: IntArray,
    pair_use: FloatArray,
    day: int,
    speed: float,
    threshold: float,
    pipe_target: FloatArray,
) -> bool:
    """σ_e ← σ_e + ν (σ*_e − σ_e), σ*_e = σ_e ρ_e + s_k w_e / W_k, on pairs with s_k > threshold.

    Visits only the links of short pairs (``pair_links[pair_ptr[k]:pair_ptr[k+1]]`` are the links
    of pair k). w_e = spare capacity of u(e) if the link is not blocked today and (for an
    alternative) is qualified: ``first_short[k] >= 0`` and ``day >= first_short[k] + days``.
    Updates the pipeline target Π_k = ū_k Σ_{e→k} σ_e L_e of moved pairs. Returns whether any
    share moved.
    """
    s_count = share.shape[0]
    m = pair_ptr.shape[0] - 1
    moved = np.zeros(s_count, dtype=np.bool_)
    for s in range(s_count):
        for k in range(m):
            sk = short[s, k]
            if sk <= threshold:
                continue
            lo, hi = pair_ptr[k], pair_ptr[k + 1]
            wk = 0.0
            for i in range(lo, hi):
                e = pair_links[i]
                if has_blocked and blocked[s, e]:
                    continue
                days = link_alt_days[e]
                if days >= 0 and (first_short[s, k] < 0 or day < first_short[s, k] + days):
                    continue
                wk += spare[s, link_src[e]]
            if wk <= 0.0:
                continue
            pipe = 0.0
            for i in range(lo, hi):
                e = pair_links[i]
                ok = not (has_blocked and blocked[s, e])
                days = link_alt_days[e]
                if days >= 0 and (first_short[s, k] < 0 or day < first_short[s, k] + days):
                    ok = False
                w = spare[s, link_src[e]] if ok else 0.0
                got = shipped[s, e] / wanted_pair[s, k] if wanted_pair[s, k] > 0 else share[s, e]
                target = got + sk * w / wk
                share[s, e] += speed * (target - share[s, e])
                pipe += share[s, e] * link_lead[e]
            pipe_target[s, k] = pair_use[k] * pipe
            moved[s] = True
    return bool(moved.any())


link_demand = _jit(_link_demand)
link_ship = _jit(_link_ship)
adapt = _jit(_adapt)
