"""Every script in examples/ runs and answers its question with sane numbers (DESIGN §11)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


def run(name: str) -> object:
    namespace = runpy.run_path(str(EXAMPLES / name), run_name="example")
    return namespace["main"]()


def test_every_example_is_tested() -> None:
    tested = {"q03_hidden_content.py"}
    assert {p.name for p in EXAMPLES.glob("q*.py")} == tested


def test_q03_hidden_content() -> None:
    facts = run("q03_hidden_content.py")
    assert isinstance(facts, dict)
    assert (
        0.1 < facts["ndpr_kg_per_german_ev"] < 3.0
    )  # magnet mass x NdPr share, order of the IEA 0.5 kg REE
    assert 0.5 < facts["chinese_share_in_german_ev"] <= 1.0
    assert 0.0 < facts["chinese_value_share_german_ev"] < 0.01
    assert facts["chinese_share_in_japanese_magnet"] == pytest.approx(
        facts["chinese_share_in_german_ev"], abs=0.1
    )
