"""Multi-tier content tracing: how much of a stage's output is embodied in every node's output.

For a traced product q (a stage, e.g. ``ndpr_oxide``), let ``c_n`` be the units of q embodied in one
unit of node n's output. Nodes that make q embody one unit each (tracing stops at the traced stage);
every other node embodies what its inputs embody, in proportion to the baseline flows:

    c = e_q + M c,   M[n, u] = Σ_{e: u -> n} f_e / x̄_n   (rows of q-makers set to zero)

and the part of it that originates in region R's q-makers is ``r^R = e_{q,R} + M r^R``. The origin
share ``r^R_n / c_n`` exposes hidden dependence: a region can import nothing from R and still depend
on it through a third country. Both systems are solved by fixed-point iteration with sparse
mat-vecs (exact after as many steps as the chain is deep; geometric convergence on cyclic MRIO
networks) — no dense inverse, so a million-node network is fine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from chokepoint.errors import NotFoundError
from chokepoint.network.compile import CompiledNetwork

FloatArray = npt.NDArray[np.float64]


def _product_ids(net: CompiledNetwork, products: str | Sequence[str]) -> npt.NDArray[np.int64]:
    names = [products] if isinstance(products, str) else list(products)
    ids = net.products.get_indexer(pd.Index(names))
    if (ids < 0).any():
        unknown = [p for p, i in zip(names, ids, strict=True) if i < 0]
        msg = f"unknown product(s) {', '.join(map(repr, unknown))}; expected codes of dataset {net.name!r}"
        raise NotFoundError(msg)
    return ids.astype(np.int64)


def input_coefficients(
    net: CompiledNetwork, stop: npt.NDArray[np.bool_] | None = None
) -> sp.csr_array:
    """M[n, u] = Σ_{e: u -> n} f_e / x̄_n, with rows of ``stop`` nodes zeroed (n x n, sparse)."""
    n = net.n_nodes
    out = net.output[net.link_dst]
    coeff = np.divide(net.link_flow, out, out=np.zeros_like(net.link_flow), where=out > 0)
    if stop is not None:
        coeff = np.where(stop[net.link_dst], 0.0, coeff)
    return sp.csr_array((coeff, (net.link_dst, net.link_src)), shape=(n, n))


def _fixed_point(
    m: sp.csr_array, rhs: FloatArray, tol: float = 1e-12, max_iter: int = 10_000
) -> FloatArray:
    """Solve X = rhs + M X by iteration (rhs may have several columns)."""
    x = rhs.copy()
    term = rhs.copy()
    for _ in range(max_iter):
        term = m @ term
        x += term
        if not np.any(np.abs(term) > tol * np.maximum(np.abs(x), 1.0)):
            return x
    msg = "content tracing did not converge: the network has a cycle that amplifies flows"
    raise ArithmeticError(msg)


def embodied_content(
    net: CompiledNetwork,
    product: str | Sequence[str],
    *,
    by_region: bool = True,
) -> pd.DataFrame:
    """Units of ``product`` embodied in one unit of each node's output, by region of origin.

    Returns a DataFrame indexed by node id with one column per origin region (if ``by_region``)
    and a ``total`` column. Several products (e.g. all light rare-earth oxides) may be traced
    together; their units must then be commensurable.

    >>> import chokepoint as cp
    >>> net = cp.build_network(cp.load_dataset("toy"))
    >>> c = embodied_content(net, "refined")
    >>> round(float(c.loc["EAST/product", "total"]), 6)  # 4 components x 0.01 t
    0.04
    >>> round(float(c.loc["EAST/product", "NORTH"] / c.loc["EAST/product", "total"]), 6)
    0.75
    """
    ids = _product_ids(net, product)
    makers = np.isin(net.node_product, ids)
    m = input_coefficients(net, stop=makers)
    if by_region:
        regions = np.unique(net.node_region[makers])
        rhs = (makers[:, None] & (net.node_region[:, None] == regions[None, :])).astype(np.float64)
        by = _fixed_point(m, rhs)
        frame = pd.DataFrame(
            by, index=net.node_ids, columns=pd.Index(net.regions[regions], name="origin")
        )
        frame["total"] = by.sum(axis=1)
        return frame
    total = _fixed_point(m, makers.astype(np.float64)[:, None])[:, 0]
    return pd.DataFrame({"total": total}, index=net.node_ids)


def origin_share(net: CompiledNetwork, product: str | Sequence[str], region: str) -> pd.Series:
    """Share of each node's embodied ``product`` that originates in ``region`` (NaN where none is embodied)."""
    content = embodied_content(net, product)
    if region not in content.columns:
        return pd.Series(
            np.where(content["total"] > 0, 0.0, np.nan), index=content.index, name=region
        )
    total = content["total"].to_numpy()
    share = np.divide(
        content[region].to_numpy(), total, out=np.full_like(total, np.nan), where=total > 0
    )
    return pd.Series(share, index=content.index, name=region)


def value_content_share(
    net: CompiledNetwork,
    product: str | Sequence[str],
    region: str | None = None,
) -> pd.Series:
    """Value of embodied ``product`` (from ``region``, or all) as a share of each node's unit value.

    This is the de minimis test of extraterritorial licensing: the value of the listed material
    inside one unit of a good, divided by the good's value.
    """
    value = np.zeros(net.n_nodes)
    for pid in _product_ids(net, product):
        content = embodied_content(net, str(net.products[pid]))
        column = "total" if region is None else region
        if column in content.columns:
            value += content[column].to_numpy() * net.unit_value[pid]
    own = net.unit_value[net.node_product]
    share = np.divide(value, own, out=np.zeros_like(value), where=own > 0)
    return pd.Series(share, index=net.node_ids, name="value_share")


def exposure_matrix(
    net: CompiledNetwork, product: str | Sequence[str], origin: str
) -> pd.DataFrame:
    """Region x product table: output-weighted share of embodied ``product`` originating in ``origin``.

    Cells are NaN where a region's product embodies none of the traced product.
    """
    share = origin_share(net, product, origin).to_numpy()
    weight = np.where(np.isnan(share), 0.0, net.output)
    frame = pd.DataFrame(
        {
            "region": net.regions[net.node_region],
            "product": net.products[net.node_product],
            "weighted": np.nan_to_num(share) * weight,
            "weight": weight,
        }
    )
    grouped = frame.groupby(["region", "product"], sort=True)[["weighted", "weight"]].sum()
    result = grouped["weighted"] / grouped["weight"].where(grouped["weight"] > 0)
    return result.unstack("product")
