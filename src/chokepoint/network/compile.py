"""Compilation: validated tables -> an immutable, integer-indexed structure for the engine.

Labels stop here. Nodes n, input pairs k = (n, q), substitution groups g, links e, final-demand
entries f and alternatives are integer ids into flat arrays; input pairs are sorted by node and links
by supplier, each with a CSR ``indptr``. Everything is built with vectorised pandas/numpy
operations (no Python loop over rows), so a million-node network compiles in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from chokepoint.network._lookup import positions
from chokepoint.network.schema import STAGES, node_id, unit_labels
from chokepoint.network.tables import NetworkTables

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """A network as arrays (shapes in brackets; n nodes, m input pairs, G groups, E links, F final demands).

    Labels (``regions``, ``products``, ``node_ids``...) are kept only to label results.
    """

    name: str
    regions: pd.Index
    """Region codes; ``node_region`` etc. index into it."""
    products: pd.Index
    """Product codes."""
    firms: pd.Index
    """Firm names (``node_firm`` = -1 for a region's aggregate node)."""
    node_ids: pd.Index
    """Node ids ``REGION/product[/firm]`` [n]."""
    node_region: IntArray
    node_product: IntArray
    node_firm: IntArray
    node_owner: IntArray
    """Region of the node's owner [n] (the node's own region unless a firm owner is given)."""
    capacity: FloatArray
    """K_n, units/day of the node's product (``product_unit``) [n]."""
    output: FloatArray
    """Baseline output x̄_n, units/day of the node's product [n]."""
    unit_value: FloatArray
    """USD per unit of each product [P]."""
    product_stage: IntArray
    """Index into :data:`~chokepoint.network.schema.STAGES` per product [P]."""
    pair_node: IntArray
    """Node of input pair k [m] (sorted by node)."""
    pair_product: IntArray
    """Input product q of pair k [m]."""
    pair_amount: FloatArray
    """a_k: input per unit of the node's output [m]."""
    pair_group: IntArray
    """Substitution group g of pair k [m]; a pair outside any group is its own group."""
    group_node: IntArray
    """Node of group g [G]."""
    pair_indptr: IntArray
    """CSR pointer: pairs of node n are ``pair_indptr[n]:pair_indptr[n+1]`` [n+1]."""
    stock_target_days: FloatArray
    """tau_k: inventory target in days of baseline use [m]."""
    stock_initial_days: FloatArray
    """Inventory at day 0 in days of baseline use [m]."""
    stock_strategic_days: FloatArray
    """Strategic stockpile in days of baseline use [m]."""
    link_src: IntArray
    """Supplier node u(e) [E] (sorted by supplier)."""
    link_dst: IntArray
    """Buyer node b(e) [E]."""
    link_pair: IntArray
    """Buyer input pair k(e) [E]."""
    link_flow: FloatArray
    """Baseline flow, supplier units/day [E]."""
    link_lead_time: IntArray
    """L_e, days [E]."""
    link_indptr: IntArray
    """CSR pointer: links of supplier n are ``link_indptr[n]:link_indptr[n+1]`` [n+1]."""
    fd_node: IntArray
    """Node serving final demand f [F]."""
    fd_region: IntArray
    """Region of final demand f [F]."""
    fd_quantity: FloatArray
    """Baseline final demand, units/day [F]."""
    alt_pair: IntArray
    """Buyer input pair of alternative a [A]."""
    alt_src: IntArray
    """Potential supplier node of alternative a [A]."""
    alt_qualification_days: IntArray
    """Days to qualify alternative a [A]."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    product_unit: StrArray = field(default_factory=lambda: np.empty(0, dtype=str))
    """Physical unit of each product (``products.unit``: t, vehicle, kWh, M.USD...) [P].

    Quantities of a node (capacity, output, flows it ships, final demand it serves) are in its
    product's unit. A blank unit is labelled ``"<product> (unit not given)"``
    (:func:`~chokepoint.network.schema.unit_labels`), never guessed; a network built without this
    field (the default, an empty array) gets that label for every product.
    """

    def __post_init__(self) -> None:
        """Fill ``product_unit`` when it was not given; check its length."""
        n_products = len(self.products)
        units = np.asarray(self.product_unit, dtype=object).reshape(-1)  # blanks may be NaN
        if len(units) == 0 and n_products:
            units = np.full(n_products, "", dtype=object)
        if len(units) != n_products:
            msg = f"expected one product_unit per product ({n_products}), got {len(units)}"
            raise ValueError(msg)
        object.__setattr__(self, "product_unit", unit_labels(units, self.products))

    @property
    def n_nodes(self) -> int:
        """Number of nodes n."""
        return len(self.node_ids)

    @property
    def n_pairs(self) -> int:
        """Number of input pairs m."""
        return len(self.pair_node)

    @property
    def n_groups(self) -> int:
        """Number of substitution groups G."""
        return len(self.group_node)

    @property
    def n_links(self) -> int:
        """Number of links E."""
        return len(self.link_src)

    def pair_inflow(self) -> FloatArray:
        """Baseline inflow per input pair, Σ_{e into k} f_e [m]."""
        return np.bincount(self.link_pair, self.link_flow, minlength=self.n_pairs).astype(
            np.float64
        )

    def link_share(self) -> FloatArray:
        """Sourcing share σ_e = f_e / Σ_{e' into k(e)} f_e' (links of one pair sum to 1) [E]."""
        inflow = self.pair_inflow()[self.link_pair]
        return np.divide(
            self.link_flow, inflow, out=np.zeros_like(self.link_flow), where=inflow > 0
        )

    def final_demand_by_node(self) -> FloatArray:
        """Σ_f of node n [n]."""
        return np.bincount(self.fd_node, self.fd_quantity, minlength=self.n_nodes).astype(
            np.float64
        )

    def deliveries(self) -> FloatArray:
        """Baseline shipments to other nodes, Σ_{e out of n} f_e [n]."""
        return np.bincount(self.link_src, self.link_flow, minlength=self.n_nodes).astype(np.float64)

    def adjacency(self) -> sp.csr_array:
        """Flow matrix Z[u, b] = Σ f_e over links u -> b (n x n, sparse)."""
        n = self.n_nodes
        return sp.csr_array((self.link_flow, (self.link_src, self.link_dst)), shape=(n, n))

    def firm_labels(self) -> npt.NDArray[np.object_]:
        """Firm name of each node, ``""`` for a region's aggregate node [n]."""
        names = np.asarray([*self.firms, ""], dtype=object)
        return names[np.where(self.node_firm >= 0, self.node_firm, len(self.firms))]

    def node_table(self) -> pd.DataFrame:
        """Nodes with their labels, unit, capacity and baseline output (for results and views)."""
        return pd.DataFrame(
            {
                "region": self.regions[self.node_region],
                "product": self.products[self.node_product],
                "firm": self.firm_labels(),
                "owner_region": self.regions[self.node_owner],
                "stage": np.asarray(STAGES)[self.product_stage[self.node_product]],
                "unit": self.product_unit[self.node_product],
                "capacity": self.capacity,
                "output": self.output,
            },
            index=self.node_ids,
        )


def _codes(values: pd.Series, index: pd.Index) -> IntArray:
    return positions(index, values)


def _regional_pairs(
    rec: pd.DataFrame,
    products: pd.Index,
    regions: pd.Index,
    node_product: IntArray,
    node_region: IntArray,
) -> tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.object_]]:
    """Input pairs when some recipe rows name a region (vectorised merges, no row loop).

    Node n of product p in region r takes the blank-region rows of p, and its region's rows of p;
    a region row replaces the blank row of the same input. Pairs come sorted by node, then by the
    first recipe row that names their input (so a file without region rows compiles as before).
    Returns ``pair_node, pair_product, pair_amount, group_label`` [m].
    """
    n_products = len(products)
    row = np.arange(len(rec), dtype=np.int64)
    rec_product = _codes(rec["product"], products)
    rec_input = _codes(rec["input"], products)
    is_regional = (rec["region"] != "").to_numpy()
    rec_region = np.where(is_regional, regions.get_indexer(rec["region"]), -1).astype(np.int64)
    nodes = pd.DataFrame(
        {"node": np.arange(len(node_product), dtype=np.int64), "p": node_product, "r": node_region}
    )
    rows = pd.DataFrame(
        {
            "p": rec_product,
            "q": rec_input,
            "r": rec_region,
            "row": row,
            "regional": is_regional,
            "amount": rec["amount"].to_numpy(np.float64),
            "group": rec["substitution_group"].to_numpy(object),
        }
    )
    blank = nodes.merge(rows[~rows["regional"]].drop(columns="r"), on="p", how="inner")
    local = nodes.merge(rows[rows["regional"]], on=["p", "r"], how="inner")
    both = pd.concat([blank, local], ignore_index=True)
    # A region row wins over the blank row of the same (node, input); it takes the blank row's place.
    key = both["node"].to_numpy(np.int64) * n_products + both["q"].to_numpy(np.int64)
    both["key"] = key
    place = both.groupby("key", sort=False)["row"].transform("min").to_numpy()
    both["place"] = np.where(both["regional"].to_numpy(), place, both["row"].to_numpy())
    both = both.sort_values(["key", "regional"], kind="stable").drop_duplicates("key", keep="last")
    both = both.sort_values(["node", "place"], kind="stable")
    return (
        both["node"].to_numpy(np.int64),
        both["q"].to_numpy(np.int64),
        both["amount"].to_numpy(np.float64),
        both["group"].to_numpy(object),
    )


def compile_network(t: NetworkTables) -> CompiledNetwork:
    """Compile validated tables into a :class:`CompiledNetwork` (needs no balance).

    ``product_unit`` comes from ``products.unit``; a blank unit becomes
    ``"<product> (unit not given)"`` (not a guess, and never shared with another product).
    """
    regions = pd.Index(t.regions["region"], name="region")
    products = pd.Index(t.products["product"], name="product")
    prod = t.producers
    ids = node_id(prod["region"], prod["product"], prod["firm"])
    node_ids = pd.Index(ids, name="node")
    n = len(node_ids)
    node_region = _codes(prod["region"], regions)
    node_product = _codes(prod["product"], products)
    firm_names = prod["firm"][prod["firm"] != ""]
    firms = pd.Index(pd.unique(firm_names), name="firm")
    node_firm = np.where(prod["firm"] != "", firms.get_indexer(prod["firm"]), -1).astype(np.int64)
    owner = prod["owner_region"].where(prod["owner_region"] != "", prod["region"])
    node_owner = _codes(owner, regions)
    n_products = len(products)

    # Input pairs: one per (node, recipe input of the node's product), sorted by node.
    rec = t.recipes
    if "region" in rec.columns and bool((rec["region"] != "").any()):
        pair_node, pair_product, pair_amount, rec_group_of_pair = _regional_pairs(
            rec, products, regions, node_product, node_region
        )
        per_node = np.bincount(pair_node, minlength=n).astype(np.int64)
        pair_indptr = np.concatenate([[0], np.cumsum(per_node)]).astype(np.int64)
        m = int(pair_indptr[-1])
        group_label = pd.Series(rec_group_of_pair, dtype=object)
    else:
        rec_product = _codes(rec["product"], products)
        rec_input = _codes(rec["input"], products)
        order = np.argsort(rec_product, kind="stable")
        rec_product, rec_input = rec_product[order], rec_input[order]
        rec_amount = rec["amount"].to_numpy(np.float64)[order]
        rec_group = rec["substitution_group"].to_numpy(object)[order]
        rec_ptr = np.searchsorted(rec_product, np.arange(n_products + 1))
        per_node = (rec_ptr[node_product + 1] - rec_ptr[node_product]).astype(np.int64)
        pair_indptr = np.concatenate([[0], np.cumsum(per_node)]).astype(np.int64)
        m = int(pair_indptr[-1])
        pair_node = np.repeat(np.arange(n, dtype=np.int64), per_node)
        offset = np.arange(m, dtype=np.int64) - pair_indptr[pair_node]
        rec_row = rec_ptr[node_product[pair_node]] + offset
        pair_product = rec_input[rec_row]
        pair_amount = rec_amount[rec_row]
        group_label = pd.Series(rec_group[rec_row], dtype=object)
    grouped = (group_label != "").to_numpy()
    group_key = (
        pd.Series(pair_node.astype(str), dtype=object)
        + "|"
        + group_label.where(grouped, pd.Series(np.arange(m).astype(str)).radd("#"))
    )
    group_codes, uniques = pd.factorize(group_key, sort=False)
    pair_group = group_codes.astype(np.int64)
    group_node = np.zeros(len(uniques), dtype=np.int64)
    group_node[pair_group] = pair_node
    pair_key = pd.Index(pair_node * n_products + pair_product)

    # Stocks (days of baseline use) with the dataset default where no row is given.
    default_days = float(t.meta.get("default_stock_days", 0.0))
    target = np.full(m, default_days)
    initial = np.full(m, default_days)
    strategic = np.zeros(m)
    st = t.stocks
    if len(st):
        st_node = positions(node_ids, st["node"])
        k = pair_key.get_indexer(st_node * n_products + _codes(st["input"], products))
        target[k] = st["target_days"].to_numpy(np.float64)
        init = st["initial_days"].to_numpy(np.float64)
        initial[k] = np.where(np.isnan(init), target[k], init)
        strategic[k] = st["strategic_days"].fillna(0.0).to_numpy(np.float64)

    # Links sorted by supplier.
    lk = t.links
    src = positions(node_ids, lk["supplier"])
    dst = positions(node_ids, lk["buyer"])
    link_pair = pair_key.get_indexer(dst * n_products + node_product[src]).astype(np.int64)
    order = np.argsort(src, kind="stable")
    src, dst, link_pair = src[order], dst[order], link_pair[order]
    flow = lk["flow"].to_numpy(np.float64)[order]
    lead = lk["lead_time_days"].to_numpy(np.int64)[order]
    link_indptr = np.searchsorted(src, np.arange(n + 1)).astype(np.int64)

    fd = t.final_demand
    alts = t.alternatives
    alt_dst = positions(node_ids, alts["buyer"])
    alt_src = positions(node_ids, alts["supplier"])
    alt_pair = pair_key.get_indexer(alt_dst * n_products + node_product[alt_src]).astype(np.int64)

    stage_codes = pd.Index(STAGES).get_indexer(t.products["stage"]).astype(np.int64)
    return CompiledNetwork(
        name=t.label,
        regions=regions,
        products=products,
        firms=firms,
        node_ids=node_ids,
        node_region=node_region,
        node_product=node_product,
        node_firm=node_firm,
        node_owner=node_owner,
        capacity=prod["capacity"].to_numpy(np.float64),
        output=prod["output"].to_numpy(np.float64),
        unit_value=t.products["unit_value_usd"].to_numpy(np.float64),
        product_stage=stage_codes,
        pair_node=pair_node,
        pair_product=pair_product,
        pair_amount=pair_amount,
        pair_group=pair_group,
        group_node=group_node,
        pair_indptr=pair_indptr,
        stock_target_days=target,
        stock_initial_days=initial,
        stock_strategic_days=strategic,
        link_src=src,
        link_dst=dst,
        link_pair=link_pair,
        link_flow=flow,
        link_lead_time=lead,
        link_indptr=link_indptr,
        fd_node=positions(node_ids, fd["supplier"]),
        fd_region=_codes(fd["region"], regions),
        fd_quantity=fd["quantity"].to_numpy(np.float64),
        alt_pair=alt_pair,
        alt_src=alt_src,
        alt_qualification_days=alts["qualification_days"].to_numpy(np.int64),
        meta=dict(t.meta),
        product_unit=t.products["unit"].to_numpy(dtype=object),  # labelled in __post_init__
    )
