"""``chokepoint leverage`` and ``chokepoint bargain``: who holds the stronger hand, and what deal follows."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from chokepoint.cli._errors import handle_errors
from chokepoint.scenario.schema import DEFAULT_DATASET

console = Console(highlight=False)

DEFAULT_REGIONS = "CHN,USA,JPN,DEU"


def _usd(v: Any) -> str:
    x = float(v)
    if not math.isfinite(x):
        return "–"
    return f"{x / 1e9:,.2f} bn" if abs(x) >= 1e8 else f"{x / 1e6:,.1f} m"


def _day(v: Any) -> str:
    x = float(v) if v is not None else float("nan")
    return "–" if not math.isfinite(x) else f"{x:.0f}"


def _plain(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in rec.items()
            }
        )
    return out


def leverage(
    regions: str = typer.Option(
        DEFAULT_REGIONS, "--regions", "-r", help="Comma-separated region codes."
    ),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", "-d", help="Dataset name."),
    horizon: int = typer.Option(180, "--horizon", min=1, help="Days simulated."),
    share_threshold: float = typer.Option(
        0.5,
        "--share-threshold",
        min=0.0,
        max=1.0,
        help="World share (0-1) from which a product is an actor's lever.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON to stdout."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a heat map (png/svg/pdf)."),
) -> None:
    """Leverage matrix: each actor's strongest instrument against each target, its cost and speed."""
    with handle_errors():
        import chokepoint as cp
        from chokepoint.bargaining.leverage import leverage_matrix

        codes = [r.strip() for r in regions.split(",") if r.strip()]
        net = cp.build_network(cp.load_dataset(dataset))
        result = leverage_matrix(net, codes, horizon_days=horizon, share_threshold=share_threshold)
        if plot is not None:
            from chokepoint.report.leverage_plots import leverage_heatmap

            pain = result.matrix.pivot(index="actor", columns="target", values="time_to_pain_day")
            damage = result.damage_matrix()
            leverage_heatmap(damage, plot, pain_days=pain.reindex_like(damage))
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "dataset": net.name,
                        "regions": codes,
                        "horizon_days": horizon,
                        "matrix": _plain(result.matrix),
                        "pairs": _plain(result.pairs),
                        "members": _plain(result.members),
                        "plot": str(plot) if plot else None,
                    }
                )
            )
            return
        table = Table(title=f"Leverage on {net.name}, {horizon} days (strongest instrument)")
        for col in ("actor", "target", "instrument", "damage", "own cost", "ratio", "pain day"):
            table.add_column(
                col, justify="left" if col in ("actor", "target", "instrument") else "right"
            )
        for row in result.matrix.itertuples():
            ratio = row.damage_to_cost
            table.add_row(
                row.actor,
                row.target,
                row.instrument,
                _usd(row.damage_usd),
                _usd(row.own_cost_usd),
                "–" if not math.isfinite(ratio) else f"{ratio:.2f}",
                _day(row.time_to_pain_day),
            )
        console.print(table)
        pairs = Table(title="Symmetry (1 = a negotiation between equals)")
        for col in ("pair", "A on B", "B on A", "symmetry", "stronger"):
            pairs.add_column(col, justify="left" if col in ("pair", "stronger") else "right")
        for row in result.pairs.itertuples():
            pairs.add_row(
                f"{row.region_a}-{row.region_b}",
                _usd(row.damage_a_to_b_usd),
                _usd(row.damage_b_to_a_usd),
                f"{row.symmetry:.2f}",
                row.stronger or "equal",
            )
        console.print(pairs)
        if plot is not None:
            console.print(f"heat map: {plot}")


def bargain_command(
    menu: str = typer.Argument(..., help="Menu file or bargaining preset name."),
    dataset: str | None = typer.Option(
        None, "--dataset", "-d", help="Override the menu's dataset."
    ),
    sensitivity: bool = typer.Option(
        True, "--sensitivity/--no-sensitivity", help="Re-run with each side's stocks scaled."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON to stdout."),
) -> None:
    """Predicted deal over a menu of measures: Nash solution, alternating offers, timing, time line."""
    with handle_errors():
        import chokepoint as cp
        from chokepoint.bargaining.game import bargain
        from chokepoint.bargaining.menu import load_menu

        m = load_menu(menu)
        net = cp.build_network(cp.load_dataset(dataset or m.dataset))
        result = bargain(m, net, sensitivity=sensitivity)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), default=str))
            return
        _print(result)


def _print(result: Any) -> None:
    m = result.menu
    a, b = m.sides
    console.print(f"[bold]{m.name}[/]: {a} vs {b}, {m.horizon_days} days, rivalry {m.rivalry or 0}")
    deal = result.deal()
    t = Table(title="Measures and the predicted deal (Nash bargaining)")
    for col in ("measure", "side", "status", "instrument", "if conceded", "in the deal"):
        t.add_column(col, overflow="fold")
    for key, row in deal.iterrows():
        t.add_row(
            str(key),
            row["side"],
            row["status"],
            row["instrument"],
            row["concession"],
            row["in_deal"],
        )
    console.print(t)
    o = result.outcomes
    t = Table(title="Outcomes (loss = value of output lost; gain over escalation)")
    for col in ("outcome", f"loss {a}", f"loss {b}", f"gain {a}", f"gain {b}", "Nash product"):
        t.add_column(col, justify="left" if col == "outcome" else "right")
    shown = o.sort_values("nash_product", ascending=False, na_position="last").head(10)
    for name, row in shown.iterrows():
        mark = " *" if name == result.nash else ""
        t.add_row(
            f"{name}{mark}",
            _usd(row[f"loss_{a}"]),
            _usd(row[f"loss_{b}"]),
            _usd(row[f"gain_{a}"]),
            _usd(row[f"gain_{b}"]),
            "–" if not math.isfinite(row["nash_product"]) else f"{row['nash_product']:.3g}",
        )
    console.print(t)
    if result.nash is None:
        console.print("[bold]No deal[/]: no outcome improves on mutual escalation for both sides.")
    else:
        console.print(f"Nash deal: [bold]{result.nash}[/]")
        console.print(f"Alternating-offers outcome: [bold]{result.alternating}[/]")
    s = result.split
    console.print(
        f"Time-to-pain: {a} day {_day(result.pain_days[a])}, {b} day {_day(result.pain_days[b])}; "
        f"patience δ {a} {s[f'delta_{a}']:.3f}, {b} {s[f'delta_{b}']:.3f}; "
        f"split (even alternation) {a} {s[f'even_alternation_share_{a}']:.2f} / {b} {s[f'even_alternation_share_{b}']:.2f}"
    )
    if result.deal_day is not None:
        console.print(f"Deal reached in round {result.deal_round} (day {result.deal_day:.0f}).")
    if not result.events.empty:
        t = Table(title="Time line")
        for col in ("day", "side", "event"):
            t.add_column(col)
        for row in result.events.itertuples():
            t.add_row(str(row.day), row.side, row.event)
        console.print(t)
    tl = result.timeline
    if not tl.empty:
        t = Table(title="Loss per 30 days: escalation vs escalation-then-deal")
        paths = list(dict.fromkeys(tl["path"]))
        t.add_column("days")
        for p in paths:
            for side in (a, b):
                t.add_column(f"{p} {side}", justify="right")
        tl = tl.assign(month=tl["day"] // 30)
        agg = tl.groupby(["month", "path", "side"])["loss_usd"].sum()
        for month in sorted(tl["month"].unique()):
            cells = [_usd(agg.get((month, p, side), 0.0)) for p in paths for side in (a, b)]
            t.add_row(f"{30 * month}-{30 * month + 29}", *cells)
        console.print(t)
    sens = result.sensitivity
    if not sens.empty:
        t = Table(title="Sensitivity to stockpiles")
        for col in (
            "stocks of",
            "x",
            f"loss {a}",
            f"loss {b}",
            f"pain {a}",
            f"pain {b}",
            "Nash deal",
            f"share {a}",
        ):
            t.add_column(col)
        for row in sens.to_dict(orient="records"):
            t.add_row(
                row["side_stocked"],
                f"{row['stock_multiplier']:g}",
                _usd(row[f"loss_escalation_{a}"]),
                _usd(row[f"loss_escalation_{b}"]),
                _day(row[f"pain_day_{a}"]),
                _day(row[f"pain_day_{b}"]),
                str(row["nash_outcome"]),
                f"{row[f'share_{a}']:.2f}",
            )
        console.print(t)
