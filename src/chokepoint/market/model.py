"""The long-run market model: annual steps, vectorised over a batch of B parameter sets and P producers.

Notation (docs/market.md has the full list of equations):

======================  ====================  =========================================
symbol                  array                 meaning
======================  ====================  =========================================
K_p(t)                  ``capacity``          capacity of producer p (B, P)
c_p(t)                  ``cost``              cash cost per unit (B, P)
f_p                     ``fixed_cost``        fixed cost per unit of capacity and year
B_p(t)                  ``buffer``            financial buffer, USD m (B, P)
D_ref(t)                ``demand_ref``        world demand at the reference price (B, T)
delta(t)                ``domestic_share``    share of demand inside the state (B, T)
P_d, P_f                ``price_domestic``,   prices inside and outside the state (B, T)
                        ``price_foreign``
s, lambda               ``subsidy``,          per-unit subsidy and loss coverage (B, T)
                        ``loss_coverage``
u_min, u_max            ``min_util``,         must-sell share and output-discipline cap
                        ``max_util``
Q, tau                  ``quota``, ``tax``    export quota and ad-valorem export tax
mu                      ``tariff``            wedge on rivals' sales into the state
======================  ====================  =========================================

The year loop is the only Python loop; every step inside it works on whole (B, P) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_TINY = 1e-12


@dataclass(frozen=True, slots=True)
class MarketInputs:
    """Compiled arrays of one market case for a batch of B parameter sets.

    Shapes: producers (B, P), time series (B, T), producer time series (B, T, P).
    """

    years: IntArray  # (T,)
    producer_names: tuple[str, ...]  # (P,)
    producer_regions: tuple[str, ...]  # (P,)
    state_mask: BoolArray  # (P,)
    ban_applies: BoolArray  # (P,)
    can_reenter: BoolArray  # (B, P)
    capacity0: FloatArray  # (B, P)
    entry_capacity: FloatArray  # (B, P)
    cost0: FloatArray  # (B, P)
    cost_trend: FloatArray  # (B, P)
    fixed_cost: FloatArray  # (B, P)
    buffer0: FloatArray  # (B, P)
    entry_buffer: FloatArray  # (B, P)
    lead_time: IntArray  # (B, P)
    capex: FloatArray  # (B, P)
    demand_ref: FloatArray  # (B, T)
    domestic_share: FloatArray  # (B, T)
    elasticity: FloatArray  # (B,)
    reference_price: FloatArray  # (B,)
    backstop_price: FloatArray  # (B,)
    subsidy: FloatArray  # (B, T)
    loss_coverage: FloatArray  # (B, T)
    min_util: FloatArray  # (B, T)
    max_util: FloatArray  # (B, T)
    expand_to: FloatArray  # (B, T), nan = no target
    max_growth: FloatArray  # (B, T), inf = no limit on the state's yearly capacity growth
    quota: FloatArray  # (B, T), inf = none
    tax: FloatArray  # (B, T)
    tariff: FloatArray  # (B, T) wedge mu on rivals' sales into the state
    ban_lead: IntArray  # (B, T)
    retire: FloatArray  # (B, T)
    discipline: BoolArray  # (B, T)
    support_subsidy: FloatArray  # (B, T, P) per-unit support to non-state producers
    support_floor: FloatArray  # (B, T, P) price floor, nan = none
    support_coverage: FloatArray  # (B, T, P) loss coverage for non-state producers
    scheduled: FloatArray  # (B, T, P) capacity added by policy (e.g. a rival bloc's build)
    hurdle: FloatArray  # (B,)
    entry_years: IntArray  # (B,)
    money: float  # USD m per quantity unit x price unit
    state_region: str
    dependency_threshold: float = 0.8

    @property
    def batch(self) -> int:
        """B, the number of parameter sets."""
        return int(self.capacity0.shape[0])

    @property
    def regions(self) -> tuple[str, ...]:
        """Distinct regions in first-seen order."""
        return tuple(dict.fromkeys(self.producer_regions))


@dataclass(frozen=True, slots=True)
class MarketResult:
    """Trajectories of one batch run. Arrays: (B, T) or (B, T, P)."""

    inputs: MarketInputs
    price_domestic: FloatArray
    price_foreign: FloatArray
    output: FloatArray
    capacity: FloatArray
    buffer: FloatArray
    profit: FloatArray
    support: FloatArray  # (B, T, P) USD m paid to each producer (subsidy, top-up, loss coverage)
    exports: FloatArray
    consumption_domestic: FloatArray
    consumption_foreign: FloatArray
    unmet: FloatArray
    state_subsidy: FloatArray  # (B, T) USD m: per-unit subsidy + loss coverage
    other_support: FloatArray  # (B, T) USD m paid to non-state producers
    tax_revenue: FloatArray  # (B, T) USD m: export tax plus import wedge
    exited: BoolArray  # (B, T, P) exit in year t
    entered: BoolArray  # (B, T, P) (re-)entry (first output) in year t
    decided: BoolArray  # (B, T, P) build decision in year t
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- derived metrics -------------------------------------------------------------------
    def region_output(self) -> FloatArray:
        """Output summed by region, (B, T, R) in the order of ``inputs.regions``."""
        regs = self.inputs.regions
        idx = np.array([regs.index(r) for r in self.inputs.producer_regions])
        onehot = (idx[:, None] == np.arange(len(regs))[None, :]).astype(float)  # (P, R)
        return np.asarray(self.output @ onehot, dtype=np.float64)

    def shares(self) -> FloatArray:
        """World shares by region s_r(t) = q_r / sum_r q_r, (B, T, R); zero where nothing is made."""
        q = self.region_output()
        tot = q.sum(axis=2, keepdims=True)
        return np.divide(q, tot, out=np.zeros_like(q), where=tot > 0)

    def state_share(self) -> FloatArray:
        """The strategic state's world share, (B, T)."""
        q = self.output
        tot = q.sum(axis=2)
        st = q[:, :, self.inputs.state_mask].sum(axis=2)
        return np.divide(st, tot, out=np.zeros_like(st), where=tot > 0)

    def hhi(self) -> FloatArray:
        """Herfindahl-Hirschman index by region, sum_r s_r^2 in [0, 1], (B, T)."""
        return np.asarray((self.shares() ** 2).sum(axis=2), dtype=np.float64)

    def cumulative_state_subsidy(self) -> FloatArray:
        """Cumulative subsidy bill of the state (USD m), (B, T)."""
        return np.cumsum(self.state_subsidy, axis=1)

    def rival_losses(self) -> FloatArray:
        """Cumulative losses of non-state producers, sum of max(-pi_p, 0) (USD m), (B, T)."""
        loss = np.maximum(-self.profit[:, :, ~self.inputs.state_mask], 0.0).sum(axis=2)
        return np.cumsum(loss, axis=1)

    def dependency_year(self) -> list[int | None]:
        """First year the state's share reaches the dependency threshold, per batch member."""
        hit = self.state_share() >= self.inputs.dependency_threshold - 1e-12
        yrs = self.inputs.years
        return [int(yrs[np.argmax(h)]) if h.any() else None for h in hit]

    def events(self, member: int = 0) -> list[dict[str, Any]]:
        """Exits, build decisions and entries of one batch member, ordered by year."""
        out: list[dict[str, Any]] = []
        yrs = self.inputs.years
        for kind, arr in (
            ("decision", self.decided),
            ("entry", self.entered),
            ("exit", self.exited),
        ):
            t_idx, p_idx = np.nonzero(arr[member])
            for t, p in zip(t_idx.tolist(), p_idx.tolist(), strict=True):
                out.append(
                    {
                        "year": int(yrs[t]),
                        "event": kind,
                        "producer": self.inputs.producer_names[p],
                        "region": self.inputs.producer_regions[p],
                    }
                )
        order = {"exit": 0, "decision": 1, "entry": 2}
        out.sort(key=lambda e: (e["year"], order[e["event"]], e["producer"]))
        return out


# ---- kernels -----------------------------------------------------------------------------------


def demand(price: FloatArray, scale: FloatArray, eps: FloatArray, extra: FloatArray) -> FloatArray:
    """D(P) = A P^(-epsilon) + E.  Shapes broadcast: price (B, N), scale/eps/extra (B, 1)."""
    with np.errstate(divide="ignore", over="ignore"):
        return np.asarray(scale * np.maximum(price, _TINY) ** (-eps) + extra, dtype=np.float64)


def inverse_demand(
    supply: FloatArray, scale: FloatArray, eps: FloatArray, extra: FloatArray
) -> FloatArray:
    """P = ((S - E) / A)^(-1/epsilon), +inf where S <= E.  Shapes (B,)."""
    net = supply - extra
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        p = np.where(net > _TINY, (np.maximum(net, _TINY) / scale) ** (-1.0 / eps), np.inf)
    return np.asarray(p, dtype=np.float64)


def clear_market(
    offer: FloatArray,
    cap: FloatArray,
    scale: FloatArray,
    eps: FloatArray,
    extra: FloatArray,
    backstop: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Clear one market: the supply stack (offers a_i, capacities k_i) against D(P) = A P^-eps + E.

    With offers sorted ascending and cumulative capacity C_i, let i* be the first step with
    D(a_i*) <= C_i*. The price is a_i* if D(a_i*) >= C_(i*-1) (producer i* is marginal) and
    D^-1(C_(i*-1)) otherwise (demand cuts the vertical part of the stack); without such a step
    P = D^-1(C_N). The price is capped at the backstop P_bar; demand above supply there is unmet.
    Producers with a_i < P run at capacity; those with a_i = P share the residual pro rata.

    Shapes: offer, cap (B, N); scale, eps, extra, backstop (B,). Returns price (B,),
    output (B, N) and unmet demand (B,).
    """
    b = offer.shape[0]
    order = np.argsort(offer, axis=1, kind="stable")
    a_s = np.take_along_axis(offer, order, axis=1)
    k_s = np.take_along_axis(cap, order, axis=1)
    c_cum = np.cumsum(k_s, axis=1)
    c_prev = c_cum - k_s
    d_at = demand(a_s, scale[:, None], eps[:, None], extra[:, None])
    hit = d_at <= c_cum + _TINY
    has = hit.any(axis=1)
    i_star = np.argmax(hit, axis=1)
    rows = np.arange(b)
    a_i = a_s[rows, i_star]
    d_i = d_at[rows, i_star]
    cp_i = c_prev[rows, i_star]
    p_vertical = inverse_demand(cp_i, scale, eps, extra)
    p_all = inverse_demand(c_cum[:, -1], scale, eps, extra)
    price = np.where(has, np.where(d_i >= cp_i - _TINY, a_i, p_vertical), p_all)
    price = np.minimum(price, backstop)
    # dispatch
    below = offer < price[:, None] - 1e-9 * np.maximum(price[:, None], 1.0)
    at = np.abs(offer - price[:, None]) <= 1e-9 * np.maximum(price[:, None], 1.0)
    q_demand = demand(price[:, None], scale[:, None], eps[:, None], extra[:, None])[:, 0]
    full = np.where(below, cap, 0.0)
    residual = np.maximum(q_demand - full.sum(axis=1), 0.0)
    cap_at = np.where(at, cap, 0.0)
    tot_at = cap_at.sum(axis=1)
    frac = np.divide(residual, tot_at, out=np.zeros_like(residual), where=tot_at > 0)
    out = full + cap_at * np.minimum(frac, 1.0)[:, None]
    unmet = np.maximum(q_demand - out.sum(axis=1), 0.0)
    return price, out, unmet


@dataclass(frozen=True, slots=True)
class Cleared:
    """One year's clearing of the two markets (inside and outside the state)."""

    price_d: FloatArray
    price_f: FloatArray
    output: FloatArray  # (B, P) summed over tranches
    exports: FloatArray
    cons_d: FloatArray
    cons_f: FloatArray
    unmet: FloatArray


def clear_two_markets(
    offer: FloatArray,
    cap: FloatArray,
    is_state: BoolArray,
    scale_d: FloatArray,
    scale_f: FloatArray,
    eps: FloatArray,
    tax: FloatArray,
    quota: FloatArray,
    backstop: FloatArray,
    tariff: FloatArray | None = None,
) -> Cleared:
    """Clear the domestic (state) and foreign markets linked by the state's net exports X.

    Exporting regime: state offers are lifted to (1 + tau) a_i and foreign-price demand is
    A_f P^-eps + A_d (1 + tau)^eps P^-eps, so that P_d = P_f / (1 + tau). If the implied exports
    X = q_state - D_d(P_d) exceed the quota Q, the markets clear separately with X = Q (extra
    domestic demand +Q, extra foreign supply Q at any price). If X < 0, the state imports:
    one integrated market where rivals' offers into the state are lifted by (1 + mu) and
    P_d = (1 + mu) P_f (X < 0); if neither regime is consistent the two markets clear in
    autarky (X = 0).

    Shapes: offer, cap, is_state (B, N) tranches; the rest (B,). Output is per tranche.
    """
    zero = np.zeros_like(eps)
    lift = 1.0 + tax
    # integrated, exporting (state offers lifted by the tax)
    off_i = np.where(is_state, offer * lift[:, None], offer)
    scale_i = scale_f + scale_d * lift**eps
    p_i, q_i, un_i = clear_market(off_i, cap, scale_i, eps, zero, backstop)
    pd_i = p_i / lift
    cons_d_i = demand(pd_i[:, None], scale_d[:, None], eps[:, None], zero[:, None])[:, 0]
    xs_i = np.where(is_state, q_i, 0.0).sum(axis=1) - cons_d_i
    # integrated, importing (rivals' offers lifted by the import wedge, prices in P_d units)
    mu = zero if tariff is None else tariff
    lift_m = 1.0 + mu
    off_m = np.where(is_state, offer, offer * lift_m[:, None])
    scale_m = scale_d + scale_f * lift_m**eps
    p_m, q_m, un_m = clear_market(off_m, cap, scale_m, eps, zero, backstop)
    cons_d_m = demand(p_m[:, None], scale_d[:, None], eps[:, None], zero[:, None])[:, 0]
    xs_m = np.where(is_state, q_m, 0.0).sum(axis=1) - cons_d_m
    # quota-bound
    cap_state = np.where(is_state, cap, 0.0)
    cap_rival = np.where(is_state, 0.0, cap)
    q_eff = np.minimum(quota, cap_state.sum(axis=1))
    q_fin = np.where(np.isfinite(q_eff), q_eff, 0.0)
    p_dq, q_dq, un_dq = clear_market(offer, cap_state, scale_d, eps, q_fin, backstop)
    p_fq, q_fq, un_fq = clear_market(offer, cap_rival, scale_f, eps, -q_fin, backstop)
    # autarky
    p_da, q_da, un_da = clear_market(offer, cap_state, scale_d, eps, zero, backstop)
    p_fa, q_fa, un_fa = clear_market(offer, cap_rival, scale_f, eps, zero, backstop)

    quota_bound = xs_i > quota + 1e-9
    exporting = (xs_i >= -1e-9) & ~quota_bound
    importing = ~quota_bound & ~exporting & (xs_m <= 1e-9)

    def pick(a: FloatArray, b_: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
        sel = [m if a.ndim == 1 else m[:, None] for m in (quota_bound, exporting, importing)]
        return np.asarray(np.where(sel[0], a, np.where(sel[1], b_, np.where(sel[2], c, d))))

    price_d = pick(p_dq, pd_i, p_m, p_da)
    price_f = pick(p_fq, p_i, p_m / lift_m, p_fa)
    out = pick(q_dq + q_fq, q_i, q_m, q_da + q_fa)
    exports = pick(q_fin, np.maximum(xs_i, 0.0), xs_m, np.zeros_like(xs_i))
    q_state = np.where(is_state, out, 0.0).sum(axis=1)
    cons_d = np.maximum(q_state - exports, 0.0)
    cons_f = np.where(is_state, 0.0, out).sum(axis=1) + exports
    unmet = pick(un_dq + un_fq, un_i, un_m, un_da + un_fa)
    return Cleared(price_d, price_f, out, exports, cons_d, cons_f, unmet)


# ---- the year loop -----------------------------------------------------------------------------


def run(inp: MarketInputs) -> MarketResult:
    """Simulate the market year by year for every batch member; see docs/market.md for the rules."""
    b, p = inp.capacity0.shape
    t_n = len(inp.years)
    st = inp.state_mask[None, :]  # (1, P)
    max_lag = int(inp.lead_time.max(initial=0) + inp.ban_lead.max(initial=0)) + 2
    pipeline = np.zeros((b, t_n + max_lag, p))
    building = np.zeros((b, p), dtype=bool)
    counter = np.zeros((b, p), dtype=np.int64)

    cap = inp.capacity0.copy()
    buf = inp.buffer0.copy()
    eps = inp.elasticity

    rec: dict[str, Any] = {
        k: np.zeros((b, t_n, p)) for k in ("output", "capacity", "buffer", "profit", "support")
    }
    rec_t = {
        k: np.zeros((b, t_n)) for k in ("pd", "pf", "x", "cd", "cf", "un", "sub", "oth", "tax")
    }
    exited = np.zeros((b, t_n, p), dtype=bool)
    entered = np.zeros((b, t_n, p), dtype=bool)
    decided = np.zeros((b, t_n, p), dtype=bool)

    for t in range(t_n):
        # 1. capacity: arrivals, policy builds, consolidation, state expansion
        arriving = pipeline[:, t, :]
        was_idle = cap <= 0
        cap = cap + arriving + inp.scheduled[:, t, :]
        new = was_idle & (cap > 0)
        entered[:, t, :] = new & ((arriving > 0) | (inp.scheduled[:, t, :] > 0))
        buf = np.where(new & (arriving > 0), inp.entry_buffer, buf)
        building &= ~(arriving > 0)
        cap = np.where(st, cap * (1.0 - inp.retire[:, t, None]), cap)
        target = inp.expand_to[:, t] * inp.demand_ref[:, t]
        k_state = np.where(st, cap, 0.0).sum(axis=1)
        gap = np.where(np.isfinite(target), np.maximum(target - k_state, 0.0), 0.0)
        limit = np.where(k_state > 0, inp.max_growth[:, t] * k_state, np.inf)
        gap = np.minimum(gap, limit)
        weight_base = np.where(st, np.where(k_state[:, None] > 0, cap, inp.entry_capacity), 0.0)
        wsum = weight_base.sum(axis=1, keepdims=True)
        weights = np.divide(weight_base, wsum, out=np.zeros_like(weight_base), where=wsum > 0)
        cap = cap + gap[:, None] * weights
        buf = np.where((cap > 0) | st, buf, np.maximum(buf, 0.0))  # no cash without capacity

        # 2. costs and offers (two tranches per producer: must-sell and the rest)
        trend = (1.0 + inp.cost_trend) ** t
        cost = inp.cost0 * trend
        fixed = inp.fixed_cost * trend
        sub = inp.subsidy[:, t, None]
        disc = inp.discipline[:, t, None]
        u_min = np.where(disc, 0.0, inp.min_util[:, t, None])
        u_max = inp.max_util[:, t, None]
        offer_state = np.where(disc, cost, np.maximum(cost - sub, 0.0))
        s_sub = inp.support_subsidy[:, t, :]
        floor = inp.support_floor[:, t, :]
        floor_ok = np.isfinite(floor) & (np.nan_to_num(floor) + s_sub >= cost)
        offer_rival = np.where(floor_ok, 0.0, np.maximum(cost - s_sub, 0.0))
        offer = np.where(st, offer_state, offer_rival)
        cap_must = np.where(st, u_min * cap, 0.0)
        cap_rest = np.where(st, np.maximum(u_max - u_min, 0.0) * cap, cap)
        offers = np.concatenate([np.zeros_like(offer), offer], axis=1)
        caps = np.concatenate([cap_must, cap_rest], axis=1)
        is_state = np.concatenate([np.broadcast_to(st, (b, p))] * 2, axis=1)

        # 3. demand and clearing
        dref = inp.demand_ref[:, t]
        share_d = inp.domestic_share[:, t]
        scale = dref * inp.reference_price**eps
        cl = clear_two_markets(
            offers,
            caps,
            is_state,
            scale * share_d,
            scale * (1.0 - share_d),
            eps,
            inp.tax[:, t],
            inp.quota[:, t],
            inp.backstop_price,
            inp.tariff[:, t],
        )
        q = cl.output[:, :p] + cl.output[:, p:]

        # 4. accounts (USD m)
        q_state = np.where(st, q, 0.0).sum(axis=1)
        x_pos = np.maximum(cl.exports, 0.0)
        w_x = np.divide(x_pos, q_state, out=np.zeros_like(q_state), where=q_state > 0)
        p_state = (1.0 - w_x) * cl.price_d + w_x * cl.price_f / (1.0 + inp.tax[:, t])
        price_recv = np.where(st, p_state[:, None], cl.price_f[:, None])
        top_up = np.where(
            np.isfinite(floor), np.maximum(np.nan_to_num(floor) - price_recv, 0.0), 0.0
        )
        support_unit = np.where(st, 0.0, s_sub + top_up)
        state_unit = np.where(st, sub, 0.0)
        margin = (price_recv - cost) * q - fixed * cap
        profit = (margin + (support_unit + state_unit) * q) * inp.money
        cover = np.where(st, inp.loss_coverage[:, t, None], inp.support_coverage[:, t, :])
        covered = cover * np.maximum(-profit, 0.0)
        profit_net = profit + covered
        buf = buf + profit_net
        paid = (state_unit + support_unit) * q * inp.money + covered
        rec["support"][:, t] = paid
        rec_t["sub"][:, t] = np.where(st, paid, 0.0).sum(axis=1)
        rec_t["oth"][:, t] = np.where(st, 0.0, paid).sum(axis=1)
        rec_t["tax"][:, t] = (
            inp.tax[:, t] / (1.0 + inp.tax[:, t]) * cl.price_f * x_pos * inp.money
            + inp.tariff[:, t] * cl.price_f * np.maximum(-cl.exports, 0.0) * inp.money
        )

        rec["output"][:, t] = q
        rec["capacity"][:, t] = cap
        rec["buffer"][:, t] = buf
        rec["profit"][:, t] = profit_net
        rec_t["pd"][:, t] = cl.price_d
        rec_t["pf"][:, t] = cl.price_f
        rec_t["x"][:, t] = cl.exports
        rec_t["cd"][:, t] = cl.cons_d
        rec_t["cf"][:, t] = cl.cons_f
        rec_t["un"][:, t] = cl.unmet

        # 5. exit: a rival's buffer is exhausted (the state's producers do not exit: their
        #    uncovered losses accumulate as a negative buffer, i.e. debt to state banks)
        exit_now = (cap > 0) & (buf < 0) & ~st
        exited[:, t, :] = exit_now
        cap = np.where(exit_now, 0.0, cap)
        buf = np.where(exit_now, 0.0, buf)
        pipeline[:, t + 1 :, :] = np.where(exit_now[:, None, :], 0.0, pipeline[:, t + 1 :, :])
        building &= ~exit_now

        # 6. entry: margin over full cost clears the hurdle for N years in a row
        full = cost + fixed
        m = np.divide(cl.price_f[:, None] - full, full, out=np.zeros_like(full), where=full > 0)
        idle = (cap <= 0) & ~building & inp.can_reenter & ~st
        counter = np.where(idle & (m >= inp.hurdle[:, None]), counter + 1, 0)
        go = idle & (counter >= inp.entry_years[:, None]) & (inp.entry_capacity > 0)
        lag = np.maximum(inp.lead_time, 1) + np.where(
            inp.ban_applies[None, :], inp.ban_lead[:, t, None], 0
        )
        arrive = t + lag
        bb, pp = np.nonzero(go)
        ok = arrive[bb, pp] < t_n + max_lag
        pipeline[bb[ok], arrive[bb[ok], pp[ok]], pp[ok]] += inp.entry_capacity[bb[ok], pp[ok]]
        decided[:, t, :] = go
        building |= go
        counter = np.where(go, 0, counter)

    return MarketResult(
        inputs=inp,
        price_domestic=rec_t["pd"],
        price_foreign=rec_t["pf"],
        output=rec["output"],
        capacity=rec["capacity"],
        buffer=rec["buffer"],
        profit=rec["profit"],
        support=rec["support"],
        exports=rec_t["x"],
        consumption_domestic=rec_t["cd"],
        consumption_foreign=rec_t["cf"],
        unmet=rec_t["un"],
        state_subsidy=rec_t["sub"],
        other_support=rec_t["oth"],
        tax_revenue=rec_t["tax"],
        exited=exited,
        entered=entered,
        decided=decided,
    )


_UNBATCHED = frozenset(
    {
        "years",
        "producer_names",
        "producer_regions",
        "state_mask",
        "ban_applies",
        "money",
        "state_region",
        "dependency_threshold",
    }
)


def tile(inp: MarketInputs, n: int) -> MarketInputs:
    """Repeat a batch-of-one case n times along the batch axis (to vary parameters per member)."""
    from dataclasses import fields, replace

    changes: dict[str, Any] = {}
    for f in fields(inp):
        if f.name in _UNBATCHED:
            continue
        arr = getattr(inp, f.name)
        changes[f.name] = np.repeat(arr[:1], n, axis=0).copy()
    return replace(inp, **changes)


def to_dataset(res: MarketResult) -> Any:
    """The result as an ``xarray.Dataset`` (dims scenario, year, producer, as the engine's
    results; coords region, state).

    Variables carry a ``units`` attribute; money is USD m, quantities and prices are in the
    preset's units (stored by the caller in ``attrs`` if needed).
    """
    import xarray as xr

    inp = res.inputs
    dims_t = ("scenario", "year")
    dims_p = ("scenario", "year", "producer")
    ds = xr.Dataset(
        {
            "price_domestic": (dims_t, res.price_domestic, {"units": "price unit"}),
            "price_foreign": (dims_t, res.price_foreign, {"units": "price unit"}),
            "exports": (dims_t, res.exports, {"units": "quantity/yr"}),
            "unmet": (dims_t, res.unmet, {"units": "quantity/yr"}),
            "state_subsidy": (dims_t, res.state_subsidy, {"units": "USD m"}),
            "state_share": (dims_t, res.state_share(), {"units": "1"}),
            "hhi": (dims_t, res.hhi(), {"units": "1"}),
            "output": (dims_p, res.output, {"units": "quantity/yr"}),
            "capacity": (dims_p, res.capacity, {"units": "quantity/yr"}),
            "buffer": (dims_p, res.buffer, {"units": "USD m"}),
            "profit": (dims_p, res.profit, {"units": "USD m"}),
            "support": (dims_p, res.support, {"units": "USD m"}),
            "exited": (dims_p, res.exited),
            "entered": (dims_p, res.entered),
        },
        coords={
            "scenario": np.arange(inp.batch),
            "year": inp.years,
            "producer": list(inp.producer_names),
            "region": ("producer", list(inp.producer_regions)),
            "state": ("producer", inp.state_mask),
        },
        attrs={"state_region": inp.state_region, "dependency_threshold": inp.dependency_threshold},
    )
    return ds
