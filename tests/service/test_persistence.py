"""Kill -9 the server mid-run: a restart shows finished runs intact, interrupted ones failed."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from chokepoint.service.jobs import INTERRUPTED


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(store: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CHOKEPOINT_STORE": str(store)}
    return subprocess.Popen(
        [sys.executable, "-m", "chokepoint.cli.serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited"
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not start")


def _wait_status(
    base: str, run_id: str, statuses: set[str], timeout: float = 300
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run: dict[str, Any] = httpx.get(f"{base}/api/runs/{run_id}", timeout=10).json()
        if run["status"] in statuses:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} never reached {statuses}")


@pytest.mark.slow
def test_kill_9_and_restart(tmp_path: Path, template_store: Path) -> None:
    store = tmp_path / "store.duckdb"
    shutil.copyfile(template_store, store)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(store, port)
    try:
        _wait_up(base, server)
        done = httpx.post(f"{base}/api/runs", json={"preset": "toy-licensing"}, timeout=60).json()
        finished = _wait_status(base, done["run_id"], {"finished", "failed"})
        assert finished["status"] == "finished"
        metrics = httpx.get(f"{base}/api/runs/{done['run_id']}/metrics", timeout=10).json()
        # one worker: the second run runs, the third waits in the queue (the flagship preset on
        # critical-chains takes seconds, so the kill lands while it runs)
        flagship = {"preset": "rare-earth-licensing-2025"}
        running = httpx.post(f"{base}/api/runs", json=flagship, timeout=120)
        queued = httpx.post(f"{base}/api/runs", json=flagship, timeout=120)
        running_id, queued_id = running.json()["run_id"], queued.json()["run_id"]
        _wait_status(base, running_id, {"running"})
        assert httpx.get(f"{base}/api/runs/{queued_id}").json()["status"] == "queued"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)

    server = _start(store, port)
    try:
        _wait_up(base, server)
        runs = {r["run_id"]: r for r in httpx.get(f"{base}/api/runs", timeout=10).json()}
        assert runs[done["run_id"]]["status"] == "finished"
        assert httpx.get(f"{base}/api/runs/{done['run_id']}/metrics").json() == metrics
        series = httpx.get(f"{base}/api/runs/{done['run_id']}/series", timeout=30)
        assert series.status_code == 200
        for run_id in (running_id, queued_id):
            assert runs[run_id]["status"] == "failed"
            assert runs[run_id]["error"] == INTERRUPTED
        # the orphaned worker of the killed server must not finish its run later
        time.sleep(3)
        assert httpx.get(f"{base}/api/runs/{running_id}").json()["status"] == "failed"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
