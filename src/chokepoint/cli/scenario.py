"""``chokepoint scenario``: the scenario schema, validation of files, and the presets."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from chokepoint.cli._errors import handle_errors
from chokepoint.errors import InputError

app = typer.Typer(help="Scenario files: schema, validation, presets.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of a scenario file."""
    from chokepoint.scenario.schema import scenario_json_schema

    typer.echo(json.dumps(scenario_json_schema(), indent=1))


@app.command("validate")
def validate(
    file: str = typer.Argument(..., help="Scenario YAML file or preset name."),
    dataset: str | None = typer.Option(
        None, "--dataset", "-d", help="Check codes against this dataset."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Validate FILE against the schema and the dataset's region and product codes."""
    with handle_errors():
        from chokepoint.cli.run import load_network
        from chokepoint.scenario.compile import compile_scenario
        from chokepoint.scenario.load import read_scenario

        loaded = read_scenario(file)
        name = dataset or loaded.scenario.dataset
        net = load_network(name)
        batch = compile_scenario(loaded.scenario, net, locate=loaded.locate)
        found = batch.meta.get("warnings", [])
        warnings = [str(w) for w in found] if isinstance(found, list) else []
        keys = [k for k, _ in loaded.scenario.instrument_items()]
        result = {
            "scenario": loaded.scenario.name,
            "dataset": net.name,
            "valid": True,
            "members": list(batch.members),
            "instruments": keys,
            "rules": len(batch.rules),
            "warnings": warnings,
        }
        if json_out:
            typer.echo(json.dumps(result))
            return
        console.print(
            f"[green]valid:[/] {loaded.scenario.name} on {net.name} — "
            f"{len(keys)} instrument(s), {len(batch.members)} member(s), "
            f"{len(batch.rules)} rule(s)"
        )
        for w in warnings:
            console.print(f"[yellow]warning:[/] {w}")


@app.command("presets")
def presets(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List the preset scenarios shipped with Chokepoint."""
    with handle_errors():
        from chokepoint.scenario.load import PRESETS_DIR, list_presets, read_scenario

        rows = []
        for name in list_presets():
            try:
                s = read_scenario(PRESETS_DIR / f"{name}.yaml").scenario
                rows.append(
                    {
                        "name": name,
                        "dataset": s.dataset,
                        "description": " ".join(s.description.split()),
                    }
                )
            except InputError as exc:
                rows.append({"name": name, "dataset": "", "description": f"invalid: {exc}"})
        if json_out:
            typer.echo(json.dumps(rows))
            return
        t = Table(title="Preset scenarios", title_justify="left")
        for col in ("name", "dataset", "description"):
            t.add_column(col, overflow="fold")
        for r in rows:
            t.add_row(r["name"], r["dataset"], r["description"][:160])
        console.print(t)
