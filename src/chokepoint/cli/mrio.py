"""``chokepoint data import-mrio``: a pymrio MRIO table (folder, zip or pymrio's test system) into the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from chokepoint.cli._errors import handle_errors, state

console = Console()


def import_mrio(
    pymrio_test: bool = typer.Option(
        False, "--pymrio-test", help="Import pymrio's bundled test system (6 regions x 8 sectors)."
    ),
    path: Path | None = typer.Option(
        None, "--path", help="A pymrio folder or zip archive (anything pymrio.load_all reads)."
    ),
    name: str | None = typer.Option(None, "--name", help="Store under this name."),
    version: str = typer.Option("", "--version", help="Version label of the stored dataset."),
    alpha_max: float = typer.Option(
        1.25, "--alpha-max", help="ARIO maximum overproduction: capacity = output x alpha_max."
    ),
    inventory_days: float = typer.Option(
        90.0, "--inventory-days", help="Days of use held of every input (ARIO inventories)."
    ),
    usd_per_unit: float | None = typer.Option(
        None,
        "--usd-per-unit",
        help="USD per table unit (needed unless the unit is in USD, e.g. M.USD -> 1e6).",
    ),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="Replace a dataset already stored under the same name and version (else refused).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print plain JSON to stdout."),
) -> None:
    """Import an MRIO table as a network (node = region x sector, product = sector) into the store."""
    from chokepoint.errors import InputError, Problem
    from chokepoint.io.mrio import from_pymrio, load_iosystem, pymrio_test_system
    from chokepoint.store import open_store

    with handle_errors():
        if pymrio_test == (path is not None):
            raise InputError(
                "import-mrio",
                [Problem("options", "expected exactly one of --pymrio-test or --path DIR")],
            )
        if name is not None and not name.strip():
            raise InputError(
                "import-mrio", [Problem("--name", f"expected a dataset name, got {name!r}")]
            )
        io = pymrio_test_system() if pymrio_test else load_iosystem(path)  # type: ignore[arg-type]
        tables = from_pymrio(
            io,
            name=name or ("pymrio_test" if pymrio_test else None),
            version=version,
            alpha_max=alpha_max,
            inventory_days=inventory_days,
            usd_per_unit=usd_per_unit,
        )
        origin = "pymrio:test" if pymrio_test else f"pymrio:{Path(str(path)).resolve()}"
        with open_store(state.store) as s:
            s.import_tables(tables, origin=origin, replace=replace)
        mrio: dict[str, Any] = dict(tables.meta.get("mrio", {}))
        summary: dict[str, Any] = {
            "name": tables.name,
            "version": tables.version,
            "counts": tables.counts(),
            "unit": mrio.get("unit"),
            "usd_per_unit": mrio.get("usd_per_unit"),
            "regions": len(mrio.get("regions", [])),
            "sectors": len(mrio.get("sectors", [])),
            "repairs": list(mrio.get("repairs", [])),
        }
        if as_json:
            typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
            return
        table = Table(title=f"imported {tables.label}", title_justify="left")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for key, value in summary["counts"].items():
            table.add_row(key, f"{value:,}")
        console.print(table)
        console.print(
            f"{summary['regions']} regions x {summary['sectors']} sectors, "
            f"unit {summary['unit']!r} per day (1 unit = {summary['usd_per_unit']:g} USD)"
        )
        for line in summary["repairs"]:
            console.print(f"[yellow]repaired[/] {line}")
