"""Bad input on the command line: one clear message (file, option, what was expected), exit code 2,
no traceback, nothing overwritten or lost."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chokepoint.cli.app import app

runner = CliRunner()


def _flat(text: str) -> str:
    """``text`` without Rich's box characters and line wrapping (one space between words)."""
    return " ".join(text.replace("│", " ").replace("╭", " ").replace("╰", " ").split())


def _refused(result: Result, *needles: str) -> str:
    """Assert exit code 2, no traceback and every ``needle`` in stderr; return stderr."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exc_info is None or result.exc_info[0] is SystemExit, result.exc_info
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    return result.stderr


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bad-input") / "run"
    result = runner.invoke(app, ["run", "toy-licensing", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "afile"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


def _copy_run(run_dir: Path, dest: Path) -> Path:
    dest.mkdir()
    for path in run_dir.iterdir():
        (dest / path.name).write_bytes(path.read_bytes())
    return dest


# -- 1. paths: no traceback ------------------------------------------------------------------


def test_run_out_under_a_file_or_at_a_file(a_file: Path) -> None:
    under = runner.invoke(app, ["run", "toy-licensing", "--out", str(a_file / "sub"), "--json"])
    _refused(under, f"{a_file / 'sub'}: cannot create the results folder", f"{a_file} is a file")
    at = runner.invoke(app, ["run", "toy-licensing", "--out", str(a_file), "--json"])
    _refused(at, f"{a_file}: expected a folder for the run's files (--out), got a file")
    assert a_file.read_text(encoding="utf-8") == "not a folder\n"


def test_report_of_a_run_with_a_corrupt_run_json(run_dir: Path, tmp_path: Path) -> None:
    bad = _copy_run(run_dir, tmp_path / "bad")
    (bad / "run.json").write_text("{bad", encoding="utf-8")
    result = runner.invoke(app, ["report", str(bad), "--html", str(tmp_path / "r.html")])
    _refused(result, f"{bad}: not a readable run (run.json:1:2: expected JSON")
    assert not (tmp_path / "r.html").exists()


def test_report_of_a_run_with_a_truncated_results_file(run_dir: Path, tmp_path: Path) -> None:
    bad = _copy_run(run_dir, tmp_path / "bad")
    (bad / "results.nc").write_bytes((run_dir / "results.nc").read_bytes()[:500])
    result = runner.invoke(app, ["report", str(bad), "--html", str(tmp_path / "r.html")])
    _refused(result, f"{bad}: not a readable run (results.nc: expected a netCDF file")


def test_report_of_a_run_with_a_summary_that_is_not_an_object(
    run_dir: Path, tmp_path: Path
) -> None:
    bad = _copy_run(run_dir, tmp_path / "bad")
    (bad / "summary.json").write_text("[]", encoding="utf-8")
    result = runner.invoke(app, ["report", str(bad), "--html", str(tmp_path / "r.html")])
    _refused(result, f"{bad}: not a readable run (summary.json: expected a JSON object, got list)")
    (bad / "summary.json").write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["report", str(bad), "--html", str(tmp_path / "r.html")])
    _refused(result, "summary.json: expected the keys scenario, dataset")


def test_report_html_at_a_folder_or_under_a_file(
    run_dir: Path, tmp_path: Path, a_file: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    at_dir = runner.invoke(app, ["report", str(run_dir), "--html", str(folder)])
    _refused(at_dir, f"{folder}: expected an HTML file to write, got a folder")
    under = runner.invoke(app, ["report", str(run_dir), "--html", str(a_file / "r.html")])
    _refused(under, f"{a_file / 'r.html'}: cannot write the report there: {a_file} is a file")
    run_file = runner.invoke(app, ["report", str(a_file), "--html", str(tmp_path / "r.html")])
    _refused(run_file, f"{a_file}: expected a run folder")


def test_export_and_balance_into_a_file(tmp_path: Path, a_file: Path) -> None:
    export = runner.invoke(app, ["data", "export", "toy", str(a_file)])
    _refused(export, f"{a_file} | expected a folder to write the tables into, got a file")
    under = runner.invoke(app, ["data", "export", "toy", str(a_file / "sub")])
    _refused(under, f"{a_file / 'sub'} | expected a folder path, but {a_file} is a file")
    folder = tmp_path / "toy"
    assert runner.invoke(app, ["data", "export", "toy", str(folder)]).exit_code == 0
    balance = runner.invoke(app, ["data", "balance", str(folder), "--out", str(a_file)])
    _refused(balance, f"{a_file} | expected a folder to write the tables into, got a file")
    assert a_file.read_text(encoding="utf-8") == "not a folder\n"


def test_export_and_balance_refuse_to_overwrite_a_dataset_unless_forced(tmp_path: Path) -> None:
    folder = tmp_path / "toy"
    assert runner.invoke(app, ["data", "export", "toy", str(folder)]).exit_code == 0
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = runner.invoke(app, ["data", "export", "toy", str(folder), "--format", "parquet"])
    _refused(again, "expected a folder without dataset files", "dataset.yaml", "--force")
    into_itself = runner.invoke(app, ["data", "balance", str(folder), "--out", str(folder)])
    _refused(into_itself, "expected a folder without dataset files")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing touched
    forced = ["data", "export", "toy", str(folder), "--format", "parquet", "--force"]
    assert runner.invoke(app, forced).exit_code == 0
    names = {p.name for p in folder.iterdir()}
    assert not any(n.endswith(".csv") for n in names)  # no table left in the old format
    assert "notes.txt" in names and "dataset.yaml" in names  # other files are kept
    assert (
        runner.invoke(
            app, ["data", "balance", str(folder), "--out", str(folder), "--force"]
        ).exit_code
        == 0
    )


def test_sweep_needs_at_least_one_sample(tmp_path: Path) -> None:
    spec = Path(__file__).parents[1] / "sweep" / "data" / "toy-sweep.yaml"
    for bad in ("-5", "0"):
        result = runner.invoke(app, ["sweep", str(spec), "-n", bad, "--out", str(tmp_path / "s")])
        assert result.exit_code == 2, result.output
        assert "--samples" in result.output
        assert "greater than or equal to 1" in _flat(result.output)
    assert not (tmp_path / "s").exists()


def test_an_os_error_is_one_line_naming_the_path(tmp_path: Path) -> None:
    import typer

    from chokepoint.cli._errors import handle_errors

    folder = tmp_path / "folder"
    folder.mkdir()
    probe = typer.Typer()

    @probe.command()
    def read() -> None:  # an OSError no command expected: the last line of defence
        with handle_errors():
            folder.read_text(encoding="utf-8")

    result = runner.invoke(probe, [])
    _refused(result, f"error: {folder}: Is a directory")


# -- 2. run --out never overwrites silently ---------------------------------------------------


def test_run_out_refuses_a_folder_with_files_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / "summary.json").write_text('{"keep": true}', encoding="utf-8")
    refused = runner.invoke(app, ["run", "toy-licensing", "--out", str(out), "--json"])
    _refused(
        refused, f"{out}: the results folder is not empty (notes.txt, summary.json)", "--force"
    )
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == {"keep": True}
    assert not (out / "results.nc").exists()
    forced = runner.invoke(app, ["run", "toy-licensing", "--out", str(out), "--json", "--force"])
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["scenario"] == (
        "toy-licensing"
    )
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"  # not a run file: kept
    empty = tmp_path / "empty"
    empty.mkdir()
    ok = runner.invoke(app, ["run", "toy-licensing", "--out", str(empty), "--json"])
    assert ok.exit_code == 0, ok.output


# -- 3. out-of-range options ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option", "bound"),
    [
        (["run", "toy-licensing", "--top", "-3"], "--top", "greater than or equal to 1"),
        (["data", "show", "toy", "-t", "links", "--limit", "-2"], "--limit", "greater than"),
        (["chain", "show", "rare-earths", "--top", "-1"], "--top", "greater than or equal to 1"),
        (["chokepoints", "-d", "toy", "--days", "-5"], "--days", "greater than or equal to 1"),
        (["chokepoints", "-d", "toy", "--horizon", "0"], "--horizon", "greater than or equal"),
        (["chokepoints", "-d", "toy", "--threshold", "1.5"], "--threshold", "less than or equal"),
        (["chokepoints", "-d", "toy", "--top", "-1"], "--top", "greater than or equal to 0"),
        (
            ["exposure", "-r", "EAST", "-d", "toy", "--threshold", "7"],
            "--threshold",
            "less than or equal to 1",
        ),
        (
            ["coercion-potential", "NORTH", "-d", "toy", "--threshold", "-0.1"],
            "--threshold",
            "greater than or equal to 0",
        ),
        (
            ["leverage", "-r", "NORTH,EAST", "-d", "toy", "--share-threshold", "-1"],
            "--share-threshold",
            "greater than or equal to 0",
        ),
        (["pain", "toy-licensing", "--until", "-10"], "--until", "greater than or equal to 0"),
        (["pain", "toy-licensing", "--top", "0"], "--top", "greater than or equal to 1"),
        (["market", "rebuild", "rare_earths", "--years", "-3"], "--years", "greater than"),
        (
            ["market", "rebuild", "rare_earths", "--max-subsidy", "-1"],
            "--max-subsidy",
            "greater than or equal to 0",
        ),
        (["data", "balance", ".", "--tolerance", "-1"], "--tolerance", "greater than"),
        (["sweep", "toy-licensing", "--workers", "-1"], "--workers", "greater than"),
    ],
)
def test_out_of_range_options_are_refused(args: list[str], option: str, bound: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in _flat(result.output), result.output
    assert bound in _flat(result.output)


def test_rebuild_year_must_lie_in_the_presets_years() -> None:
    result = runner.invoke(app, ["market", "rebuild", "rare_earths", "--year", "3000"])
    _refused(result, "--year | expected a decision year from 1985 to 2025", "got 3000")
    first = runner.invoke(app, ["market", "rebuild", "rare_earths", "--year", "1985", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["decision_year"] == 1985


@pytest.mark.parametrize("cap", ["-1", "0", "nan"])
def test_criticality_cap_must_be_positive(cap: str) -> None:
    result = runner.invoke(app, ["criticality", "--cap", cap, "--json"])
    _refused(result, "expected a cap on WGI*·t greater than 0")


# -- 4. unknown codes -------------------------------------------------------------------------


def test_pain_refuses_unknown_region_and_product() -> None:
    result = runner.invoke(app, ["pain", "toy-licensing", "--region", "MARS", "--json"])
    _refused(
        result,
        "--region | unknown region 'MARS' in toy@1.0; expected one of NORTH, SOUTH, EAST, WEST",
    )
    assert result.stdout == ""
    typo = runner.invoke(
        app, ["pain", "toy-licensing", "--region", "EASt", "--product", "nosuch", "--json"]
    )
    _refused(
        typo,
        "2 problems in pain toy-licensing",
        "--region | unknown region 'EASt' in toy@1.0; did you mean 'EAST'?",
        "--product | unknown product 'nosuch' in toy@1.0",
    )
    late = runner.invoke(
        app, ["pain", "toy-licensing", "--region", "EAST", "--until", "120", "--json"]
    )
    _refused(late, "--until | expected a day from 0 to 119, got 120")


# -- 5. empty names and bad tolerances --------------------------------------------------------


def _export(tmp_path: Path) -> Path:
    folder = tmp_path / "toy-export"
    result = runner.invoke(app, ["data", "export", "toy", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("name", ["", "  "])
def test_import_refuses_an_empty_name(tmp_path: Path, name: str) -> None:
    folder = _export(tmp_path)
    result = runner.invoke(app, ["data", "import", str(folder), "--name", name])
    _refused(result, f"--name | expected a dataset name, got {name!r}")
    mrio = runner.invoke(app, ["data", "import-mrio", "--pymrio-test", "--name", name])
    _refused(mrio, f"--name | expected a dataset name, got {name!r}")


@pytest.mark.parametrize("tolerance", ["nan", "inf"])
def test_balance_refuses_a_tolerance_that_is_not_finite(tmp_path: Path, tolerance: str) -> None:
    folder = _export(tmp_path)
    out = tmp_path / "balanced"
    result = runner.invoke(
        app, ["data", "balance", str(folder), "--tolerance", tolerance, "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert "--tolerance" in result.output
    assert "expected a finite number ≥ 0" in result.output or "greater than" in result.output
    assert "nothing changed" not in result.output
    assert not out.exists()


def test_balance_function_refuses_a_bad_tolerance() -> None:
    from chokepoint.datasets import load_packaged
    from chokepoint.errors import InputError
    from chokepoint.network.balance import balance

    toy = load_packaged("toy")
    for bad in (float("nan"), -0.5, float("inf")):
        with pytest.raises(InputError, match=re.escape("tolerance | expected a finite number ≥ 0")):
            balance(toy, tolerance=bad)
    _, changes = balance(toy, tolerance=0.0)
    assert changes.empty  # the toy dataset is balanced


# -- 6. re-import and unaddressable names -----------------------------------------------------


def test_reimport_is_refused_unless_replace(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    first = runner.invoke(app, ["data", "import", str(folder), "--name", "mine", "--json"])
    assert first.exit_code == 0, first.output
    (folder / "final_demand.csv").write_text(
        (folder / "final_demand.csv").read_text(encoding="utf-8").replace(",100", ",120"),
        encoding="utf-8",
    )
    again = runner.invoke(app, ["data", "import", str(folder), "--name", "mine", "--balance"])
    _refused(again, "expected a name and version not stored yet, got mine@1.0", "--replace")
    rows = runner.invoke(app, ["data", "show", "mine", "-t", "final_demand", "--json"])
    assert 120 not in [r["quantity"] for r in json.loads(rows.stdout)["rows"]]
    replaced = runner.invoke(
        app, ["data", "import", str(folder), "--name", "mine", "--balance", "--replace"]
    )
    assert replaced.exit_code == 0, replaced.output
    rows = runner.invoke(app, ["data", "show", "mine", "-t", "final_demand", "--json"])
    assert 120 in [r["quantity"] for r in json.loads(rows.stdout)["rows"]]


@pytest.mark.parametrize("name", ["a/b", "x@2", "my set", "..", "-lead"])
def test_unaddressable_names_are_refused(tmp_path: Path, name: str) -> None:
    folder = _export(tmp_path)
    option = runner.invoke(app, ["data", "import", str(folder), "--name", name])
    _refused(option, "--name | expected a name of letters, digits", f"got {name!r}")
    meta = folder / "dataset.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("name: toy", f"name: '{name}'"), encoding="utf-8"
    )
    from_yaml = runner.invoke(app, ["data", "import", str(folder)])
    _refused(from_yaml, f"{meta}:name | expected a name of letters", "[A-Za-z0-9]")
    listed = json.loads(runner.invoke(app, ["data", "list", "--json"]).stdout)
    assert name not in {d["name"] for d in listed}


def test_unaddressable_version_from_dataset_yaml_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    meta = folder / "dataset.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("version: '1.0'", "version: 1 beta"), encoding="utf-8")
    assert "version: 1 beta" in meta.read_text(encoding="utf-8")
    result = runner.invoke(app, ["data", "import", str(folder), "--name", "ok"])
    _refused(result, f"{meta}:version | expected a version of letters", "got '1 beta'")


def test_mrio_reimport_is_refused_unless_replace() -> None:
    first = runner.invoke(app, ["data", "import-mrio", "--pymrio-test", "--json"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["data", "import-mrio", "--pymrio-test", "--json"])
    _refused(again, "expected a name and version not stored yet, got pymrio_test")
    forced = runner.invoke(app, ["data", "import-mrio", "--pymrio-test", "--replace", "--json"])
    assert forced.exit_code == 0, forced.output


# -- 7. criticality what-if region codes ------------------------------------------------------


def test_criticality_override_with_an_unknown_region_code() -> None:
    typo = runner.invoke(app, ["criticality", "--set", "gallium:CNH:P=0.99", "--json"])
    _refused(
        typo,
        "gallium:CNH:P | unknown region code 'CNH' (did you mean 'CHN'?)",
        "gallium:+CNH:P",
    )
    assert typo.stdout == ""
    t_typo = runner.invoke(app, ["criticality", "--set-t", "gallium:CNH:P=2", "--json"])
    _refused(t_typo, "unknown region code 'CNH' (did you mean 'CHN'?)")
    new = runner.invoke(
        app,
        [
            "criticality",
            "-m",
            "gallium",
            "--set",
            "gallium:+XYZ:P=0.1",
            "--set-t",
            "gallium:XYZ:P=2",
            "--json",
        ],
    )
    assert new.exit_code == 0, new.output
    notes = json.loads(new.stdout)["overrides"]
    assert any("XYZ added as a new supplier" in n for n in notes)
    assert any("XYZ trade factor t 1 -> 2" in n for n in notes)
    known = runner.invoke(app, ["criticality", "--set", "gallium:CHN:P=0.99", "--json"])
    assert known.exit_code == 0, known.output


def test_demo_replaces_only_its_own_earlier_run(tmp_path: Path, run_dir: Path) -> None:
    from chokepoint.cli.run import holds_only_a_run

    assert holds_only_a_run(run_dir)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("months of work\n", encoding="utf-8")
    assert not holds_only_a_run(foreign)
    html = tmp_path / "demo.html"
    result = runner.invoke(app, ["demo", "--out", str(foreign), "--html", str(html), "--json"])
    _refused(result, f"{foreign}: the results folder is not empty (thesis.tex)")
    assert "--force" not in result.stderr  # the demo has no such flag
    assert (foreign / "thesis.tex").read_text(encoding="utf-8") == "months of work\n"
    assert not html.exists()
