"""CLI: chokepoint pain on the toy preset (JSON and table output, errors)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chokepoint.cli.app import app

runner = CliRunner()

BAN = """
name: toy-ban
dataset: toy
horizon_days: 120
instruments:
  ban: {type: export_ban, actor: NORTH, products: [refined]}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("pain") / "toy-ban.yaml"
    path.write_text(BAN, encoding="utf-8")
    return str(path)


def test_pain_json_and_stockpile_search(scenario: str) -> None:
    result = runner.invoke(app, ["pain", scenario, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) >= {"scenario", "dataset", "horizon_days", "first_hit", "half_car_output_lost"}
    assert out["first_hit"], "a full ban stops somebody"
    days = [r["day"] for r in out["first_hit"]]
    assert days == sorted(days)
    assert all(r["region"] != "NORTH" for r in out["first_hit"])  # the actor is excluded
    region = out["first_hit"][0]["region"]
    first = out["first_hit"][0]["day"]
    result = runner.invoke(
        app, ["pain", scenario, "--region", region, "--until", str(first), "--json"]
    )
    assert result.exit_code == 0, result.output
    stock = json.loads(result.stdout)["stockpile"]
    assert stock and all(s["region"] == region and s["day"] == first for s in stock)
    for s in stock:
        assert s["first_stops"][0] is not None and s["first_stops"][0] <= first


def test_pain_table_and_errors(scenario: str) -> None:
    result = runner.invoke(app, ["pain", scenario])
    assert result.exit_code == 0, result.output
    assert "Who hits the wall first" in result.stdout
    bad = runner.invoke(app, ["pain", scenario, "--until", "10"])
    assert bad.exit_code != 0
    missing = runner.invoke(app, ["pain", "no-such-preset"])
    assert missing.exit_code == 2
