"""``chokepoint market``: the long-run market model (run a preset, ask the rebuild question)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from chokepoint.cli._errors import handle_errors

app = typer.Typer(
    help="Long-run market model: dumping, exits, re-entry, consolidation.", no_args_is_help=True
)
console = Console()


@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the built-in market presets."""
    with handle_errors():
        from chokepoint.market.presets import list_presets, load_preset

        rows = [(n, load_preset(n)) for n in list_presets()]
        if as_json:
            typer.echo(
                json.dumps(
                    [
                        {"name": n, "product": p.product, "years": [p.start_year, p.end_year]}
                        for n, p in rows
                    ]
                )
            )
            return
        table = Table(title="Market presets")
        for col in ("name", "product", "years"):
            table.add_column(col)
        for n, p in rows:
            table.add_row(n, p.product, f"{p.start_year}-{p.end_year}")
        console.print(table)


@app.command("run")
def run_cmd(
    file: str = typer.Argument(..., help="Preset YAML file or built-in preset name."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a figure (PNG) to this path."),
) -> None:
    """Run a market preset: prices, shares, HHI, exits and entries, subsidy bill, dependency year."""
    with handle_errors():
        from chokepoint.market.model import run
        from chokepoint.market.presets import compile_preset, load_preset
        from chokepoint.market.summary import summarise

        preset = load_preset(file)
        res = run(compile_preset(preset))
        summary = summarise(res, preset)
        if plot is not None:
            from chokepoint.report.market_plots import plot_market

            plot_market(
                res,
                plot,
                title=f"{preset.name}: {preset.product}",
                price_unit=preset.price_unit,
                quantity_unit=preset.quantity_unit,
                observations=summary["comparison"],
            )
            summary["plot"] = str(plot)
        if as_json:
            typer.echo(json.dumps(summary))
            return
        _print_run(summary)


def _print_run(s: dict[str, Any]) -> None:
    regs = list(s["regions"])
    units = s["units"]
    table = Table(title=f"{s['preset']} — {s['product']} (price {units['price']})")
    for col in ["year", "P inside", "P outside", *[f"{r} share" for r in regs], "HHI"]:
        table.add_column(col, justify="right")
    for row in s["yearly"]:
        table.add_row(
            str(row["year"]),
            f"{row['price_domestic']:.2f}",
            f"{row['price_foreign']:.2f}",
            *[f"{row[f'share_{r}']:.2f}" for r in regs],
            f"{row['hhi']:.2f}",
        )
    console.print(table)
    ev = Table(title="Exits, decisions and entries")
    for col in ("year", "event", "producer", "region"):
        ev.add_column(col)
    for e in s["events"]:
        ev.add_row(str(e["year"]), e["event"], e["producer"], e["region"])
    console.print(ev)
    tot = s["totals"]
    console.print(
        f"state subsidy bill: {tot['state_subsidy_usd_m']:,.0f} USD m; "
        f"rivals' losses: {tot['rival_losses_usd_m']:,.0f} USD m; "
        f"dependency ({tot['dependency_threshold']:.0%}) from: {tot['dependency_year']}"
    )
    comp = s["comparison"]
    if comp:
        ct = Table(title="Simulated vs observed")
        for col in ("year", "metric", "observed", "simulated", "source"):
            ct.add_column(col)
        for c in comp:
            ct.add_row(
                str(c["year"]),
                c["metric"],
                f"{c['observed']:g}",
                "-" if c["simulated"] is None else f"{c['simulated']:g}",
                c["source"],
            )
        console.print(ct)
    if "plot" in s:
        console.print(f"figure: {s['plot']}")


@app.command("rebuild")
def rebuild_cmd(
    file: str = typer.Argument(
        ..., help="Preset YAML file or built-in preset name (needs a 'bloc:')."
    ),
    share: float = typer.Option(0.3, "--share", help="Target share X of world supply (0-1)."),
    year: int | None = typer.Option(
        None,
        "--year",
        help="Decision year, within the preset's years (default: the preset's last year).",
    ),
    years: int = typer.Option(
        20, "--years", min=1, help="Years simulated after the decision (at least 1)."
    ),
    max_subsidy: float | None = typer.Option(
        None, "--max-subsidy", min=0.0, help="Top of the subsidy grid (price units, ≥ 0)."
    ),
    no_ban: bool = typer.Option(
        False, "--no-ban", help="Ignore the technology-export ban (for comparison)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Subsidy per unit and years a rival bloc needs to reach and hold X% of world supply."""
    with handle_errors():
        from chokepoint.errors import InputError, Problem
        from chokepoint.market.presets import load_preset
        from chokepoint.market.rebuild import rebuild

        preset = load_preset(file)
        if year is not None and not preset.start_year <= year <= preset.end_year:
            raise InputError(
                f"market rebuild {preset.name}",
                [
                    Problem(
                        "--year",
                        f"expected a decision year from {preset.start_year} to "
                        f"{preset.end_year} (the preset's years), got {year}",
                    )
                ],
            )
        ans = rebuild(
            preset,
            share=share,
            decision_year=year,
            years=years,
            max_subsidy=max_subsidy,
            ban=not no_ban,
        )
        out = ans.to_dict()
        out["preset"] = preset.name
        out["price_unit"] = preset.price_unit
        if as_json:
            typer.echo(json.dumps(out))
            return
        table = Table(title=f"Rebuild {share:.0%} of world supply — {preset.name}")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        table.add_row("decision year", str(ans.decision_year))
        table.add_row(
            "first output (lead time + ban)", f"{ans.arrival_year} (+{ans.added_lead_time} y ban)"
        )
        table.add_row(
            "reached", "yes" if ans.reached else "no, not within the horizon / subsidy grid"
        )
        if ans.reached:
            table.add_row(f"subsidy per unit ({preset.price_unit})", f"{ans.subsidy_per_unit:.3f}")
            table.add_row("year share reached", str(ans.year_reached))
            table.add_row("years needed", str(ans.years_needed))
            table.add_row("operating support to horizon (USD m)", f"{ans.subsidy_bill:,.0f}")
        table.add_row("capex of the bloc's capacity (USD m)", f"{ans.capex:,.0f}")
        console.print(table)
