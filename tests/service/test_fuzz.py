"""Property-based fuzzing of the API from its OpenAPI spec (schemathesis): never a 5xx.

Bounded: 25 generated requests per operation (derandomised), on an app over its own store with
small caps so that generated runs and rankings stay cheap.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from chokepoint.service.app import create_app
from chokepoint.service.settings import ServiceSettings

STORE = Path(tempfile.mkdtemp(prefix="chokepoint-fuzz-")) / "store.duckdb"
atexit.register(shutil.rmtree, STORE.parent, True)
APP = create_app(
    ServiceSettings(store=str(STORE), max_horizon_days=60, max_batch_size=4, max_run_seconds=30)
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _started(template_store: Path) -> Iterator[None]:
    """Run the app's lifespan (jobs, datasets) around the module; remove its store after."""
    shutil.copyfile(template_store, STORE)
    with TestClient(APP):
        yield
    shutil.rmtree(STORE.parent, ignore_errors=True)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        assert "Traceback" not in response.text
