"""``chokepoint report RUN_DIR --html FILE``: a self-contained HTML report of a saved run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
import xarray as xr
from rich.console import Console

from chokepoint.cli._errors import handle_errors
from chokepoint.errors import ChokepointError, NotFoundError

console = Console(highlight=False)


def read_run(run_dir: Path) -> tuple[xr.Dataset, dict[str, Any], dict[str, Any], str]:
    """Results, summary, run metadata and scenario text of a folder written by ``chokepoint run``."""
    from chokepoint.cli.run import META_FILE, RESULTS_FILE, SCENARIO_FILE, SUMMARY_FILE

    results = run_dir / RESULTS_FILE
    if not results.is_file():
        msg = (
            f"no run in {run_dir}: expected {RESULTS_FILE} (written by `chokepoint run --out DIR`)"
        )
        raise NotFoundError(msg)
    ds = xr.load_dataset(results)
    import chokepoint.results  # noqa: F401  (registers ds.cp)

    summary_path = run_dir / SUMMARY_FILE
    summary = (
        json.loads(summary_path.read_text(encoding="utf-8"))
        if summary_path.is_file()
        else ds.cp.summary()
    )
    meta_path = run_dir / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    scen = run_dir / SCENARIO_FILE
    text = scen.read_text(encoding="utf-8") if scen.is_file() else ""
    return ds, summary, meta, text


def write_html(run_dir: Path, html: Path) -> Path:
    """Write the HTML report of the run in ``run_dir`` to ``html``."""
    from chokepoint.cli.run import load_network
    from chokepoint.report.html import write_report

    ds, summary, meta, text = read_run(run_dir)
    try:
        net = load_network(str(ds.attrs.get("dataset", summary.get("dataset", ""))))
    except ChokepointError:
        net = None  # the flow diagram needs the network; the rest of the report does not
    return write_report(
        html,
        summary,
        ds,
        net=net,
        description=str(meta.get("description", "")),
        scenario_yaml=text,
        warnings=list(meta.get("warnings", [])),
    )


def report(
    run_dir: Path = typer.Argument(..., help="Folder of a run (`chokepoint run --out DIR`)."),
    html: Path = typer.Option(..., "--html", help="HTML file to write."),
    json_out: bool = typer.Option(False, "--json", help="Print the written path as JSON."),
) -> None:
    """Write a self-contained HTML report (tables and figures) of a saved run."""
    with handle_errors():
        path = write_html(run_dir, html)
        if json_out:
            typer.echo(json.dumps({"html": str(path)}))
        else:
            console.print(f"report written to {path}")
