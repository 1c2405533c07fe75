"""Balance: check it, and an explicit balancing step for raw data that reports what it changed.

A network is balanced when every node's output equals its deliveries plus final demand, and every
buyer's inputs equal recipe x output (DESIGN §3). Raw figures from different sources rarely agree,
so :func:`balance` recomputes outputs and flows from final demand, keeping each buyer's sourcing
shares: with c_e = σ_e · w_k(e) · a_k(e) (σ_e the link's share of its input pair, w_k the pair's
share of its substitution group), the Leontief system ``x = C x + d`` gives every node's output and
``f_e = c_e x_{b(e)}`` every flow. Every change above the tolerance is listed; nothing is silent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from chokepoint.errors import InputError, Problem
from chokepoint.network.compile import CompiledNetwork, compile_network
from chokepoint.network.schema import node_id
from chokepoint.network.tables import NetworkTables
from chokepoint.network.validate import DEFAULT_BALANCE_TOLERANCE


@dataclass(frozen=True)
class BalanceReport:
    """Gaps per node: ``outputs`` (output vs deliveries + final demand) and ``inputs`` (per group)."""

    outputs: pd.DataFrame
    inputs: pd.DataFrame


def _rel_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(a), np.abs(b))
    return np.divide(np.abs(a - b), scale, out=np.zeros_like(scale), where=scale > 0)


def group_coverage(net: CompiledNetwork) -> np.ndarray:
    """Units of output each substitution group's baseline inflow covers: Σ_{k in g} inflow_k / a_k [G]."""
    inflow = net.pair_inflow()
    per_pair = np.divide(
        inflow, net.pair_amount, out=np.zeros_like(inflow), where=net.pair_amount > 0
    )
    return np.bincount(net.pair_group, per_pair, minlength=net.n_groups)


def balance_report(t: NetworkTables | CompiledNetwork) -> BalanceReport:
    """The output and input gaps of every node (relative gap 0 = balanced)."""
    net = t if isinstance(t, CompiledNetwork) else compile_network(t)
    deliveries = net.deliveries()
    final = net.final_demand_by_node()
    outputs = pd.DataFrame(
        {
            "node": net.node_ids,
            "output": net.output,
            "deliveries": deliveries,
            "final_demand": final,
            "rel_gap": _rel_gap(net.output, deliveries + final),
        }
    )
    has_amount = np.bincount(net.pair_group, net.pair_amount > 0, minlength=net.n_groups) > 0
    covered = group_coverage(net)
    group_output = net.output[net.group_node]
    first_pair = np.full(net.n_groups, -1, dtype=np.int64)
    first_pair[net.pair_group[::-1]] = np.arange(net.n_pairs)[::-1]
    label = net.products[net.pair_product[first_pair]] if net.n_pairs else pd.Index([])
    inputs = pd.DataFrame(
        {
            "node": net.node_ids[net.group_node],
            "group": np.asarray(label, dtype=object),
            "covered": covered,
            "output": group_output,
            "rel_gap": np.where(has_amount, _rel_gap(covered, group_output), 0.0),
        }
    )
    return BalanceReport(outputs, inputs)


def balance(
    t: NetworkTables,
    *,
    tolerance: float = DEFAULT_BALANCE_TOLERANCE,
    raise_capacity: bool = False,
) -> tuple[NetworkTables, pd.DataFrame]:
    """Recompute outputs and link flows from final demand and sourcing shares.

    Returns the balanced tables and a table of changes (``table, row, column, old, new,
    rel_change``) for every value that moved by more than ``tolerance``. A node whose new output
    exceeds its capacity is an error unless ``raise_capacity`` (then the capacity is raised and
    listed among the changes). A group with a recipe but no supplier at all is an error, and so
    is a ``tolerance`` that is not a finite number ≥ 0 (NaN would list no change at all).
    """
    try:
        tol = float(tolerance)
    except (TypeError, ValueError):
        tol = float("nan")
    if not (np.isfinite(tol) and tol >= 0):
        raise InputError(
            f"balancing dataset {t.name!r}",
            [Problem("tolerance", f"expected a finite number ≥ 0, got {tolerance!r}")],
        )
    net = compile_network(t)
    n = net.n_nodes
    covered = group_coverage(net)
    inflow = net.pair_inflow()
    per_pair = np.divide(
        inflow, net.pair_amount, out=np.zeros_like(inflow), where=net.pair_amount > 0
    )
    group_cov = covered[net.pair_group]
    weight = np.divide(per_pair, group_cov, out=np.zeros_like(per_pair), where=group_cov > 0)
    problems: list[Problem] = []
    needs = np.bincount(net.pair_group, net.pair_amount > 0, minlength=net.n_groups) > 0
    orphan = np.flatnonzero(needs & (covered <= 0) & (net.output[net.group_node] > 0))
    for g in orphan:
        k = int(np.flatnonzero(net.pair_group == g)[0])
        problems.append(
            Problem(
                "balance",
                f"node {net.node_ids[net.group_node[g]]}: no supplier of input {net.products[net.pair_product[k]]!r}; expected at least one link",
            )
        )
    if problems:
        raise InputError(f"balancing dataset {t.name!r}", problems)
    coeff = net.link_share() * weight[net.link_pair] * net.pair_amount[net.link_pair]
    c = sp.csc_array((coeff, (net.link_src, net.link_dst)), shape=(n, n))
    d = net.final_demand_by_node()
    x = spla.spsolve((sp.identity(n, format="csc") - c).tocsc(), d) if n else np.zeros(0)
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    if not np.all(np.isfinite(x)) or np.any(x < -1e-9):
        msg = "the input-output system has no non-negative solution (a cycle needs more than it makes)"
        raise InputError(f"balancing dataset {t.name!r}", [Problem("balance", msg)])
    x = np.maximum(x, 0.0)
    new_flow = coeff * x[net.link_dst]

    # Map back to table rows (compile sorted links by supplier; recover the original order).
    producers = t.producers.copy()
    prod_ids = node_id(producers["region"], producers["product"], producers["firm"])
    node_pos = net.node_ids.get_indexer(prod_ids)
    new_output = x[node_pos]
    links = t.links.copy()
    src = net.node_ids.get_indexer(links["supplier"])
    dst = net.node_ids.get_indexer(links["buyer"])
    key_sorted = pd.MultiIndex.from_arrays([net.link_src, net.link_dst])
    row_in_sorted = key_sorted.get_indexer(pd.MultiIndex.from_arrays([src, dst]))
    new_links_flow = new_flow[row_in_sorted]

    changes = []
    changes.append(
        _changes("producers", t, producers["output"].to_numpy(), new_output, "output", tolerance)
    )
    changes.append(
        _changes("links", t, links["flow"].to_numpy(), new_links_flow, "flow", tolerance)
    )
    producers["output"] = new_output
    links["flow"] = new_links_flow
    over = new_output > producers["capacity"].to_numpy() * (1 + 1e-9)
    if over.any():
        if not raise_capacity:
            origin = t.origin("producers")
            raise InputError(
                f"balancing dataset {t.name!r}",
                [
                    Problem(
                        origin.at(int(i), "capacity"),
                        f"balanced output {new_output[i]:.6g} exceeds capacity {producers['capacity'].iloc[i]:.6g}",
                    )
                    for i in np.flatnonzero(over)
                ],
            )
        old_cap = producers["capacity"].to_numpy().copy()
        producers["capacity"] = np.maximum(old_cap, new_output)
        changes.append(
            _changes("producers", t, old_cap, producers["capacity"].to_numpy(), "capacity", 0.0)
        )
    report = pd.concat(changes, ignore_index=True)
    return t.replace(producers=producers, links=links), report


def _changes(
    table: str, t: NetworkTables, old: np.ndarray, new: np.ndarray, column: str, tolerance: float
) -> pd.DataFrame:
    rel = _rel_gap(old.astype(np.float64), new.astype(np.float64))
    rows = np.flatnonzero(rel > tolerance)
    origin = t.origin(table)
    return pd.DataFrame(
        {
            "location": [origin.at(int(r), column) for r in rows],
            "table": table,
            "column": column,
            "old": old[rows],
            "new": new[rows],
            "rel_change": rel[rows],
        }
    )
