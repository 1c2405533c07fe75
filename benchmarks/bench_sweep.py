"""Sweep throughput: members per second in one process and on a 2-worker local Dask cluster, and the
scheduling overhead as a share of run time (target below 5% for batches of 10 s or more).

Overhead = 1 - (task seconds summed over batches / workers) / wall seconds: the part of the wall
time the workers were not running tasks (compile + simulate + metrics of a batch) — cluster start,
scattering the network, task round trips, Parquet writes. Figures are ratios against the in-process run measured in the same run.

    uv run --frozen python benchmarks/bench_sweep.py [--samples 400] [--batch 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import chokepoint as cp
from chokepoint.sweep.runner import run_sweep
from chokepoint.sweep.spec import read_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", default="rare-earth-licensing-2025-sweep")
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    spec, base = read_sweep(args.sweep)
    spec = spec.model_copy(update={"batch_size": args.batch})
    net = cp.build_network(cp.load_dataset(base.dataset))
    # warm-up (imports, JIT) so neither measurement pays it
    with tempfile.TemporaryDirectory() as tmp:
        run_sweep(net, spec, base, Path(tmp) / "warm", samples=min(args.batch, 10))
    results = {}
    for label, workers in (
        ("one process", 0),
        (f"{args.workers}-worker local cluster", args.workers),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = run_sweep(
                net, spec, base, Path(tmp) / "out", samples=args.samples, workers=workers
            )
            wall = time.perf_counter() - started
        busy = result.task_seconds / max(workers, 1)
        results[label] = (wall, result.task_seconds, busy)
        print(
            f"{label:28s} members={result.members:5d} wall={wall:8.2f}s members/s={result.members / wall:8.2f} "
            f"tasks={result.task_seconds:8.2f}s batch≈{result.task_seconds / max(result.batches_run, 1):6.2f}s "
            f"overhead={1 - busy / wall:6.1%}"
        )
    (w1, _, _), (w2, _, _) = results.values()
    print(
        f"speed-up of the cluster over one process: {w1 / w2:.2f}x (ideal {args.workers}x on {args.workers} cores)"
    )


if __name__ == "__main__":
    main()
