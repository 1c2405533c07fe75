"""Root fixtures for every test (``tests/``, ``properties/``, doctests in ``src/``): a per-test
store file, so a store never lands in the user's data directory during a test run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI replays a fixed sequence of examples (the same run gives the same verdict); local runs keep
# exploring new examples, so new counterexamples are still found during development.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point ``CHOKEPOINT_STORE`` at a fresh per-test file (and the data dir at a temp dir)."""
    root = tmp_path_factory.mktemp("store")
    path = root / "store.duckdb"
    monkeypatch.setenv("CHOKEPOINT_STORE", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    return path
