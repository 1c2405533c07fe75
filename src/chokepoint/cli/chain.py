"""``chokepoint chain list`` and ``chokepoint chain show CHAIN``: stages, shares, who supplies whom."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from chokepoint.cli._errors import handle_errors

app = typer.Typer(help="Supply chains: stages, producers with shares, supplier trees.")
console = Console()

DATASET_OPTION = typer.Option("critical-chains", "--dataset", "-d", help="Dataset name.")
JSON_OPTION = typer.Option(False, "--json", help="Print plain JSON to stdout.")


def _tables(dataset: str) -> Any:
    import chokepoint as cp

    return cp.load_dataset(dataset)


@app.command("list")
def list_command(dataset: str = DATASET_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List the chains of a dataset with their size."""
    with handle_errors():
        from chokepoint.analysis.chains import list_chains

        frame = list_chains(_tables(dataset))
        if as_json:
            typer.echo(json.dumps(frame.to_dict(orient="records"), default=int))
            return
        table = Table(title=f"Chains in {dataset}", title_justify="left")
        for col in frame.columns:
            table.add_column(str(col), justify="left" if col == "chain" else "right")
        for row in frame.itertuples(index=False):
            table.add_row(*(str(v) for v in row))
        console.print(table)


def _add(tree: Tree, node: dict[str, Any]) -> None:
    shares = ", ".join(f"{s['region']} {s['share']:.0%}" for s in node["suppliers"])
    branch = tree.add(f"[bold]{node['product']}[/] [dim]<-[/] {shares}")
    for child in node["inputs"]:
        _add(branch, child)


@app.command("show")
def show_command(
    chain: str = typer.Argument(..., help="Chain name, e.g. rare-earths."),
    dataset: str = DATASET_OPTION,
    top: int = typer.Option(5, "--top", min=1, help="Producers shown per stage (at least 1)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a chain from mine to end uses: stages, country shares, supplier tree, top country."""
    with handle_errors():
        from chokepoint.analysis.chains import chain_summary, region_shares

        tables = _tables(dataset)
        summary = chain_summary(tables, chain)
        if as_json:
            typer.echo(json.dumps(summary, default=float))
            return
        shares = region_shares(tables, chain)
        stages = Table(
            title=f"{chain} ({tables.label}): stages and producers", title_justify="left"
        )
        for col, justify in (
            ("depth", "right"),
            ("product", "left"),
            ("stage", "left"),
            ("world output/day", "right"),
            ("unit", "left"),
            (f"top {top} regions (share of output)", "left"),
        ):
            stages.add_column(col, justify=justify)  # type: ignore[arg-type]
        for st in summary["stages"]:
            sub = shares[shares["product"] == st["product"]].head(top)
            text = ", ".join(
                f"{r} {s:.1%}" for r, s in zip(sub["region"], sub["share"], strict=True)
            )
            stages.add_row(
                str(st["depth"]),
                st["product"],
                st["stage"],
                f"{st['world_output']:,.4g}",
                st["unit"],
                text,
            )
        console.print(stages)
        tree = Tree(f"[bold]{chain}[/]: who supplies whom (top regions by share of deliveries)")
        for root in summary["tree"]:
            _add(tree, root)
        console.print(tree)
        top_table = Table(title="Top country per stage", title_justify="left")
        for col in ("product", "region", "share"):
            top_table.add_column(col, justify="right" if col == "share" else "left")
        for row in summary["top_country"]:
            top_table.add_row(row["product"], row["region"], f"{row['share']:.1%}")
        console.print(top_table)
