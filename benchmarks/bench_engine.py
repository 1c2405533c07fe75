"""Engine throughput: seconds per scenario-year and peak memory on synthetic networks.

Usage: ``python benchmarks/bench_engine.py [--quick] [--days D] [--threads T]`` (``make bench``).

Synthetic network (built as arrays, no tables): n nodes in 100 product classes of equal size; node
n makes product p = n mod 100 and needs two inputs, p+1 and p+7 (mod 100), a = 0.4 each; each input
pair buys from 5 random suppliers of its product (0.08 units/day each), so every node has 10
incoming and exactly 10 outgoing links and sells 0.2 to final demand: the network is balanced
(x̄ = 1). The j-th supplier of a buyer of rank r = n // 100 is a random rank perm_j[r] of the input's
class, the same for all 100 buyers of rank r. Numbered n = p + 100 r ("structured"), consecutive
buyers read consecutive suppliers: about the most cache-friendly order a network can come in. The
benchmark lists the nodes in a random order instead ("shuffled"), as a network assembled from
data would come, and the engine renumbers them (``node_order="auto"``, networks of 500k links
or more; :mod:`chokepoint.engine.ordering`); "order s" is the time to find that order, once per
network. At 1M nodes, batch 1, two more rows run the shuffled network in its random order
("shuffled-given") and the structured one ("structured"). Lead times 1-20 days, 30 days of stock,
capacity 1.2. The scenario bans 1% of links and
halves the capacity of 1% of nodes from day 0.

Each configuration runs in a fresh subprocess (clean peak memory, ru_maxrss): a warm-up, then a
D-day run (default 365: a whole scenario-year, whose early days, with more pairs short and adapting,
cost more than the later ones) whose every day is timed through the progress callback; the cost of
a scenario-year is the mean time between two consecutive days (day 0, which carries the set-up, is
left out) x 365 / scenarios. A batch too large for memory runs in chunks of 8M / n scenarios, every
chunk doing the same work: one chunk is simulated and timed (1M nodes at batch 64: 8 of the 64
scenarios). "setup s" is the rest of the run (preparing arrays, initial states, labelling the
Dataset). A numpy triad ``a = b + s * c`` measured in the same run gives the machine's memory
bandwidth; the ratio "triads/day" is the time per simulated chunk-day divided by the time a triad
over S x E float64 elements takes at that bandwidth: how many memory passes over the chunk's links
a simulated day costs. "floor s/yr" is the least time the day's memory traffic allows: the
bytes a day must move at least (:func:`day_bytes`, counted like the triad) at the bandwidth of one
triad per engine thread side by side ("all-core GB/s"); "x floor" is the measured time over it.
Times are wall-clock and CPU time of
the process (all threads: networks of a million links and more run their day passes on
``--threads`` threads, default one per core); on a shared, loaded machine wall time is inflated and
noisy. Column "run" is the number of scenarios simulated (one chunk). Runs use
``record="summary"`` (per-market records: what a run at this scale keeps).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

PRODUCTS = 100
SUPPLIERS = 5
INPUTS = (1, 7)


def make_network(n: int, seed: int = 0, max_lead: int = 20, shuffled: bool = True):  # type: ignore[no-untyped-def]
    """A balanced synthetic :class:`~chokepoint.network.CompiledNetwork` with ~10 links per node,
    its nodes listed in a random order (``shuffled``) or in the structured order n = p + 100 r."""
    import pandas as pd

    from chokepoint.engine.ordering import Relabel
    from chokepoint.network.compile import CompiledNetwork

    rng = np.random.default_rng(seed)
    n = (n // PRODUCTS) * PRODUCTS
    per = n // PRODUCTS
    node = np.arange(n, dtype=np.int64)
    prod = node % PRODUCTS
    rank = node // PRODUCTS  # position within the product class; class q = {q + PRODUCTS * r}
    m = 2 * n
    pair_node = np.repeat(node, 2)
    pair_product = np.stack([(prod + d) % PRODUCTS for d in INPUTS], axis=1).reshape(-1)
    pair_amount = np.full(m, 0.4)
    # links: for each pair and each of 5 supplier slots, a random permutation within the class
    src_parts, pair_parts = [], []
    pair_id = np.arange(m, dtype=np.int64)
    for j in range(2):
        for _ in range(SUPPLIERS):
            perm = rng.permutation(per)
            q = pair_product[j::2]
            src_parts.append(q + PRODUCTS * perm[rank])
            pair_parts.append(pair_id[j::2])
    src = np.concatenate(src_parts)
    link_pair = np.concatenate(pair_parts)
    order = np.argsort(src, kind="stable")
    src, link_pair = src[order], link_pair[order]
    e = len(src)
    flow = np.full(e, 0.4 / SUPPLIERS)
    lead = rng.integers(1, max_lead + 1, size=e).astype(np.int64)
    regions = pd.Index([f"R{i}" for i in range(10)], name="region")
    products = pd.Index([f"p{i}" for i in range(PRODUCTS)], name="product")
    node_region = (rng.integers(0, 10, size=n)).astype(np.int64)
    net = CompiledNetwork(
        name=f"synthetic-{n}",
        regions=regions,
        products=products,
        firms=pd.Index([], name="firm"),
        node_ids=pd.RangeIndex(n, name="node"),
        node_region=node_region,
        node_product=prod,
        node_firm=np.full(n, -1, dtype=np.int64),
        node_owner=node_region,
        capacity=np.full(n, 1.2),
        output=np.ones(n),
        unit_value=np.ones(PRODUCTS),
        product_stage=np.zeros(PRODUCTS, dtype=np.int64),
        pair_node=pair_node,
        pair_product=pair_product,
        pair_amount=pair_amount,
        pair_group=np.arange(m, dtype=np.int64),
        group_node=pair_node.copy(),
        pair_indptr=np.arange(0, m + 1, 2, dtype=np.int64),
        stock_target_days=np.full(m, 30.0),
        stock_initial_days=np.full(m, 30.0),
        stock_strategic_days=np.zeros(m),
        link_src=src,
        link_dst=pair_node[link_pair],
        link_pair=link_pair,
        link_flow=flow,
        link_lead_time=lead,
        link_indptr=np.searchsorted(src, np.arange(n + 1)).astype(np.int64),
        fd_node=node,
        fd_region=node_region,
        fd_quantity=np.full(n, 0.2),
        alt_pair=np.zeros(0, dtype=np.int64),
        alt_src=np.zeros(0, dtype=np.int64),
        alt_qualification_days=np.zeros(0, dtype=np.int64),
    )
    if not shuffled:
        return net
    return Relabel.of(net, np.random.default_rng(seed + 1).permutation(n)).network


def triad_bandwidth(threads: int = 1, size: int = 1 << 24, repeat: int = 5) -> float:
    """Memory bandwidth in bytes/s of ``a = b + s * c`` on float64 arrays of ``size`` (128 MiB each),
    one triad per thread side by side (numpy releases the GIL): with ``threads`` the engine's
    threads, what its passes can stream at most.

    Counts 24 bytes per element (two reads, one write), as STREAM does; best of ``repeat``.
    """
    from concurrent.futures import ThreadPoolExecutor

    arrays = [(np.empty(size), np.ones(size), np.ones(size)) for _ in range(threads)]

    def triad(abc: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        a, b, c = abc
        np.multiply(c, 3.0, out=a)
        np.add(a, b, out=a)

    best = np.inf
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(repeat):
            t = time.perf_counter()
            if threads == 1:
                triad(arrays[0])
            else:
                list(pool.map(triad, arrays))
            best = min(best, time.perf_counter() - t)
    return 24 * size * threads / best


def day_bytes(net, size: int, itemsize: int, pipeline_max_days: int) -> float:  # type: ignore[no-untyped-def]
    """Bytes a simulated day must move at least, counted like the triad (each array read once per
    pass that reads it and written once per pass that writes it; no write-allocate; a supplier's
    row gathered by its links counted once): a lower bound on the engine's memory traffic.

    With f = ``itemsize`` and S = ``size``, per link: sourcing share (read by the pair pass and
    by the pass that bins the orders), binned orders (written, read) — 4 S f — plus 15 bytes of
    indices; per ring slot (Σ_k max lead time of pair k): read and written, 2 S f; per input pair:
    stock, orders, wanted, transit (read and written by the pair pass), pipeline target, expected
    use (read), orders again (read when binning), stock and expected use again (read and written
    by the node pass) — 15 S f — first short day 4 S, target, amount, use per unit 3 f, indices
    32 bytes; per node: delivery ratio and spare (written, read),
    capacity (three passes), overproduction (read, written), held-back orders (2 S f, read), final
    demand — 12 S f — plus f and 57 bytes of indices. Records of a summary run are not counted.
    """
    lead = np.clip(net.link_lead_time, 1, pipeline_max_days)
    longest = np.zeros(net.n_pairs, dtype=np.int64)
    np.maximum.at(longest, net.link_pair, lead)
    slots = int(np.maximum(longest, 1).sum())
    f, s = itemsize, size
    per_link = 4 * s * f + 15
    per_slot = 2 * s * f
    per_pair = 15 * s * f + 4 * s + 3 * f + 32
    per_node = 12 * s * f + f + 57
    return float(
        net.n_links * per_link + slots * per_slot + net.n_pairs * per_pair + net.n_nodes * per_node
    )


def run_one(
    n: int, size: int, dtype: str, days: int, threads: int = 0, layout: str = "shuffled"
) -> dict[str, object]:
    """Time ``days`` simulated days of ``size`` scenarios on an n-node network (this process).

    ``layout``: ``shuffled`` (nodes in random order, the engine's ``node_order="auto"``),
    ``shuffled-given`` (the same, run in the random order), ``structured`` (run in the
    structured order)."""
    import chokepoint as cp
    from chokepoint.engine.loop import block_count
    from chokepoint.engine.ordering import locality_order, wants_locality
    from chokepoint.scenario.batch import Rule, ScenarioBatch

    t0 = time.perf_counter()
    net = make_network(n, shuffled=layout != "structured")
    build = time.perf_counter() - t0
    node_order = "auto" if layout == "shuffled" else "given"
    t0 = time.perf_counter()
    if wants_locality(net, node_order):
        locality_order(net)  # once per network; kept for its later runs
    ordering = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    banned = np.unique(rng.integers(0, net.n_links, size=max(1, net.n_links // 100)))
    shocked = np.unique(rng.integers(0, net.n_nodes, size=max(1, net.n_nodes // 100)))

    chunk = size if size * n <= 8_000_000 else max(1, 8_000_000 // n)

    def batch(days: int) -> ScenarioBatch:
        """One chunk of the batch (every chunk does the same work)."""
        rules = [
            Rule("permit", banned, 0, np.zeros((chunk, 1)), length=days),
            Rule("capacity_factor", shocked, 0, np.full((chunk, 1), 0.5), length=days),
        ]
        return ScenarioBatch("bench", days, [f"m{i}" for i in range(chunk)], rules=rules)

    params = cp.EngineParams(
        dtype=dtype,  # type: ignore[arg-type]
        scenario_chunk=chunk,
        threads=threads,
        node_order=node_order,  # type: ignore[arg-type]
    )
    cp.simulate(net, batch(1), params, record="summary")  # warm-up: numba cache, page faults
    stamps: list[tuple[float, float]] = []

    def tick(done: int, total: int) -> None:
        stamps.append((time.perf_counter(), time.process_time()))

    w0 = time.perf_counter()
    cp.simulate(net, batch(days), params, record="summary", progress=tick)
    run_wall = time.perf_counter() - w0
    # One stamp per simulated day; the steps between two days are pure day work (the first day
    # also carries the set-up, and is left out).
    step = np.diff(np.asarray(stamps), axis=0)
    per_day, per_day_cpu = step.mean(axis=0)
    setup = run_wall - float(step[:, 0].sum())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    bandwidth = triad_bandwidth()
    triad = 24 * net.n_links * chunk / bandwidth  # one triad over a chunk's S x E elements
    used = min(threads or os.cpu_count() or 1, block_count(net.n_links))
    all_cores = bandwidth if used == 1 else triad_bandwidth(used)
    floor_day = (
        day_bytes(net, chunk, np.dtype(dtype).itemsize, params.pipeline_max_days) / all_cores
    )
    return {
        "nodes": net.n_nodes,
        "links": net.n_links,
        "batch": size,
        "run": chunk,
        "dtype": dtype,
        "threads": used,
        "days": days,
        "layout": layout,
        "build_s": round(build, 2),
        "order_s": round(ordering, 2),
        "setup_s": round(setup, 2),
        "s_per_scenario_year": per_day * 365 / chunk,
        "cpu_s_per_scenario_year": per_day_cpu * 365 / chunk,
        "peak_gib": peak,
        "triad_gbps": bandwidth / 1e9,
        "triads_per_day": per_day / triad,
        "all_core_gbps": all_cores / 1e9,
        "floor_s_per_scenario_year": floor_day * 365 / chunk,
    }


def main() -> None:
    """Run every configuration in a subprocess and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k and 100k nodes only")
    ap.add_argument("--days", type=int, default=365, help="days to simulate (default: a year)")
    ap.add_argument("--threads", type=int, default=0, help="engine threads (default: one per core)")
    ap.add_argument("--one", nargs=4, metavar=("N", "S", "DTYPE", "LAYOUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        n, s, dt, layout = int(args.one[0]), int(args.one[1]), args.one[2], args.one[3]
        print(json.dumps(run_one(n, s, dt, args.days, args.threads, layout)))
        return
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    configs = [(n, 1, "float64", "shuffled") for n in sizes]
    configs += [(n, 64, "float32", "shuffled") for n in sizes]
    # the largest network at batch 1 once more: in the random order as given (no renumbering)
    # and in its structured order (the most favourable one; see the module docstring)
    configs += [(sizes[-1], 1, "float64", layout) for layout in ("shuffled-given", "structured")]
    header = (
        f"{'nodes':>9} {'links':>10} {'S':>3} {'run':>3} {'dtype':>7} {'layout':>14} "
        f"{'thr':>3} {'days':>4} {'order s':>7} {'setup s':>7} "
        f"{'s/scen-yr':>10} {'cpu s/scen-yr':>13} {'peak GiB':>8} {'triad GB/s':>10} "
        f"{'triads/day':>10} {'all-core GB/s':>13} {'floor s/yr':>10} {'x floor':>7}"
    )
    print(header)
    print("-" * len(header))
    for n, s, dt, layout in configs:
        cmd = [sys.executable, __file__, "--one", str(n), str(s), dt, layout]
        cmd += ["--days", str(args.days)]
        cmd += ["--threads", str(args.threads)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"{n:>9} {'':>10} {s:>3} {dt:>7} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['nodes']:>9} {r['links']:>10} {r['batch']:>3} {r['run']:>3} {r['dtype']:>7} "
            f"{r['layout']:>14} {r['threads']:>3} {r['days']:>4} {r['order_s']:>7.2f} "
            f"{r['setup_s']:>7.2f} {r['s_per_scenario_year']:>10.3f} "
            f"{r['cpu_s_per_scenario_year']:>13.3f} {r['peak_gib']:>8.2f} "
            f"{r['triad_gbps']:>10.1f} {r['triads_per_day']:>10.1f} {r['all_core_gbps']:>13.1f} "
            f"{r['floor_s_per_scenario_year']:>10.3f} "
            f"{r['s_per_scenario_year'] / r['floor_s_per_scenario_year']:>7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
