"""Bad menus: checks across fields point at the field's line; sides and codes that the dataset
does not have are named with the menu file and line (with did-you-mean)."""

from __future__ import annotations

from pathlib import Path

import pytest

import chokepoint as cp
from chokepoint.bargaining.game import run_outcomes
from chokepoint.bargaining.menu import check_menu, load_menu
from chokepoint.errors import InputError
from chokepoint.network.compile import CompiledNetwork

MENU = """\
name: two
dataset: toy
sides: [NORTH, EAST]
rivalry: {NORTH: 0.2}
measures:
  ban:
    side: NORTH
    instrument: {type: export_ban, actor: NORTH, products: [refined], targets: [EAST]}
  cut:
    side: EAST
    instrument:
      type: demand_restraint
      actor: EAST
      products: [product]
      share: 0.1
"""


@pytest.fixture(scope="module")
def toy() -> CompiledNetwork:
    return cp.build_network(cp.load_dataset("toy"))


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "menu.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_menu(path)
    return [str(p).replace(str(path), "menu.yaml") for p in info.value.problems]


def test_measure_side_not_a_side_points_at_the_measure(tmp_path: Path) -> None:
    text = MENU.replace("    side: EAST", "    side: WEST").replace("NORTH: 0.2", "SOUTH: 0.2")
    assert problems(tmp_path, text) == [
        "menu.yaml:10 | measures.cut.side: expected side one of the menu's sides (NORTH, EAST), "
        "got 'WEST'",
        "menu.yaml:4 | rivalry.SOUTH: expected weights for the sides (NORTH, EAST), got one for "
        "'SOUTH'",
    ]


def test_late_measure_and_non_finite_numbers(tmp_path: Path) -> None:
    text = MENU.replace("      share: 0.1", "      share: 0.1\n      start_day: 400")
    assert problems(tmp_path, text) == [
        "menu.yaml:16 | measures.cut.instrument.start_day: expected instrument start_day < "
        "horizon_days (180), got 400"
    ]
    assert problems(tmp_path, MENU.replace("NORTH: 0.2", "NORTH: .nan")) == [
        "menu.yaml:4 | rivalry.NORTH: expected a finite number, got nan"
    ]


def test_side_that_is_not_a_region_is_named_with_its_line(
    tmp_path: Path, toy: CompiledNetwork
) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(
        MENU.replace("[NORTH, EAST]", "[NORTH, EASTT]").replace("side: EAST", "side: EASTT")
    )
    menu = load_menu(path)
    with pytest.raises(InputError) as info:
        run_outcomes(menu, toy)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:3 | sides[1]: 'EASTT' is not a region of toy@1.0; did you mean 'EAST'?"
    ]


def test_unknown_product_in_a_measure_names_the_menu_file_and_line(
    tmp_path: Path, toy: CompiledNetwork
) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(MENU.replace("products: [product]", "products: [prodct]"))
    with pytest.raises(InputError) as info:
        check_menu(load_menu(path), toy)
    assert info.value.subject == f"menu {path} on toy@1.0"
    assert [str(p) for p in info.value.problems] == [
        f"{path}:14 | measures.cut.instrument.products[0]: unknown product 'prodct'; "
        "did you mean 'product'? (not in toy@1.0)"
    ]


def test_good_menu_passes_the_check(tmp_path: Path, toy: CompiledNetwork) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(MENU)
    check_menu(load_menu(path), toy)


def test_stockpile_codes_are_checked(tmp_path: Path, toy: CompiledNetwork) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(MENU + "stockpiles:\n  - {region: EAST, inputs: [refined, refnd], days: 30}\n")
    with pytest.raises(InputError) as info:
        check_menu(load_menu(path), toy)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:17 | stockpiles[0].inputs[1]: 'refnd' is not a product of toy@1.0; "
        "did you mean 'refined'?"
    ]
