"""``chokepoint pain SCENARIO``: who hits the wall first, how fast, and which stockpile helps."""

from __future__ import annotations

import difflib
import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from chokepoint.cli._errors import handle_errors
from chokepoint.errors import Problem, raise_if_problems

console = Console(highlight=False)


def pain_report(
    scenario: str,
    *,
    region: str | None = None,
    product: str | None = None,
    until: int | None = None,
    dataset: str | None = None,
    top: int = 10,
    max_days: float = 365.0,
) -> dict[str, Any]:
    """Run ``scenario`` and return its time-to-pain views as a JSON-ready dict."""
    import chokepoint as cp
    from chokepoint.engine.loop import simulate
    from chokepoint.results import pain
    from chokepoint.scenario.compile import compile_scenario
    from chokepoint.scenario.load import read_scenario

    loaded = read_scenario(scenario)
    net = cp.build_network(cp.load_dataset(dataset or loaded.scenario.dataset))
    batch = compile_scenario(loaded.scenario, net, locate=loaded.locate)
    problems = [
        Problem(option, unknown_code(value, [str(k) for k in known], what, net.name))
        for option, value, known, what in (
            ("--region", region, net.regions, "region"),
            ("--product", product, net.products, "product"),
        )
        if value is not None and value not in known
    ]
    if until is not None and not 0 <= until < batch.horizon:
        problems.append(
            Problem("--until", f"expected a day from 0 to {batch.horizon - 1}, got {until}")
        )
    raise_if_problems(f"pain {loaded.scenario.name}", problems)
    ds = simulate(net, batch)
    hits = pain.first_hit(ds, region=region, exclude=[] if region else list(batch.actors))
    first = hits.groupby("member").head(top)
    out: dict[str, Any] = {
        "scenario": loaded.scenario.name,
        "dataset": net.name,
        "horizon_days": batch.horizon,
        "first_hit": first.to_dict(orient="records"),
    }
    regions = [region] if region else sorted({str(r) for r in hits["region"].head(5)})
    out["half_car_output_lost"] = [
        rec
        for r in regions
        for rec in pain.days_to_loss(ds, r).to_dict(orient="records")
        if r in net.regions
    ]
    if until is not None:
        if region is None:
            msg = "--until needs --region (whose first stop to push back)"
            raise typer.BadParameter(msg)
        products = [product] if product else _candidates(loaded.scenario, net, region)
        out["stockpile"] = [
            pain.stockpile_for_delay(net, batch, region, p, until, max_days=max_days).as_dict()
            for p in products
        ]
    return out


def unknown_code(value: str, known: list[str], what: str, dataset: str) -> str:
    """``unknown region 'X' in DATASET; did you mean 'Y'?`` (or the codes, when there are few)."""
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    if not close:
        close = [k for k in known if k.lower() == value.lower()][:1]
    if close:
        hint = f"; did you mean {close[0]!r}?"
    elif len(known) <= 30:
        hint = f"; expected one of {', '.join(known)}"
    else:
        hint = f"; expected one of its {len(known)} {what} codes"
    return f"unknown {what} {value!r} in {dataset}{hint}"


def _candidates(scenario: Any, net: Any, region: str) -> list[str]:
    """The instruments' products that ``region``'s producers use as inputs."""
    import numpy as np

    used = set(
        net.products[
            np.unique(
                net.pair_product[net.node_region[net.pair_node] == net.regions.get_loc(region)]
            )
        ]
    )
    found: list[str] = []
    for _, inst in scenario.instrument_items():
        found += [p for p in inst.products if p in used and p not in found]
    return found


def pain_command(
    scenario: str = typer.Argument(..., help="Scenario file or preset name."),
    region: str | None = typer.Option(None, "--region", help="Region to focus on (e.g. DEU)."),
    product: str | None = typer.Option(
        None, "--product", help="Stockpiled input product (default: the instruments' products)."
    ),
    until: int | None = typer.Option(
        None,
        "--until",
        min=0,
        help="Day (0 to the horizon - 1) the region's first stop should come after "
        "(stockpile search).",
    ),
    dataset: str | None = typer.Option(None, "--dataset", help="Dataset to run on."),
    top: int = typer.Option(
        10, "--top", min=1, help="Rows per member in the first-hit table (at least 1)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON to stdout."),
) -> None:
    """Time-to-pain views: who hits the wall first and when, days until half of a region's car
    output is lost, and the stockpile (days of use) that pushes the first stop past --until."""
    with handle_errors():
        result = pain_report(
            scenario, region=region, product=product, until=until, dataset=dataset, top=top
        )
        if as_json:
            typer.echo(json.dumps(result, default=str))
            return
        _print(result)


def _print(result: dict[str, Any]) -> None:
    t = Table(title=f"Who hits the wall first ({result['scenario']})", title_justify="left")
    for col in ("member", "region", "product", "day"):
        t.add_column(col, justify="right" if col == "day" else "left")
    for row in result["first_hit"]:
        t.add_row(str(row["member"]), row["region"], row["product"], str(row["day"]))
    if not result["first_hit"]:
        t.add_row("none", "", "", "")
    console.print(t)
    h = Table(title="Days until half of car output is lost", title_justify="left")
    for col in ("member", "region", "day"):
        h.add_column(col)
    for row in result["half_car_output_lost"]:
        h.add_row(
            str(row["member"]), row["region"], "never" if row["day"] is None else str(row["day"])
        )
    console.print(h)
    for s in result.get("stockpile", []):
        need = s["days_needed"]
        text = (
            f"not reached with {s['sizes'][-1]:g} days"
            if need is None
            else f"{need:g} days of use ({s['units']:.4g} {s.get('unit') or 'units'}, "
            f"USD {s['value_usd']:.4g})"
        )
        console.print(
            f"Stockpile of {s['product']} in {s['region']} to push the first stop past day "
            f"{s['day']}: {text}"
        )
