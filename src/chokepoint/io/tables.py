"""Read and write a dataset as a folder of tables (CSV, Parquet or Excel) plus ``dataset.yaml``.

A folder holds one file per table, named after it (``links.csv``, ``links.parquet`` or
``links.xlsx``, first sheet), and an optional ``dataset.yaml`` with ``name``, ``version``,
``description``, ``sources``, ``assumptions`` and defaults such as ``default_stock_days``.
Everything read is validated; problems name the file, line and column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from chokepoint.errors import InputError, Problem
from chokepoint.io.paths import file_in_the_way
from chokepoint.io.text import read_text
from chokepoint.network.schema import TABLES
from chokepoint.network.tables import NetworkTables, Origin
from chokepoint.network.validate import DEFAULT_BALANCE_TOLERANCE, validate_tables

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
    "mrio",
)
"""Keys ``dataset.yaml`` may hold (``mrio``: unit, provenance and repairs of an imported MRIO table)."""


def read_meta(path: Path) -> dict[str, Any]:
    """Read ``dataset.yaml``; a syntax error names the file, line and column."""
    subject = f"dataset metadata {path.name}"
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark else path.name
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            subject, [Problem(where, f"expected valid YAML, got an error: {what}")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            subject, [Problem(path.name, f"expected a readable UTF-8 file: {exc}")]
        ) from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise InputError(
            subject,
            [
                Problem(
                    path.name, f"expected a mapping of keys to values, got {type(data).__name__}"
                )
            ],
        )
    problems = [
        Problem(f"{path.name}:{key}", f"unknown key; expected one of {', '.join(META_KEYS)}")
        for key in sorted(map(str, set(data) - set(META_KEYS)))
    ]
    days = data.get("default_stock_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int | float) or not days >= 0
    ):
        problems.append(
            Problem(f"{path.name}:default_stock_days", f"expected a number ≥ 0, got {days!r}")
        )
    if problems:
        raise InputError(subject, problems)
    return data


def _read_one(path: Path) -> tuple[pd.DataFrame, Origin]:
    suffix = path.suffix.lower().lstrip(".")
    try:
        if suffix == "csv":
            return _read_csv(path)
        if suffix == "parquet":
            frame = pd.read_parquet(path)
            offset = 1
        else:
            frame = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False)
            offset = 2
    except InputError:
        raise
    except Exception as exc:  # a corrupt file of any kind becomes one clear message
        raise InputError(
            f"table file {path.name}",
            [Problem(str(path), f"expected a readable {suffix} table: {exc}")],
        ) from None
    _check_header([str(c) for c in frame.columns], path)
    return frame, Origin(path.name, offset)


def _check_header(header: list[str], path: Path) -> None:
    seen: set[str] = set()
    dup = []
    for column in (c.strip() for c in header):
        if column in seen:
            dup.append(column)
        seen.add(column)
    if dup:
        raise InputError(
            f"table file {path.name}",
            [
                Problem(f"{path.name}:1:{c}", "expected each column once, got it twice")
                for c in dict.fromkeys(dup)
            ],
        )


def _ragged_column(header: list[str], n_fields: int) -> str:
    """The first missing column of a short row, or ``field N`` for the first extra field."""
    return header[n_fields].strip() if n_fields < len(header) else f"field {len(header) + 1}"


def _read_csv(path: Path) -> tuple[pd.DataFrame, Origin]:
    """Read a CSV as strings; a row with the wrong number of fields names its line.

    Blank lines are skipped; every row keeps the line number it starts on. A file that is not
    UTF-8 names the line of its first bad byte.
    """
    text = read_text(path, path.name, f"table file {path.name}", encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append(row)
            lines.append(start)
        start = reader.line_num + 1
    if not rows:
        raise InputError(
            f"table file {path.name}",
            [Problem(str(path), "expected a header line, got an empty file")],
        )
    header, body = rows[0], rows[1:]
    _check_header(header, path)
    problems = [
        Problem(
            f"{path.name}:{line}:{_ragged_column(header, len(row))}",
            f"expected {len(header)} fields, got {len(row)}",
        )
        for line, row in zip(lines[1:], body, strict=True)
        if len(row) != len(header)
    ]
    if problems:
        raise InputError(f"table file {path.name}", problems)
    line_numbers = np.asarray(lines[1:], dtype=np.int64)
    regular = bool(np.array_equal(line_numbers, np.arange(2, len(body) + 2)))
    origin = Origin(path.name, 2, None if regular else line_numbers)
    return pd.DataFrame(body, columns=header, dtype=object), origin


def read_folder(
    folder: str | Path,
    *,
    check_balance: bool = True,
    tolerance: float = DEFAULT_BALANCE_TOLERANCE,
) -> NetworkTables:
    """Read and validate a dataset folder (see the module docstring for its layout).

    >>> from chokepoint.datasets import dataset_path
    >>> read_folder(dataset_path("toy")).counts()["links"]
    8
    """
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
            frames[name], origins[name] = _read_one(found[0])
        else:  # a missing table is reported under the file name it would have
            origins[name] = Origin(f"{name}.csv", 2)
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
        tolerance=tolerance,
    )


def write_folder(
    tables: NetworkTables, folder: str | Path, fmt: TableFormat = "csv", *, overwrite: bool = False
) -> Path:
    """Write every table and ``dataset.yaml`` to ``folder`` (created if needed); returns the folder.

    A folder that already holds a dataset's files (any table, in any format, or ``dataset.yaml``)
    is refused unless ``overwrite``: they would be replaced, or mixed with the new ones."""
    if fmt not in FORMATS:
        msg = f"unknown table format {fmt!r}; expected one of {', '.join(FORMATS)}"
        raise InputError("export", [Problem("format", msg)])
    folder = Path(folder)
    subject = f"writing dataset {tables.name!r}"
    if folder.exists() and not folder.is_dir():
        raise InputError(
            subject,
            [Problem(str(folder), "expected a folder to write the tables into, got a file")],
        )
    blocker = file_in_the_way(folder)
    if blocker is not None:
        raise InputError(
            subject,
            [
                Problem(
                    str(folder), f"expected a folder path, but {blocker} is a file, not a folder"
                )
            ],
        )
    held = sorted(
        p.name
        for p in (folder.iterdir() if folder.is_dir() else ())
        if p.name == META_FILE or (p.stem in TABLES and p.suffix.lstrip(".").lower() in FORMATS)
    )
    if held and not overwrite:
        msg = (
            f"expected a folder without dataset files, got {', '.join(held)} "
            "(they would be replaced: pass --force to overwrite)"
        )
        raise InputError(subject, [Problem(str(folder), msg)])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            subject, [Problem(str(folder), f"cannot create the folder: {exc.strerror or exc}")]
        ) from None
    for stale in held:  # an overwrite leaves no table of the old dataset in another format
        (folder / stale).unlink()
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
