"""Fixtures of the service tests: an app on a fresh store, driven by TestClient."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chokepoint.service.app import create_app
from chokepoint.service.settings import ServiceSettings

HERE = Path(__file__).parent

SLOW_RUNNER = "service_runners:slow"
"""A worker function that takes ~30 s and reports progress (module in this folder)."""


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the shipped datasets imported once per session (importing takes seconds)."""
    path = tmp_path_factory.mktemp("template") / "store.duckdb"
    from chokepoint.store import open_store

    with open_store(path) as store:
        store.ensure_packaged()
    return path


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template_store: Path) -> Path:
    """A fresh copy of the template store for each test; workers can import this folder."""
    path = tmp_path / "store.duckdb"
    shutil.copyfile(template_store, path)
    monkeypatch.setenv("CHOKEPOINT_STORE", str(path))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])])
    )
    return path


@pytest.fixture
def make_client(store_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``make_client(runner=..., **settings)``: a started TestClient (closed after the test)."""
    opened: list[TestClient] = []

    def make(runner: str | None = None, raise_errors: bool = True, **settings: Any) -> TestClient:
        kwargs = {"runner": runner} if runner else {}
        client = TestClient(
            create_app(ServiceSettings(**settings), **kwargs),
            raise_server_exceptions=raise_errors,
        )
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of an app with default settings."""
    return make_client()


@pytest.fixture
def wait_for() -> Callable[..., dict[str, Any]]:
    """``wait_for(client, run_id, statuses, timeout=240)``: poll until the run's status is in
    ``statuses`` and return it."""
    return _wait_for


def _wait_for(
    client: TestClient, run_id: str, statuses: tuple[str, ...], timeout: float = 240.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        if time.monotonic() > deadline:
            msg = f"run {run_id} still {run['status']} after {timeout} s"
            raise AssertionError(msg)
        time.sleep(0.1)


@pytest.fixture(scope="module")
def shared_client(
    tmp_path_factory: pytest.TempPathFactory, template_store: Path
) -> Iterator[TestClient]:
    """One app for a whole module (its warm worker processes serve every real run)."""
    path = tmp_path_factory.mktemp("shared") / "store.duckdb"
    shutil.copyfile(template_store, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHOKEPOINT_STORE", str(path))
        with TestClient(create_app(ServiceSettings())) as client:
            yield client
