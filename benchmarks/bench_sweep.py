"""Sweep throughput: members per second in one process and on a 2-worker local Dask cluster, and the
scheduling overhead as a share of run time (target below 5% for batches of 10 s or more).

Overhead = 1 - (task seconds summed over batches / workers) / wall seconds: the part of the wall
time the workers were not running tasks (compile + simulate + metrics of a batch) — scattering the
network, task round trips, Parquet writes. The cluster's start-up is timed and printed apart. Figures are ratios against the in-process run measured in the same run.

    uv run --frozen python benchmarks/bench_sweep.py [--samples 400] [--batch 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import dask
from distributed import LocalCluster

import chokepoint as cp
from chokepoint.sweep.runner import SINGLE_THREAD_ENV, SweepResult, run_sweep
from chokepoint.sweep.spec import read_sweep


def _report(
    label: str, result: SweepResult, wall: float, workers: int
) -> tuple[float, float, float]:
    busy = result.task_seconds / workers
    print(
        f"{label:28s} members={result.members:5d} wall={wall:8.2f}s members/s={result.members / wall:8.2f} "
        f"tasks={result.task_seconds:8.2f}s batch≈{result.task_seconds / max(result.batches_run, 1):6.2f}s "
        f"overhead={1 - busy / wall:6.1%}"
    )
    return wall, result.task_seconds, busy


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
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = run_sweep(net, spec, base, Path(tmp) / "out", samples=args.samples)
        wall = time.perf_counter() - started
    results["one process"] = _report("one process", result, wall, 1)
    # the cluster is started (and timed) apart, so the overhead below is what scheduling adds
    started = time.perf_counter()
    with dask.config.set({"distributed.nanny.pre-spawn-environ": SINGLE_THREAD_ENV}):
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        )
    startup = time.perf_counter() - started
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = run_sweep(
                net,
                spec,
                base,
                Path(tmp) / "out",
                samples=args.samples,
                scheduler=cluster.scheduler_address,
            )
            wall = time.perf_counter() - started
    finally:
        cluster.close()
    label = f"{args.workers}-worker local cluster"
    results[label] = _report(label, result, wall, args.workers)
    print(f"cluster start-up (not in the figures above): {startup:.2f}s")
    (w1, _, _), (w2, _, _) = results.values()
    print(
        f"speed-up of the cluster over one process: {w1 / w2:.2f}x (ideal {args.workers}x on {args.workers} cores)"
    )


if __name__ == "__main__":
    main()
