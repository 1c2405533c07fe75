"""One test per class of bad input: the error lists every problem as file:row:column | expected.

Rows are file lines as an editor shows them (header = line 1, first data row = line 2).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from chokepoint.errors import InputError
from chokepoint.io.tables import read_folder
from chokepoint.network import validate_tables


def _problems(folder: Any) -> list[str]:
    with pytest.raises(InputError) as info:
        read_folder(folder.path)
    return [str(p) for p in info.value.problems]


def _one(problems: list[str], location: str) -> str:
    hits = [p for p in problems if p.startswith(location + " | ")]
    assert len(hits) == 1, problems
    return hits[0]


def test_unknown_product_did_you_mean(toy: Any) -> None:
    toy.set_cell("recipes.csv", 2, "input", "ores")
    msg = _one(_problems(toy), "recipes.csv:2:input")
    assert "unknown product 'ores'" in msg and "did you mean 'ore'?" in msg


def test_negative_capacity(toy: Any) -> None:
    toy.set_cell("producers.csv", 2, "capacity", "-1")
    msg = _one(_problems(toy), "producers.csv:2:capacity")
    assert "expected a number ≥ 0, got '-1'" in msg


def test_duplicate_key(toy: Any) -> None:
    # Line 3 (SOUTH/ore -> SOUTH/refined) becomes a second NORTH/ore -> NORTH/refined link.
    toy.set_cell("links.csv", 3, "supplier", "NORTH/ore")
    toy.set_cell("links.csv", 3, "buyer", "NORTH/refined")
    msg = _one(_problems(toy), "links.csv:3:supplier")
    assert "duplicate key" in msg and "first defined at row links.csv:2" in msg


def test_dangling_link(toy: Any) -> None:
    toy.set_cell("links.csv", 5, "supplier", "MARS/refined")
    msg = _one(_problems(toy), "links.csv:5:supplier")
    assert "unknown node 'MARS/refined'" in msg


def test_wrong_type(toy: Any) -> None:
    toy.set_cell("links.csv", 4, "lead_time_days", "soon")
    toy.set_cell("links.csv", 6, "lead_time_days", "2.5")
    problems = _problems(toy)
    assert "expected a finite number, got 'soon'" in _one(problems, "links.csv:4:lead_time_days")
    assert "expected a whole number, got '2.5'" in _one(problems, "links.csv:6:lead_time_days")


def test_all_problems_are_collected(toy: Any) -> None:
    toy.set_cell("producers.csv", 2, "capacity", "-1")
    toy.set_cell("links.csv", 4, "flow", "x")
    toy.set_cell("regions.csv", 3, "wgi", "7")
    problems = _problems(toy)
    assert {p.split(" | ")[0] for p in problems} == {
        "producers.csv:2:capacity",
        "links.csv:4:flow",
        "regions.csv:3:wgi",
    }


def test_unbalanced_node(toy: Any) -> None:
    # EAST/product (producers.csv line 8) makes 150 but now serves 120 + 50 = 170.
    toy.set_cell("final_demand.csv", 2, "quantity", "120")
    msg = _one(_problems(toy), "producers.csv:8:output")
    assert "node EAST/product" in msg and "final demand 170" in msg and "gap of -20" in msg


def test_unbalanced_inputs(toy: Any) -> None:
    # NORTH/refined (line 4) makes 6 t and needs 2 t ore per t: 12 t; now it gets 10 t.
    # Output side: NORTH/ore (line 2) makes 12 but delivers 10, so it is flagged too.
    toy.set_cell("links.csv", 2, "flow", "10")
    problems = _problems(toy)
    assert "inputs of ore cover 5 units of output ≠ output 6" in _one(
        problems, "producers.csv:4:output"
    )
    assert "deliveries 10" in _one(problems, "producers.csv:2:output")


def test_output_above_capacity(toy: Any) -> None:
    toy.set_cell("producers.csv", 2, "output", "16")
    msg = _one(_problems(toy), "producers.csv:2:output")
    assert "expected output ≤ capacity 15, got 16" in msg


def test_ragged_csv_row(toy: Any) -> None:
    toy.set_line("links.csv", 4, "NORTH/refined,EAST/component,4.5,20,illustrative,,extra")
    toy.set_line("links.csv", 5, "NORTH/refined,WEST/component,1.5")
    problems = _problems(toy)
    assert "expected 6 fields, got 7" in _one(problems, "links.csv:4:field 7")
    assert "expected 6 fields, got 3" in _one(problems, "links.csv:5:lead_time_days")


def test_a_csv_that_is_not_utf8_names_the_line(toy: Any) -> None:
    path = toy.path / "links.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"illustrative", b"illustr\xe9")  # Latin-1 é on line 4
    path.write_bytes(b"\n".join(lines))
    msg = _one(_problems(toy), "links.csv:4")
    assert "expected UTF-8 text, got byte 0xe9" in msg


def test_blank_lines_keep_line_numbers(toy: Any) -> None:
    text = (toy.path / "links.csv").read_text().splitlines()
    # Insert a blank line after line 2: the old line 4 is now line 5.
    (toy.path / "links.csv").write_text("\n".join([*text[:2], "", *text[2:]]) + "\n")
    toy.set_cell("links.csv", 5, "flow", "-4.5")
    msg = _one(_problems(toy), "links.csv:5:flow")
    assert "got '-4.5'" in msg


def test_bad_yaml(toy: Any) -> None:
    (toy.path / "dataset.yaml").write_text("name: toy\nversion: [1.0\n", encoding="utf-8")
    problems = _problems(toy)
    assert len(problems) == 1
    location = problems[0].split(" | ")[0]
    file, line, column = location.split(":")
    assert file == "dataset.yaml" and int(line) >= 2 and int(column) >= 1
    assert "expected valid YAML" in problems[0]


def test_bad_yaml_value(toy: Any) -> None:
    (toy.path / "dataset.yaml").write_text("name: toy\ndefault_stock_days: lots\n")
    msg = _one(_problems(toy), "dataset.yaml:default_stock_days")
    assert "expected a number ≥ 0, got 'lots'" in msg


def test_unknown_column(toy: Any) -> None:
    toy.set_line("regions.csv", 1, "region,name,blocs,wgi,source,colour")
    msg = _one(_problems(toy), "regions.csv:1:colour")
    assert "unknown column; expected one of region, name" in msg


def test_missing_column(toy: Any) -> None:
    lines = (toy.path / "links.csv").read_text().splitlines()
    cut = [",".join(line.split(",")[:2] + line.split(",")[3:]) for line in lines]  # drop flow
    (toy.path / "links.csv").write_text("\n".join(cut) + "\n")
    msg = _one(_problems(toy), "links.csv:1:flow")
    assert "expected a column 'flow'" in msg


def test_duplicate_column(toy: Any) -> None:
    toy.set_line("regions.csv", 1, "region,name,blocs,wgi,source,name")
    msg = _one(_problems(toy), "regions.csv:1:name")
    assert "expected each column once" in msg


def test_missing_table(toy: Any) -> None:
    (toy.path / "links.csv").unlink()
    msg = _one(_problems(toy), "links.csv")
    assert "expected table 'links'" in msg and "got none" in msg


def test_in_memory_frames_use_positions() -> None:
    from chokepoint.datasets import load_packaged

    frames = {k: v.copy() for k, v in load_packaged("toy").frames.items()}
    frames["producers"].loc[1, "capacity"] = -5.0
    with pytest.raises(InputError) as info:
        validate_tables(frames, name="mem")
    assert [p.location for p in info.value.problems] == ["producers:1:capacity"]
    assert "dataset 'mem'" in str(info.value)


def test_unknown_table() -> None:
    from chokepoint.datasets import load_packaged

    frames = {**load_packaged("toy").frames, "linx": pd.DataFrame({"a": [1]})}
    with pytest.raises(InputError, match=re.escape("linx | unknown table")):
        validate_tables(frames)
