"""Bad market presets: one clean ``file:line:column`` problem for broken YAML, finite numbers only,
and policy or support years inside the preset's range, each named with its line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from chokepoint.errors import InputError
from chokepoint.market.presets import load_preset

GOOD = """\
name: t
product: widget
quantity_unit: t
price_unit: USD/kg
money_per_quantity_price: 0.001
start_year: 2000
end_year: 2005
state_region: CHN
producers:
  - {name: S, region: CHN, state: true, capacity: 100, cash_cost: 4}
  - {name: R, region: USA, capacity: 50, cash_cost: 6, buffer: 1}
demand:
  reference_price: 10
  points: [{year: 2000, quantity: 120}]
  elasticity: 0.5
  domestic_share: [{year: 2000, share: 0.5}]
  backstop_price: 100
bloc: {cash_cost: 5, lead_time: 2}
sources: [{id: x, cite: hand}]
"""


def problems(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "p.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_preset(path)
    return [str(p) for p in info.value.problems]


def test_broken_yaml_is_one_line_with_its_column(tmp_path: Path) -> None:
    found = problems(tmp_path, "name: x\nproduct: [oops\n")
    assert found == [
        "p.yaml:3:1 | invalid YAML: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 2, column 10)"
    ]
    assert "\n" not in found[0] and "<unicode string>" not in found[0]


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    assert problems(tmp_path, b"name: x\nproduct: caf\xe9\n") == [
        "p.yaml:2 | cannot read: expected UTF-8 text, got byte 0xe9"
    ]


def test_policy_years_beyond_the_preset_are_refused(tmp_path: Path) -> None:
    text = GOOD + "policies:\n  - {start: 2001, end: 2099, export_tax: 0.5}\n"
    assert problems(tmp_path, text) == [
        "p.yaml:21 | policies.0.end | expected a year in 2000..2005 (the preset's "
        "start_year..end_year), got 2099"
    ]
    text = GOOD + "support:\n  - {producer: R, start: 1990, end: 2003, subsidy: 1}\n"
    assert problems(tmp_path, text) == [
        "p.yaml:21 | support.0.start | expected a year in 2000..2005 (the preset's "
        "start_year..end_year), got 1990"
    ]


def test_non_finite_numbers_are_refused(tmp_path: Path) -> None:
    text = GOOD.replace("elasticity: 0.5", "elasticity: .nan").replace("buffer: 1", "buffer: .inf")
    assert problems(tmp_path, text) == [
        "p.yaml:11 | producers.1.buffer | expected a finite number, got inf",
        "p.yaml:15 | demand.elasticity | expected a finite number, got nan",
    ]


def test_checks_across_fields_point_at_the_field(tmp_path: Path) -> None:
    text = GOOD.replace("end_year: 2005", "end_year: 1999").replace("name: R,", "name: S,")
    assert problems(tmp_path, text) == [
        "p.yaml:7 | end_year | expected end_year >= start_year (2000), got 1999",
        "p.yaml:11 | producers.1.name | expected unique producer names, got duplicates ['S']",
    ]
