"""``chokepoint run SCENARIO``: load a scenario, simulate it, print and save the results."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
import xarray as xr
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chokepoint.cli._errors import err_console, handle_errors
from chokepoint.errors import ChokepointError
from chokepoint.io.paths import file_in_the_way
from chokepoint.network.compile import CompiledNetwork
from chokepoint.report.html import end_products
from chokepoint.scenario.load import LoadedScenario

console = Console(highlight=False)

RESULTS_FILE = "results.nc"
SUMMARY_FILE = "summary.json"
SCENARIO_FILE = "scenario.yaml"
META_FILE = "run.json"


@dataclass
class RunOutcome:
    """What one run produced."""

    run_id: str
    loaded: LoadedScenario
    net: CompiledNetwork
    ds: xr.Dataset
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    out_dir: Path | None = None
    stored: bool = False


def load_network(dataset: str) -> CompiledNetwork:
    """Load and compile the dataset ``dataset`` (packaged or in the store)."""
    import chokepoint as cp

    return cp.build_network(cp.load_dataset(dataset))


def execute(
    scenario: str | Path,
    *,
    dataset: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunOutcome:
    """Load ``scenario`` (file or preset), compile it on its dataset and simulate it."""
    import chokepoint.results  # noqa: F401  (registers ds.cp)
    from chokepoint.engine.loop import simulate
    from chokepoint.scenario.compile import compile_scenario
    from chokepoint.scenario.load import read_scenario

    loaded = read_scenario(scenario)
    net = load_network(dataset or loaded.scenario.dataset)
    batch = compile_scenario(loaded.scenario, net, locate=loaded.locate)
    ds = simulate(net, batch, progress=progress)
    summary = ds.cp.summary()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    run_id = f"{_slug(loaded.scenario.name)}-{stamp}"
    found = batch.meta.get("warnings", [])
    warnings = [str(w) for w in found] if isinstance(found, list) else []
    return RunOutcome(run_id, loaded, net, ds, summary, warnings)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "run"


RUN_FILES = (RESULTS_FILE, SUMMARY_FILE, SCENARIO_FILE, META_FILE)
"""The files :func:`save` writes into a run folder."""


def holds_only_a_run(out_dir: Path) -> bool:
    """Whether ``out_dir`` is a folder holding nothing but the files of an earlier run."""
    return out_dir.is_dir() and {p.name for p in out_dir.iterdir()} <= set(RUN_FILES)


def check_out_dir(
    out_dir: Path, *, force: bool = False, option: str = "--out", force_flag: str | None = "--force"
) -> None:
    """Refuse ``out_dir`` as a run's results folder before anything is computed.

    A path that is a file, or lies under one, is refused naming the path; an existing folder
    that holds anything is refused unless ``force`` (its run files would be overwritten).
    """
    if out_dir.exists() and not out_dir.is_dir():
        msg = f"{out_dir}: expected a folder for the run's files ({option}), got a file"
        raise ChokepointError(msg)
    blocker = file_in_the_way(out_dir)
    if blocker is not None:
        msg = f"{out_dir}: cannot create the results folder ({option}): {blocker} is a file"
        raise ChokepointError(msg)
    if out_dir.is_dir() and not force:
        held = sorted(p.name for p in out_dir.iterdir())
        if held:
            shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
            msg = (
                f"{out_dir}: the results folder is not empty ({shown}); expected a new or empty "
                f"folder: choose another {option}"
                + (f" or pass {force_flag} to overwrite its run files" if force_flag else "")
            )
            raise ChokepointError(msg)


def prepare_out_dir(out_dir: Path, *, force: bool = False, option: str = "--out") -> None:
    """:func:`check_out_dir`, then create the folder (an OS failure names the folder)."""
    check_out_dir(out_dir, force=force, option=option)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"{out_dir}: cannot create the results folder ({option}): {exc.strerror or exc}"
        raise ChokepointError(msg) from None


def save(
    outcome: RunOutcome, out_dir: Path, *, record: bool = True, force: bool = False
) -> RunOutcome:
    """Write netCDF, JSON summary and the scenario as run to ``out_dir``; record the run in the
    store when it can be opened (a store problem is reported as a warning, not an error).

    ``out_dir`` must be new or empty unless ``force`` (see :func:`prepare_out_dir`).
    """
    prepare_out_dir(out_dir, force=force)
    outcome.ds.to_netcdf(out_dir / RESULTS_FILE)
    (out_dir / SUMMARY_FILE).write_text(json.dumps(outcome.summary, indent=1), encoding="utf-8")
    (out_dir / SCENARIO_FILE).write_text(outcome.loaded.text, encoding="utf-8")
    meta = {
        "run_id": outcome.run_id,
        "scenario": outcome.loaded.scenario.name,
        "description": outcome.loaded.scenario.description,
        "dataset": outcome.summary.get("dataset", ""),
        "warnings": outcome.warnings,
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    outcome.out_dir = out_dir
    if record:
        try:
            from chokepoint.store import open_store

            with open_store() as store:
                store.save_run(
                    outcome.run_id,
                    scenario=outcome.loaded.scenario.name,
                    dataset=str(outcome.summary.get("dataset", "")),
                    scenario_yaml=outcome.loaded.text,
                    metrics=outcome.summary,
                    results_path=str((out_dir / RESULTS_FILE).resolve()),
                )
            outcome.stored = True
        except (ChokepointError, OSError, ImportError) as exc:
            outcome.warnings.append(f"run not recorded in the store: {exc}")
    return outcome


def _top(
    records: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], Any], n: int
) -> list[dict[str, Any]]:
    return sorted(records, key=key)[:n]


def print_tables(
    summary: dict[str, Any],
    top: int = 10,
    out: Console | None = None,
    end: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Rich tables: hardest-hit region-industries, time-to-pain (of the ``end`` products first),
    unmet final demand, prices. Physical quantities are shown with their ``unit`` ("—" where the
    summary has none: a total over products in different units)."""
    from chokepoint.report.html import ranked

    c = out or console
    r = ranked(summary, end)
    many = summary.get("scenarios", 1) > 1

    def table(title: str, rows: list[dict[str, Any]], cols: list[tuple[str, str]]) -> None:
        t = Table(title=title, title_justify="left", show_lines=False)
        shown = ([("member", "member")] if many else []) + cols
        for _, head in shown:
            t.add_column(
                head, justify="left" if head in ("member", "region", "product", "unit") else "right"
            )
        for row in rows[:top]:
            t.add_row(*[_cell(row.get(k), k) for k, _ in shown])
        if not rows:
            t.add_row(*(["none"] + [""] * (len(shown) - 1)))
        c.print(t)

    quantity = [("units", "units"), ("unit", "unit"), ("value_usd", "USD")]
    table(
        "Hardest-hit region-industries (output lost)",
        r["output_lost"],
        [("region", "region"), ("product", "product"), *quantity],
    )
    if r["time_to_pain_end"]:
        table(
            "Time to pain of end products (first day below 95% of baseline)",
            r["time_to_pain_end"],
            [("region", "region"), ("product", "product"), ("day", "day")],
        )
    table(
        "Time to pain, every region-industry (first day below 95% of baseline)",
        r["time_to_pain"],
        [("region", "region"), ("product", "product"), ("day", "day")],
    )
    table(
        "Unmet final demand",
        r["unmet_final_demand"],
        [("region", "region"), ("product", "product"), *quantity],
    )
    table(
        "Prices",
        r["prices"],
        [
            ("region", "region"),
            ("product", "product"),
            ("peak_index", "peak index"),
            ("peak_day", "day"),
        ],
    )


def _cell(v: Any, column: str = "day") -> str:
    """A table cell; a missing day is "never", any other missing value "—"."""
    if v is None:
        return "never" if column.endswith("day") else "—"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(v)


def run_with_progress(scenario: str | Path, dataset: str | None, quiet: bool) -> RunOutcome:
    """:func:`execute` with a Rich progress bar on stderr (none when ``quiet``)."""
    if quiet:
        return execute(scenario, dataset=dataset)
    with Progress(
        TextColumn("[bold]simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("member-days"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("run", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return execute(scenario, dataset=dataset, progress=tick)


def run(
    scenario: str = typer.Argument(..., help="Scenario YAML file or preset name."),
    dataset: str | None = typer.Option(
        None, "--dataset", "-d", help="Dataset (overrides the scenario's)."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Results folder (default runs/<run id>)."
    ),
    json_out: bool = typer.Option(
        False, "--json", help="Print the JSON summary (DESIGN §12) only."
    ),
    top: int = typer.Option(10, "--top", min=1, help="Rows per table (at least 1)."),
    force: bool = typer.Option(
        False, "--force", help="Write into a --out folder that already holds files (overwrites)."
    ),
) -> None:
    """Simulate SCENARIO day by day and report losses, time-to-pain and prices."""
    with handle_errors():
        if out is not None:  # refuse a bad folder before the (possibly long) simulation
            check_out_dir(out, force=force)
        outcome = run_with_progress(scenario, dataset, quiet=json_out)
        save(outcome, out if out is not None else Path("runs") / outcome.run_id, force=force)
        for w in outcome.warnings:
            err_console.print(f"[yellow]warning:[/] {w}")
        if json_out:
            typer.echo(json.dumps(outcome.summary))
            return
        s = outcome.loaded.scenario
        console.print(
            f"[bold]{s.name}[/] on {outcome.summary.get('dataset')} — "
            f"{outcome.summary.get('horizon_days')} days, {outcome.summary.get('scenarios')} member(s)"
        )
        print_tables(outcome.summary, top, end=end_products(outcome.net))
        console.print(
            f"results in {outcome.out_dir}" + (" (recorded in the store)" if outcome.stored else "")
        )
