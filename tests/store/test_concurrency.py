"""A second process reading while one writes never sees a half-written dataset.

The writer process re-imports dataset ``churn`` 15 times; generation g is the toy dataset with
every capacity, output, flow and final demand multiplied by g (still balanced, since the network
is linear). Each import replaces all eight tables and the ``datasets`` row in one transaction.
The reader process loads ``churn`` in a loop meanwhile: every load must validate (a mix of two
generations would fail the balance check) and show a single factor g across all tables. The writer
replaces generation 1 only once the reader has loaded a generation, so the reads overlap the
writes however slowly the reader starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import chokepoint as cp
from chokepoint.store import open_store

GENERATIONS = 10

WRITER = textwrap.dedent(
    f"""
    import os, time
    from pathlib import Path
    import chokepoint as cp
    from chokepoint.datasets import load_packaged
    from chokepoint.store import open_store

    toy = load_packaged("toy")
    ready = Path(os.environ["READY_FILE"])
    seen_first = Path(os.environ["SEEN_FILE"])
    while not ready.exists():  # start writing once the reader is looping
        time.sleep(0.01)
    with open_store() as store:
        for g in range(1, {GENERATIONS} + 1):
            # from generation 2 on, replace a dataset the reader has already loaded once, so the
            # reads provably overlap the writes (else a slow first read may see only the last)
            deadline = time.monotonic() + 60
            while g == 2 and not seen_first.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            frames = dict(toy.frames)
            frames["producers"] = toy.producers.assign(
                capacity=toy.producers["capacity"] * g, output=toy.producers["output"] * g
            )
            frames["links"] = toy.links.assign(flow=toy.links["flow"] * g)
            frames["final_demand"] = toy.final_demand.assign(
                quantity=toy.final_demand["quantity"] * g
            )
            store.import_tables(
                cp.NetworkTables("churn", frames, "1", dict(toy.meta, g=g)), replace=True
            )
            store.save_run(f"run-{{g}}", scenario="s", dataset="churn", scenario_yaml="",
                           metrics={{"g": g}})
    print("done", flush=True)
    """
)

READER = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from chokepoint.datasets import load_packaged
    from chokepoint.errors import NotFoundError
    from chokepoint.store import open_store

    toy = load_packaged("toy")
    stop = Path(os.environ["STOP_FILE"])
    seen, bad = [], []
    Path(os.environ["READY_FILE"]).touch()
    with open_store(read_only=True) as store:
        while True:
            done = stop.exists()  # one more load after the writer has finished
            try:
                t = store.load_dataset("churn")  # validates, balance included
            except NotFoundError:
                continue
            g = t.meta["g"]
            factors = set(
                (t.producers["output"] / toy.producers["output"]).round(9).tolist()
                + (t.links["flow"] / toy.links["flow"]).round(9).tolist()
                + (t.final_demand["quantity"] / toy.final_demand["quantity"]).round(9).tolist()
            )
            if factors != {float(g)} or t.counts() != toy.counts():
                bad.append([g, sorted(factors)])
            seen.append(g)
            Path(os.environ["SEEN_FILE"]).touch()
            if done:
                break
            time.sleep(0.02)
    print(json.dumps({"seen": seen, "bad": bad}), flush=True)
    """
)


def test_concurrent_read_during_write(_isolated_store: Path) -> None:
    stop = _isolated_store.parent / "stop"
    env = {**os.environ, "CHOKEPOINT_STORE_TIMEOUT": "60", "STOP_FILE": str(stop)}
    env["READY_FILE"] = str(_isolated_store.parent / "ready")
    env["SEEN_FILE"] = str(_isolated_store.parent / "seen")
    with open_store() as store:  # create the file so both processes start on a migrated store
        assert store.list_datasets().empty
    reader = subprocess.Popen(
        [sys.executable, "-c", READER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    writer = subprocess.run(
        [sys.executable, "-c", WRITER], capture_output=True, text=True, env=env, timeout=120
    )
    stop.touch()
    out, err = reader.communicate(timeout=120)
    assert writer.returncode == 0, writer.stderr
    assert writer.stdout.strip() == "done"
    assert reader.returncode == 0, err
    report = json.loads(out)
    assert report["bad"] == []
    # The reader loaded the dataset while the writer was still replacing it.
    assert len(set(report["seen"])) >= 2, report["seen"]
    assert report["seen"] == sorted(report["seen"])  # generations only move forward
    # Nothing corrupted: the last generation is intact and every run is there.
    tables = cp.load_dataset("churn")
    assert tables.meta["g"] == GENERATIONS
    assert float(tables.producers["output"].sum()) == 1024.0 * GENERATIONS
    with open_store() as store:
        assert len(store.list_runs()) == GENERATIONS
