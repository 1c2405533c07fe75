"""``chokepoint exposure`` and ``chokepoint coercion-potential``: static views of a network."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from chokepoint.cli._errors import handle_errors

console = Console()

DEFAULT_DATASET = "critical-chains"


def _net(dataset: str):  # type: ignore[no-untyped-def]
    import chokepoint as cp

    return cp.build_network(cp.load_dataset(dataset))


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        )
    return out


def _table(frame: pd.DataFrame, title: str, fmt: dict[str, str] | None = None) -> Table:
    fmt = fmt or {}
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(
            str(column),
            justify="right" if frame[column].dtype.kind in "fi" else "left",
            overflow="fold",
        )
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if isinstance(value, float):
                cells.append(
                    "—" if math.isnan(value) else format(value, fmt.get(str(column), ".3g"))
                )
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table


def exposure(
    region: str = typer.Option(..., "--region", "-r", help="Region whose exposure to show."),
    origin: str = typer.Option("CHN", "--origin", help="Region whose stage content is traced."),
    stage: str | None = typer.Option(
        None,
        "--stage",
        "-s",
        help="Traced product (stage), e.g. ndpr_oxide; default: every stage ORIGIN dominates.",
    ),
    product: str | None = typer.Option(
        None, "--product", "-p", help="Only this product of the region."
    ),
    threshold: float = typer.Option(
        0.5,
        "--threshold",
        min=0.0,
        max=1.0,
        help="World share (0-1) from which ORIGIN dominates a stage (no --stage).",
    ),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", "-d", help="Dataset name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Write a region x product heat map (PNG)."
    ),
) -> None:
    """How much of REGION's output embodies ORIGIN's stages, directly or hidden in imported parts."""
    with handle_errors():
        from chokepoint.analysis.coercion import dominated_stages
        from chokepoint.analysis.tracing import exposure_matrix, origin_share, value_content_share
        from chokepoint.errors import NotFoundError

        net = _net(dataset)
        if region not in net.regions:
            msg = f"unknown region {region!r}; expected one of {', '.join(map(str, net.regions))}"
            raise NotFoundError(msg)
        stages = [stage] if stage else list(dominated_stages(net, origin, threshold)["product"])
        nodes = net.node_table()
        frames = []
        for traced in stages:
            frames.append(
                pd.DataFrame(
                    {
                        "node": net.node_ids,
                        "region": nodes["region"].to_numpy(),
                        "product": nodes["product"].to_numpy(),
                        "stage": traced,
                        "origin_share": origin_share(net, traced, origin).to_numpy(),
                        "value_share": value_content_share(net, traced, origin).to_numpy(),
                    }
                )
            )
        frame = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(
                columns=["node", "region", "product", "stage", "origin_share", "value_share"]
            )
        )
        keep = (frame["region"] == region) & frame["origin_share"].notna()
        keep &= frame["product"] != frame["stage"]
        frame = frame[keep]
        if product is not None:
            frame = frame[frame["product"] == product]
        frame = frame.sort_values(["origin_share", "value_share"], ascending=False)
        frame = frame.reset_index(drop=True)
        if plot is not None and stages:
            from chokepoint.report.analysis_plots import exposure_heatmap

            exposure_heatmap(
                exposure_matrix(net, stages[0], origin), origin=origin, stage=stages[0], path=plot
            )
        if as_json:
            payload = {
                "region": region,
                "origin": origin,
                "stages": stages,
                "nodes": _records(frame),
            }
            typer.echo(json.dumps(payload))
            return
        console.print(
            _table(
                frame,
                f"Share of {origin}'s {', '.join(stages) or '(no dominated stage)'} inside {region}'s output",
                {"origin_share": ".1%", "value_share": ".4%"},
            )
        )


def coercion_potential_command(
    actor: str = typer.Argument(..., help="The restricting state (region code)."),
    threshold: float = typer.Option(
        0.5,
        "--threshold",
        min=0.0,
        max=1.0,
        help="World share (0-1) from which a stage counts as dominated.",
    ),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", "-d", help="Dataset name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Write a bar chart of value at risk (PNG)."
    ),
) -> None:
    """Downstream value at risk in every region if ACTOR cut all the stages it dominates."""
    with handle_errors():
        from chokepoint.analysis.coercion import coercion_potential, dominated_stages

        net = _net(dataset)
        stages = dominated_stages(net, actor, threshold)
        table = coercion_potential(net, actor, threshold=threshold)
        if plot is not None:
            from chokepoint.report.analysis_plots import value_at_risk_bars

            value_at_risk_bars(table, actor=actor, path=plot)
        if as_json:
            payload = {
                "actor": actor,
                "threshold": threshold,
                "dominated_stages": _records(stages),
                "regions": _records(table),
            }
            typer.echo(json.dumps(payload))
            return
        console.print(
            _table(stages, f"Stages {actor} dominates (share ≥ {threshold:.0%})", {"share": ".1%"})
        )
        console.print(
            _table(
                table,
                f"Value at risk if {actor} cut them all (USD/day, static upper bound)",
                {
                    "share_at_risk": ".1%",
                    "value_usd_per_day": ",.0f",
                    "value_at_risk_usd_per_day": ",.0f",
                },
            )
        )


def chokepoints(
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", "-d", help="Dataset name."),
    threshold: float = typer.Option(
        0.2,
        "--threshold",
        min=0.0,
        max=1.0,
        help="World share (0-1) from which a (region, stage) is a candidate.",
    ),
    days: int = typer.Option(
        90, "--days", min=1, help="Length of each candidate's total stop (days, at least 1)."
    ),
    horizon: int = typer.Option(180, "--horizon", min=1, help="Days simulated (at least 1)."),
    top: int = typer.Option(10, "--top", min=0, help="Rows to show (0 = all)."),
    region: str | None = typer.Option(
        None, "--region", "-r", help="Rank by the value lost in this region instead of the world."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Write a bar chart of the ranking (PNG)."
    ),
) -> None:
    """Rank (region, stage) chokepoints by the value of output a total stop destroys (one engine batch)."""
    with handle_errors():
        from chokepoint.analysis.ranking import rank_chokepoints

        net = _net(dataset)
        with console.status(f"simulating every candidate stop ({days} days) as one batch"):
            table = rank_chokepoints(
                net,
                share_threshold=threshold,
                stop_days=days,
                horizon_days=horizon,
                focus_region=region,
            )
        if top:
            table = table.head(top)
        if plot is not None:
            from chokepoint.report.analysis_plots import ranking_bars

            ranking_bars(table, path=plot)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "dataset": dataset,
                        "stop_days": days,
                        "horizon_days": horizon,
                        "ranking": _records(table),
                    }
                )
            )
            return
        console.print(
            _table(
                table,
                f"Chokepoints ranked by value lost{' in ' + region if region else ''} ({days}-day stop, {horizon}-day horizon)",
                {
                    "share": ".0%",
                    "world_value_lost_usd": ",.3g",
                    "hardest_hit_value_lost_usd": ",.3g",
                    "focus_value_lost_usd": ",.3g",
                },
            )
        )
