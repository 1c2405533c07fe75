"""The :class:`Store` handle and :func:`open_store`.

>>> from chokepoint.store import open_store
>>> with open_store() as store:
...     _ = store.ensure_packaged(["toy"])
...     row = store.list_datasets().iloc[0]
>>> row["name"], row["version"], int(row["links"])
('toy', '1.0', 8)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from chokepoint.errors import InputError, Problem
from chokepoint.network.schema import TABLES
from chokepoint.network.tables import NetworkTables
from chokepoint.store import datasets as _ds
from chokepoint.store import runs as _runs
from chokepoint.store.connection import (
    StoreError,
    connect,
    default_store_path,
    default_timeout,
)
from chokepoint.store.migrations import SCHEMA_VERSION, current_version, migrate

PACKAGE_ORIGIN = "package"
"""``datasets.origin`` of a dataset shipped in the package (re-imported when its files change)."""


DATASET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
"""A stored dataset's name (and non-empty version): letters, digits, ``_``, ``.``, ``-``, starting
with a letter or digit, at most 100 characters, no ``..``. Such a name can be given to every
command and in the service's URLs (``NAME@VERSION``)."""


def dataset_name_problems(name: str, version: str) -> list[Problem]:
    """Problems with a dataset ``name`` and ``version`` (empty version allowed), see
    :data:`DATASET_NAME_PATTERN`."""
    problems = []
    for what, value in (("name", name), ("version", version)):
        if what == "version" and value == "":
            continue
        if re.fullmatch(DATASET_NAME_PATTERN, value) is None or ".." in value:
            problems.append(
                Problem(
                    what,
                    f"expected a {what} of letters, digits, '_', '.' or '-' (starting with a "
                    f"letter or digit, at most 100 characters, no '..'; pattern "
                    f"{DATASET_NAME_PATTERN}), got {value!r}",
                )
            )
    return problems


class Store:
    """A Chokepoint store file. Every method opens a connection for one short transaction.

    Build it with :func:`open_store`. A read-only handle refuses to write (it still creates or
    migrates the file's schema when needed, in one short transaction).
    """

    def __init__(self, path: Path, *, read_only: bool = False, timeout: float | None = None):
        self.path = path
        self.read_only = read_only
        self.timeout = default_timeout() if timeout is None else timeout

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"<Store {self.path} ({mode})>"

    # -- connections -------------------------------------------------------------------------
    def connection(
        self, *, write: bool = False
    ) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A short-lived connection (closed at the end of the ``with`` block)."""
        if write and self.read_only:
            msg = f"the store {self.path} is open read-only; open it with read_only=False to write"
            raise StoreError(msg)
        return connect(self.path, write=write, timeout=self.timeout)

    def _prepare(self) -> None:
        """Create the file or migrate its schema if needed."""
        if self.path.exists():
            with connect(self.path, write=False, timeout=self.timeout) as con:
                version = current_version(con)
            if version == SCHEMA_VERSION:
                return
        with connect(self.path, write=True, timeout=self.timeout) as con:
            migrate(con)

    def schema_version(self) -> int:
        """The schema version of the file."""
        with self.connection() as con:
            return current_version(con)

    # -- datasets ----------------------------------------------------------------------------
    def list_datasets(self) -> pd.DataFrame:
        """Stored datasets: name, version, origin, imported_at, description and row counts."""
        with self.connection() as con:
            rows = _ds.dataset_rows(con)
        counts = [json.loads(c) if c else {} for c in rows["counts"]]
        metas = [json.loads(m) if m else {} for m in rows["meta"]]
        out = rows[["name", "version", "origin", "imported_at"]].copy()
        out["description"] = [str(m.get("description", "")).strip() for m in metas]
        for table in TABLES:
            out[table] = [int(c.get(table, 0)) for c in counts]
        return out.reset_index(drop=True)

    def dataset_info(self, name: str) -> dict[str, Any]:
        """Name, version, origin, import time, metadata and row counts of dataset ``name``."""
        with self.connection() as con:
            base, version = _ds.resolve(con, name)
            row = con.execute(
                "SELECT origin, imported_at, meta, counts, content_sha256 FROM datasets "
                "WHERE name = ? AND version = ?",
                [base, version],
            ).fetchone()
        assert row is not None
        return {
            "name": base,
            "version": version,
            "origin": row[0],
            "imported_at": str(row[1]),
            "meta": json.loads(row[2]) if row[2] else {},
            "counts": json.loads(row[3]) if row[3] else {},
            "content_sha256": row[4],
        }

    def has_dataset(self, name: str) -> bool:
        """Whether ``name`` (or ``name@version``) is stored."""
        from chokepoint.errors import NotFoundError

        with self.connection() as con:
            try:
                _ds.resolve(con, name)
            except NotFoundError:
                return False
        return True

    def import_tables(
        self,
        tables: NetworkTables,
        *,
        origin: str = "import",
        content_sha256: str | None = None,
        replace: bool = False,
    ) -> None:
        """Store validated ``tables`` under ``tables.name``/``tables.version``.

        A dataset already stored under that name and version is an error unless ``replace``
        (then it is replaced atomically). The names of shipped datasets are reserved for them,
        and a name or version that could not be addressed later (``/``, ``@``, spaces...) is
        refused: see :data:`DATASET_NAME_PATTERN`.
        """
        from chokepoint.datasets.registry import list_packaged

        subject = f"import of dataset {tables.name!r}"
        problems = dataset_name_problems(tables.name, tables.version)
        if origin != PACKAGE_ORIGIN and tables.name in list_packaged():
            problems.append(
                Problem(
                    "name",
                    f"expected a name not used by a shipped dataset, got {tables.name!r} "
                    "(choose another name; CLI: --name)",
                )
            )
        if problems:
            raise InputError(subject, problems)
        with self.connection(write=True) as con:
            if not replace:  # checked on the writing connection: no other writer in between
                row = con.execute(
                    "SELECT origin, imported_at FROM datasets WHERE name = ? AND version = ?",
                    [tables.name, tables.version],
                ).fetchone()
                if row is not None:
                    raise InputError(
                        subject,
                        [
                            Problem(
                                "name",
                                f"expected a name and version not stored yet, got {tables.label} "
                                f"(imported {str(row[1])[:19]} from {row[0]}); choose another "
                                "name or version, or replace it on purpose (CLI: --replace)",
                            )
                        ],
                    )
            _ds.write_dataset(con, tables, origin=origin, content_sha256=content_sha256)

    def load_dataset(self, name: str) -> NetworkTables:
        """Read ``name`` (``name@version``; latest import without a version) and validate it."""
        with self.connection() as con:
            base, version = _ds.resolve(con, name)
            frames = _ds.read_frames(con, base, version)
            meta = _ds.read_meta(con, base, version)
        return _ds.tables_from_frames(base, version, frames, meta)

    def delete_dataset(self, name: str) -> None:
        """Remove ``name`` (``name@version``; every version without one)."""
        from chokepoint.store.migrations import table_name

        with self.connection(write=True) as con:
            base, version = _ds.resolve(con, name)
            clause, args = (
                ("dataset = ? AND version = ?", [base, version])
                if "@" in name
                else ("dataset = ?", [base])
            )
            con.execute("BEGIN TRANSACTION")
            try:
                for table in TABLES:
                    con.execute(f"DELETE FROM {table_name(table)} WHERE {clause}", args)
                con.execute(f"DELETE FROM datasets WHERE {clause.replace('dataset', 'name')}", args)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def ensure_packaged(self, names: Sequence[str] | None = None) -> list[str]:
        """Import the shipped datasets ``names`` (all by default) that are missing or changed.

        Returns the names imported now.
        """
        from chokepoint.datasets.registry import dataset_path, list_packaged, load_packaged

        wanted = list_packaged() if names is None else [n.split("@", 1)[0] for n in names]
        wanted = [n for n in wanted if n in list_packaged()]
        if not wanted:
            return []
        hashes = {n: folder_sha256(dataset_path(n)) for n in wanted}
        with self.connection() as con:
            stored = set(
                con.execute(
                    "SELECT name, content_sha256 FROM datasets WHERE origin = ?",
                    [PACKAGE_ORIGIN],
                ).fetchall()
            )
        missing = [n for n in wanted if (n, hashes[n]) not in stored]
        for n in missing:
            tables = load_packaged(n)
            with connect(self.path, write=True, timeout=self.timeout) as con:
                _ds.write_dataset(con, tables, origin=PACKAGE_ORIGIN, content_sha256=hashes[n])
        return missing

    # -- runs --------------------------------------------------------------------------------
    def save_run(
        self,
        run_id: str,
        *,
        scenario: str,
        dataset: str,
        scenario_yaml: str,
        metrics: dict[str, Any],
        results_path: str | None = None,
        status: str = "finished",
    ) -> None:
        """Record run ``run_id`` (insert, or update an existing one keeping its creation time)."""
        with self.connection(write=True) as con:
            _runs.write_run(
                con,
                run_id,
                scenario=scenario,
                dataset=dataset,
                scenario_yaml=scenario_yaml,
                metrics=metrics,
                results_path=results_path,
                status=status,
            )

    def list_runs(self) -> pd.DataFrame:
        """Every run, oldest first (columns :data:`chokepoint.store.runs.RUN_COLUMNS`)."""
        with self.connection() as con:
            return _runs.read_runs(con)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """Run ``run_id`` with its scenario YAML and metrics; :class:`NotFoundError` if unknown."""
        with self.connection() as con:
            return _runs.read_run(con, run_id)


def folder_sha256(folder: Path) -> str:
    """A hash of every file in a dataset folder (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@contextmanager
def open_store(
    path: str | Path | None = None, read_only: bool = False, *, timeout: float | None = None
) -> Iterator[Store]:
    """Open the store at ``path`` (default :func:`default_store_path`), creating or migrating it.

    No connection stays open between calls, so other processes can read and write in between.
    """
    store = Store(
        Path(path).expanduser() if path is not None else default_store_path(),
        read_only=read_only,
        timeout=timeout,
    )
    store._prepare()
    yield store
