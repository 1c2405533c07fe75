"""``chokepoint data card DATASET``: every figure of a dataset with its source and assumptions."""

from __future__ import annotations

import json
from enum import StrEnum

import pandas as pd
import typer
from rich.console import Console
from rich.markdown import Markdown

from chokepoint.cli._errors import handle_errors

console = Console()


class CardFormat(StrEnum):
    """Output formats of the data card."""

    md = "md"
    json = "json"


def card_command(
    dataset: str = typer.Argument("critical-chains", help="Dataset name (name or name@version)."),
    fmt: CardFormat = typer.Option(CardFormat.md, "--format", help="md (Markdown) or json."),
    raw: bool = typer.Option(
        False, "--raw", help="Print the Markdown source instead of rendering it."
    ),
) -> None:
    """List every figure of DATASET with its source, every assumption and balancing change."""
    with handle_errors():
        import chokepoint as cp
        from chokepoint.datasets.card import card_inputs, card_markdown, card_records
        from chokepoint.datasets.registry import dataset_path, list_packaged

        tables = cp.load_dataset(dataset)
        balancing: pd.DataFrame | None = None
        side: dict[str, pd.DataFrame] = {}
        if dataset.split("@", 1)[0] in list_packaged():
            balancing, side = card_inputs(dataset_path(dataset))
        records = card_records(tables, balancing, side)
        if fmt is CardFormat.json:
            payload = {"dataset": tables.label, "records": records}
            typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
            return
        text = card_markdown(tables, records)
        if raw or not console.is_terminal:
            typer.echo(text, nl=False)
        else:
            console.print(Markdown(text))
