"""CLI: ``chokepoint data card`` lists every figure, source, assumption and balancing change."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import chokepoint as cp
from chokepoint.cli.app import app
from chokepoint.datasets.card import card_inputs, card_markdown, card_records
from chokepoint.datasets.registry import dataset_path

runner = CliRunner()
DOCS = Path(__file__).parents[2] / "docs" / "dataset.md"


def test_card_json_has_every_figure_with_a_source() -> None:
    result = runner.invoke(app, ["data", "card", "critical-chains", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)["records"]
    t = cp.load_dataset("critical-chains")
    figures = [r for r in records if r["kind"] == "figure"]
    # every producer contributes two figures (output, capacity)
    assert sum(r["table"] == "producers" for r in figures) == 2 * len(t.producers)
    assert sum(r["table"] == "links" for r in figures) == 2 * len(t.links)
    assert all(r["source"] or r["note"].startswith("ASSUMPTION") for r in figures)
    kinds = {r["kind"] for r in records}
    assert {"figure", "source", "assumption", "balancing", "side"} <= kinds
    mag = [
        r
        for r in figures
        if r["table"] == "producers"
        and r["key"] == "CHN | ndfeb_magnet"
        and r["column"] == "output"
    ]
    assert len(mag) == 1 and "Adamas" in mag[0]["source"]


def test_card_markdown_and_docs_page_are_current() -> None:
    result = runner.invoke(app, ["data", "card", "critical-chains", "--format", "md", "--raw"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Data card: critical-chains@2025.1")
    assert "## Assumptions" in result.stdout and "## Balancing changes" in result.stdout
    t = cp.load_dataset("critical-chains")
    balancing, side = card_inputs(dataset_path("critical-chains"))
    assert DOCS.read_text(encoding="utf-8") == card_markdown(t, card_records(t, balancing, side))


def test_card_on_toy_and_unknown_dataset() -> None:
    ok = runner.invoke(app, ["data", "card", "toy", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    records = json.loads(ok.stdout)["records"]
    assert {r["kind"] for r in records} >= {"figure", "source", "assumption"}
    bad = runner.invoke(app, ["data", "card", "no-such-dataset"])
    assert bad.exit_code == 2
