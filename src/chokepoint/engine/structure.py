"""The engine's view of a network: flat arrays in CSR order, alternatives as dormant links.

Built once per run from a :class:`~chokepoint.network.CompiledNetwork` (labels stay behind). The
day kernels (:mod:`chokepoint.engine.fused`) walk nodes and input pairs in order, so everything a
node or pair owns is contiguous: the pairs of node n are ``pair_ptr[n]:pair_ptr[n+1]``, its
substitution groups ``group_ptr[n]:group_ptr[n+1]``, its final-demand entries
``fd_order[fd_ptr[n]:fd_ptr[n+1]]``; the links of pair k are ``link_ptr[k]:link_ptr[k+1]`` and its
in-transit pipeline is the ring ``ring_ptr[k]:ring_ptr[k+1]`` (one slot per day up to the pair's
longest lead time). Each link also has a *slot* in a layout binned by supplier: the suppliers
``b·R .. (b+1)·R − 1`` (R = ``bin_size``) own the slots ``bin_ptr[b]:bin_ptr[b+1]``, in link order.
Buyers write their orders per link into their slots — a few hundred sequential streams, one per
bin, instead of scattered writes — and a node sums its bin's slots within a block small enough
for the cache (propagation blocking). Two more things differ from the compiled network:

* every alternative supplier a becomes a *dormant link* (baseline flow 0, sourcing share 0) appended
  after the E network links, so adaptation can move orders onto it once it is qualified; its lead
  time is the longest lead time of the buyer pair's current links (1 day if it has none);
* lead times are clipped to ``[1, pipeline_max_days]`` (a shipment is usable the day after it is sent
  at the earliest).
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
    pair_ptr: IntArray  # pairs of node n: pair_ptr[n]:pair_ptr[n+1] [n+1]
    pair_node: IntArray
    pair_product: IntArray
    pair_group: IntArray  # group of pair k; the groups of node n are group_ptr[n]:group_ptr[n+1]
    pair_amount: FloatArray  # a_k [m]
    pair_use: FloatArray  # ū_k baseline inflow = use [m]
    pair_market: IntArray  # market of the buyer pair (buyer region, input product) [m]
    stock_target_days: FloatArray  # tau_k [m]
    stock_initial_days: FloatArray
    stock_strategic: FloatArray  # strategic stock, units [m]
    group_ptr: IntArray  # [n+1]
    group_product: IntArray  # input product of the group's first pair [G]
    link_ptr: IntArray  # links of pair k: link_ptr[k]:link_ptr[k+1] [m+1]
    link_src: IntArray  # u(e) [E']
    link_pair: IntArray  # k(e) [E']
    link_flow: FloatArray  # f_e (0 for alternatives) [E']
    link_lead: IntArray  # L_e >= 1 [E']
    link_share: FloatArray  # baseline σ_e [E']
    link_export: BoolArray  # region(u) != region(b) [E']
    link_alt_days: IntArray  # qualification days (-1 for a network link) [E']
    link_position: IntArray  # engine position of network link e (then of alternative E + a) [E']
    ring_ptr: IntArray  # pipeline slots of pair k: ring_ptr[k]:ring_ptr[k+1], one per day [m+1]
    bin_size: int  # R, suppliers per bin
    bin_ptr: IntArray  # slots of bin b: bin_ptr[b]:bin_ptr[b+1] [ceil(n / R) + 1]
    link_slot: IntArray  # slot of each engine link [E']
    slot_src: IntArray  # supplier u(e) of the link in each slot [E']
    slot_export: BoolArray  # whether that link crosses a border [E']
    fd_node: IntArray
    fd_region: IntArray
    fd_quantity: FloatArray
    fd_market: IntArray
    fd_export: BoolArray
    fd_ptr: IntArray  # final-demand entries of node n: fd_order[fd_ptr[n]:fd_ptr[n+1]] [n+1]
    fd_order: IntArray
    market_region: IntArray  # [M]
    market_product: IntArray  # [M]

    @property
    def has_alternatives(self) -> bool:
        """Whether any dormant alternative link exists."""
        return self.n_links > self.n_network_links

    @property
    def ring_slots(self) -> int:
        """Slots of the pipeline ring over all pairs (Σ_k max lead time of pair k)."""
        return int(self.ring_ptr[-1])


BIN_SIZE = 8192
"""Suppliers per bin (at most): the bin's order sums, (R, 2, S) values, stay in the core's L2
cache."""


def _ptr(keys: IntArray, size: int) -> IntArray:
    """CSR pointer of sorted ``keys`` in ``[0, size)``: elements of key i are ``ptr[i]:ptr[i+1]``."""
    return np.searchsorted(keys, np.arange(size + 1)).astype(np.int64)


def _sort_order(major: IntArray, middle: IntArray, minor: IntArray, minor_size: int) -> IntArray:
    """The stable order by (``major``, ``middle``, ``minor``) — ``np.lexsort((minor, middle,
    major))`` — as one stable argsort of a combined key when it fits in 64 bits (3x faster at
    10 million links); ``minor`` < ``minor_size``, every array ≥ 0."""
    if not len(major):
        return np.zeros(0, dtype=np.int64)
    width = int(middle.max()) + 1
    if (int(major.max()) + 1) * width * max(minor_size, 1) >= 2**62:
        return np.lexsort((minor, middle, major)).astype(np.int64)
    key = (major.astype(np.int64) * width + middle) * minor_size + minor
    return np.argsort(key, kind="stable").astype(np.int64)


def _dense_codes(keys: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """``np.unique(keys, return_inverse=True)`` for keys in [0, ``size``), by counting."""
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    code = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64), code[keys]


def prepare(net: CompiledNetwork, pipeline_max_days: int, dtype: str = "float64") -> EngineNet:
    """Flatten ``net`` into an :class:`EngineNet` (vectorised; alternatives become dormant links)."""
    ft = np.dtype(dtype)
    n, m = net.n_nodes, net.n_pairs
    n_regions, n_products = len(net.regions), len(net.products)
    pair_use = net.pair_inflow()
    e0 = net.n_links
    if m and bool(np.any(np.diff(net.pair_node) < 0)):
        msg = "compiled network: input pairs must be sorted by node (pair_indptr)"
        raise ValueError(msg)

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
    # Engine order: by buyer pair, then lead time, then supplier: a pair's links, its orders and
    # its pipeline ring are read together in one sequential sweep.
    order = _sort_order(link_pair, link_lead, link_src, n)
    link_position = np.empty_like(order)
    link_position[order] = np.arange(len(order), dtype=np.int64)
    link_src, link_pair, link_dst = link_src[order], link_pair[order], link_dst[order]
    link_flow, link_lead, link_alt_days = link_flow[order], link_lead[order], link_alt_days[order]
    share = share[order]
    link_export = net.node_region[link_src] != net.node_region[link_dst]
    ring_len = np.maximum(max_lead_pair, 1)
    bin_size = max(1, min(BIN_SIZE, n))  # a small network is one bin of its own size
    link_bin = link_src // bin_size
    narrow = link_bin.astype(np.int16) if link_bin.max(initial=0) < 2**15 else link_bin
    slot_link = np.argsort(narrow, kind="stable").astype(np.int64)  # (16 bits: a radix sort)
    link_slot = np.empty_like(slot_link)
    link_slot[slot_link] = np.arange(len(slot_link), dtype=np.int64)

    # Markets = (region, product) of sellers (nodes), buyers (pairs) and final demand.
    node_key = net.node_region * n_products + net.node_product
    pair_key = net.node_region[net.pair_node] * n_products + net.pair_product
    fd_key = net.fd_region * n_products + net.node_product[net.fd_node]
    keys, inverse = _dense_codes(
        np.concatenate([node_key, pair_key, fd_key]), n_regions * n_products
    )

    # Groups numbered by node (stable), so a node's groups are contiguous.
    n_groups = net.n_groups
    group_order = np.argsort(net.group_node, kind="stable")
    group_rank = np.empty(n_groups, dtype=np.int64)
    group_rank[group_order] = np.arange(n_groups, dtype=np.int64)
    pair_group = group_rank[net.pair_group] if m else net.pair_group.astype(np.int64)
    group_node = net.group_node[group_order]
    first_pair = np.full(n_groups, -1, dtype=np.int64)
    if m:
        first_pair[pair_group[::-1]] = np.arange(m - 1, -1, -1)
    group_product = np.where(first_pair >= 0, net.pair_product[np.maximum(first_pair, 0)], -1)
    fd_order = np.argsort(net.fd_node, kind="stable").astype(np.int64)

    # 32-bit indices halve the bandwidth of the per-link passes (up to 2^31 nodes and pairs).
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
        node_market=inverse[:n],
        pair_ptr=np.asarray(net.pair_indptr, dtype=np.int64),
        pair_node=net.pair_node,
        pair_product=net.pair_product,
        pair_group=pair_group.astype(np.int64),
        pair_amount=net.pair_amount.astype(ft),
        pair_use=pair_use.astype(ft),
        pair_market=inverse[n : n + m],
        stock_target_days=net.stock_target_days.astype(ft),
        stock_initial_days=net.stock_initial_days.astype(ft),
        stock_strategic=(net.stock_strategic_days * pair_use).astype(ft),
        group_ptr=_ptr(group_node, n),
        group_product=group_product.astype(np.int64),
        link_ptr=_ptr(link_pair, m),
        link_src=link_src.astype(index_type),
        link_pair=link_pair.astype(index_type),
        link_flow=link_flow.astype(ft),
        link_lead=link_lead.astype(np.int16 if pipeline_max_days < 2**15 else np.int32),
        link_share=share.astype(ft),
        link_export=link_export,
        link_alt_days=link_alt_days.astype(np.int32),
        link_position=link_position,
        ring_ptr=np.concatenate([[0], np.cumsum(ring_len)]).astype(np.int64),
        bin_size=bin_size,
        bin_ptr=_ptr(link_bin[slot_link], -(-n // bin_size)),
        link_slot=link_slot.astype(index_type),
        slot_src=link_src[slot_link].astype(index_type),
        slot_export=link_export[slot_link],
        fd_node=net.fd_node,
        fd_region=net.fd_region,
        fd_quantity=net.fd_quantity.astype(ft),
        fd_market=inverse[n + m :],
        fd_export=net.fd_region != net.node_region[net.fd_node],
        fd_ptr=_ptr(net.fd_node[fd_order], n),
        fd_order=fd_order,
        market_region=(keys // n_products).astype(np.int64),
        market_product=(keys % n_products).astype(np.int64),
    )
