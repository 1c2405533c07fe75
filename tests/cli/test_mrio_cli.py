"""``chokepoint data import-mrio`` on pymrio's test system, into a temporary store."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chokepoint.cli.app import app


def test_import_pymrio_test_json(tmp_path: Path) -> None:
    store = str(tmp_path / "store.duckdb")
    result = CliRunner().invoke(
        app, ["--store", store, "data", "import-mrio", "--pymrio-test", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["name"] == "pymrio_test"
    assert out["counts"]["producers"] == 48 and out["counts"]["links"] == 2304
    assert out["unit"] == "Mill USD" and out["usd_per_unit"] == 1e6


def test_import_needs_one_source(tmp_path: Path) -> None:
    store = str(tmp_path / "store.duckdb")
    result = CliRunner().invoke(app, ["--store", store, "data", "import-mrio"])
    assert result.exit_code == 2
    assert "expected exactly one of --pymrio-test or --path DIR" in result.output
    result = CliRunner().invoke(
        app, ["--store", store, "data", "import-mrio", "--path", str(tmp_path / "no")]
    )
    assert result.exit_code == 2
    assert "expected a pymrio folder or zip" in result.output
