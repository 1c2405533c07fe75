"""Preset loading (errors with file:line | field), built-in presets, rebuild and summaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chokepoint.errors import InputError, NotFoundError
from chokepoint.market.model import run
from chokepoint.market.presets import compile_preset, list_presets, load_preset
from chokepoint.market.rebuild import rebuild
from chokepoint.market.summary import compare, summarise

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


def test_errors_name_file_line_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("cash_cost: 6", "cash_cost: -6").replace(
        "elasticity: 0.5", "elasticity: zero"
    )
    bad = bad.replace("state_region: CHN", "state_region: CHN\nbogus: 1")
    f = tmp_path / "bad.yaml"
    f.write_text(bad)
    with pytest.raises(InputError) as exc:
        load_preset(f)
    text = str(exc.value)
    assert len(exc.value.problems) == 3
    # producers[1].cash_cost is on line 12 (the 'bogus' line shifts everything by one)
    assert "bad.yaml:12 | producers.1.cash_cost" in text
    assert "bad.yaml:9 | bogus" in text
    assert "bad.yaml:16 | demand.elasticity" in text
    assert "got 'zero'" in text


def test_model_level_problems_are_reported(tmp_path: Path) -> None:
    f = tmp_path / "dup.yaml"
    f.write_text(GOOD.replace("name: R,", "name: S,"))
    with pytest.raises(InputError, match="duplicates"):
        load_preset(f)


def test_unknown_preset_name() -> None:
    with pytest.raises(NotFoundError, match="rare_earths"):
        load_preset("no_such_preset")


def test_policy_carries_past_the_horizon(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(GOOD + "policies: [{start: 2004, end: 2005, export_tax: 0.5}]\n")
    inp = compile_preset(load_preset(f), end_year=2008)
    np.testing.assert_allclose(inp.tax[0], [0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5])


@pytest.mark.parametrize("name", list_presets())
def test_builtin_presets_run(name: str) -> None:
    preset = load_preset(name)
    res = run(compile_preset(preset))
    total = res.output.sum(axis=2)
    assert (total > 0).all()
    np.testing.assert_allclose(res.shares().sum(axis=2), 1.0)
    assert (res.output <= res.capacity + 1e-6).all()
    # every preset documents sources and assumptions; the historical ones carry observations
    assert preset.sources and preset.assumptions
    if name in {"rare_earths", "solar_polysilicon", "anti_involution_batteries"}:
        assert preset.observations
    summary = summarise(res, preset)
    assert len(summary["yearly"]) == preset.end_year - preset.start_year + 1
    assert all(row["simulated"] is not None for row in compare(res, preset))


def test_rare_earths_course() -> None:
    # the broad course: the US starts dominant, the state passes 80% and the US mine exits,
    # the quota years lift the price outside above the price inside.
    preset = load_preset("rare_earths")
    res = run(compile_preset(preset))
    regs = res.inputs.regions
    sh = res.shares()[0]
    assert sh[0, regs.index("USA")] > sh[0, regs.index("CHN")]
    dep = res.dependency_year()[0]
    assert dep is not None and dep < 2010
    exits = [e for e in res.events() if e["event"] == "exit" and e["region"] == "USA"]
    assert exits and exits[0]["year"] < 2010
    t = int(np.nonzero(res.inputs.years == 2011)[0][0])
    assert res.price_foreign[0, t] > 2 * res.price_domestic[0, t]


def test_rebuild_ban_adds_lead_time(tmp_path: Path) -> None:
    # state 200 @ 4 exceeds D(4) = 189.7, so P = 4 and the state is marginal; the bloc (cost 5)
    # is dispatched in full only if it offers below 4 -> s just above 1.
    f = tmp_path / "b.yaml"
    text = GOOD.replace("capacity: 100, cash_cost: 4", "capacity: 200, cash_cost: 4")
    f.write_text(text + "policies: [{start: 2000, end: 2005, tech_ban_added_lead_time: 3}]\n")
    preset = load_preset(f)
    with_ban = rebuild(preset, share=0.3, decision_year=2005, years=12)
    no_ban = rebuild(preset, share=0.3, decision_year=2005, years=12, ban=False)
    assert with_ban.reached and no_ban.reached
    assert with_ban.arrival_year == 2005 + 2 + 3
    assert no_ban.arrival_year == 2005 + 2
    assert with_ban.years_needed is not None and no_ban.years_needed is not None
    assert with_ban.years_needed - no_ban.years_needed == 3
    assert with_ban.subsidy_per_unit == pytest.approx(1.0, abs=0.05)
    assert with_ban.subsidy_bill is not None and with_ban.subsidy_bill > 0


# -- bad presets: one clean file:line:column problem for broken YAML, finite numbers only, and
# policy or support years inside the preset's range, each named with its line and field


def _problems(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "p.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_preset(path)
    return [str(p) for p in info.value.problems]


def test_broken_yaml_is_one_line_with_its_column(tmp_path: Path) -> None:
    found = _problems(tmp_path, "name: x\nproduct: [oops\n")
    assert found == [
        "p.yaml:3:1 | invalid YAML: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 2, column 10)"
    ]
    assert "\n" not in found[0] and "<unicode string>" not in found[0]


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    assert _problems(tmp_path, b"name: x\nproduct: caf\xe9\n") == [
        "p.yaml:2 | cannot read: expected UTF-8 text, got byte 0xe9 at column 13 "
        "(save the file as UTF-8)"
    ]


def test_policy_years_beyond_the_preset_are_refused(tmp_path: Path) -> None:
    text = GOOD + "policies:\n  - {start: 2001, end: 2099, export_tax: 0.5}\n"
    assert _problems(tmp_path, text) == [
        "p.yaml:21 | policies.0.end | expected a year in 2000..2005 (the preset's "
        "start_year..end_year), got 2099"
    ]
    text = GOOD + "support:\n  - {producer: R, start: 1990, end: 2003, subsidy: 1}\n"
    assert _problems(tmp_path, text) == [
        "p.yaml:21 | support.0.start | expected a year in 2000..2005 (the preset's "
        "start_year..end_year), got 1990"
    ]


def test_non_finite_numbers_are_refused(tmp_path: Path) -> None:
    text = GOOD.replace("elasticity: 0.5", "elasticity: .nan").replace("buffer: 1", "buffer: .inf")
    assert _problems(tmp_path, text) == [
        "p.yaml:11 | producers.1.buffer | expected a finite number, got inf",
        "p.yaml:15 | demand.elasticity | expected a finite number, got nan",
    ]


def test_checks_across_fields_point_at_the_field(tmp_path: Path) -> None:
    text = GOOD.replace("end_year: 2005", "end_year: 1999").replace("name: R,", "name: S,")
    assert _problems(tmp_path, text) == [
        "p.yaml:7 | end_year | expected end_year >= start_year (2000), got 1999",
        "p.yaml:11 | producers.1.name | expected unique producer names, got duplicates ['S']",
    ]
