"""Validation and compilation of a synthetic 1M-node, 10M-link network: seconds and a ratio.

Usage: ``python benchmarks/bench_compile.py [--nodes N] [--seed S]`` (default 1,000,000 nodes).

Synthetic tables (built vectorised, balanced exactly): R = N / 100 regions x 100 products; node
(r, p) needs inputs p+1 and p+7 (mod 100), a = 0.4 each, and buys each from 5 suppliers in regions
r + s_k (mod R) for 5 distinct random shifts s_k, 0.08 units/day per link. So every node has 10
incoming and 10 outgoing links (E = 10 N) and sells 0.2 to final demand: output 1 = 10 x 0.08 + 0.2,
inputs 5 x 0.08 = 0.4 x 1.

Timed: ``validate_tables`` (types, keys, references, balance) and ``compile_network`` on the
validated tables. Reference measured in the same run: a stable ``np.argsort`` of E int64 supplier
codes plus the CSR pointer (``np.searchsorted``), the least work any compilation of the links into
supplier-sorted CSR must do. The ratio says how many such sorts compilation costs.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import pandas as pd

PRODUCTS = 100
INPUTS = (1, 7)
SUPPLIERS = 5


def make_tables(n_nodes: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Raw frames of the balanced synthetic network described in the module docstring."""
    rng = np.random.default_rng(seed)
    n_regions = max(n_nodes // PRODUCTS, SUPPLIERS + 1)
    n = n_regions * PRODUCTS
    regions = pd.Index([f"R{i:06d}" for i in range(n_regions)])
    products = pd.Index([f"p{i:03d}" for i in range(PRODUCTS)])
    node_region = np.repeat(np.arange(n_regions), PRODUCTS)
    node_product = np.tile(np.arange(PRODUCTS), n_regions)
    ids = np.asarray(
        pd.Series(regions[node_region]) + "/" + pd.Series(products[node_product]), dtype=object
    )
    producers = pd.DataFrame(
        {
            "region": regions[node_region],
            "product": products[node_product],
            "capacity": 1.2,
            "output": 1.0,
        }
    )
    recipes = pd.DataFrame(
        {
            "product": np.repeat(products, len(INPUTS)),
            "input": [products[(p + d) % PRODUCTS] for p in range(PRODUCTS) for d in INPUTS],
            "amount": 0.4,
        }
    )
    shifts = rng.choice(np.arange(1, n_regions), size=SUPPLIERS, replace=False)
    # Buyer node b (region r, product p), input q = p + d, supplier region r + s (mod R).
    buyer = np.repeat(np.arange(n), len(INPUTS) * SUPPLIERS)
    d = np.tile(np.repeat(np.asarray(INPUTS), SUPPLIERS), n)
    s = np.tile(shifts, n * len(INPUTS))
    sup_region = (node_region[buyer] + s) % n_regions
    sup_product = (node_product[buyer] + d) % PRODUCTS
    supplier = sup_region * PRODUCTS + sup_product
    links = pd.DataFrame(
        {
            "supplier": ids[supplier],
            "buyer": ids[buyer],
            "flow": 0.08,
            "lead_time_days": rng.integers(1, 21, size=len(buyer)),
        }
    )
    final_demand = pd.DataFrame({"supplier": ids, "region": regions[node_region], "quantity": 0.2})
    return {
        "regions": pd.DataFrame({"region": regions}),
        "products": pd.DataFrame(
            {"product": products, "stage": "material", "unit": "t", "unit_value_usd": 1.0}
        ),
        "producers": producers,
        "recipes": recipes,
        "links": links,
        "final_demand": final_demand,
    }


def reference_seconds(n_links: int, n_nodes: int, seed: int = 1) -> float:
    """Stable argsort of ``n_links`` supplier codes + CSR pointer (best of 3)."""
    codes = np.random.default_rng(seed).integers(0, n_nodes, size=n_links)
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        order = np.argsort(codes, kind="stable")
        np.searchsorted(codes[order], np.arange(n_nodes + 1))
        best = min(best, time.perf_counter() - start)
    return float(best)


def main() -> None:
    from chokepoint.network import compile_network, validate_tables

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    frames = make_tables(args.nodes, args.seed)
    t_make = time.perf_counter() - start
    n_nodes, n_links = len(frames["producers"]), len(frames["links"])

    start = time.perf_counter()
    tables = validate_tables(frames, name="synthetic")
    t_validate = time.perf_counter() - start

    start = time.perf_counter()
    net = compile_network(tables)
    t_compile = time.perf_counter() - start
    assert net.n_nodes == n_nodes and net.n_links == n_links

    t_ref = reference_seconds(n_links, n_nodes)
    result = {
        "nodes": n_nodes,
        "links": n_links,
        "make_tables_s": round(t_make, 2),
        "validate_s": round(t_validate, 2),
        "compile_s": round(t_compile, 2),
        "reference_argsort_s": round(t_ref, 3),
        "compile_over_reference": round(t_compile / t_ref, 1),
        "validate_over_reference": round(t_validate / t_ref, 1),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
