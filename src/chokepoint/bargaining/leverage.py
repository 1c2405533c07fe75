"""Leverage matrix: what each region can do to each other region, what it costs itself, how fast.

For every ordered pair (A, B) of the chosen regions and every instrument in A's menu — a full
bilateral export ban, and a ban of each product whose world output A makes at a share of at least
``share_threshold`` — one engine member stops A's shipments of those products to B (links from A's
nodes to B's nodes, and A's final-demand sales to B) for the whole horizon. All members run as one
batch. For each member:

* damage D_AB = value of B's output lost over the horizon (Σ_t Σ_{n in B} (x̄_n − x_n(t)) v_n),
* own cost C_A = value of A's output lost (exports it can no longer sell, knock-on losses at home),
* speed: B's time-to-pain, the first day any of B's region-products falls below 95% of baseline.

A's strongest instrument against B is the one with the largest damage; the matrix reports its
damage, cost, damage/cost ratio and time-to-pain. The symmetry index of a pair is
min(D_AB, D_BA) / max(D_AB, D_BA) in [0, 1]: 1 means "a negotiation between equals".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.analysis.coercion import stage_shares
from chokepoint.analysis.ranking import value_lost_by_region
from chokepoint.errors import NotFoundError
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.batch import Rule, ScenarioBatch

ALL_PRODUCTS = "all exports"


@dataclass(frozen=True)
class LeverageResult:
    """Every (actor, target, instrument) member, the strongest instrument per pair, and the symmetry."""

    members: pd.DataFrame
    matrix: pd.DataFrame
    pairs: pd.DataFrame

    def damage_matrix(self) -> pd.DataFrame:
        """Actor x target table of the damage of the actor's strongest instrument (USD)."""
        return self.matrix.pivot(index="actor", columns="target", values="damage_usd")


def _menu(net: CompiledNetwork, actor: str, share_threshold: float) -> list[tuple[str, list[str]]]:
    shares = stage_shares(net)
    mine = shares[
        (shares["region"] == actor) & (shares["share"] >= share_threshold) & (shares["output"] > 0)
    ]
    menu = [(ALL_PRODUCTS, [str(p) for p in net.products])]
    menu += [(f"ban {p}", [str(p)]) for p in mine["product"]]
    return menu


def leverage_batch(
    net: CompiledNetwork,
    regions: Sequence[str],
    *,
    horizon_days: int = 180,
    share_threshold: float = 0.5,
) -> tuple[ScenarioBatch, pd.DataFrame]:
    """One member per (actor, target, instrument); returns the batch and the member table."""
    unknown = [r for r in regions if r not in net.regions]
    if unknown:
        msg = f"unknown region(s) {', '.join(unknown)}; expected codes of dataset {net.name!r}"
        raise NotFoundError(msg)
    node_region = np.asarray(net.regions)[net.node_region]
    node_product = np.asarray(net.products)[net.node_product]
    link_src_region = node_region[net.link_src]
    link_dst_region = node_region[net.link_dst]
    link_product = node_product[net.link_src]
    fd_src_region = node_region[net.fd_node]
    fd_region = np.asarray(net.regions)[net.fd_region]
    fd_product = node_product[net.fd_node]
    rows: list[dict[str, Any]] = []
    selections: list[tuple[np.ndarray, np.ndarray]] = []
    for actor in regions:
        menu = _menu(net, actor, share_threshold)
        for target in regions:
            if target == actor:
                continue
            for name, products in menu:
                links = np.flatnonzero(
                    (link_src_region == actor)
                    & (link_dst_region == target)
                    & np.isin(link_product, products)
                )
                finals = np.flatnonzero(
                    (fd_src_region == actor) & (fd_region == target) & np.isin(fd_product, products)
                )
                if not len(links) and not len(finals):
                    continue  # the actor sells the target none of these products: no lever
                rows.append(
                    {
                        "actor": actor,
                        "target": target,
                        "instrument": name,
                        "links": len(links),
                        "final_demand": len(finals),
                    }
                )
                selections.append((links.astype(np.int64), finals.astype(np.int64)))
    size = len(rows)
    rules: list[Rule] = []
    for i, (links, finals) in enumerate(selections):
        values = np.ones((size, 1))
        values[i, 0] = 0.0
        if len(links):
            rules.append(Rule("permit", links, 0, values, length=horizon_days, label=f"member {i}"))
        if len(finals):
            rules.append(
                Rule(
                    "final_permit",
                    finals,
                    0,
                    values,
                    length=horizon_days,
                    label=f"member {i}",
                )
            )
    members = pd.DataFrame(rows)
    names = [f"{r['actor']}->{r['target']}: {r['instrument']}" for r in rows]
    batch = ScenarioBatch(
        name="leverage-matrix",
        horizon=horizon_days,
        members=names,
        rules=rules,
        actors=list(regions),
        assumptions=[
            f"each instrument stops the actor's shipments of the listed products to the target for all {horizon_days} days",
            "the target's other suppliers, stocks and qualified alternatives respond as the engine's rules say",
        ],
    )
    return batch, members


def leverage_matrix(
    net: CompiledNetwork,
    regions: Sequence[str],
    *,
    horizon_days: int = 180,
    share_threshold: float = 0.5,
    params: Any = None,
) -> LeverageResult:
    """Simulate every (actor, target, instrument) as one batch and summarise leverage (module docstring)."""
    from chokepoint.engine import simulate

    batch, members = leverage_batch(
        net, regions, horizon_days=horizon_days, share_threshold=share_threshold
    )
    ds = simulate(net, batch, params, record="full")
    lost = value_lost_by_region(net, ds)  # (S, R)
    region_ids = {str(r): i for i, r in enumerate(net.regions)}
    actor_ids = members["actor"].map(region_ids).to_numpy()
    target_ids = members["target"].map(region_ids).to_numpy()
    rows = np.arange(len(members))
    members = members.assign(
        damage_usd=lost[rows, target_ids],
        own_cost_usd=lost[rows, actor_ids],
        time_to_pain_day=_target_pain(ds, members["target"].to_numpy()),
    )
    members["damage_to_cost"] = members["damage_usd"] / members["own_cost_usd"].where(
        members["own_cost_usd"] > 0
    )
    best = members.sort_values(
        ["damage_usd", "own_cost_usd"], ascending=[False, True]
    ).drop_duplicates(["actor", "target"])
    matrix = best.sort_values(["actor", "target"]).reset_index(drop=True)
    pairs = _symmetry(matrix)
    return LeverageResult(members, matrix, pairs)


def _target_pain(ds: Any, targets: np.ndarray) -> np.ndarray:
    """First day any of the target's region-products falls below 95% of baseline (NaN if never)."""
    table = ds.cp.time_to_pain()
    table = table.assign(day=pd.to_numeric(table["day"], errors="coerce"))
    first = table.groupby(["member", "region"])["day"].min()
    names = list(ds["scenario"].to_numpy())
    return np.array([first.get((names[i], t), np.nan) for i, t in enumerate(targets)], dtype=float)


def _symmetry(matrix: pd.DataFrame) -> pd.DataFrame:
    damage = {
        (a, t): d
        for a, t, d in zip(matrix["actor"], matrix["target"], matrix["damage_usd"], strict=True)
    }
    pain = {
        (a, t): d
        for a, t, d in zip(
            matrix["actor"], matrix["target"], matrix["time_to_pain_day"], strict=True
        )
    }
    out = []
    for a, b in sorted({tuple(sorted(k)) for k in damage}):
        d_ab, d_ba = damage.get((a, b), 0.0), damage.get((b, a), 0.0)
        hi = max(d_ab, d_ba)
        out.append(
            {
                "region_a": a,
                "region_b": b,
                "damage_a_to_b_usd": d_ab,
                "damage_b_to_a_usd": d_ba,
                "symmetry": min(d_ab, d_ba) / hi if hi > 0 else 1.0,
                "stronger": a if d_ab > d_ba else b if d_ba > d_ab else "",
                "pain_day_b": pain.get((a, b), np.nan),
                "pain_day_a": pain.get((b, a), np.nan),
            }
        )
    return pd.DataFrame(out)
