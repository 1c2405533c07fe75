"""``chokepoint data``: list, show, import, export and balance datasets."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from chokepoint.cli._errors import handle_errors, state

app = typer.Typer(help="Datasets: list, show, import, export, balance.", no_args_is_help=True)
console = Console()

JSON_OPTION = typer.Option(False, "--json", help="Print plain JSON to stdout.")


def _plain(value: Any) -> Any:
    """JSON-safe scalars (NaN -> None, numpy -> Python, timestamps -> text)."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def _frame_table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(
            *(
                "" if _plain(v) is None else f"{v:,.6g}" if isinstance(v, float) else str(v)
                for v in row
            )
        )
    return table


@app.command("list")
def list_command(as_json: bool = JSON_OPTION) -> None:
    """List the datasets in the store (shipped ones included) with each table's row count."""
    from chokepoint.api import list_datasets
    from chokepoint.network.schema import TABLES

    with handle_errors():
        frame = list_datasets(store=state.store)
        if as_json:
            _echo_json(
                [
                    {
                        "name": row["name"],
                        "version": row["version"],
                        "origin": row["origin"],
                        "description": row["description"],
                        "imported_at": str(row["imported_at"]),
                        "counts": {t: int(row[t]) for t in TABLES},
                    }
                    for row in frame.to_dict(orient="records")
                ]
            )
            return
        view = frame.drop(columns=["description", "imported_at"])
        console.print(_frame_table(view, "Datasets (rows per table)"))


@app.command("show")
def show_command(
    name: str = typer.Argument(..., help="Dataset name, optionally NAME@VERSION."),
    table: str | None = typer.Option(None, "--table", "-t", help="Also print this table's rows."),
    limit: int = typer.Option(50, "--limit", min=1, help="Rows of --table to print (at least 1)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Describe a dataset: version, origin, description, sources and row counts."""
    from chokepoint.api import dataset_info, load_dataset
    from chokepoint.errors import InputError, Problem
    from chokepoint.network.schema import TABLES

    with handle_errors():
        info = dataset_info(name, store=state.store)
        rows = None
        if table is not None:
            if table not in TABLES:
                raise InputError(
                    "data show",
                    [Problem("--table", f"expected one of {', '.join(TABLES)}, got {table!r}")],
                )
            frame = load_dataset(f"{info['name']}@{info['version']}", store=state.store).frames[
                table
            ]
            rows = frame.head(limit)
        if as_json:
            payload = dict(info)
            if rows is not None:
                payload["rows"] = _records(rows)
            _echo_json(payload)
            return
        meta = info["meta"]
        console.print(
            f"[bold]{info['name']}[/] version {info['version'] or '-'} ({info['origin']})"
        )
        if meta.get("description"):
            console.print(str(meta["description"]).strip())
        for key in ("sources", "assumptions"):
            items = meta.get(key) or []
            if items:
                console.print(f"[bold]{key}:[/]")
                for item in items if isinstance(items, list) else [items]:
                    console.print(f"  - {item}")
        counts = pd.DataFrame(
            {"table": list(info["counts"]), "rows": list(info["counts"].values())}
        )
        console.print(_frame_table(counts, "Rows per table"))
        if rows is not None:
            console.print(_frame_table(rows, f"{table} (first {limit} rows)"))


@app.command("import")
def import_command(
    folder: Path = typer.Argument(..., help="Folder of table files (CSV, Parquet or Excel)."),
    name: str | None = typer.Option(
        None,
        "--name",
        help="Store under this name (default: dataset.yaml's name, else the folder's); letters, "
        "digits, '_', '.', '-'.",
    ),
    balance: bool = typer.Option(
        False, "--balance", help="Balance outputs and flows first (reports what changed)."
    ),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="Replace a dataset already stored under the same name and version (else refused).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Validate a folder of tables and import it into the store."""
    from chokepoint import api
    from chokepoint.errors import InputError, Problem

    with handle_errors():
        if name is not None and not name.strip():
            raise InputError(
                f"import of {folder}",
                [Problem("--name", f"expected a dataset name, got {name!r}")],
            )
        result = api.import_dataset(
            folder, name=name, balance=balance, replace=replace, store=state.store
        )
        t = result.tables
        changes = result.changes
        if as_json:
            _echo_json(
                {
                    "name": t.name,
                    "version": t.version,
                    "counts": result.counts,
                    "changes": None if changes is None else _records(changes),
                }
            )
            return
        if changes is not None:
            _print_changes(changes)
        console.print(
            f"imported [bold]{t.label}[/]: "
            + ", ".join(f"{k} {v}" for k, v in result.counts.items())
        )


@app.command("export")
def export_command(
    name: str = typer.Argument(..., help="Dataset name, optionally NAME@VERSION."),
    folder: Path = typer.Argument(..., help="Folder to write (created if needed)."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv, parquet or xlsx."),
    force: bool = typer.Option(
        False, "--force", help="Replace the dataset files already in the folder (else refused)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a dataset as a folder of tables plus dataset.yaml."""
    from chokepoint.api import export_dataset

    with handle_errors():
        out = export_dataset(name, folder, fmt=fmt, overwrite=force, store=state.store)
        files = sorted(p.name for p in out.iterdir())
        if as_json:
            _echo_json({"name": name, "folder": str(out), "format": fmt, "files": files})
            return
        console.print(f"exported {name} to {out} ({len(files)} files)")


@app.command("balance")
def balance_command(
    folder: Path = typer.Argument(..., help="Folder of table files (CSV, Parquet or Excel)."),
    tolerance: float = typer.Option(
        0.01,
        "--tolerance",
        min=0.0,
        help="Relative change below which a value counts as unchanged (a finite number ≥ 0).",
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the balanced tables here."),
    force: bool = typer.Option(
        False, "--force", help="Replace dataset files already in the --out folder (else refused)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Balance a folder's outputs and flows from final demand and print what changed."""
    from chokepoint.errors import InputError, Problem
    from chokepoint.io.tables import read_folder, write_folder
    from chokepoint.network.balance import balance

    with handle_errors():
        if not math.isfinite(tolerance):  # click's range check lets NaN through
            raise InputError(
                "data balance",
                [Problem("--tolerance", f"expected a finite number ≥ 0, got {tolerance!r}")],
            )
        tables = read_folder(folder, check_balance=False)
        balanced, changes = balance(tables, tolerance=tolerance)
        if out is not None:
            write_folder(balanced, out, overwrite=force)
        if as_json:
            _echo_json({"name": tables.name, "tolerance": tolerance, "changes": _records(changes)})
            return
        _print_changes(changes)
        if out is not None:
            console.print(f"balanced tables written to {out}")


def _print_changes(changes: pd.DataFrame) -> None:
    if changes.empty:
        console.print("balanced: nothing changed beyond the tolerance")
        return
    console.print(_frame_table(changes, f"Balancing changed {len(changes)} values"))
