"""Bargaining menus: schema, errors that name file:line, presets load and compile on the dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

import chokepoint as cp
from chokepoint.bargaining.game import all_outcomes, menu_scenario, outcome_name
from chokepoint.bargaining.menu import list_presets, load_menu
from chokepoint.errors import InputError, NotFoundError
from chokepoint.scenario.compile import compile_scenario

GOOD = """\
name: two
dataset: toy
sides: [NORTH, EAST]
measures:
  ban:
    side: NORTH
    instrument: {type: export_ban, actor: NORTH, products: [refined], targets: [EAST]}
"""


def test_presets_are_listed_and_load() -> None:
    assert {"us-china-2025", "china-japan-2010", "china-japan-stockpile"} <= set(list_presets())
    menu = load_menu("us-china-2025")
    assert menu.sides == ["CHN", "USA"]
    assert set(menu.measures_of("CHN")) == {
        "rare_earth_april",
        "rare_earth_october",
        "soybean_purchases",
    }
    # every measure and every assumption carries its source or reasoning
    assert all(m.source for m in menu.measures.values())
    assert menu.assumptions


def test_presets_compile_on_critical_chains() -> None:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    for name in list_presets():
        menu = load_menu(name)
        outcomes = all_outcomes(menu)
        assert len(outcomes) == 2 ** len(menu.measures)
        batch = compile_scenario(
            menu_scenario(menu, [(outcome_name(c), c, 0) for c in outcomes]), net
        )
        assert batch.size == len(outcomes)
        assert not batch.meta.get("warnings"), name  # every measure selects something


def test_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(GOOD.replace("side: NORTH", "side: NORTH\n    concesion: pause"))
    with pytest.raises(InputError) as err:
        load_menu(path)
    text = str(err.value)
    assert f"{path}:7" in text and "measures.ban.concesion" in text
    assert "did you mean 'concession'" in text
    path.write_text(GOOD.replace("[NORTH, EAST]", "[NORTH, NORTH]"))
    with pytest.raises(InputError, match="two different sides"):
        load_menu(path)
    path.write_text(GOOD.replace("side: NORTH", "side: WEST"))
    with pytest.raises(InputError, match="expected side one of"):
        load_menu(path)
    path.write_text(GOOD + "rivalry: {NORTH: 1.5}\n")
    with pytest.raises(InputError, match="rivalry"):
        load_menu(path)
    with pytest.raises(NotFoundError, match="did you mean preset 'us-china-2025'"):
        load_menu("us-china-2052")


def test_good_menu_defaults(tmp_path: Path) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(GOOD)
    menu = load_menu(path)
    assert menu.measures["ban"].status == "in_force"
    assert menu.measures["ban"].concession == "pause"
    assert menu.round_days == 7.0 and menu.stockpile_multipliers == [2.0]
