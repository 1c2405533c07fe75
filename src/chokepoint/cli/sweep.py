"""``chokepoint sweep FILE``: run a sweep of uncertain parameters, locally or on a Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from chokepoint.cli._errors import handle_errors

console = Console()


def sweep(
    file: str = typer.Argument(
        ..., help="Sweep file (base scenario, parameters, design) or a preset name."
    ),
    samples: int | None = typer.Option(
        None, "--samples", "-n", min=1, help="Override the number of members (at least 1)."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of an existing Dask scheduler."
    ),
    workers: int = typer.Option(
        0, "--workers", "-w", min=0, help="Local Dask workers (0 = run in this process)."
    ),
    out: Path = typer.Option(
        Path("sweep-out"), "--out", "-o", help="Output folder (Parquet; resumable)."
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", "-d", help="Dataset (default: the scenario's)."
    ),
    html: Path | None = typer.Option(None, "--html", help="Write an HTML report with fan charts."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run every member of a sweep and summarise the 5/50/95% quantiles and the input sensitivities."""
    with handle_errors():
        import chokepoint as cp
        from chokepoint.sweep.runner import read_members, read_parameters, run_sweep
        from chokepoint.sweep.spec import read_sweep
        from chokepoint.sweep.summary import quantiles

        spec, base = read_sweep(file)
        net = cp.build_network(cp.load_dataset(dataset or base.dataset))
        columns = (TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
            task = bar.add_task("members", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = run_sweep(
                net,
                spec,
                base,
                out,
                samples=samples,
                scheduler=scheduler,
                workers=workers,
                progress=progress,
            )
        rows = read_members(result.out)
        table = quantiles(rows)
        if html is not None:
            from chokepoint.report.sweep_report import write_sweep_report

            write_sweep_report(
                rows, read_parameters(result.out), html, title=f"Sweep of {base.name}"
            )
        summary = {
            "scenario": base.name,
            "dataset": net.name,
            "members": result.members,
            "batches_run": result.batches_run,
            "batches_skipped": result.batches_skipped,
            "seconds": round(result.seconds, 3),
            "task_seconds": round(result.task_seconds, 3),
            "members_per_second": round(result.members / result.seconds, 3)
            if result.batches_run
            else None,
            "out": str(result.out),
            "quantiles": json.loads(table.to_json(orient="records")),
        }
        summary["stored"] = _record(summary, spec, base)
        if as_json:
            typer.echo(json.dumps(summary))
            return
        console.print(
            f"{result.members} members ({result.batches_run} batches run, {result.batches_skipped} resumed) "
            f"in {result.seconds:.1f} s -> {result.out}"
        )
        lost = (
            table[table["metric"] == "output_lost_value_usd"]
            .sort_values("q50", ascending=False)
            .head(12)
        )
        view = Table(title="Value of output lost, USD (quantiles across members)")
        for column in ("region", "product", "q05", "q50", "q95"):
            view.add_column(column, justify="right" if column.startswith("q") else "left")
        for row in lost.itertuples(index=False):
            view.add_row(
                row.region, row.product, f"{row.q05:,.3g}", f"{row.q50:,.3g}", f"{row.q95:,.3g}"
            )
        console.print(view)


def _record(summary: dict[str, object], spec: object, base: object) -> str | None:
    """Record the sweep in the store as a run (id ``sweep-<hash of spec and folder>``); the run id,
    or None with a warning when the store cannot be written."""
    import hashlib

    import yaml

    from chokepoint.errors import ChokepointError
    from chokepoint.store import open_store

    spec_json = spec.model_dump(mode="json")  # type: ignore[attr-defined]
    digest = hashlib.sha256(
        json.dumps([spec_json, summary["out"]], sort_keys=True).encode()
    ).hexdigest()[:16]
    run_id = f"sweep-{digest}"
    try:
        with open_store() as store:
            store.save_run(
                run_id,
                scenario=str(getattr(base, "name", "")),
                dataset=str(summary["dataset"]),
                scenario_yaml=yaml.safe_dump({"sweep": spec_json}, sort_keys=False),
                metrics=summary,
                results_path=str(Path(str(summary["out"])).resolve()),
            )
    except (ChokepointError, OSError) as exc:
        console.print(f"[yellow]warning:[/] sweep not recorded in the store: {exc}")
        return None
    return run_id
