"""Balance report and the balancing step on a deliberately unbalanced toy (numbers by hand).

EAST's final demand for EAST/product rises from 100 to 120 (final_demand.csv line 2), so
EAST/product must make 120 + 50 = 170 instead of 150. Working up the chain with the recipes and
the sourcing shares (EAST/component buys refined 75% NORTH, 25% SOUTH):
  EAST/component: 4 x 170 = 680;  refined for it: 0.01 x 680 = 6.8 -> NORTH 5.1, SOUTH 1.7
  NORTH/refined: 5.1 + 1.5 (to WEST) = 6.6;  SOUTH/refined: 1.7 + 0.5 = 2.2
  NORTH/ore: 2 x 6.6 = 13.2;  SOUTH/ore: 2 x 2.2 = 4.4
WEST's side is unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from chokepoint.errors import InputError
from chokepoint.io.tables import read_folder
from chokepoint.network import balance, balance_report, validate_tables


@pytest.fixture
def unbalanced(toy: Any) -> Any:
    toy.set_cell("final_demand.csv", 2, "quantity", "120")
    return read_folder(toy.path, check_balance=False)


def test_report_names_the_gap(unbalanced: Any) -> None:
    report = balance_report(unbalanced)
    out = report.outputs.set_index("node")
    # EAST/product: output 150 vs 0 + 170; relative gap 20 / 170.
    assert out.loc["EAST/product", "final_demand"] == 170
    assert out.loc["EAST/product", "rel_gap"] == pytest.approx(20 / 170)
    assert (out.drop(index="EAST/product")["rel_gap"] == 0).all()
    assert (report.inputs["rel_gap"] == 0).all()


def test_balancing_step(unbalanced: Any) -> None:
    balanced, changes = balance(unbalanced)
    out = balanced.producers.set_index(["region", "product"])["output"]
    expected = {
        ("NORTH", "ore"): 13.2,
        ("SOUTH", "ore"): 4.4,
        ("NORTH", "refined"): 6.6,
        ("SOUTH", "refined"): 2.2,
        ("EAST", "component"): 680,
        ("WEST", "component"): 200,
        ("EAST", "product"): 170,
        ("WEST", "product"): 50,
    }
    for key, value in expected.items():
        assert out[key] == pytest.approx(value), key
    np.testing.assert_allclose(
        balanced.links["flow"], [13.2, 4.4, 5.1, 1.5, 1.7, 0.5, 680, 200], rtol=1e-12
    )
    # Every change beyond 1% is listed, by file line and column: 6 outputs and 5 flows.
    listed = dict(zip(changes["location"], changes["new"], strict=True))
    assert set(listed) == {
        "producers.csv:2:output",
        "producers.csv:3:output",
        "producers.csv:4:output",
        "producers.csv:5:output",
        "producers.csv:6:output",
        "producers.csv:8:output",
        "links.csv:2:flow",
        "links.csv:3:flow",
        "links.csv:4:flow",
        "links.csv:6:flow",
        "links.csv:8:flow",
    }
    row = changes.set_index("location").loc["links.csv:4:flow"]
    assert (row["old"], row["new"]) == (4.5, pytest.approx(5.1))
    assert row["rel_change"] == pytest.approx(0.6 / 5.1)
    # The result passes validation with the balance check on.
    validate_tables(balanced.frames, origins=balanced.origins)


def test_balancing_respects_capacity(toy: Any) -> None:
    # 300 more units of EAST/product would need 1880 components: far above capacity 700.
    toy.set_cell("final_demand.csv", 2, "quantity", "400")
    tables = read_folder(toy.path, check_balance=False)
    with pytest.raises(InputError) as info:
        balance(tables)
    locations = [p.location for p in info.value.problems]
    assert "producers.csv:6:capacity" in locations  # EAST/component
    balanced, changes = balance(tables, raise_capacity=True)
    assert balanced.producers["capacity"].iloc[4] == pytest.approx(4 * 450)
    assert "producers.csv:6:capacity" in set(changes["location"])


def test_balanced_data_changes_nothing(toy: Any) -> None:
    _, changes = balance(read_folder(toy.path))
    assert changes.empty


def test_missing_supplier_is_an_error(toy: Any) -> None:
    # WEST/component loses both refined suppliers but still has output 200.
    lines = (toy.path / "links.csv").read_text().splitlines()
    keep = [line for line in lines if "WEST/component," not in line or line.startswith("WEST")]
    (toy.path / "links.csv").write_text("\n".join(keep) + "\n")
    tables = read_folder(toy.path, check_balance=False)
    with pytest.raises(InputError, match="WEST/component: no supplier of input 'refined'"):
        balance(tables)
