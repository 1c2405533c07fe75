"""CLI: chokepoint leverage and chokepoint bargain on the toy dataset."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chokepoint.cli.app import app

runner = CliRunner()

MENU = """\
name: toy-menu
dataset: toy
horizon_days: 40
sides: [NORTH, EAST]
rivalry: {NORTH: 0.25, EAST: 0.25}
stockpile_multipliers: [2.0]
measures:
  refined_ban:
    side: NORTH
    instrument: {type: export_ban, actor: NORTH, products: [refined], targets: [EAST]}
  boycott:
    side: EAST
    status: threatened
    concession: repeal
    instrument: {type: quota, actor: NORTH, products: [refined], targets: [EAST], cap_share: 0.5}
"""


def test_leverage_json_and_heat_map(tmp_path: Path) -> None:
    plot = tmp_path / "lev.png"
    args = ["leverage", "--dataset", "toy", "--regions", "NORTH,EAST,SOUTH", "--horizon", "30"]
    result = runner.invoke(app, [*args, "--json", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    pairs = {(r["actor"], r["target"]) for r in data["matrix"]}
    # only NORTH and SOUTH sell to EAST (refined): EAST has no lever on anyone
    assert ("NORTH", "EAST") in pairs and not any(a == "EAST" for a, _ in pairs)
    assert plot.stat().st_size > 1000
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "Symmetry" in table.stdout


def test_bargain_json_and_table(tmp_path: Path) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(MENU)
    result = runner.invoke(app, ["bargain", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sides"] == ["NORTH", "EAST"]
    assert len(data["outcomes"]) == 4
    assert {"day": 0, "side": "EAST", "event": "boycott imposed (threat carried out)"} in data[
        "events"
    ]
    first = data["outcomes"][0]
    assert first["outcome"] == "escalation" and isinstance(first["feasible"], bool)
    assert {r["side_stocked"] for r in data["sensitivity"]} == {"NORTH", "EAST"}
    assert data["nash_outcome"] is None or data["nash_outcome"].startswith(
        ("concede", "escalation")
    )
    table = runner.invoke(app, ["bargain", str(path), "--no-sensitivity"])
    assert table.exit_code == 0, table.output
    assert "Measures and the predicted deal" in table.stdout and "Time line" in table.stdout


def test_bargain_errors_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(MENU.replace("horizon_days: 40", "horizon_days: 3"))
    result = runner.invoke(app, ["bargain", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3" in result.output and "horizon_days" in result.output
    missing = runner.invoke(app, ["bargain", "no-such-menu"])
    assert missing.exit_code == 2
    unknown = runner.invoke(app, ["leverage", "--dataset", "toy", "--regions", "NORTH,ZZZ"])
    assert unknown.exit_code == 2
