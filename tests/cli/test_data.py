"""``chokepoint data``: list/show/import/export/balance through Typer's CliRunner."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from chokepoint.cli.app import app

runner = CliRunner()

TOY_COUNTS = {
    "regions": 4,
    "products": 4,
    "producers": 8,
    "recipes": 3,
    "links": 8,
    "final_demand": 3,
    "stocks": 1,
    "alternatives": 1,
}


def _export(tmp_path: Path) -> Path:
    folder = tmp_path / "exported"
    result = runner.invoke(app, ["data", "export", "toy", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"][0] == "alternatives.csv"
    return folder


def _set_cell(path: Path, line: int, column: str, value: str) -> None:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_list_json_shows_shipped_datasets_with_counts() -> None:
    result = runner.invoke(app, ["data", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = {d["name"]: d for d in json.loads(result.stdout)}
    assert listed["toy"]["counts"] == TOY_COUNTS
    assert listed["toy"]["origin"] == "package" and listed["toy"]["version"] == "1.0"


def test_list_table() -> None:
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 0, result.output
    assert "toy" in result.stdout


def test_show(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["data", "show", "toy", "--json", "--table", "links", "--limit", "2"]
    )
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["counts"] == TOY_COUNTS
    assert info["meta"]["default_stock_days"] == 30
    assert [r["flow"] for r in info["rows"]] == [12.0, 4.0]
    text = runner.invoke(app, ["data", "show", "toy"])
    assert text.exit_code == 0 and "hand-checkable toy chain" in text.stdout


def test_show_unknown_dataset_exits_2() -> None:
    result = runner.invoke(app, ["data", "show", "nope"])
    assert result.exit_code == 2
    assert "unknown dataset 'nope'" in result.stderr


def test_export_corrupt_import_names_file_row_column(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    # Line 4 of links.csv is NORTH/refined -> EAST/component, flow 4.5.
    _set_cell(folder / "links.csv", 4, "flow", "four")
    result = runner.invoke(app, ["data", "import", str(folder), "--name", "mine"])
    assert result.exit_code == 2
    assert "links.csv:4:flow | expected a finite number, got 'four'" in result.stderr
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    _set_cell(folder / "links.csv", 4, "flow", "four")
    result = runner.invoke(app, ["--debug", "data", "import", str(folder), "--name", "mine"])
    assert result.exit_code != 2
    assert result.exc_info is not None
    assert "links.csv:4:flow" in str(result.exception)
    assert type(result.exception).__name__ == "InputError"
    # The real command prints Python's traceback (exit code 1) instead of the one red line.
    code = "import sys; from chokepoint.cli.app import main; sys.argv[0] = 'chokepoint'; main()"
    args = ["--debug", "data", "import", str(folder), "--name", "mine"]
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "links.csv:4:flow" in proc.stderr


def test_import_round_trip_and_formats(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet", "xlsx"):
        folder = tmp_path / fmt
        out = runner.invoke(app, ["data", "export", "toy", str(folder), "--format", fmt])
        assert out.exit_code == 0, out.output
        assert (folder / f"links.{fmt}").exists()
        result = runner.invoke(
            app, ["data", "import", str(folder), "--name", f"toy-{fmt}", "--json"]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["counts"] == TOY_COUNTS
    listed = json.loads(runner.invoke(app, ["data", "list", "--json"]).stdout)
    assert {d["name"] for d in listed} >= {"toy", "toy-csv", "toy-parquet", "toy-xlsx"}


def test_import_under_a_shipped_name_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    result = runner.invoke(app, ["data", "import", str(folder)])
    assert result.exit_code == 2
    assert "shipped dataset" in result.stderr


def test_corrupt_excel_cell_names_the_row(tmp_path: Path) -> None:
    import pandas as pd

    folder = tmp_path / "x"
    assert runner.invoke(app, ["data", "export", "toy", str(folder), "-f", "xlsx"]).exit_code == 0
    frame = pd.read_excel(folder / "producers.xlsx", dtype=str)
    frame.loc[2, "capacity"] = "-8"  # third data row = spreadsheet row 4
    frame.to_excel(folder / "producers.xlsx", index=False)
    result = runner.invoke(app, ["data", "import", str(folder), "--name", "x"])
    assert result.exit_code == 2
    assert "producers.xlsx:4:capacity | expected a number ≥ 0, got '-8'" in result.stderr


def test_unknown_export_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "export", "toy", str(tmp_path / "o"), "-f", "json"])
    assert result.exit_code == 2
    assert "expected one of csv, parquet, xlsx, got 'json'" in result.stderr


def test_balance_and_import_with_balance(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    # EAST's demand for EAST/product 100 -> 120: outputs and flows up the chain change.
    _set_cell(folder / "final_demand.csv", 2, "quantity", "120")
    result = runner.invoke(app, ["data", "balance", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    changes = {c["location"]: c for c in json.loads(result.stdout)["changes"]}
    assert changes["producers.csv:8:output"]["new"] == 170.0
    assert abs(changes["links.csv:4:flow"]["new"] - 5.1) < 1e-9
    plain = runner.invoke(app, ["data", "import", str(folder), "--name", "unb"])
    assert plain.exit_code == 2 and "producers.csv:8:output" in plain.stderr
    fixed = runner.invoke(
        app, ["data", "import", str(folder), "--name", "bal", "--balance", "--json"]
    )
    assert fixed.exit_code == 0, fixed.output
    assert len(json.loads(fixed.stdout)["changes"]) == 11


def test_global_store_option(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    result = runner.invoke(app, ["--store", str(path), "data", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert path.exists()
