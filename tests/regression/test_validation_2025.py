"""The 2025 validation of docs/validation.md, through ``examples/validation_2025.py``: the
back-test ships what China's customs recorded, the flagship ships nothing while licences are
reviewed, and the back-test's loss falls as buyers hold more magnets (no figure of a run is
hard-coded here)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from chokepoint.scenario.load import load_scenario

EXAMPLE = Path(__file__).parents[2] / "examples" / "validation_2025.py"


@pytest.fixture(scope="module")
def validation() -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLE), run_name="example")


@pytest.fixture(scope="module")
def result(validation: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = validation["main"](stock_days=(30.0, 40.0, 60.0))
    return out


def test_back_test_caps_are_the_customs_figures(validation: dict[str, Any]) -> None:
    scenario = load_scenario(validation["BACK_TEST"])
    caps = {
        (inst.start_day, inst.end_day): inst.cap_share
        for key, inst in scenario.instruments.items()
        if key.startswith("magnets_")
    }
    for month, days in validation["DAYS"].items():
        if days in caps:  # April to June; no cap from July
            share = validation["OBSERVED_T"][month] / validation["Q1_RATE"]
            assert caps[days] == pytest.approx(share, abs=5e-4), month
    assert (88, 119) not in caps


def test_back_test_ships_the_observed_shares_and_the_flagship_nothing_at_first(
    result: dict[str, Any],
) -> None:
    exports = result["exports"]
    for month in ("April", "May", "June"):
        assert exports.loc[month, "back-test"] == pytest.approx(
            exports.loc[month, "observed"], rel=2e-3
        )
    assert exports.loc["April", "flagship"] == 0.0 and exports.loc["May", "flagship"] == 0.0
    assert 0.0 < exports.loc["June", "flagship"] < exports.loc["June", "observed"]


def test_losses_fall_with_exports_and_with_stock(result: dict[str, Any]) -> None:
    losses = list(result["losses"].values())
    assert losses[0] > losses[1] > 0.0  # the announced regime costs more than the observed one
    by_stock = [result["sensitivity"][d] for d in (30.0, 40.0, 60.0)]
    assert by_stock[0] == pytest.approx(losses[1])  # 30 days is the default
    assert by_stock[0] > by_stock[1] >= by_stock[2] >= 0.0
