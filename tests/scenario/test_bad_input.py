"""Bad scenario input: one clear problem per mistake, naming the file, line and field.

Non-finite numbers, a missing instrument ``type`` (also by a misspelt overrides key), impossible
dates, checks across fields, distributions with the wrong parameters and files that are not UTF-8.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from chokepoint.errors import InputError
from chokepoint.scenario.load import read_scenario
from chokepoint.scenario.schema import Scenario

Write = Callable[[str, str], Path]

TYPES = (
    "export_ban, quota, licensing, capacity_shock, stockpile_release, capacity_investment, "
    "substitution, demand_restraint, extraterritorial_licensing, tech_export_ban, "
    "equipment_export_ban, firm_control"
)


def problems(write: Write, text: str, name: str = "s.yaml") -> list[str]:
    with pytest.raises(InputError) as info:
        read_scenario(write(name, text))
    return [str(p) for p in info.value.problems]


HEAD = "name: x\ndataset: toy\nhorizon_days: 60\ninstruments:\n"


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", ".NaN"])
def test_non_finite_numbers_are_rejected_with_field_and_line(write: Write, value: str) -> None:
    text = (
        HEAD
        + f"  q: {{type: quota, actor: NORTH, products: [refined], cap_per_day: {value}}}\n"
        + f"  s: {{type: stockpile_release, actor: EAST, products: [refined], days_of_use: {value}}}\n"
        + f"  c: {{type: capacity_investment, actor: SOUTH, products: [refined], units_per_day: {value}}}\n"
        + "  f: {type: licensing, actor: NORTH, products: [refined], approval_share: 0.5,"
        + f" front_running: {value}, announce_day: 0, start_day: 5}}\n"
    )
    got = value.lstrip("-.").lower()
    shown = {"inf": ("inf" if not value.startswith("-") else "-inf"), "nan": "nan"}[got]
    assert problems(write, text) == [
        f"s.yaml:5 | instruments.q.cap_per_day: expected a finite number, got {shown}",
        f"s.yaml:6 | instruments.s.days_of_use: expected a finite number, got {shown}",
        f"s.yaml:7 | instruments.c.units_per_day: expected a finite number, got {shown}",
        f"s.yaml:8 | instruments.f.front_running: expected a finite number, got {shown}",
    ]


def test_nan_is_rejected_as_not_finite_even_without_bounds() -> None:
    # Assumption.value has no bounds: NaN must not slip through a comparison that happens to fail
    with pytest.raises(ValidationError, match="finite number"):
        Scenario.model_validate(
            {"name": "x", "assumptions": [{"id": "A1", "text": "t", "value": float("nan")}]}
        )


def test_instrument_without_type_lists_the_types(write: Write) -> None:
    text = HEAD + "  ban: {actor: NORTH, products: [refined]}\n"
    assert problems(write, text) == [
        f"s.yaml:5 | instruments.ban: expected a 'type' field, one of {TYPES}"
    ]


def test_misspelt_overrides_key_suggests_the_base_instrument(write: Write) -> None:
    text = "extends: [toy-licensing]\nname: x\noverrides:\n  instruments:\n    licnce: {approval_share: 0.9}\n"
    [problem] = problems(write, text)
    assert problem == (
        "s.yaml:5 | instruments.licnce: the base has no instrument 'licnce' to change; "
        f"did you mean 'licence'? (a new instrument needs a 'type' field, one of {TYPES})"
    )


def test_new_instrument_in_overrides_needs_a_type(write: Write) -> None:
    text = "extends: [toy-licensing]\nname: x\noverrides:\n  instruments:\n    embargo: {actor: NORTH}\n"
    [problem] = problems(write, text)
    assert problem.startswith(
        "s.yaml:5 | instruments.embargo: 'embargo' is not an instrument of the base "
        "(it has licence, release); a new instrument needs a 'type' field, one of export_ban"
    )


def test_misspelt_key_in_a_member_override_is_located(write: Write) -> None:
    text = (
        "extends: [toy-licensing]\nname: x\nmembers:\n  - name: a\n"
        "    overrides:\n      instruments:\n        licnce: {approval_share: 0.2}\n"
    )
    [problem] = problems(write, text)
    assert problem.startswith(
        "s.yaml:7 | members[0] (a): instruments.licnce: the base has no instrument 'licnce' to "
        "change; did you mean 'licence'?"
    )


def test_impossible_date_is_a_field_problem_at_its_line(write: Write) -> None:
    text = "name: x\ndataset: toy\nstart_date: 2025-02-30\n"
    assert problems(write, text) == [
        "s.yaml:3 | start_date: expected a valid date (YYYY-MM-DD): day value is outside "
        "expected range, got '2025-02-30'"
    ]
    # a real date still loads as a date
    ok = read_scenario(write("ok.yaml", "name: x\nstart_date: 2024-02-29\n")).scenario
    assert str(ok.start_date) == "2024-02-29"


def test_start_day_after_the_horizon_points_at_start_day(write: Write) -> None:
    text = (
        "name: x\ndataset: toy\nhorizon_days: 100\ninstruments:\n"
        "  ban:\n    type: export_ban\n    actor: NORTH\n    products: [refined]\n"
        "    start_day: 150\n"
    )
    assert problems(write, text) == [
        "s.yaml:9 | instruments.ban.start_day: expected start_day < horizon_days (100), got 150"
    ]


def test_duplicate_member_names_point_at_the_second_name(write: Write) -> None:
    text = "name: x\ndataset: toy\nmembers:\n  - name: a\n  - name: b\n  - name: a\n"
    assert problems(write, text) == [
        "s.yaml:6 | members[2].name: expected unique member names, got 'a' again "
        "(first at members[0])"
    ]


def test_distribution_without_seed_points_at_the_distribution(write: Write) -> None:
    text = (
        "name: x\ndataset: toy\nmembers: 5\ninstruments:\n"
        "  l:\n    type: licensing\n    actor: NORTH\n    products: [refined]\n"
        "    approval_share: {distribution: uniform, low: 0.1, high: 0.5}\n"
    )
    [problem] = problems(write, text)
    assert problem.startswith("s.yaml:9 | instruments.l.approval_share: ")
    assert "expected an explicit seed" in problem


def test_cross_field_problems_are_all_listed(write: Write) -> None:
    text = (
        "name: x\ndataset: toy\nhorizon_days: 10\nmembers:\n  - name: a\n  - name: a\n"
        "instruments:\n  ban: {type: export_ban, actor: NORTH, products: [refined], start_day: 20}\n"
    )
    assert problems(write, text) == [
        "s.yaml:6 | members[1].name: expected unique member names, got 'a' again "
        "(first at members[0])",
        "s.yaml:8 | instruments.ban.start_day: expected start_day < horizon_days (10), got 20",
    ]


def test_distribution_with_wrong_parameters_names_the_expected_ones(write: Write) -> None:
    text = (
        "name: x\ndataset: toy\nseed: 1\nmembers: 5\ninstruments:\n"
        "  l: {type: licensing, actor: NORTH, products: [refined], "
        "approval_share: {distribution: beta, a: 2, b: 5}}\n"
        "  m: {type: licensing, actor: NORTH, products: [refined], "
        "approval_share: {distribution: beta, alpha: 2, beta: 0}}\n"
        "  n: {type: licensing, actor: NORTH, products: [refined], "
        "approval_share: {distribution: uniform, low: 0.1}}\n"
    )
    assert problems(write, text) == [
        "s.yaml:6 | instruments.l.approval_share: expected alpha, beta (and optionally low, high) "
        "for a beta distribution; missing alpha, beta; unknown field(s) a, b",
        "s.yaml:7 | instruments.m.approval_share.beta: expected greater than 0, got 0",
        "s.yaml:8 | instruments.n.approval_share: expected low, high for a uniform distribution; "
        "missing high",
    ]


def test_non_utf8_file_names_the_line(write: Write, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes('name: x\ndescription: "café"\n'.encode("latin-1"))
    with pytest.raises(InputError) as info:
        read_scenario(path)
    assert [str(p) for p in info.value.problems] == [
        "latin1.yaml:2 | cannot read: expected UTF-8 text, got byte 0xe9 at column 18 "
        "(save the file as UTF-8)"
    ]
