"""Run a sweep: members grouped into batches that the engine runs vectorised, in one process or on Dask.

Batches are independent tasks. With Dask (a local cluster bound to loopback by default, or an
existing scheduler), the compiled network is scattered to every worker once and each worker runs
one numeric thread. Every finished batch is written to ``OUT/members/batch-NNNNN.parquet``
atomically (temporary file, then rename), so an interrupted sweep resumes by skipping the batches
already on disk — nothing is redone or duplicated. Per-member metrics are long-format rows
(member, metric, region, product, value) plus the member's parameter values.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from chokepoint.errors import InputError, Problem
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.schema import Member, Scenario
from chokepoint.sweep.design import Design, sample
from chokepoint.sweep.spec import SweepSpec, member_scenario

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class SweepResult:
    """Where the sweep wrote its results, and how long it took."""

    out: Path
    members: int
    batches_run: int
    batches_skipped: int
    seconds: float
    task_seconds: float

    def metrics(self) -> pd.DataFrame:
        """All per-member metric rows (read from the Parquet partitions)."""
        return read_members(self.out)


def batch_scenario(base: Scenario, draws: pd.DataFrame) -> Scenario:
    """One scenario whose named members are the base with each row of ``draws`` applied.

    Raises :class:`~chokepoint.sweep.spec.MemberError` naming the member, its drawn values and the field the scenario
    rejects (:func:`~chokepoint.sweep.spec.read_sweep` checks the distributions' ranges up front,
    so this is a last guard).
    """
    members = []
    for member, row in draws.iterrows():
        variant = member_scenario(base, row.to_dict(), name=f"{base.name}#{member}")
        body = variant.model_dump(mode="python", exclude_unset=True)
        touched = {str(path).split(".", 1)[0] for path in draws.columns}
        members.append(Member(name=f"m{int(member):06d}", overrides={k: body[k] for k in touched}))
    body = base.model_dump(mode="python", exclude_unset=True)
    body["members"] = members
    return Scenario.model_validate(body)


def member_metrics(ds: Any, members: Sequence[int]) -> pd.DataFrame:
    """Long-format per-member metrics from a results Dataset: output lost (units, USD), value lost
    in total, time-to-pain day and recovery day per region-product."""
    frames = []
    lost = ds.cp.output_lost()
    ttp = ds.cp.time_to_pain()
    index = {name: m for name, m in zip(ds["scenario"].to_numpy().tolist(), members, strict=True)}
    for frame, columns in ((lost, ("units", "value_usd")), (ttp, ("day",))):
        frame = frame.reset_index() if "member" not in frame.columns else frame
        for column in columns:
            if column not in frame.columns:
                continue
            part = frame[["member", "region", "product", column]].rename(columns={column: "value"})
            part["metric"] = "time_to_pain_day" if column == "day" else f"output_lost_{column}"
            frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["member"] = out["member"].map(index).astype(np.int64)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(np.float64)
    # metric frames carry run metadata in attrs; Parquet partitions hold plain rows only
    return pd.DataFrame(
        {c: out[c].to_numpy() for c in ("member", "metric", "region", "product", "value")}
    )


def run_batch(
    net: CompiledNetwork, base: Scenario, draws: pd.DataFrame, params: Any = None
) -> tuple[pd.DataFrame, float]:
    """Compile and simulate one batch of members; return its metric rows and the task's seconds
    (compile, simulate, metrics: the work a scheduler hands out)."""
    from chokepoint.engine import simulate

    started = time.perf_counter()
    scenario = batch_scenario(base, draws)
    batch = compile_scenario(scenario, net)
    ds = simulate(net, batch, params, record="summary")
    rows = member_metrics(ds, list(draws.index))
    return rows, time.perf_counter() - started


def _batch_path(out: Path, i: int) -> Path:
    return out / "members" / f"batch-{i:05d}.parquet"


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


def read_members(out: str | Path) -> pd.DataFrame:
    """All per-member rows of a sweep folder (empty if none)."""
    files = sorted((Path(out) / "members").glob("batch-*.parquet"))
    if not files:
        return pd.DataFrame(columns=["member", "metric", "region", "product", "value"])
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def read_parameters(out: str | Path) -> pd.DataFrame:
    """The drawn parameter values of every member (index ``member``)."""
    return pd.read_parquet(Path(out) / "parameters.parquet")


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A Dask client: on ``scheduler`` if given, else on a local cluster of single-thread workers."""
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    # The nanny writes its pre-spawn environment into this process's os.environ before it spawns a
    # worker; put ours back, or a later numba compile here fails on the changed thread count.
    saved = {key: os.environ.get(key) for key in SINGLE_THREAD_ENV}
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": SINGLE_THREAD_ENV}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
    finally:
        _restore_environ(saved)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
        _restore_environ(saved)


def _restore_environ(saved: dict[str, str | None]) -> None:
    """Set (or remove) each variable of ``saved`` back to its saved value."""
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run_sweep(
    net: CompiledNetwork,
    spec: SweepSpec,
    base: Scenario,
    out: str | Path,
    *,
    samples: int | None = None,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
    params: Any = None,
) -> SweepResult:
    """Run every member of the sweep (``workers=0`` and no ``scheduler``: in this process).

    Results go to ``out``: ``parameters.parquet`` (draws), ``members/batch-*.parquet`` (metrics)
    and ``sweep.json`` (the spec). Batches already on disk are skipped (resume).
    """
    started = time.perf_counter()
    design = spec.design
    if samples is not None:
        try:
            design = Design.model_validate({**spec.design.model_dump(), "samples": samples})
        except ValidationError as exc:
            message = f"expected a whole number of members in 1..10000000, got {samples!r}"
            raise InputError("sweep", [Problem("samples", message)]) from exc
    draws = sample(spec.parameters, design)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    record = {
        "spec": spec.model_dump(mode="json"),
        "design": design.model_dump(mode="json"),
        "members": len(draws),
    }
    meta_path = out / "sweep.json"
    if meta_path.exists():
        previous = json.loads(meta_path.read_text(encoding="utf-8"))
        if previous != record:
            msg = f"{out} holds a different sweep; choose another --out or delete it"
            from chokepoint.errors import ChokepointError

            raise ChokepointError(msg)
    else:
        meta_path.write_text(json.dumps(record, indent=2), encoding="utf-8")
        _write_atomic(draws.reset_index(), out / "parameters.parquet")
    size = spec.batch_size
    chunks = [draws.iloc[i : i + size] for i in range(0, len(draws), size)]
    todo = [i for i in range(len(chunks)) if not _batch_path(out, i).exists()]
    skipped = len(chunks) - len(todo)
    done = sum(len(chunks[i]) for i in range(len(chunks)) if i not in set(todo))
    if progress:
        progress(done, len(draws))
    task_seconds = 0.0
    if workers <= 0 and not scheduler:
        for i in todo:
            rows, seconds = run_batch(net, base, chunks[i], params)
            _write_atomic(rows, _batch_path(out, i))
            task_seconds += seconds
            done += len(chunks[i])
            if progress:
                progress(done, len(draws))
    else:
        from distributed import as_completed

        with _client(scheduler, max(workers, 1)) as client:
            net_future = client.scatter(net, broadcast=True)
            futures = {
                client.submit(run_batch, net_future, base, chunks[i], params, pure=False): i
                for i in todo
            }
            for future in as_completed(futures):
                i = futures[future]
                rows, seconds = future.result()
                _write_atomic(rows, _batch_path(out, i))
                task_seconds += seconds
                done += len(chunks[i])
                if progress:
                    progress(done, len(draws))
    return SweepResult(
        out, len(draws), len(todo), skipped, time.perf_counter() - started, task_seconds
    )
