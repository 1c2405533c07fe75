"""The engine's view of a network: flat arrays, segment maps for reductions, alternatives as links.

Built once per run from a :class:`~chokepoint.network.CompiledNetwork` (labels stay behind). Two
things differ from the compiled network:

* every alternative supplier a becomes a *dormant link* (baseline flow 0, sourcing share 0) appended
  after the E network links, so adaptation can move orders onto it once it is qualified; its lead
  time is the longest lead time of the buyer pair's current links (1 day if it has none);
* lead times are clipped to ``[1, pipeline_max_days]`` (a shipment is usable the day after it is sent
  at the earliest).

Reductions over unsorted keys (links by input pair, pairs by group, shipments by (lead time, pair))
use :class:`Segments`: a stable permutation that makes equal keys contiguous and ``np.add.reduceat``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chokepoint.network.compile import CompiledNetwork

IntArray = npt.NDArray[np.integer]
FloatArray = npt.NDArray[np.floating]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Segments:
    """Sum or min of (S, N) values over N elements grouped by an integer key in ``[0, size)``.

    ``perm`` orders the elements so equal keys are contiguous (``None`` if already sorted),
    ``starts`` are the first positions of the non-empty segments, ``ids`` their keys.
    """

    perm: IntArray | None
    starts: IntArray
    ids: IntArray
    size: int
    n: int
    keys: IntArray | None = None
    """The keys themselves when they are not sorted (then :meth:`sum` uses ``np.bincount``)."""

    @staticmethod
    def from_keys(keys: IntArray, size: int) -> Segments:
        """Segments of ``keys`` [N] (values in ``[0, size)``)."""
        keys = np.asarray(keys, dtype=np.int64)
        n = len(keys)
        if n == 0:
            return Segments(None, np.zeros(0, np.int64), np.zeros(0, np.int64), size, 0)
        is_sorted = bool(np.all(keys[1:] >= keys[:-1]))
        perm = None if is_sorted else np.argsort(keys, kind="stable").astype(np.int64)
        sk = keys if perm is None else keys[perm]
        starts = np.flatnonzero(np.concatenate([[True], sk[1:] != sk[:-1]])).astype(np.int64)
        return Segments(
            perm, starts, sk[starts].astype(np.int64), size, n, None if is_sorted else keys
        )

    def _ordered(self, values: FloatArray) -> FloatArray:
        return values if self.perm is None else values[:, self.perm]

    def sum(self, values: FloatArray) -> FloatArray:
        """Σ over each key: (S, N) -> (S, size); keys without elements get 0."""
        if self.keys is not None:  # unsorted keys: bincount per scenario beats gather + reduceat
            rows = [np.bincount(self.keys, weights=row, minlength=self.size) for row in values]
            stacked = np.stack(rows) if rows else np.zeros((0, self.size))
            return stacked.astype(values.dtype, copy=False)
        out = np.zeros((values.shape[0], self.size), dtype=values.dtype)
        if self.n:
            out[:, self.ids] = np.add.reduceat(self._ordered(values), self.starts, axis=1)
        return out

    def min(self, values: FloatArray, empty: float = np.inf) -> FloatArray:
        """min over each key: (S, N) -> (S, size); keys without elements get ``empty``."""
        out = np.full((values.shape[0], self.size), empty, dtype=values.dtype)
        if self.n:
            out[:, self.ids] = np.minimum.reduceat(self._ordered(values), self.starts, axis=1)
        return out


@dataclass(frozen=True, eq=False)
class EngineNet:
    """Flat arrays of one network for the engine (n nodes, m pairs, G groups, E' = E + A links).

    Network links ``0..E-1`` followed by the alternatives ``E..E+A-1`` are stored in engine order
    (buyer pair, lead time, supplier); ``link_position`` maps a network/alternative id to it.
    """

    n: int
    m: int
    n_groups: int
    n_links: int
    n_network_links: int
    n_final: int
    n_markets: int
    n_regions: int
    n_products: int
    output: FloatArray  # x̄_n [n]
    capacity: FloatArray  # K_n [n]
    node_region: IntArray
    node_product: IntArray
    node_market: IntArray  # market (region, product) of node n [n]
    pair_node: IntArray
    pair_product: IntArray
    pair_group: IntArray
    pair_amount: FloatArray  # a_k [m]
    pair_use: FloatArray  # ū_k baseline inflow = use [m]
    pair_market: IntArray  # market of the buyer pair (buyer region, input product) [m]
    stock_target_days: FloatArray  # tau_k [m]
    stock_initial_days: FloatArray
    stock_strategic: FloatArray  # strategic stock, units [m]
    group_node: IntArray  # [G]
    group_product: IntArray  # input product of the group's first pair [G]
    link_src: IntArray  # u(e) [E']
    link_dst: IntArray
    link_pair: IntArray  # k(e) [E']
    link_flow: FloatArray  # f_e (0 for alternatives) [E']
    link_lead: IntArray  # L_e >= 1 [E']
    link_share: FloatArray  # baseline σ_e [E']
    link_export: BoolArray  # region(u) != region(b) [E']
    link_alt_days: IntArray  # qualification days (-1 for a network link) [E']
    link_position: IntArray  # engine position of network link e (then of alternative E + a) [E']
    pair_link_ptr: (
        IntArray  # links of pair k are pair_links[pair_link_ptr[k]:pair_link_ptr[k+1]] [m+1]
    )
    pair_links: IntArray  # engine link ids sorted by buyer pair [E']
    fd_node: IntArray
    fd_region: IntArray
    fd_quantity: FloatArray
    fd_market: IntArray
    fd_export: BoolArray
    market_region: IntArray  # [M]
    market_product: IntArray  # [M]
    pairs_by_group: Segments
    groups_by_node: Segments
    fd_by_node: Segments
    nodes_by_market: Segments
    pairs_by_market: Segments
    fd_by_market: Segments
    ring_days: int  # B, slots of the pipeline ring buffer

    @property
    def has_alternatives(self) -> bool:
        """Whether any dormant alternative link exists."""
        return self.n_links > self.n_network_links


def prepare(net: CompiledNetwork, pipeline_max_days: int, dtype: str = "float64") -> EngineNet:
    """Flatten ``net`` into an :class:`EngineNet` (vectorised; alternatives become dormant links)."""
    ft = np.dtype(dtype)
    n, m = net.n_nodes, net.n_pairs
    n_regions, n_products = len(net.regions), len(net.products)
    pair_use = net.pair_inflow()
    e0 = net.n_links

    # Alternatives -> dormant links (drop those whose buyer pair does not exist).
    ok = net.alt_pair >= 0
    alt_pair = net.alt_pair[ok]
    alt_src = net.alt_src[ok]
    alt_days = net.alt_qualification_days[ok]
    lead = np.clip(net.link_lead_time, 1, pipeline_max_days).astype(np.int64)
    max_lead_pair = np.zeros(m, dtype=np.int64)
    if e0:
        np.maximum.at(max_lead_pair, net.link_pair, lead)
    alt_lead = np.maximum(max_lead_pair[alt_pair], 1) if len(alt_pair) else alt_pair
    link_src = np.concatenate([net.link_src, alt_src]).astype(np.int64)
    link_pair = np.concatenate([net.link_pair, alt_pair]).astype(np.int64)
    link_dst = net.pair_node[link_pair].astype(np.int64)
    link_flow = np.concatenate([net.link_flow, np.zeros(len(alt_pair))])
    link_lead = np.concatenate([lead, alt_lead]).astype(np.int64)
    link_alt_days = np.concatenate([np.full(e0, -1), alt_days]).astype(np.int64)
    share = np.concatenate([net.link_share(), np.zeros(len(alt_pair))])
    # Engine order: by buyer pair, then lead time, then supplier: the per-pair sums and the
    # adaptation read contiguous runs, and the ring buffer is written in B sequential streams.
    order = np.lexsort((link_src, link_pair, link_lead)).astype(np.int64)
    link_position = np.empty_like(order)
    link_position[order] = np.arange(len(order), dtype=np.int64)
    link_src, link_pair, link_dst = link_src[order], link_pair[order], link_dst[order]
    link_flow, link_lead, link_alt_days = link_flow[order], link_lead[order], link_alt_days[order]
    share = share[order]
    link_export = net.node_region[link_src] != net.node_region[link_dst]
    pair_links = np.argsort(link_pair, kind="stable").astype(np.int64)

    # Markets = (region, product) of sellers (nodes), buyers (pairs) and final demand.
    node_key = net.node_region * n_products + net.node_product
    pair_key = net.node_region[net.pair_node] * n_products + net.pair_product
    fd_key = net.fd_region * n_products + net.node_product[net.fd_node]
    keys, inverse = np.unique(np.concatenate([node_key, pair_key, fd_key]), return_inverse=True)
    inverse = inverse.astype(np.int64)
    node_market = inverse[:n]
    pair_market = inverse[n : n + m]
    fd_market = inverse[n + m :]

    n_groups = net.n_groups
    first_pair = np.full(n_groups, -1, dtype=np.int64)
    if m:
        first_pair[net.pair_group[::-1]] = np.arange(m - 1, -1, -1)
    group_product = np.where(first_pair >= 0, net.pair_product[np.maximum(first_pair, 0)], -1)

    ring_days = int(max(1, link_lead.max() if len(link_lead) else 1))
    # 32-bit link indices halve the bandwidth of the per-link passes (up to 2^31 nodes and pairs).
    index_type = np.int32 if max(n, m, len(link_src)) < 2**31 - 1 else np.int64
    return EngineNet(
        n=n,
        m=m,
        n_groups=n_groups,
        n_links=len(link_src),
        n_network_links=e0,
        n_final=len(net.fd_node),
        n_markets=len(keys),
        n_regions=n_regions,
        n_products=n_products,
        output=net.output.astype(ft),
        capacity=net.capacity.astype(ft),
        node_region=net.node_region,
        node_product=net.node_product,
        node_market=node_market,
        pair_node=net.pair_node,
        pair_product=net.pair_product,
        pair_group=net.pair_group,
        pair_amount=net.pair_amount.astype(ft),
        pair_use=pair_use.astype(ft),
        pair_market=pair_market,
        stock_target_days=net.stock_target_days.astype(ft),
        stock_initial_days=net.stock_initial_days.astype(ft),
        stock_strategic=(net.stock_strategic_days * pair_use).astype(ft),
        group_node=net.group_node,
        group_product=group_product.astype(np.int64),
        link_src=link_src.astype(index_type),
        link_dst=link_dst,
        link_pair=link_pair.astype(index_type),
        link_flow=link_flow.astype(ft),
        link_lead=link_lead.astype(np.int32),
        link_share=share.astype(ft),
        link_export=link_export,
        link_alt_days=link_alt_days.astype(np.int32),
        link_position=link_position,
        pair_link_ptr=np.searchsorted(link_pair[pair_links], np.arange(m + 1)).astype(np.int64),
        pair_links=pair_links.astype(index_type),
        fd_node=net.fd_node,
        fd_region=net.fd_region,
        fd_quantity=net.fd_quantity.astype(ft),
        fd_market=fd_market,
        fd_export=net.fd_region != net.node_region[net.fd_node],
        market_region=(keys // n_products).astype(np.int64),
        market_product=(keys % n_products).astype(np.int64),
        pairs_by_group=Segments.from_keys(net.pair_group, n_groups),
        groups_by_node=Segments.from_keys(net.group_node, n),
        fd_by_node=Segments.from_keys(net.fd_node, n),
        nodes_by_market=Segments.from_keys(node_market, len(keys)),
        pairs_by_market=Segments.from_keys(pair_market, len(keys)),
        fd_by_market=Segments.from_keys(fd_market, len(keys)),
        ring_days=ring_days,
    )
