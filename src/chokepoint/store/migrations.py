"""The store's versioned schema: ordered migrations, each applied once, in its own transaction.

``schema_version`` records every applied migration. A migration's SQL is frozen once released: a
change to the network tables (:data:`chokepoint.network.schema.TABLES`) needs a new migration,
and ``tests/store`` checks that the migrated store matches the declared tables.

History
-------
1. ``schema_version``, ``datasets`` (name, version, meta JSON, origin, import time) and one table
   ``net_<table>`` per network table, keyed by ``dataset``, ``version`` and ``row_id``.
2. ``datasets.counts`` (row count of each table, JSON; back-filled) and ``datasets.content_sha256``;
   ``net_recipes.region`` (region-specific recipes; blank for existing rows); the ``runs`` table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from chokepoint.store.connection import StoreError

_KEY = '"dataset" VARCHAR NOT NULL, "version" VARCHAR NOT NULL, "row_id" BIGINT NOT NULL'
_PROV = '"source" VARCHAR, "note" VARCHAR'

NETWORK_DDL_V1: dict[str, str] = {
    "regions": '"region" VARCHAR, "name" VARCHAR, "blocs" VARCHAR, "wgi" DOUBLE',
    "products": (
        '"product" VARCHAR, "name" VARCHAR, "stage" VARCHAR, "unit" VARCHAR, '
        '"unit_value_usd" DOUBLE, "chains" VARCHAR, "hs_codes" VARCHAR'
    ),
    "producers": (
        '"region" VARCHAR, "product" VARCHAR, "firm" VARCHAR, "owner_region" VARCHAR, '
        '"capacity" DOUBLE, "output" DOUBLE'
    ),
    "recipes": '"product" VARCHAR, "input" VARCHAR, "amount" DOUBLE, "substitution_group" VARCHAR',
    "links": '"supplier" VARCHAR, "buyer" VARCHAR, "flow" DOUBLE, "lead_time_days" BIGINT',
    "final_demand": '"supplier" VARCHAR, "region" VARCHAR, "quantity" DOUBLE',
    "stocks": (
        '"node" VARCHAR, "input" VARCHAR, "target_days" DOUBLE, "initial_days" DOUBLE, '
        '"strategic_days" DOUBLE'
    ),
    "alternatives": '"buyer" VARCHAR, "supplier" VARCHAR, "qualification_days" BIGINT',
}
"""Columns of each ``net_<table>`` as created by migration 1 (frozen)."""


def table_name(table: str) -> str:
    """The store table holding network table ``table``."""
    return f"net_{table}"


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE schema_version (version INTEGER NOT NULL, description VARCHAR, "
        "applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    con.execute(
        "CREATE TABLE datasets (name VARCHAR NOT NULL, version VARCHAR NOT NULL, "
        "meta VARCHAR, origin VARCHAR, imported_at TIMESTAMP DEFAULT current_timestamp)"
    )
    for table, columns in NETWORK_DDL_V1.items():
        con.execute(f"CREATE TABLE {table_name(table)} ({_KEY}, {columns}, {_PROV})")


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE datasets ADD COLUMN counts VARCHAR")
    con.execute("ALTER TABLE datasets ADD COLUMN content_sha256 VARCHAR")
    con.execute(f"ALTER TABLE {table_name('recipes')} ADD COLUMN region VARCHAR DEFAULT ''")
    keys = con.execute("SELECT name, version FROM datasets").fetchall()
    for name, version in keys:
        counts = {}
        for table in NETWORK_DDL_V1:
            row = con.execute(
                f"SELECT count(*) FROM {table_name(table)} WHERE dataset = ? AND version = ?",
                [name, version],
            ).fetchone()
            counts[table] = int(row[0]) if row else 0
        con.execute(
            "UPDATE datasets SET counts = ? WHERE name = ? AND version = ?",
            [json.dumps(counts), name, version],
        )
    con.execute(
        "CREATE TABLE runs (run_id VARCHAR NOT NULL, scenario VARCHAR, dataset VARCHAR, "
        "scenario_yaml VARCHAR, metrics VARCHAR, results_path VARCHAR, status VARCHAR, "
        "created_at TIMESTAMP, updated_at TIMESTAMP)"
    )


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema: bring a store at ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[duckdb.DuckDBPyConnection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "datasets and network tables", _v1),
    Migration(2, "dataset counts and content hash; recipe regions; runs", _v2),
)
"""Every migration, in order."""

SCHEMA_VERSION = MIGRATIONS[-1].version
"""The schema version this release writes."""


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version (0 for an empty file)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply the pending migrations up to ``target``, each in its own transaction.

    Returns the versions applied. A store written by a newer release is refused.
    """
    version = current_version(con)
    if version > SCHEMA_VERSION:
        msg = (
            f"the store has schema version {version}, newer than this release's "
            f"{SCHEMA_VERSION}; upgrade chokepoint or point CHOKEPOINT_STORE elsewhere"
        )
        raise StoreError(msg)
    applied = []
    for step in MIGRATIONS:
        if step.version <= version or step.version > target:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            step.apply(con)
            con.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [step.version, step.description],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(step.version)
    return applied
