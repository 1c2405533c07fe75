"""Datasets in the store: write a :class:`NetworkTables` in one transaction, read it back validated.

Each network table lives in ``net_<table>`` with the key columns ``dataset``, ``version`` and
``row_id`` (the row's position in the imported table); ``datasets`` holds one row per
(name, version) with the metadata (JSON), the row counts (JSON), where it came from and a hash of
its content. Writing replaces a dataset of the same name and version atomically: a reader sees
either the old or the new dataset, never a mix.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from chokepoint.errors import NotFoundError
from chokepoint.network.schema import TABLES
from chokepoint.network.tables import NetworkTables, Origin
from chokepoint.network.validate import validate_tables
from chokepoint.store.migrations import table_name


def json_default(value: Any) -> Any:
    """JSON for numpy scalars/arrays, dates and anything else (as text)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def tables_sha256(tables: NetworkTables) -> str:
    """A hash of a dataset's content (tables and metadata), to detect changed copies."""
    digest = hashlib.sha256()
    digest.update(json.dumps(dict(tables.meta), sort_keys=True, default=json_default).encode())
    for name in TABLES:
        frame = tables.frames[name]
        digest.update(name.encode())
        digest.update(frame.to_csv(index=False).encode())
    return digest.hexdigest()


def write_dataset(
    con: duckdb.DuckDBPyConnection,
    tables: NetworkTables,
    *,
    origin: str,
    content_sha256: str | None = None,
) -> None:
    """Insert (or replace) ``tables`` as dataset ``tables.name``/``tables.version``, atomically."""
    key = [tables.name, tables.version]
    sha = content_sha256 or tables_sha256(tables)
    counts = {name: len(tables.frames[name]) for name in TABLES}
    con.execute("BEGIN TRANSACTION")
    try:
        for name, spec in TABLES.items():
            target = table_name(name)
            con.execute(f"DELETE FROM {target} WHERE dataset = ? AND version = ?", key)
            frame = tables.frames[name]
            if len(frame) == 0:
                continue
            out = frame.loc[:, list(spec.column_names)].reset_index(drop=True)
            out.insert(0, "row_id", np.arange(len(out), dtype=np.int64))
            out.insert(0, "version", tables.version)
            out.insert(0, "dataset", tables.name)
            view = f"_chokepoint_import_{name}"
            con.register(view, out)
            try:
                con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {view}")
            finally:
                con.unregister(view)
        con.execute("DELETE FROM datasets WHERE name = ? AND version = ?", key)
        con.execute(
            "INSERT INTO datasets (name, version, meta, origin, imported_at, counts, "
            "content_sha256) VALUES (?, ?, ?, ?, current_timestamp, ?, ?)",
            [
                *key,
                json.dumps(dict(tables.meta), default=json_default),
                origin,
                json.dumps(counts),
                sha,
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def dataset_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per stored dataset: name, version, origin, imported_at, meta, counts, sha."""
    return con.execute(
        "SELECT name, version, origin, imported_at, meta, counts, content_sha256 FROM datasets "
        "ORDER BY name, imported_at"
    ).df()


def resolve(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str]:
    """(name, version) of ``name`` or ``name@version``; without a version, the latest import."""
    base, _, version = name.partition("@")
    if version:
        row = con.execute(
            "SELECT name, version FROM datasets WHERE name = ? AND version = ?", [base, version]
        ).fetchone()
    else:
        row = con.execute(
            "SELECT name, version FROM datasets WHERE name = ? ORDER BY imported_at DESC LIMIT 1",
            [base],
        ).fetchone()
    if row is None:
        known = sorted(
            f"{n}@{v}" if v else str(n)
            for n, v in con.execute("SELECT name, version FROM datasets").fetchall()
        )
        msg = f"unknown dataset {name!r}; expected one of: {', '.join(known) or '(none stored)'}"
        raise NotFoundError(msg)
    return str(row[0]), str(row[1])


def read_meta(con: duckdb.DuckDBPyConnection, name: str, version: str) -> dict[str, Any]:
    """The stored metadata of one dataset (JSON decoded)."""
    row = con.execute(
        "SELECT meta FROM datasets WHERE name = ? AND version = ?", [name, version]
    ).fetchone()
    return dict(json.loads(row[0])) if row and row[0] else {}


def read_frames(con: duckdb.DuckDBPyConnection, name: str, version: str) -> dict[str, pd.DataFrame]:
    """The raw frames of one dataset, in their imported row order."""
    frames = {}
    for table, spec in TABLES.items():
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        frames[table] = con.execute(
            f"SELECT {cols} FROM {table_name(table)} WHERE dataset = ? AND version = ? "
            "ORDER BY row_id",
            [name, version],
        ).df()
    return frames


def tables_from_frames(
    name: str, version: str, frames: Mapping[str, pd.DataFrame], meta: Mapping[str, Any]
) -> NetworkTables:
    """Validate frames read from the store (rows numbered from 1, labelled ``store:<table>``)."""
    origins = {table: Origin(f"store:{name}@{version}/{table}", 1) for table in TABLES}
    return validate_tables(frames, name=name, version=version, meta=meta, origins=origins)
