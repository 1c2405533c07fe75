"""Node order for memory locality: the engine may run a network with its nodes renumbered.

Every day each link reads its supplier's delivery ratio, a scattered read whose cost depends on
the node order alone: when consecutive buyers buy from suppliers stored near each other, the rows
they read are still in the cache. Networks are rarely listed that way (by region, or in whatever
order the data came), and at 10 million links a random order makes the day about twice as slow
(docs/engine.md). :func:`locality_order` finds an order in which buyers read nearby suppliers;
:class:`Relabel` runs a network in that order and gives results back in the network's own order.

The order is a labelling only: the same network, the same scenario, the same equations. Results
agree with a run in the given order up to the rounding of sums taken in another order.

Method: reverse Cuthill–McKee on the undirected buyer–supplier graph (scipy) puts linked nodes
near each other; then a few barycentric sweeps — each node is placed at the mean position of its
suppliers (a node without suppliers keeps its place), and the nodes are renumbered in that order —
bring together buyers that read the same suppliers.

A run renumbered (``node_order="locality"``; ``"auto"`` does so from 500,000 links) gives the
results of a run in the given order:

>>> import numpy as np
>>> import chokepoint as cp
>>> from chokepoint.scenario.batch import Rule, ScenarioBatch
>>> net = cp.build_network(cp.load_dataset("toy"))
>>> ban = Rule("permit", np.array([2, 3]), 0, np.zeros((1, 1)), 60)
>>> batch = ScenarioBatch("ban", 60, ["ban"], [ban])
>>> given = cp.simulate(net, batch, cp.EngineParams(node_order="given"))
>>> renumbered = cp.simulate(net, batch, cp.EngineParams(node_order="locality"))
>>> bool(np.allclose(renumbered["output"], given["output"], rtol=1e-9))
True
>>> list(renumbered["node"].values) == list(net.node_ids)
True
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

from chokepoint.engine.recorder import RawRecords
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.batch import Rule, ScenarioBatch

IntArray = npt.NDArray[np.int64]
NodeOrder = Literal["auto", "given", "locality"]

LOCALITY_MIN_LINKS = 500_000
"""``node_order="auto"`` renumbers networks of this many links or more. Below it the supplier rows
a day reads fit in the caches whatever the order (100k nodes: 1.6 MB at batch 1)."""

SWEEPS = 8
"""Barycentric sweeps after reverse Cuthill–McKee (at 1M nodes each takes about 0.2 s; more sweeps
changed the benchmark network's cache behaviour little)."""

_orders: weakref.WeakKeyDictionary[CompiledNetwork, IntArray] = weakref.WeakKeyDictionary()


def wants_locality(net: CompiledNetwork, node_order: NodeOrder) -> bool:
    """Whether a run of ``net`` renumbers its nodes under the ``node_order`` setting."""
    if node_order == "auto":
        return net.n_links >= LOCALITY_MIN_LINKS
    return node_order == "locality"


def locality_order(net: CompiledNetwork) -> IntArray:
    """The engine's node order for ``net``: ``order[i]`` is the network node placed i-th.

    Computed once per network object (kept while the network lives).
    """
    cached = _orders.get(net)
    if cached is not None:
        return cached
    n = net.n_nodes
    src, dst = np.asarray(net.link_src), np.asarray(net.link_dst)
    ones = np.ones(len(src), dtype=np.int32)  # (the values do not matter, only the pattern)
    graph = sp.coo_matrix((ones, (src, dst)), shape=(n, n)).tocsr()
    graph = (graph + graph.T).tocsr()
    order = np.asarray(reverse_cuthill_mckee(graph, symmetric_mode=True), dtype=np.int64)
    position = np.empty(n, dtype=np.float64)
    position[order] = np.arange(n)
    suppliers = np.bincount(dst, minlength=n)
    for _ in range(SWEEPS):
        mean = np.bincount(dst, weights=position[src], minlength=n) / np.maximum(suppliers, 1)
        key = np.where(suppliers > 0, mean, position)
        order = np.argsort(key, kind="stable").astype(np.int64)
        position[order] = np.arange(n)
    _orders[net] = order
    return order


def _grouped(indptr: IntArray, order: IntArray) -> IntArray:
    """The rows of CSR groups (group g: ``indptr[g]:indptr[g+1]``) listed group by group in
    ``order``, each group's rows in their order: a stable sort by new group number, without sorting."""
    starts, counts = indptr[order], np.diff(indptr)[order]
    offsets = np.cumsum(counts) - counts
    return (np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))).astype(np.int64)


def _rank(order: IntArray) -> IntArray:
    """The inverse permutation: ``rank[order[i]] = i``."""
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order), dtype=order.dtype)
    return rank


_NODE_FIELDS = (
    "node_ids",
    "node_region",
    "node_product",
    "node_firm",
    "node_owner",
    "capacity",
    "output",
)
"""Per-node fields of a :class:`CompiledNetwork`, moved with their nodes."""
_PAIR_FIELDS = (
    "pair_product",
    "pair_amount",
    "pair_group",
    "stock_target_days",
    "stock_initial_days",
    "stock_strategic_days",
)
"""Per-pair fields moved with their pairs (``pair_node`` is renumbered too)."""
_LINK_FIELDS = ("link_flow", "link_lead_time")
"""Per-link fields moved with their links (the node and pair indices are renumbered too)."""
_RECORD_NODE_FIELDS = (
    "node_region",
    "node_product",
    "node_firm",
    "node_members",
    "baseline_output",
    "baseline_capacity",
    "baseline_exports",
)
"""Per-node fields of :class:`RawRecords` put back in the network's order."""


@dataclass(frozen=True)
class Relabel:
    """A network renumbered: ``network`` lists node i as the original node ``node_order[i]``.

    Input pairs follow their nodes (still sorted by node) and links their suppliers (still sorted
    by supplier); final-demand entries and alternatives keep their places. :meth:`batch` moves a
    scenario's rule indices onto the new numbering, :meth:`records` puts a run's records back in
    the original one.
    """

    network: CompiledNetwork
    node_order: IntArray
    node_rank: IntArray
    pair_rank: IntArray
    link_rank: IntArray

    @staticmethod
    def of(net: CompiledNetwork, order: IntArray) -> Relabel:
        """``net`` with node ``order[i]`` numbered i."""
        rank = _rank(order)
        pair_order = _grouped(np.asarray(net.pair_indptr, dtype=np.int64), order)
        pair_rank = _rank(pair_order)
        pair_node = rank[net.pair_node]
        link_order = _grouped(np.asarray(net.link_indptr, dtype=np.int64), order)
        link_src = rank[net.link_src[link_order]]
        n = net.n_nodes
        moved = {name: getattr(net, name)[order] for name in _NODE_FIELDS}
        moved |= {name: getattr(net, name)[pair_order] for name in _PAIR_FIELDS}
        moved |= {name: getattr(net, name)[link_order] for name in _LINK_FIELDS}
        renumbered = dataclasses.replace(
            net,
            **moved,
            pair_node=pair_node[pair_order],
            group_node=rank[net.group_node],
            pair_indptr=np.searchsorted(pair_node[pair_order], np.arange(n + 1)).astype(np.int64),
            link_src=link_src,
            link_dst=rank[net.link_dst[link_order]],
            link_pair=pair_rank[net.link_pair[link_order]],
            link_indptr=np.searchsorted(link_src, np.arange(n + 1)).astype(np.int64),
            fd_node=rank[net.fd_node],
            alt_pair=np.where(net.alt_pair >= 0, pair_rank[np.maximum(net.alt_pair, 0)], -1),
            alt_src=rank[net.alt_src],
        )
        return Relabel(renumbered, order, rank, pair_rank, _rank(link_order))

    def batch(self, batch: ScenarioBatch) -> ScenarioBatch:
        """``batch`` with every rule's indices in the new numbering (link indices ≥ E, which name
        alternatives, are unchanged)."""
        e = len(self.link_rank)

        def moved(rule: Rule) -> Rule:
            index = np.asarray(rule.index, dtype=np.int64)
            if rule.kind in ("permit", "quota"):
                inside = index < e
                index = np.where(inside, self.link_rank[np.where(inside, index, 0)], index)
            elif rule.kind in ("capacity_factor", "capacity_add"):
                index = self.node_rank[index]
            elif rule.kind in ("stock_release", "requirement_factor", "target_factor"):
                index = self.pair_rank[index]
            return dataclasses.replace(rule, index=index)

        return dataclasses.replace(batch, rules=[moved(r) for r in batch.rules])

    def records(self, rec: RawRecords) -> RawRecords:
        """Records of a run of :attr:`network`, in the original node numbering."""
        final_node = self.node_order[rec.final_node]
        if rec.mode == "summary":  # rows are markets, whatever the node order
            return dataclasses.replace(rec, final_node=final_node)
        rank = self.node_rank
        return dataclasses.replace(
            rec,
            **{name: getattr(rec, name)[rank] for name in _RECORD_NODE_FIELDS},
            node={name: values[..., rank] for name, values in rec.node.items()},
            final_node=final_node,
        )
