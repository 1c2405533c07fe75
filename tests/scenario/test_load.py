"""Loading: composition (extends + overrides), and errors that name file:line | field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chokepoint.errors import InputError, NotFoundError
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.instruments import Licensing, StockpileRelease
from chokepoint.scenario.load import list_presets, load_scenario, read_scenario

Write = Callable[[str, str], Path]

BASE = """\
name: base
dataset: toy
horizon_days: 90
instruments:
  lic:
    type: licensing
    actor: NORTH
    products: [refined]
    approval_share: 0.25
    processing_days: 63
  release:
    type: stockpile_release
    actor: EAST
    products: [refined]
assumptions: [first]
"""


def problems(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_extends_then_own_keys_then_overrides(write: Write) -> None:
    write("base.yaml", BASE)
    child = write(
        "child.yaml",
        """\
extends: [base.yaml]
name: child
horizon_days: 120
overrides:
  horizon_days: 150
  instruments:
    lic: {approval_share: 0.5}
    release: null
  assumptions: [second]
""",
    )
    s = load_scenario(child)
    assert (s.name, s.dataset, s.horizon_days) == ("child", "toy", 150)
    assert list(s.instruments) == ["lic"]  # null removed the release
    lic = s.instruments["lic"]  # type: ignore[index]
    assert isinstance(lic, Licensing)
    assert (lic.approval_share, lic.processing_days) == (0.5, 63)  # merged key by key
    assert s.assumptions == ["second"]  # lists replace


def test_extends_a_preset_by_name(write: Write) -> None:
    path = write(
        "mine.yaml",
        "extends: [toy-licensing]\nname: mine\noverrides:\n  instruments:\n    release: {over_days: 3}\n",
    )
    s = load_scenario(path)
    release = s.instruments["release"]  # type: ignore[index]
    assert isinstance(release, StockpileRelease) and release.over_days == 3
    assert "toy-licensing" in list_presets()


def test_presets_load_by_name_and_each_cites_sources() -> None:
    for name in list_presets():
        s = load_scenario(name)
        assert s.name == name
        assert s.sources, name
        assert s.assumptions, name


def test_flagship_cites_the_event_and_timing_rows() -> None:
    s = load_scenario("rare-earth-licensing-2025")
    lic = s.instruments["licence"]  # type: ignore[index]
    assert isinstance(lic, Licensing)
    # timing.csv: 25% approved (line 5), 45 working days review (lines 2-3) = 63 calendar days
    assert (lic.actor, lic.approval_share, lic.processing_days) == ("CHN", 0.25, 63)
    assert any("E020" in t for t in s.source_texts())
    assert str(s.start_date) == "2025-04-04"


def test_unknown_field_names_its_line_and_suggests(write: Write) -> None:
    path = write("bad.yaml", BASE.replace("    processing_days: 63\n", "    procesing_days: 63\n"))
    with pytest.raises(InputError) as info:
        read_scenario(path)
    assert problems(info) == [
        "bad.yaml:10 | instruments.lic.procesing_days: unknown field 'procesing_days'; "
        "did you mean 'processing_days'?"
    ]


def test_every_problem_is_listed_once_with_its_line(write: Write) -> None:
    text = (
        BASE.replace("approval_share: 0.25", "approval_share: 1.5")
        .replace("type: stockpile_release", "type: stockpile_relase")
        .replace("horizon_days: 90", "horizon_days: -1")
    )
    with pytest.raises(InputError) as info:
        read_scenario(write("bad.yaml", text))
    found = problems(info)
    assert len(found) == 3, found
    assert found[0].startswith(
        "bad.yaml:3 | horizon_days: expected greater than or equal to 1, got -1"
    )
    assert (
        found[1]
        == "bad.yaml:9 | instruments.lic.approval_share: expected less than or equal to 1, got 1.5"
    )
    assert found[2].startswith(
        "bad.yaml:12 | instruments.release: unknown type 'stockpile_relase'; did you mean 'stockpile_release'?"
    )


def test_missing_field_points_at_its_mapping(write: Write) -> None:
    text = BASE.replace("    approval_share: 0.25\n", "")
    with pytest.raises(InputError) as info:
        read_scenario(write("bad.yaml", text))
    assert problems(info) == [
        "bad.yaml:5 | instruments.lic.approval_share: expected a value (required field), got nothing"
    ]


def test_yaml_syntax_error_has_a_line(write: Write) -> None:
    with pytest.raises(InputError) as info:
        read_scenario(write("broken.yaml", "name: x\ninstruments:\n  a: [1, 2\n  b: 3\n"))
    [problem] = problems(info)
    assert problem.startswith("broken.yaml:4 | invalid YAML")


def test_duplicate_keys_are_reported(write: Write) -> None:
    with pytest.raises(InputError) as info:
        read_scenario(write("dup.yaml", "name: a\ndataset: toy\nname: b\n"))
    assert problems(info) == ["dup.yaml:3 | name: duplicate key (first on line 1)"]


def test_error_in_a_base_file_names_the_base(write: Write) -> None:
    write("base.yaml", BASE.replace("actor: EAST", "actor: EAST\n    colour: red"))
    child = write("child.yaml", "extends: [base.yaml]\nname: child\n")
    with pytest.raises(InputError) as info:
        read_scenario(child)
    [problem] = problems(info)
    assert problem.startswith("base.yaml:14 | instruments.release.colour: unknown field 'colour'")


def test_error_in_an_override_points_at_the_override(write: Write) -> None:
    write("base.yaml", BASE)
    child = write(
        "child.yaml", "extends: [base.yaml]\noverrides:\n  instruments:\n    lic: {start_day: -3}\n"
    )
    with pytest.raises(InputError) as info:
        read_scenario(child)
    [problem] = problems(info)
    assert problem.startswith(
        "child.yaml:4 | instruments.lic.start_day: expected greater than or equal to 0"
    )


def test_member_override_errors_are_located(write: Write) -> None:
    text = (
        BASE
        + "members:\n  - name: a\n  - name: b\n    overrides:\n      instruments:\n        lic: {approval_share: 2}\n"
    )
    with pytest.raises(InputError) as info:
        read_scenario(write("m.yaml", text))
    [problem] = problems(info)
    assert problem.startswith(
        "m.yaml:21 | members[1] (b): instruments.lic.approval_share: expected less than"
    )


def test_unknown_product_is_located_in_the_file(write: Write, toy: CompiledNetwork) -> None:
    loaded = read_scenario(
        write(
            "p.yaml",
            BASE.replace("products: [refined]\n    approval", "products: [refind]\n    approval"),
        )
    )
    with pytest.raises(InputError) as info:
        compile_scenario(loaded.scenario, toy, locate=loaded.locate)
    assert problems(info) == [
        "p.yaml:8 | instruments.lic.products[0]: unknown product 'refind'; did you mean 'refined'? (not in toy@1.0)"
    ]


def test_cycles_and_missing_bases(write: Write) -> None:
    write("a.yaml", "extends: [b.yaml]\nname: a\n")
    b = write("b.yaml", "extends: [a.yaml]\nname: b\n")
    with pytest.raises(InputError, match="cycle"):
        read_scenario(b)
    c = write("c.yaml", "name: c\nextends: [toy-licensng]\n")
    with pytest.raises(InputError, match="did you mean preset 'toy-licensing'"):
        read_scenario(c)
    with pytest.raises(NotFoundError, match="no scenario file or preset"):
        read_scenario("no-such-scenario")


def test_top_level_must_be_a_mapping(write: Write) -> None:
    with pytest.raises(InputError, match="expected a mapping of fields, got a list"):
        read_scenario(write("l.yaml", "- 1\n- 2\n"))


def test_loaded_text_is_the_merged_scenario(write: Write) -> None:
    write("base.yaml", BASE)
    loaded = read_scenario(write("child.yaml", "extends: [base.yaml]\nname: child\n"))
    again = load_scenario(dict(__import__("yaml").safe_load(loaded.text)))
    assert again == loaded.scenario


def test_members_cannot_change_batch_wide_fields(write: Write) -> None:
    text = BASE + "members:\n  - name: a\n    overrides: {horizon_days: 30}\n"
    with pytest.raises(InputError) as info:
        read_scenario(write("m.yaml", text))
    assert problems(info) == [
        "m.yaml:18 | members[0].overrides: horizon_days cannot differ between members of one batch "
        "(make a separate scenario)"
    ]


def test_mapping_errors_name_the_field() -> None:
    with pytest.raises(InputError) as info:
        load_scenario(
            {"name": "x", "instruments": {"a": {"type": "quota", "actor": "A", "products": ["p"]}}}
        )
    assert problems(info) == [
        "scenario | instruments.a: expected exactly one of cap_per_day or cap_share"
    ]
