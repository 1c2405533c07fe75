"""Property-based fuzzing of the API from its OpenAPI spec (schemathesis): never a 5xx.

Every operation is fuzzed with valid (positive) and invalid (negative) requests, 25 examples each,
derandomised, on an app over its own store with small caps so that generated runs and rankings
stay cheap. Each (operation, mode) is its own test id, so pytest-xdist distributes them.
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
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from chokepoint.service.app import create_app
from chokepoint.service.settings import ServiceSettings

STORE = Path(tempfile.mkdtemp(prefix="chokepoint-fuzz-")) / "store.duckdb"
atexit.register(shutil.rmtree, STORE.parent, True)
APP = create_app(
    ServiceSettings(store=str(STORE), max_horizon_days=60, max_batch_size=4, max_run_seconds=30)
)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
OPERATIONS = {op.ok().label: op.ok() for op in SCHEMA.get_all_operations()}
SPEC = APP.openapi()


def _has_inputs(label: str) -> bool:
    """Whether an operation takes parameters or a body (only those can be sent invalid input)."""
    method, path = label.split(" ", 1)
    op = SPEC["paths"][path][method.lower()]
    return bool(op.get("parameters") or op.get("requestBody"))


CASES = [(label, GenerationMode.POSITIVE) for label in sorted(OPERATIONS)] + [
    (label, GenerationMode.NEGATIVE) for label in sorted(OPERATIONS) if _has_inputs(label)
]


@pytest.fixture(scope="module", autouse=True)
def _started(template_store: Path) -> Iterator[None]:
    """Run the app's lifespan (jobs, datasets) around the module."""
    shutil.copyfile(template_store, STORE)
    with TestClient(APP):
        yield


def test_every_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 20
    assert "POST /api/runs" in OPERATIONS


@pytest.mark.slow
@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{lb}-{m.value}" for lb, m in CASES])
def test_no_server_errors(label: str, mode: GenerationMode) -> None:
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call()
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, response.text[:300]
            assert "Traceback" not in response.text

    check()
