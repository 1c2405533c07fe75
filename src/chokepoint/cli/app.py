"""The ``chokepoint`` command: composes the sub-command modules."""

from __future__ import annotations

import logging
import os

import typer
from rich.logging import RichHandler

from chokepoint.cli._errors import state

app = typer.Typer(
    name="chokepoint",
    help="Economic leverage through supply-chain chokepoints.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
    store: str | None = typer.Option(
        None,
        "--store",
        help="Store file (default: $CHOKEPOINT_STORE, else store.duckdb in the user data dir).",
        envvar="CHOKEPOINT_STORE",
    ),
) -> None:
    state.debug = debug
    state.store = store
    if store:
        os.environ["CHOKEPOINT_STORE"] = store  # every command's API calls use this store
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(show_path=False)],
    )


def _register() -> None:
    """Attach the sub-command modules (one module per command group)."""
    from chokepoint.cli import data

    app.add_typer(data.app, name="data")
    from chokepoint.cli import mrio; data.app.command("import-mrio")(mrio.import_mrio)  # fmt: skip  # noqa: E702, I001
    from chokepoint.cli import card, chain; data.app.command("card")(card.card_command); app.add_typer(chain.app, name="chain")  # fmt: skip  # noqa: E702, I001
    from chokepoint.cli import analyse

    app.command("exposure")(analyse.exposure)
    app.command("coercion-potential")(analyse.coercion_potential_command)
    app.command("chokepoints")(analyse.chokepoints)
    from chokepoint.cli import sweep

    app.command("sweep")(sweep.sweep)
    from chokepoint.cli import market

    app.add_typer(market.app, name="market")
    from chokepoint.cli import criticality

    app.command("criticality")(criticality.criticality)
    from chokepoint.cli import demo, report, run, scenario  # scenario half of issue 4

    for command in (run.run, report.report, demo.demo):
        app.command(command.__name__)(command)
    app.add_typer(scenario.app, name="scenario")
    from chokepoint.cli import serve; app.command("serve")(serve.serve)  # fmt: skip  # noqa: E702, I001
    from chokepoint.cli import pain; app.command("pain")(pain.pain_command)  # fmt: skip  # noqa: E702, I001
    from chokepoint.cli import bargain; app.command("leverage")(bargain.leverage); app.command("bargain")(bargain.bargain_command)  # fmt: skip  # noqa: E702, I001


_register()


def main() -> None:
    """Entry point of the ``chokepoint`` script."""
    app()
