"""Read and write a dataset as a folder of tables (CSV, Parquet or Excel) plus ``dataset.yaml``.

A folder holds one file per table, named after it (``links.csv``, ``links.parquet`` or
``links.xlsx``, first sheet), and an optional ``dataset.yaml`` with ``name``, ``version``,
``description``, ``sources``, ``assumptions`` and defaults such as ``default_stock_days``.
Everything read is validated; problems name the file, line and column.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

from chokepoint.errors import InputError, Problem
from chokepoint.network.schema import TABLES
from chokepoint.network.tables import NetworkTables, Origin
from chokepoint.network.validate import validate_tables

TableFormat = Literal["csv", "parquet", "xlsx"]
FORMATS: tuple[TableFormat, ...] = ("csv", "parquet", "xlsx")
META_FILE = "dataset.yaml"
META_KEYS = (
    "name",
    "version",
    "description",
    "sources",
    "assumptions",
    "default_stock_days",
    "balancing",
)


def read_meta(path: Path) -> dict[str, Any]:
    """Read ``dataset.yaml``; a syntax error names the file and line."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputError(
            f"dataset metadata {path.name}", [Problem(where, f"expected valid YAML: {exc}")]
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            f"dataset metadata {path.name}",
            [Problem(str(path), "expected a mapping of keys to values")],
        )
    unknown = sorted(set(data) - set(META_KEYS))
    if unknown:
        raise InputError(
            f"dataset metadata {path.name}",
            [
                Problem(f"{path}:{key}", f"unknown key; expected one of {', '.join(META_KEYS)}")
                for key in unknown
            ],
        )
    return data


def _read_one(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower().lstrip(".")
    try:
        if suffix == "csv":
            return _read_csv(path)
        if suffix == "parquet":
            return pd.read_parquet(path)
        return pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False)
    except InputError:
        raise
    except Exception as exc:  # a corrupt file of any kind becomes one clear message
        raise InputError(
            f"table file {path.name}",
            [Problem(str(path), f"expected a readable {suffix} table: {exc}")],
        ) from None


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as strings; a row with the wrong number of fields names its line."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError(
            f"table file {path.name}",
            [Problem(str(path), "expected a header line, got an empty file")],
        )
    header, body = rows[0], rows[1:]
    problems = [
        Problem(f"{path.name}:{i + 2}", f"expected {len(header)} fields, got {len(row)}")
        for i, row in enumerate(body)
        if len(row) != len(header) and any(cell.strip() for cell in row)
    ]
    if problems:
        raise InputError(f"table file {path.name}", problems)
    body = [row for row in body if len(row) == len(header)]
    return pd.DataFrame(body, columns=header, dtype=object)


def read_folder(folder: str | Path, *, check_balance: bool = True) -> NetworkTables:
    """Read and validate a dataset folder (see the module docstring for its layout)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            "dataset folder", [Problem(str(folder), "expected a folder of table files")]
        )
    meta = read_meta(folder / META_FILE) if (folder / META_FILE).exists() else {}
    frames: dict[str, pd.DataFrame] = {}
    origins: dict[str, Origin] = {}
    for name in TABLES:
        found = [folder / f"{name}.{fmt}" for fmt in FORMATS if (folder / f"{name}.{fmt}").exists()]
        if len(found) > 1:
            raise InputError(
                "dataset folder",
                [
                    Problem(
                        str(folder),
                        f"expected one file for table {name!r}, got {', '.join(p.name for p in found)}",
                    )
                ],
            )
        if found:
            frames[name] = _read_one(found[0])
            offset = 1 if found[0].suffix == ".parquet" else 2
            origins[name] = Origin(found[0].name, offset)
    if not frames:
        raise InputError(
            "dataset folder",
            [
                Problem(
                    str(folder),
                    f"expected table files named {', '.join(TABLES)} (.csv, .parquet or .xlsx)",
                )
            ],
        )
    name = str(meta.get("name", folder.name))
    return validate_tables(
        frames,
        name=name,
        version=str(meta.get("version", "")),
        meta={k: v for k, v in meta.items() if k not in ("name", "version")},
        origins=origins,
        check_balance=check_balance,
    )


def write_folder(tables: NetworkTables, folder: str | Path, fmt: TableFormat = "csv") -> Path:
    """Write every table and ``dataset.yaml`` to ``folder`` (created if needed); returns the folder."""
    if fmt not in FORMATS:
        msg = f"unknown table format {fmt!r}; expected one of {', '.join(FORMATS)}"
        raise InputError("export", [Problem("format", msg)])
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.frames.items():
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False)
        elif fmt == "parquet":
            df.to_parquet(path, index=False)
        else:
            df.to_excel(path, index=False)
    meta = {"name": tables.name, "version": tables.version, **dict(tables.meta)}
    with (folder / META_FILE).open("w", encoding="utf-8") as fh:
        yaml.safe_dump(meta, fh, sort_keys=False, allow_unicode=True)
    return folder
