"""The top-level Python API: load, import, export and build datasets.

Datasets live in the store (:mod:`chokepoint.store`); the datasets shipped in the package are
imported into it the first time they are used.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.network.compile import CompiledNetwork, compile_network
from chokepoint.network.tables import NetworkTables
from chokepoint.network.validate import validate_tables

logger = logging.getLogger(__name__)

StorePath = str | Path | None


def load_dataset(name: str, *, store: StorePath = None) -> NetworkTables:
    """Load dataset ``name`` (or ``name@version``) from the store, validated.

    A dataset shipped in the package is imported into the store on first use (and again when its
    files change). If the store cannot be used, shipped datasets are read from the package.

    Parameters
    ----------
    name
        Dataset name, optionally ``@version`` (default: the latest imported version).
    store
        Store file (default: ``$CHOKEPOINT_STORE`` or the user data directory).

    Examples
    --------
    >>> import chokepoint as cp
    >>> tables = cp.load_dataset("toy")
    >>> tables.label, tables.counts()["producers"]
    ('toy@1.0', 8)
    """
    from chokepoint.datasets.registry import list_packaged, load_packaged
    from chokepoint.store import StoreError, open_store

    base = name.split("@", 1)[0]
    packaged = base in list_packaged()
    try:
        with open_store(store) as s:
            if packaged:
                s.ensure_packaged([base])
            return s.load_dataset(name)
    except StoreError as exc:
        if not packaged:
            raise
        logger.warning("store unavailable (%s); reading %r from the package", exc, base)
        return load_packaged(base)


def list_datasets(*, store: StorePath = None) -> pd.DataFrame:
    """Every dataset in the store, shipped ones included, with the row count of each table.

    >>> import chokepoint as cp
    >>> toy = cp.api.list_datasets().set_index("name").loc["toy"]
    >>> toy["origin"], int(toy["producers"]), int(toy["links"])
    ('package', 8, 8)
    """
    from chokepoint.store import open_store

    with open_store(store) as s:
        s.ensure_packaged()
        return s.list_datasets()


def dataset_info(name: str, *, store: StorePath = None) -> dict[str, Any]:
    """Name, version, origin, metadata and row counts of dataset ``name``."""
    from chokepoint.datasets.registry import list_packaged
    from chokepoint.store import open_store

    with open_store(store) as s:
        if name.split("@", 1)[0] in list_packaged():
            s.ensure_packaged([name])
        return s.dataset_info(name)


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_dataset` stored, and the balancing changes if it balanced the data."""

    tables: NetworkTables
    changes: pd.DataFrame | None = None
    counts: dict[str, int] = field(default_factory=dict)


def import_dataset(
    folder: str | Path,
    *,
    name: str | None = None,
    balance: bool = False,
    tolerance: float | None = None,
    replace: bool = False,
    store: StorePath = None,
) -> ImportResult:
    """Read, validate (optionally balance) and store a dataset folder.

    Parameters
    ----------
    folder
        A folder of table files (see :mod:`chokepoint.io.tables`).
    name
        Store it under this name instead of the one in ``dataset.yaml`` (or the folder's name).
    balance
        Run :func:`chokepoint.network.balance.balance` first (outputs and flows recomputed from
        final demand; the changes are returned) instead of requiring balanced figures.
    replace
        Replace a dataset already stored under the same name and version (else refused).
    """
    from chokepoint.io.tables import read_folder
    from chokepoint.network.balance import balance as balance_tables
    from chokepoint.network.validate import DEFAULT_BALANCE_TOLERANCE
    from chokepoint.store import open_store

    tol = DEFAULT_BALANCE_TOLERANCE if tolerance is None else tolerance
    tables = read_folder(folder, check_balance=not balance, tolerance=tol)
    changes = None
    if balance:
        balanced, changes = balance_tables(tables, tolerance=tol)
        tables = validate_tables(
            balanced.frames,
            name=balanced.name,
            version=balanced.version,
            meta=balanced.meta,
            origins=balanced.origins,
            tolerance=tol,
        )
    if name is not None:
        tables = NetworkTables(name, tables.frames, tables.version, tables.meta, tables.origins)
    _check_names(tables.name, tables.version, Path(folder), renamed=name is not None)
    with open_store(store) as s:
        s.import_tables(tables, origin=f"import:{Path(folder).resolve()}", replace=replace)
    return ImportResult(tables, changes, tables.counts())


def _check_names(name: str, version: str, folder: Path, *, renamed: bool) -> None:
    """Refuse a name or version that could not be addressed later, naming where it came from
    (the ``name`` argument, dataset.yaml or the folder's name)."""
    from chokepoint.errors import InputError, Problem
    from chokepoint.io.tables import META_FILE, read_meta
    from chokepoint.store.store import dataset_name_problems

    meta = folder / META_FILE
    named_in_meta = meta.is_file() and "name" in {str(k) for k in read_meta(meta)}
    where = {
        "name": "--name"
        if renamed
        else f"{meta}:name"
        if named_in_meta
        else f"{folder} (the folder's name; set --name or name in {META_FILE})",
        "version": f"{meta}:version",
    }
    problems = [Problem(where[p.location], p.message) for p in dataset_name_problems(name, version)]
    if problems:
        raise InputError(f"import of {folder}", problems)


def export_dataset(
    name: str,
    folder: str | Path,
    *,
    fmt: str = "csv",
    overwrite: bool = False,
    store: StorePath = None,
) -> Path:
    """Write dataset ``name`` to ``folder`` as ``csv``, ``parquet`` or ``xlsx`` tables (a folder
    that already holds dataset files is refused unless ``overwrite``)."""
    from chokepoint.errors import InputError, Problem
    from chokepoint.io.tables import FORMATS, write_folder

    if fmt not in FORMATS:
        raise InputError(
            "export",
            [Problem("format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")],
        )
    tables = load_dataset(name, store=store)
    return write_folder(tables, folder, fmt, overwrite=overwrite)  # type: ignore[arg-type]


def build_network(tables: NetworkTables | Mapping[str, pd.DataFrame]) -> CompiledNetwork:
    """Validate (if raw frames are given) and compile tables into a :class:`CompiledNetwork`.

    Examples
    --------
    >>> import chokepoint as cp
    >>> net = cp.build_network(cp.load_dataset("toy"))
    >>> net.n_nodes, net.n_links, float(net.output.sum())
    (8, 8, 1024.0)
    """
    if not isinstance(tables, NetworkTables):
        tables = validate_tables(tables)
    return compile_network(tables)
