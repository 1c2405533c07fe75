"""The rebuild question: what subsidy and time does a rival bloc need to reach a share X of world supply?

The bloc decides to build in year t0 under the state's policy in force then (kept beyond the
preset's horizon). Its capacity arrives after its lead time L plus the technology-ban addition
Delta L(t0), and then tracks K_bloc(t) = phi X D_ref(t). It receives a per-unit subsidy s and
full loss coverage from its own governments (so it does not exit). A batch of subsidy levels is
simulated at once; the smallest s whose bloc share reaches X and holds it to the horizon is
refined by bisection on further batches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from chokepoint.errors import ChokepointError
from chokepoint.market.model import MarketInputs, MarketResult, run, tile
from chokepoint.market.presets import compile_preset
from chokepoint.market.schema import Bloc, MarketPreset


@dataclass(frozen=True, slots=True)
class RebuildAnswer:
    """Answer to the rebuild question (money in USD m, prices in the preset's units)."""

    target_share: float
    decision_year: int
    arrival_year: int
    added_lead_time: int
    reached: bool
    subsidy_per_unit: float | None
    year_reached: int | None
    years_needed: int | None
    subsidy_bill: float | None
    capex: float
    curve: list[dict[str, float]]
    result: MarketResult | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready summary (without the trajectories)."""
        return {
            "target_share": self.target_share,
            "decision_year": self.decision_year,
            "arrival_year": self.arrival_year,
            "added_lead_time_years": self.added_lead_time,
            "reached": self.reached,
            "subsidy_per_unit": self.subsidy_per_unit,
            "year_reached": self.year_reached,
            "years_needed": self.years_needed,
            "subsidy_bill_usd_m": self.subsidy_bill,
            "capex_usd_m": self.capex,
            "curve": self.curve,
        }


def arrival(inp: MarketInputs, bloc: Bloc, decision_year: int, ban: bool = True) -> tuple[int, int]:
    """Index of the bloc's first output year t0 + L + Delta L(t0), and Delta L(t0)."""
    years = inp.years
    t0 = int(decision_year - years[0])
    if not 0 <= t0 < len(years):
        msg = f"expected a decision year within {years[0]}..{years[-1]}, got {decision_year}"
        raise ChokepointError(msg)
    added = int(inp.ban_lead[0, t0]) if ban else 0
    return t0 + max(bloc.lead_time, 1) + added, added


def with_bloc(
    inp: MarketInputs, bloc: Bloc, capacity_path: np.ndarray, t_arr: int, ban: bool = True
) -> MarketInputs:
    """Append the bloc as producer P (batch of one) with capacity K_bloc(t) from ``t_arr`` on."""
    t_n = len(inp.years)
    target = np.where(np.arange(t_n) >= t_arr, capacity_path, 0.0)
    target = np.maximum.accumulate(target)
    sched = np.diff(np.concatenate([[0.0], target]))

    def add(arr: np.ndarray, val: Any) -> np.ndarray:
        extra = np.broadcast_to(np.asarray(val, dtype=arr.dtype), (*arr.shape[:-1], 1))
        return np.concatenate([arr, extra], axis=-1)

    cov = np.zeros((1, t_n, 1))
    cov[0, t_arr:, 0] = 1.0
    new = replace(
        inp,
        producer_names=(*inp.producer_names, bloc.name),
        producer_regions=(*inp.producer_regions, bloc.region),
        state_mask=add(inp.state_mask, False),
        ban_applies=add(inp.ban_applies, ban),
        can_reenter=add(inp.can_reenter, False),
        capacity0=add(inp.capacity0, 0.0),
        entry_capacity=add(inp.entry_capacity, 0.0),
        cost0=add(inp.cost0, bloc.cash_cost),
        cost_trend=add(inp.cost_trend, 0.0),
        fixed_cost=add(inp.fixed_cost, bloc.fixed_cost),
        buffer0=add(inp.buffer0, bloc.buffer),
        entry_buffer=add(inp.entry_buffer, bloc.buffer),
        lead_time=add(inp.lead_time, bloc.lead_time),
        capex=add(inp.capex, bloc.capex),
        support_subsidy=add(inp.support_subsidy, 0.0),
        support_floor=add(inp.support_floor, np.nan),
        support_coverage=np.concatenate([inp.support_coverage, cov], axis=-1),
        scheduled=np.concatenate([inp.scheduled, sched[None, :, None]], axis=-1),
    )
    return new


def _evaluate(
    base: MarketInputs, subsidies: np.ndarray, t_arr: int, share: float
) -> tuple[MarketResult, np.ndarray, np.ndarray]:
    """Run a batch with bloc subsidy s_b from arrival on; return result, bloc share (B, T), ok (B,)."""
    inp = tile(base, len(subsidies))
    sub = inp.support_subsidy.copy()
    sub[:, t_arr:, -1] = subsidies[:, None]
    inp = replace(inp, support_subsidy=sub)
    res = run(inp)
    q = res.output
    tot = q.sum(axis=2)
    bloc_share = np.divide(q[:, :, -1], tot, out=np.zeros_like(tot), where=tot > 0)
    ok = (
        (bloc_share[:, t_arr:] >= share - 1e-6).all(axis=1)
        if t_arr < tot.shape[1]
        else np.zeros(len(subsidies), dtype=bool)
    )
    return res, bloc_share, ok


def rebuild(
    preset: MarketPreset,
    share: float = 0.3,
    decision_year: int | None = None,
    years: int = 20,
    max_subsidy: float | None = None,
    grid: int = 33,
    refine: int = 3,
    capacity_factor: float = 1.02,
    ban: bool = True,
) -> RebuildAnswer:
    """Smallest per-unit subsidy (on a refined grid) and the time for the bloc to hold share X.

    ``max_subsidy`` defaults to the bloc's cash cost plus fixed cost (giving output away free).
    """
    if preset.bloc is None:
        msg = f"preset {preset.name!r} has no 'bloc:' section; add one to ask the rebuild question"
        raise ChokepointError(msg)
    if not 0.0 < share < 1.0:
        msg = f"expected a share between 0 and 1, got {share}"
        raise ChokepointError(msg)
    t0_year = preset.end_year if decision_year is None else decision_year
    inp = compile_preset(preset, end_year=max(preset.end_year, t0_year + years))
    t_arr, added = arrival(inp, preset.bloc, t0_year, ban)
    t_n = len(inp.years)
    s_hi = preset.bloc.cash_cost + preset.bloc.fixed_cost if max_subsidy is None else max_subsidy
    # capacity path: K_bloc(t) = phi X / (1 - X) x (everyone else's output at the top subsidy),
    # found by damped fixed-point passes starting from X D_ref(t)
    path = share * inp.demand_ref[0].copy()
    for _ in range(10):
        trial = with_bloc(inp, preset.bloc, path, t_arr, ban)
        res1, _s1, _ok1 = _evaluate(trial, np.array([s_hi]), t_arr, share)
        others = res1.output[0, :, :-1].sum(axis=1)
        path = 0.5 * path + 0.5 * capacity_factor * share / (1.0 - share) * others
    base = with_bloc(inp, preset.bloc, path, t_arr, ban)
    subs = np.linspace(0.0, s_hi, grid)
    res, bshare, ok = _evaluate(base, subs, t_arr, share)
    curve = [
        {"subsidy_per_unit": float(s), "final_share": float(bshare[i, -1])}
        for i, s in enumerate(subs)
    ]
    capex = float(preset.bloc.capex * base.scheduled[0, :, -1].sum())
    arrival_year = int(base.years[0] + t_arr)
    if t_arr >= t_n or not ok.any():
        return RebuildAnswer(
            share, t0_year, arrival_year, added, False, None, None, None, None, capex, curve, None
        )
    lo_i = int(np.argmax(ok))
    best_s, best_res = float(subs[lo_i]), res
    best_idx = lo_i
    lo = float(subs[lo_i - 1]) if lo_i > 0 else 0.0
    hi = best_s
    for _ in range(refine if lo_i > 0 else 0):
        cand = np.linspace(lo, hi, 9)
        r2, _b2, ok2 = _evaluate(base, cand, t_arr, share)
        k = int(np.argmax(ok2))
        if ok2.any():
            best_s, best_res, best_idx = float(cand[k]), r2, k
            lo, hi = (float(cand[k - 1]) if k > 0 else lo), float(cand[k])
    q = best_res.output[best_idx]
    tot = q.sum(axis=1)
    bs = np.divide(q[:, -1], tot, out=np.zeros_like(tot), where=tot > 0)
    reached_t = int(np.argmax(bs >= share - 1e-6))
    year_reached = int(base.years[reached_t])
    member = replace_member(best_res, best_idx)
    bill = float(member.support[0, :, -1].sum())
    return RebuildAnswer(
        target_share=share,
        decision_year=t0_year,
        arrival_year=arrival_year,
        added_lead_time=added,
        reached=True,
        subsidy_per_unit=best_s,
        year_reached=year_reached,
        years_needed=year_reached - t0_year,
        subsidy_bill=bill,
        capex=capex,
        curve=curve,
        result=member,
    )


def replace_member(res: MarketResult, b: int) -> MarketResult:
    """The result restricted to batch member b (keeps a batch axis of one)."""
    from dataclasses import fields

    sl = slice(b, b + 1)
    changes: dict[str, Any] = {}
    for f in fields(res):
        val = getattr(res, f.name)
        if isinstance(val, np.ndarray):
            changes[f.name] = val[sl]
    inp = res.inputs
    in_changes: dict[str, Any] = {}
    for f in fields(inp):
        val = getattr(inp, f.name)
        if (
            isinstance(val, np.ndarray)
            and val.ndim >= 1
            and f.name not in {"years", "state_mask", "ban_applies"}
        ):
            in_changes[f.name] = val[sl]
    return replace(res, inputs=replace(inp, **in_changes), **changes)
