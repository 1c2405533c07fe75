"""CLI: exposure and coercion-potential on the toy dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chokepoint.cli.app import app

runner = CliRunner()


def test_exposure_json_by_hand() -> None:
    result = runner.invoke(
        app,
        [
            "exposure",
            "-d",
            "toy",
            "--region",
            "EAST",
            "--origin",
            "NORTH",
            "--stage",
            "refined",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    shares = {row["node"]: row["origin_share"] for row in payload["nodes"]}
    assert shares["EAST/product"] == pytest.approx(0.75)
    assert shares["EAST/component"] == pytest.approx(0.75)


def test_exposure_without_stage_traces_every_dominated_stage() -> None:
    result = runner.invoke(
        app, ["exposure", "-d", "toy", "--region", "WEST", "--origin", "NORTH", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert sorted(payload["stages"]) == ["ore", "refined"]
    shares = {(r["node"], r["stage"]): r["origin_share"] for r in payload["nodes"]}
    assert shares["WEST/product", "refined"] == pytest.approx(0.75)
    # ore reaches WEST only through refined metal: Northern ore is inside Northern refined metal
    assert shares["WEST/product", "ore"] == pytest.approx(0.75)


def test_exposure_unknown_stage_exits_2() -> None:
    result = runner.invoke(
        app, ["exposure", "-d", "toy", "--region", "EAST", "--stage", "unobtainium"]
    )
    assert result.exit_code == 2
    assert "unknown product" in result.output
    assert "Traceback" not in result.output


def test_coercion_potential_table_and_plot(tmp_path: Path) -> None:
    plot = tmp_path / "var.png"
    result = runner.invoke(app, ["coercion-potential", "NORTH", "-d", "toy", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "EAST" in result.stdout
    assert plot.stat().st_size > 1000


def test_coercion_potential_json() -> None:
    result = runner.invoke(app, ["coercion-potential", "NORTH", "-d", "toy", "--json"])
    payload = json.loads(result.stdout)
    assert {s["product"] for s in payload["dominated_stages"]} == {"ore", "refined"}
    east = next(r for r in payload["regions"] if r["region"] == "EAST")
    assert east["share_at_risk"] == pytest.approx(0.75)


def test_chokepoints_json(tmp_path: Path) -> None:
    plot = tmp_path / "rank.png"
    result = runner.invoke(
        app, ["chokepoints", "-d", "toy", "--top", "3", "--json", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    ranking = json.loads(result.stdout)["ranking"]
    assert len(ranking) == 3
    assert ranking[0]["world_value_lost_usd"] >= ranking[1]["world_value_lost_usd"]
    assert plot.stat().st_size > 1000
