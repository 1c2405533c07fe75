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


SUMMARY_KEYS = ("scenario", "dataset", "horizon_days", "scenarios")
"""Keys of ``summary.json`` the report needs."""


def _not_readable(run_dir: Path, detail: str) -> ChokepointError:
    return ChokepointError(f"{run_dir}: not a readable run ({detail})")


def _read_json(run_dir: Path, path: Path) -> dict[str, Any]:
    """A JSON object from ``path`` in a run folder; anything else names the file and the spot."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        detail = f"{path.name}:{exc.lineno}:{exc.colno}: expected JSON, got an error: {exc.msg}"
        raise _not_readable(run_dir, detail) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _not_readable(
            run_dir, f"{path.name}: expected a readable UTF-8 file: {reason}"
        ) from None
    if not isinstance(data, dict):
        detail = f"{path.name}: expected a JSON object, got {type(data).__name__}"
        raise _not_readable(run_dir, detail)
    return data


def read_run(run_dir: Path) -> tuple[xr.Dataset, dict[str, Any], dict[str, Any], str]:
    """Results, summary, run metadata and scenario text of a folder written by ``chokepoint run``.

    A damaged file (truncated netCDF, broken JSON) is one :class:`ChokepointError` naming the
    folder and the file.
    """
    from chokepoint.cli.run import META_FILE, RESULTS_FILE, SCENARIO_FILE, SUMMARY_FILE

    if run_dir.exists() and not run_dir.is_dir():
        msg = f"{run_dir}: expected a run folder (`chokepoint run --out DIR`), got a file"
        raise ChokepointError(msg)
    results = run_dir / RESULTS_FILE
    if not results.is_file():
        msg = (
            f"no run in {run_dir}: expected {RESULTS_FILE} (written by `chokepoint run --out DIR`)"
        )
        raise NotFoundError(msg)
    from chokepoint.results.io import from_netcdf

    try:
        ds = from_netcdf(results)  # (older runs' dimension names are brought up to date)
    except Exception as exc:  # a truncated or foreign file of any kind: one clear message
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        detail = f"{RESULTS_FILE}: expected a netCDF file written by `chokepoint run`: {reason}"
        raise _not_readable(run_dir, detail) from None
    import chokepoint.results  # noqa: F401  (registers ds.cp)

    summary_path = run_dir / SUMMARY_FILE
    if summary_path.is_file():
        summary = _read_json(run_dir, summary_path)
    else:
        try:
            summary = ds.cp.summary()
        except Exception as exc:  # results without the variables a summary needs
            detail = f"{RESULTS_FILE}: expected Chokepoint results, cannot summarise them: {exc}"
            raise _not_readable(run_dir, detail) from None
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    if missing:
        detail = f"{SUMMARY_FILE}: expected the keys {', '.join(SUMMARY_KEYS)}, missing {', '.join(missing)}"
        raise _not_readable(run_dir, detail)
    if not isinstance(summary.get("metrics", {}), dict):
        detail = f"{SUMMARY_FILE}: expected 'metrics' to be an object"
        raise _not_readable(run_dir, detail)
    meta_path = run_dir / META_FILE
    meta = _read_json(run_dir, meta_path) if meta_path.is_file() else {}
    warnings = meta.get("warnings", [])
    if not isinstance(warnings, list):
        detail = f"{META_FILE}: expected 'warnings' to be a list, got {type(warnings).__name__}"
        raise _not_readable(run_dir, detail)
    scen = run_dir / SCENARIO_FILE
    try:
        text = scen.read_text(encoding="utf-8") if scen.is_file() else ""
    except UnicodeDecodeError as exc:
        detail = f"{SCENARIO_FILE}: expected a UTF-8 file: {exc}"
        raise _not_readable(run_dir, detail) from None
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
