"""CLI: ``chokepoint chain list`` and ``chain show``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from chokepoint.cli.app import app

runner = CliRunner()


def test_chain_list_json_names_the_chains() -> None:
    result = runner.invoke(app, ["chain", "list", "--json"])
    assert result.exit_code == 0, result.output
    chains = {row["chain"] for row in json.loads(result.stdout)}
    assert {
        "rare-earths",
        "batteries",
        "mature-chips",
        "gallium-germanium",
        "solar-pv",
        "oil",
    } <= chains


def test_chain_show_rare_earths_from_mine_to_end_uses() -> None:
    result = runner.invoke(app, ["chain", "show", "rare-earths", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    products = [s["product"] for s in data["stages"]]
    assert products.index("rare_earth_ore") < products.index("ndpr_oxide")
    assert products.index("ndpr_oxide") < products.index("ndfeb_magnet") < products.index("ev")
    top = {r["product"]: (r["region"], r["share"]) for r in data["top_country"]}
    assert top["ndfeb_magnet"][0] == "CHN"
    assert abs(top["ndfeb_magnet"][1] - 0.90) < 5e-4
    assert abs(top["ndpr_oxide"][1] - 0.92) < 5e-4
    assert any(t["product"] == "ev" for t in data["tree"])


def test_chain_show_rich_output() -> None:
    result = runner.invoke(app, ["chain", "show", "rare-earths"])
    assert result.exit_code == 0, result.output
    assert "ndfeb_magnet" in result.stdout
    assert "Top country per stage" in result.stdout


def test_chain_show_toy_dataset_and_unknown_chain() -> None:
    ok = runner.invoke(app, ["chain", "show", "toy", "-d", "toy", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["stages"][0]["product"] == "ore"
    bad = runner.invoke(app, ["chain", "show", "no-such-chain"])
    assert bad.exit_code == 2
    assert "unknown chain" in bad.output
