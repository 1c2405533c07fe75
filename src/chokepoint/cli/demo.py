"""``chokepoint demo``: the flagship preset on the embedded dataset, tables and an HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from chokepoint.cli._errors import err_console, handle_errors
from chokepoint.errors import ChokepointError

console = Console(highlight=False)

FLAGSHIP = "rare-earth-licensing-2025"
"""The preset the demo runs."""
FALLBACK = "toy-licensing"
"""Run instead when the flagship's dataset cannot be loaded (said so on stderr)."""


def demo(
    html: Path = typer.Option(Path("reports/demo.html"), "--html", help="HTML report to write."),
    out: Path = typer.Option(
        Path("reports/demo-run"),
        "--out",
        "-o",
        help="Results folder (new, empty, or holding an earlier run, whose files are replaced).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the JSON summary only."),
) -> None:
    """Run the flagship preset (April 2025 rare-earth licensing), print tables, write the report."""
    with handle_errors():
        from chokepoint.cli.report import write_html
        from chokepoint.cli.run import (
            check_out_dir,
            holds_only_a_run,
            load_network,
            print_tables,
            run_with_progress,
            save,
        )
        from chokepoint.report.html import end_products
        from chokepoint.scenario.load import load_scenario

        rerun = holds_only_a_run(out)  # the demo's own earlier run is replaced, nothing else
        check_out_dir(out, force=rerun, force_flag=None)
        preset = FLAGSHIP
        try:
            load_network(load_scenario(FLAGSHIP).dataset)
        except ChokepointError as exc:
            err_console.print(
                f"[yellow]note:[/] the flagship's dataset is not available ({exc}); "
                f"running the preset {FALLBACK!r} on the toy dataset instead"
            )
            preset = FALLBACK
        outcome = save(run_with_progress(preset, None, quiet=json_out), out, force=rerun)
        path = write_html(out, html)
        if json_out:
            typer.echo(json.dumps(outcome.summary))
            return
        s = outcome.loaded.scenario
        console.print(f"[bold]{s.name}[/] on {outcome.summary.get('dataset')}")
        console.print(" ".join(s.description.split()))
        for w in outcome.warnings:
            err_console.print(f"[yellow]warning:[/] {w}")
        print_tables(outcome.summary, end=end_products(outcome.net))
        console.print(f"results in {out}; report written to {path}")
