"""The bargaining game over a menu of measures, played on engine runs.

Outcomes. With measures M (each side's own), an outcome o ⊆ M is the set of measures conceded
(paused or repealed, or — for threatened ones — not imposed); the rest stay in force. All 2^|M|
outcomes run as one engine batch over the horizon T. Side i's loss L_i(o) is the value of its
output lost, Σ_t Σ_{n in i} max(x̄_n − x_n(t), 0) v_n.

Payoffs. u_i(o) = −L_i(o) + ρ_i H_ij(o): minus its own loss, plus a rivalry weight ρ_i ∈ [0, 1)
on the harm its own measures do to the other side, H_ij(o) = L_j(o) − L_j(o ∪ M_i) (the other
side's loss against the same outcome with all of i's measures conceded; the other side's
self-inflicted losses do not count). Without ρ every measure only costs and conceding everything
would always be best. ρ_i is a stated assumption of each menu, never fitted.

Threat point d = u(∅): mutual escalation, every measure in force. The Nash bargaining solution
is the outcome maximising (u_A − d_A)(u_B − d_B) over outcomes with u ≥ d.

Patience and timing. Side i's time-to-pain τ_i is the first day on which its daily loss under
everything the other side can do (the outcome where i concedes all its own measures and j keeps
all of its) has one of its products' output more than ``pain_drop`` below baseline (the engine's
time-to-pain, summed over the side's plants of each product); δ_i = exp(−round_days / τ_i)
(τ_i = T when it never hurts within the horizon). Alternating offers (Rubinstein) give the proposer
the share (1 − δ_r)/(1 − δ_p δ_r) of the surplus; the alternating-offers outcome is the feasible
outcome whose split of gains is closest to it. The deal is struck when the first side's pain makes
it accept: day min_i τ_i, i.e. bargaining round ⌈min_i τ_i / round_days⌉.

Sensitivity. Each side's stock cover is multiplied by each ``stockpile_multipliers`` factor and
the whole batch re-run: how the damage, the predicted deal, its timing and the split move.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.bargaining.menu import Menu, Stockpile, check_menu
from chokepoint.bargaining.solutions import alternating_offers, nash_bargaining
from chokepoint.errors import NotFoundError
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.schema import Member, Scenario

ESCALATION = "escalation"
"""Name of the outcome with every measure in force (the threat point)."""


@dataclass(frozen=True)
class Outcomes:
    """Losses of every outcome and the daily loss paths of the escalation run."""

    table: pd.DataFrame
    """One row per outcome: ``conceded`` (tuple of measure keys), ``loss_<side>`` (USD)."""
    daily: np.ndarray
    """Daily value lost per outcome, day and side (USD/day) [S, T, 2]."""
    baseline: np.ndarray
    """Baseline daily output value per side (USD/day) [2]."""
    first_pain: np.ndarray
    """First day a product of the side is more than ``pain_drop`` below baseline (NaN: never)
    per outcome and side [S, 2]."""


@dataclass(frozen=True)
class BargainResult:
    """The predicted deal, its timing and sensitivity (see the module docstring)."""

    menu: Menu
    measures: pd.DataFrame
    outcomes: pd.DataFrame
    nash: str | None
    alternating: str | None
    split: dict[str, float]
    pain_days: dict[str, float]
    deal_day: float | None
    deal_round: int | None
    timeline: pd.DataFrame
    events: pd.DataFrame
    sensitivity: pd.DataFrame

    def deal(self) -> pd.DataFrame:
        """The Nash deal: for every measure whether its side keeps it or concedes it."""
        conceded = set(self.outcomes.loc[self.nash, "conceded"]) if self.nash else set()
        out = self.measures.copy()
        out["in_deal"] = [(m["concession"] if k in conceded else "keep") for k, m in out.iterrows()]
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready summary."""
        sides = self.menu.sides
        best = self.outcomes.loc[self.nash] if self.nash else None
        return {
            "menu": self.menu.name,
            "sides": sides,
            "nash_outcome": self.nash,
            "alternating_offers_outcome": self.alternating,
            "deal": self.deal().reset_index().to_dict(orient="records") if self.nash else [],
            "gains_usd": {s: float(best[f"gain_{s}"]) for s in sides} if best is not None else {},
            "split": self.split,
            "pain_days": {k: _num(v) for k, v in self.pain_days.items()},
            "deal_day": _num(self.deal_day),
            "deal_round": self.deal_round,
            "outcomes": _records(self.outcomes.rename_axis("outcome").reset_index()),
            "events": _records(self.events),
            "timeline": _records(self.timeline),
            "sensitivity": _records(self.sensitivity),
            "assumptions": self.menu.model_dump(mode="json")["assumptions"],
            "sources": self.menu.model_dump(mode="json")["sources"],
        }


def _num(v: float | None) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, tuple)).any():
            out[col] = out[col].map(list)
    return [{str(k): _plain_value(v) for k, v in row.items()} for row in out.to_dict("records")]


def _plain_value(v: Any) -> Any:
    """JSON-ready scalar: numpy scalars as Python ones, NaN as None."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


# --------------------------------------------------------------------------------------------
# Networks with other stocks


def with_stockpiles(net: CompiledNetwork, stockpiles: Sequence[Stockpile]) -> CompiledNetwork:
    """``net`` with the target and initial stock days of the listed (region, inputs) set."""
    if not stockpiles:
        return net
    target = net.stock_target_days.copy()
    initial = net.stock_initial_days.copy()
    region_of_pair = net.node_region[net.pair_node]
    for s in stockpiles:
        if s.region not in net.regions:
            msg = f"stockpile region {s.region!r} is not a region of dataset {net.name!r}"
            raise NotFoundError(msg)
        r = net.regions.get_loc(s.region)
        codes = [net.products.get_loc(p) for p in s.inputs if p in net.products]
        sel = (region_of_pair == r) & np.isin(net.pair_product, codes)
        target[sel] = s.days
        initial[sel] = s.days
    return dataclasses.replace(net, stock_target_days=target, stock_initial_days=initial)


def scale_stocks(net: CompiledNetwork, region: str, factor: float) -> CompiledNetwork:
    """``net`` with region's stock days (target, initial, strategic) multiplied by ``factor``."""
    sel = net.node_region[net.pair_node] == net.regions.get_loc(region)
    mult = np.where(sel, factor, 1.0)
    return dataclasses.replace(
        net,
        stock_target_days=net.stock_target_days * mult,
        stock_initial_days=net.stock_initial_days * mult,
        stock_strategic_days=net.stock_strategic_days * mult,
    )


# --------------------------------------------------------------------------------------------
# Outcomes as one batch


def outcome_name(conceded: Sequence[str]) -> str:
    """``escalation`` for no concession, else ``concede: a + b``."""
    return ESCALATION if not conceded else "concede: " + " + ".join(conceded)


def all_outcomes(menu: Menu) -> list[tuple[str, ...]]:
    """Every subset of the measures (conceded ones), smallest first, in file order."""
    keys = list(menu.measures)
    return [c for n in range(len(keys) + 1) for c in itertools.combinations(keys, n)]


def _instrument_dict(menu: Menu, key: str) -> dict[str, Any]:
    out: dict[str, Any] = menu.measures[key].instrument.model_dump(mode="json", exclude_unset=True)
    out["type"] = menu.measures[key].instrument.type
    return out


def _concede(menu: Menu, key: str, from_day: int) -> dict[str, Any]:
    """Overrides that concede measure ``key`` from ``from_day`` (pauses come back)."""
    m = menu.measures[key]
    inst = m.instrument
    horizon = menu.horizon_days
    out: dict[str, Any] = {}
    if from_day > inst.start_day:
        out[key] = {"end_day": from_day if inst.end_day is None else min(inst.end_day, from_day)}
    else:
        out[key] = None
    if m.status == "in_force" and m.concession == "pause" and m.pause_days is not None:
        back = max(inst.start_day, from_day + m.pause_days)
        if back < horizon and (inst.end_day is None or inst.end_day > back):
            resumed = _instrument_dict(menu, key)
            resumed["start_day"] = back
            resumed.pop("announce_day", None)
            resumed.pop("front_running", None)
            resumed["label"] = f"{key} (resumed)"
            out[f"{key}__resumed"] = resumed
    return out


def menu_scenario(menu: Menu, members: Sequence[tuple[str, Sequence[str], int]]) -> Scenario:
    """The menu as one scenario: every measure in force, one member per (name, conceded, day)."""
    instruments = {k: _instrument_dict(menu, k) for k in menu.measures}
    named = []
    for name, conceded, day in members:
        over: dict[str, Any] = {}
        for key in conceded:
            over.update(_concede(menu, key, day))
        named.append(Member(name=name, overrides={"instruments": over} if over else {}))
    return Scenario.model_validate(
        {
            "name": menu.name,
            "dataset": menu.dataset,
            "horizon_days": menu.horizon_days,
            "start_date": menu.start_date,
            "instruments": instruments,
            "members": [m.model_dump() for m in named],
        }
    )


def _daily_by_side(net: CompiledNetwork, ds: Any, sides: Sequence[str]) -> np.ndarray:
    """Daily value lost per member, day and side (USD/day) [S, T, 2]."""
    output = np.asarray(ds["output"].transpose("scenario", "day", "node").to_numpy(), np.float64)
    gap = np.clip(net.output[None, None, :] - output, 0.0, None)
    value = gap * net.unit_value[net.node_product][None, None, :]
    ids = [net.regions.get_loc(s) for s in sides]
    member = np.stack([net.node_region == i for i in ids], axis=1).astype(np.float64)  # [n, 2]
    return np.asarray(value @ member)


def _first_pain(net: CompiledNetwork, ds: Any, sides: Sequence[str], drop: float) -> np.ndarray:
    """First day any (side, product) output sum is below (1 - drop) x baseline [S, 2]."""
    output = np.asarray(ds["output"].transpose("scenario", "day", "node").to_numpy(), np.float64)
    n_products = len(net.products)
    out = np.full((output.shape[0], len(sides)), np.nan)
    for j, side in enumerate(sides):
        mine = net.node_region == net.regions.get_loc(side)
        prod = net.node_product[mine]
        base = np.bincount(prod, weights=net.output[mine], minlength=n_products)
        # (S, T, P) output per product of the side: one matrix product with the membership
        member = np.zeros((int(mine.sum()), n_products))
        member[np.arange(len(prod)), prod] = 1.0
        per_product = output[:, :, mine] @ member
        low = (per_product < (1.0 - drop) * base[None, None, :]) & (base > 0)[None, None, :]
        hit = np.asarray(low.any(axis=2))  # (S, T)
        any_hit = np.asarray(hit.any(axis=1))
        out[any_hit, j] = hit[any_hit].argmax(axis=1)
    return out


def run_outcomes(
    menu: Menu,
    net: CompiledNetwork,
    params: Any = None,
    members: Sequence[tuple[str, Sequence[str], int]] | None = None,
) -> Outcomes:
    """Simulate outcomes (default: all, conceded from day 0) as one batch."""
    from chokepoint.engine import simulate

    check_menu(menu, net)  # sides and codes against the network, located in the menu file
    if members is None:
        members = [(outcome_name(c), c, 0) for c in all_outcomes(menu)]
    scenario = menu_scenario(menu, members)
    batch = compile_scenario(scenario, net)
    ds = simulate(net, batch, params, record="full")
    daily = _daily_by_side(net, ds, menu.sides)
    first = _first_pain(net, ds, menu.sides, menu.pain_drop)
    total = daily.sum(axis=1)
    table = pd.DataFrame(
        {"conceded": [tuple(c) for _, c, _ in members]}, index=[n for n, _, _ in members]
    )
    for j, s in enumerate(menu.sides):
        table[f"loss_{s}"] = total[:, j]
    value = net.output * net.unit_value[net.node_product]
    baseline = np.array(
        [value[net.node_region == net.regions.get_loc(s)].sum() for s in menu.sides]
    )
    return Outcomes(table, daily, baseline, first)


# --------------------------------------------------------------------------------------------
# Solving


def pain_days(menu: Menu, first: np.ndarray) -> dict[str, float]:
    """Time-to-pain per side from ``first`` [2]: first day of pain, NaN if never."""
    return {s: float(first[j]) for j, s in enumerate(menu.sides)}


def solve(
    menu: Menu, outcomes: Outcomes, rivalry: dict[str, float]
) -> tuple[pd.DataFrame, str | None, str | None, dict[str, float], dict[str, float]]:
    """Payoffs, Nash outcome, alternating-offers outcome and split, and pain days."""
    a, b = menu.sides
    table = outcomes.table.copy()
    row_of = {frozenset(c): i for i, c in enumerate(table["conceded"])}
    for i_side, j_side in ((a, b), (b, a)):
        # harm i's measures in force do to j: L_j(o) - L_j(o with all of i's measures conceded)
        own = frozenset(menu.measures_of(i_side))
        ref = [row_of.get(frozenset(c) | own) for c in table["conceded"]]
        if any(r is None for r in ref):
            msg = "every outcome's partner (one side conceding all) must be simulated"
            raise ValueError(msg)
        loss_j = table[f"loss_{j_side}"].to_numpy()
        harm = loss_j - loss_j[np.array(ref, dtype=np.int64)]
        table[f"harm_to_{j_side}"] = harm
        table[f"payoff_{i_side}"] = -table[f"loss_{i_side}"] + rivalry[i_side] * harm
    payoffs = table[[f"payoff_{a}", f"payoff_{b}"]].rename(columns=lambda c: c[7:])
    nash = nash_bargaining(payoffs, ESCALATION, sides=(a, b))
    table = table.join(nash.table)
    pain = {}
    for i_side in (a, b):
        # i's pain under everything j can do: i concedes all its measures, j keeps all of its own
        row = row_of[frozenset(menu.measures_of(i_side))]
        pain[i_side] = pain_days(menu, outcomes.first_pain[row])[i_side]
    scale = {s: (menu.horizon_days if math.isnan(v) else max(v, 1.0)) for s, v in pain.items()}
    proposer = menu.proposer or a
    split = alternating_offers(1.0, scale, proposer=proposer, round_days=menu.round_days)
    # proposer-neutral split (both sides moving first half the time): r_B / (r_A + r_B)
    limit = split[f"limit_share_{proposer}"]
    share_a = limit if proposer == a else 1.0 - limit
    split[f"even_alternation_share_{a}"] = share_a
    split[f"even_alternation_share_{b}"] = 1.0 - share_a
    feasible = table[table["feasible"] & ((table[f"gain_{a}"] + table[f"gain_{b}"]) > 0)]
    alternating = None
    if not feasible.empty and nash.outcome is not None:
        total = feasible[f"gain_{a}"] + feasible[f"gain_{b}"]
        dist = (feasible[f"gain_{a}"] / total - share_a).abs()
        order = pd.DataFrame({"dist": dist.round(9), "total": -total}).sort_values(
            ["dist", "total"], kind="stable"
        )
        alternating = str(order.index[0])
    return table, nash.outcome, alternating, split, pain


def _measures_table(menu: Menu) -> pd.DataFrame:
    rows = []
    for k, m in menu.measures.items():
        action: str = "not impose" if m.status == "threatened" else m.concession
        if action == "pause":
            action += f" {m.pause_days} days" if m.pause_days else " (whole horizon)"
        rows.append(
            {
                "measure": k,
                "side": m.side,
                "status": m.status,
                "instrument": m.instrument.type,
                "actor": m.instrument.actor,
                "products": ", ".join(m.instrument.products),
                "start_day": m.instrument.start_day,
                "concession": action,
                "source": m.source or m.instrument.source or "",
            }
        )
    return pd.DataFrame(rows).set_index("measure")


def _timeline(
    menu: Menu,
    net: CompiledNetwork,
    params: Any,
    nash: str | None,
    conceded: Sequence[str],
    deal_day: float | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly losses under escalation and under escalation-then-deal, and the events."""
    events = [
        {
            "day": m.instrument.start_day,
            "side": m.side,
            "event": f"{k} in force"
            if m.status == "in_force"
            else f"{k} imposed (threat carried out)",
        }
        for k, m in menu.measures.items()
    ]
    members: list[tuple[str, Sequence[str], int]] = [(ESCALATION, (), 0)]
    if nash is not None and deal_day is not None and conceded:
        day = int(deal_day)
        members.append(("deal", tuple(conceded), day))
        for k in conceded:
            m = menu.measures[k]
            events.append(
                {
                    "day": day,
                    "side": m.side,
                    "event": f"{k}: {_measures_table(menu).loc[k, 'concession']}",
                }
            )
            if m.status == "in_force" and m.concession == "pause" and m.pause_days:
                back = day + m.pause_days
                if back < menu.horizon_days:
                    events.append({"day": back, "side": m.side, "event": f"{k} back in force"})
    run = run_outcomes(menu, net, params, members)
    week = np.arange(run.daily.shape[1]) // 7
    rows = []
    for i, (name, _, _) in enumerate(members):
        for j, s in enumerate(menu.sides):
            weekly = np.bincount(week, weights=run.daily[i, :, j])
            for w, v in enumerate(weekly):
                rows.append({"path": name, "side": s, "week": w, "day": 7 * w, "loss_usd": v})
    events_frame = pd.DataFrame(events).sort_values("day", kind="stable").reset_index(drop=True)
    return pd.DataFrame(rows), events_frame


def bargain(
    menu: Menu,
    net: CompiledNetwork,
    params: Any = None,
    *,
    rivalry: dict[str, float] | None = None,
    sensitivity: bool = True,
    timeline: bool = True,
) -> BargainResult:
    """Simulate every outcome of ``menu`` on ``net`` and predict the deal (module docstring)."""
    check_menu(menu, net)  # sides, stockpiles and codes, located in the menu file
    rho = {s: 0.0 for s in menu.sides} | dict(menu_rivalry(menu)) | (rivalry or {})
    base = with_stockpiles(net, menu.stockpiles)
    outcomes = run_outcomes(menu, base, params)
    table, nash, alternating, split, pain = solve(menu, outcomes, rho)
    finite = [v for v in pain.values() if not math.isnan(v)]
    deal_day = min(finite) if (nash is not None and finite) else None
    deal_round = max(1, math.ceil(deal_day / menu.round_days)) if deal_day is not None else None
    conceded = table.loc[nash, "conceded"] if nash else ()
    if timeline:
        tl, events = _timeline(menu, base, params, nash, conceded, deal_day)
    else:
        tl, events = pd.DataFrame(), pd.DataFrame()
    rows = []
    if sensitivity:
        for side in menu.sides:
            for factor in menu.stockpile_multipliers:
                o = run_outcomes(menu, scale_stocks(base, side, factor), params)
                t2, n2, alt2, split2, pain2 = solve(menu, o, rho)
                f2 = [v for v in pain2.values() if not math.isnan(v)]
                rows.append(
                    {
                        "side_stocked": side,
                        "stock_multiplier": factor,
                        "nash_outcome": n2,
                        "alternating_outcome": alt2,
                        **{
                            f"loss_escalation_{s}": float(t2.loc[ESCALATION, f"loss_{s}"])
                            for s in menu.sides
                        },
                        **{f"pain_day_{s}": pain2[s] for s in menu.sides},
                        **{f"share_{s}": split2[f"even_alternation_share_{s}"] for s in menu.sides},
                        "deal_day": min(f2) if (n2 is not None and f2) else float("nan"),
                    }
                )
    return BargainResult(
        menu=menu,
        measures=_measures_table(menu),
        outcomes=table,
        nash=nash,
        alternating=alternating,
        split={k: v for k, v in split.items() if k.startswith(("share_", "delta_", "even_"))},
        pain_days=pain,
        deal_day=deal_day,
        deal_round=deal_round,
        timeline=tl,
        events=events,
        sensitivity=pd.DataFrame(rows),
    )


def menu_rivalry(menu: Menu) -> dict[str, float]:
    """The menu's rivalry weights ρ_i (0 for a side it does not list)."""
    return {s: float(menu.rivalry.get(s, 0.0)) for s in menu.sides}
