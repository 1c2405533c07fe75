"""ARIO side by side: BoARIO 0.7 and Chokepoint's ARIO mode on the same EXIOBASE-sized MRIO and event.

Usage: ``python benchmarks/bench_ario.py [--quick] [--workdir DIR]`` (``make bench-ario``).

The MRIO is synthetic (:func:`chokepoint.io.mrio.synthetic_iosystem`, seed 7): 49 regions x 163
sectors (EXIOBASE 3's industry resolution), ~13% of Z non-zero, intermediate flows 50% of gross
output. It is written once in pymrio's format; every run reads it back in a fresh subprocess so
each peak memory (``ru_maxrss``) is that run's own. The event: 20% of the productive capital
(4 x value added, BoARIO's default) of every sector of region R00 is destroyed on day 1 and
recovers linearly over 90 days after 5 days.

* BoARIO: ``ARIOPsiModel`` + ``Simulation``; a few steps are timed one by one after the model is
  built (its per-step cost does not change with the day).
* Chokepoint, import: ``from_pymrio`` + ``compile_network`` (validated tables), pickled.
* Chokepoint, simulation: ``simulate_ario`` on the pickled network for 1 scenario (30 days) and
  for 64 (10 days; the same event, impacts scaled 0.5x..1.5x across the batch), the batch once in
  float64 (the default) and once with ``ArioParams(dtype="float32")``; every day is timed
  through the progress callback and the per-step cost is the median over days 3 and later
  (set-up, labelling and the two steady-state days excluded). BoARIO's is the median of its
  timed steps after the first.

The first BoARIO steps are also compared with Chokepoint's first days, and the float32 batch with
the float64 one (max deviation relative to baseline output). Times are wall-clock and CPU (process time, all threads); a loaded machine
inflates wall time, so both are printed.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

EVENT_SHARE = 0.2
EVENT_REGION = "R00"


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def _emit(payload: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(payload), flush=True)


def make_table(work: Path, regions: int, sectors: int, density: float, seed: int) -> None:
    """Write the synthetic MRIO (pymrio parquet) and the event impacts (JSON) into ``work``."""
    from chokepoint.io.mrio import synthetic_iosystem

    io = synthetic_iosystem(regions, sectors, density=density, intermediate_share=0.5, seed=seed)
    z = io.Z.to_numpy()
    x = z.sum(axis=1) + io.Y.to_numpy().sum(axis=1)
    va = np.maximum(x - z.sum(axis=0), 0.0)
    index = io.Z.index
    pick = np.flatnonzero(index.get_level_values(0) == EVENT_REGION)
    impact = {f"{index[i][0]}/{index[i][1]}": float(EVENT_SHARE * 4 * va[i]) for i in pick}
    io.x = None
    io.save_all(work / "mrio", table_format="parquet")
    (work / "event.json").write_text(json.dumps(impact))
    _emit(
        {
            "stage": "table",
            "nodes": len(index),
            "nonzero_share": float((z > 0).mean()),
            "intermediate_share": float(z.sum() / x.sum()),
        }
    )


def _load(work: Path) -> Any:
    import pymrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pymrio.load_all(work / "mrio")


def run_boario(work: Path, steps: int) -> None:
    """Build BoARIO's model, run ``steps`` steps, time each; save production of each step."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import boario.event as bev
        import pandas as pd
        import pymrio
        from boario.extended_models import ARIOPsiModel
        from boario.simulation import Simulation

        t0, c0 = time.perf_counter(), time.process_time()
        io = _load(work)
        io.x = pymrio.calc_x(io.Z, io.Y)
        io.A = pymrio.calc_A(io.Z, io.x)
        model = ARIOPsiModel(io, monetary_factor=10**6)
        sim = Simulation(model, n_temporal_units_to_sim=365, boario_output_dir=work / "boario")
        impact = json.loads((work / "event.json").read_text())
        series = pd.Series({tuple(k.split("/")): v for k, v in impact.items()})
        sim.add_event(
            bev.from_series(
                series,
                event_type="recovery",
                occurrence=1,
                duration=5,
                recovery_tau=90,
                event_monetary_factor=10**6,
            )
        )
        build = time.perf_counter() - t0, time.process_time() - c0
        wall, cpu, prod = [], [], []
        for _ in range(steps):
            t0, c0 = time.perf_counter(), time.process_time()
            sim.next_step()
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            prod.append(model.production.copy())
        np.save(work / "boario_production.npy", np.array(prod))
        labels = [f"{r}/{s}" for r, s in model.industries]
        (work / "boario_labels.json").write_text(json.dumps(labels))
    _emit(
        {
            "stage": "boario",
            "build_s": build[0],
            "step_wall_s": float(np.median(wall[1:] if steps > 1 else wall)),
            "step_cpu_s": float(np.median(cpu[1:] if steps > 1 else cpu)),
            "steps": steps,
            "peak_gb": _peak_gb(),
        }
    )


def run_import(work: Path) -> None:
    """Import the table as a validated network, compile it, pickle it."""
    from chokepoint.io.mrio import from_pymrio
    from chokepoint.network import compile_network

    t0 = time.perf_counter()
    io = _load(work)
    tables = from_pymrio(io, name="bench")
    del io
    net = compile_network(tables)
    del tables
    with (work / "net.pkl").open("wb") as fh:
        pickle.dump(net, fh, protocol=5)
    _emit(
        {
            "stage": "import",
            "seconds": time.perf_counter() - t0,
            "links": net.n_links,
            "pairs": net.n_pairs,
            "peak_gb": _peak_gb(),
        }
    )


def run_chokepoint(work: Path, size: int, days: int, dtype: str) -> None:
    """simulate_ario on the pickled network for ``size`` scenarios; each day timed by the callback."""
    from chokepoint.engine.ario import ArioEvent, ArioParams, simulate_ario

    with (work / "net.pkl").open("rb") as fh:
        net = pickle.load(fh)
    impact = json.loads((work / "event.json").read_text())
    nodes = list(impact)
    values = np.array(list(impact.values()))
    scale = np.linspace(0.5, 1.5, size) if size > 1 else np.ones(1)
    event = ArioEvent(
        "capital",
        nodes,
        scale[:, None] * values[None, :],
        occurrence=1,
        duration=5,
        recovery_tau=90,
    )
    params = ArioParams(dtype=dtype)  # type: ignore[arg-type]
    simulate_ario(net, [event], params, horizon=1, members=size)  # compile the kernels (cached)
    stamps: list[tuple[float, float]] = []

    def tick(done: int, total: int) -> None:
        stamps.append((time.perf_counter(), time.process_time()))

    t0, c0 = time.perf_counter(), time.process_time()
    ds = simulate_ario(net, [event], params, horizon=days, members=size, progress=tick)
    total = time.perf_counter() - t0, time.process_time() - c0
    if size == 1:
        np.save(work / "cp_production.npy", ds.output.isel(scenario=0).to_numpy())
        (work / "cp_labels.json").write_text(json.dumps([str(v) for v in ds.node.to_numpy()]))
    else:
        np.save(work / f"cp{size}_{dtype}.npy", ds.output.to_numpy())
    wall = np.diff([s[0] for s in stamps])[2:]  # days 3.. (after set-up and the steady-state days)
    cpu = np.diff([s[1] for s in stamps])[2:]
    _emit(
        {
            "stage": f"chokepoint{size}",
            "dtype": dtype,
            "step_wall_s": float(np.median(wall)),
            "step_cpu_s": float(np.median(cpu)),
            "total_wall_s": total[0],
            "total_cpu_s": total[1],
            "days": days,
            "peak_gb": _peak_gb(),
            "size": size,
        }
    )


def _child(*args: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        sys.stderr.write(out.stderr)
        msg = f"child {args} printed no result"
        raise RuntimeError(msg)
    return dict(json.loads(lines[-1][7:]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a 10 x 40 table (smoke test)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--boario-steps", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        stage, work, *rest = args.child
        path = Path(work)
        if stage == "table":
            make_table(path, int(rest[0]), int(rest[1]), float(rest[2]), int(rest[3]))
        elif stage == "boario":
            run_boario(path, int(rest[0]))
        elif stage == "import":
            run_import(path)
        else:
            run_chokepoint(path, int(rest[0]), int(rest[1]), rest[2])
        return

    regions, sectors = (10, 40) if args.quick else (49, 163)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench_ario_", dir=args.workdir) as tmp:
        work = str(tmp)
        table = _child("table", work, str(regions), str(sectors), "0.13", "7")
        print(
            f"MRIO {regions} x {sectors} = {table['nodes']} industries, "
            f"{table['nonzero_share']:.1%} of Z non-zero, intermediate flows "
            f"{table['intermediate_share']:.1%} of output",
            flush=True,
        )
        boa = _child("boario", work, str(args.boario_steps))
        print(
            f"BoARIO      build {boa['build_s']:.1f} s; step {boa['step_wall_s']:.3f} s wall, "
            f"{boa['step_cpu_s']:.3f} s CPU; peak {boa['peak_gb']:.2f} GB",
            flush=True,
        )
        imp = _child("import", work)
        print(
            f"Chokepoint  import + validate + compile {imp['seconds']:.1f} s "
            f"({imp['links']:,} links, {imp['pairs']:,} input pairs); peak {imp['peak_gb']:.2f} GB",
            flush=True,
        )
        one = _child("cp", work, "1", "30", "float64")
        batch = _child("cp", work, str(args.batch), "10", "float64")
        batch32 = _child("cp", work, str(args.batch), "10", "float32")
        ours = np.load(Path(work) / "cp_production.npy")
        theirs = np.load(Path(work) / "boario_production.npy")
        order = json.loads((Path(work) / "cp_labels.json").read_text())
        labels = json.loads((Path(work) / "boario_labels.json").read_text())
        pos = {name: i for i, name in enumerate(order)}
        idx = np.array([pos[name] for name in labels])
        k = theirs.shape[0]
        dev = np.abs(ours[:k, idx] - theirs) / np.maximum(theirs[0], 1e-300)
        dev = np.where(theirs[0] > 0, dev, 0.0)
        x64 = np.load(Path(work) / f"cp{args.batch}_float64.npy")
        x32 = np.load(Path(work) / f"cp{args.batch}_float32.npy")
        base = np.maximum(x64[:, 0], 1e-300)[:, None]
        dev32 = np.abs(x32 - x64) / base

    runs = (
        (one, "1 scenario"),
        (batch, f"{args.batch} scenarios"),
        (batch32, f"{args.batch}, float32"),
    )
    for res, label in runs:
        per = res["step_wall_s"] / res["size"]
        per_cpu = res["step_cpu_s"] / res["size"]
        print(
            f"Chokepoint  {label:>13}: {res['days']} days in {res['total_wall_s']:.1f} s wall "
            f"({res['total_cpu_s']:.1f} s CPU), set-up and Dataset included"
        )
        print(
            f"Chokepoint  {label:>13}: step {res['step_wall_s']:.3f} s wall "
            f"({per * 1e3:.1f} ms per scenario), {res['step_cpu_s']:.3f} s CPU "
            f"({per_cpu * 1e3:.1f} ms per scenario); peak {res['peak_gb']:.2f} GB",
            flush=True,
        )
    print("\nratios (BoARIO / Chokepoint; targets: >= 50x, memory <= 1/4, >= 500x at batch 64)")
    for res, label in (
        (one, "1 scenario"),
        (batch, f"batch {args.batch}"),
        (batch32, f"batch {args.batch} float32"),
    ):
        print(
            f"  {label:>18}: speed per scenario {boa['step_wall_s'] / (res['step_wall_s'] / res['size']):,.0f}x wall, "
            f"{boa['step_cpu_s'] / (res['step_cpu_s'] / res['size']):,.0f}x CPU; "
            f"memory {res['peak_gb'] / boa['peak_gb']:.2f} of BoARIO's"
        )
    print(
        f"  import process: memory {imp['peak_gb'] / boa['peak_gb']:.2f} of BoARIO's "
        f"(dense pymrio table + validation; a one-off)"
    )
    print(
        f"  first {k} steps: max |x_chokepoint - x_boario| / x̄ = {dev.max():.2e}",
        flush=True,
    )
    print(
        f"  batch, {x64.shape[1]} days: max |x_float32 - x_float64| / x̄ = {dev32.max():.2e}",
        flush=True,
    )


if __name__ == "__main__":
    main()
