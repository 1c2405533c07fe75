"""Runs in the store: one row per run with its scenario, dataset, metrics (JSON) and status."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd

from chokepoint.errors import NotFoundError
from chokepoint.store.datasets import json_default

RUN_COLUMNS = (
    "run_id",
    "scenario",
    "dataset",
    "status",
    "created_at",
    "updated_at",
    "results_path",
    "metrics",
)
"""Columns of :meth:`Store.list_runs` (the scenario YAML only comes with :meth:`Store.get_run`)."""


def write_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    scenario: str,
    dataset: str,
    scenario_yaml: str,
    metrics: dict[str, Any],
    results_path: str | None,
    status: str,
) -> None:
    """Insert or update run ``run_id`` (an update keeps its ``created_at``)."""
    metrics_json = json.dumps(metrics, default=json_default)
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute("SELECT created_at FROM runs WHERE run_id = ?", [run_id]).fetchone()
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        con.execute(
            "INSERT INTO runs (run_id, scenario, dataset, scenario_yaml, metrics, results_path, "
            "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "coalesce(?, current_timestamp), current_timestamp)",
            [
                run_id,
                scenario,
                dataset,
                scenario_yaml,
                metrics_json,
                results_path,
                status,
                row[0] if row else None,
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def read_runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every run, oldest first, with ``metrics`` decoded to dicts."""
    cols = ", ".join(RUN_COLUMNS)
    df = con.execute(f"SELECT {cols} FROM runs ORDER BY created_at, run_id").df()
    df["metrics"] = [json.loads(m) if m else {} for m in df["metrics"]]
    return df


def read_run(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """One run as a dict (``metrics`` decoded); :class:`NotFoundError` if unknown."""
    cursor = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
    row = cursor.fetchone()
    if row is None:
        msg = f"unknown run {run_id!r}"
        raise NotFoundError(msg)
    names = [d[0] for d in cursor.description]
    out = dict(zip(names, row, strict=True))
    out["metrics"] = json.loads(out["metrics"]) if out["metrics"] else {}
    return out
