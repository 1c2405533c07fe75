"""CLI: run a preset, report a run, validate scenarios (toy dataset; the store is a temp file)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chokepoint.cli.app import app

runner = CliRunner()

KEYS = {"scenario", "dataset", "horizon_days", "scenarios", "metrics", "assumptions", "sources"}
METRICS = {
    "time_to_pain",
    "output_lost",
    "unmet_final_demand",
    "exports_monthly",
    "prices",
    "recovery_day",
    "firms",
    "shortfall",
    "price_paths",
    "shortage_origin",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("run") / "toy"
    result = runner.invoke(app, ["run", "toy-licensing", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_run_json_has_the_section_12_keys(run_dir: tuple[Path, dict[str, object]]) -> None:
    out, summary = run_dir
    assert set(summary) >= KEYS
    assert (
        summary["scenario"],
        summary["dataset"],
        summary["horizon_days"],
        summary["scenarios"],
    ) == (
        "toy-licensing",
        "toy@1.0",
        120,
        1,
    )
    metrics = summary["metrics"]
    assert isinstance(metrics, dict) and set(metrics) >= METRICS
    # Northland's refiners lose their export orders while licences are processed (days 5..34)
    pain = {(r["region"], r["product"]): r["day"] for r in metrics["time_to_pain"]}
    assert pain[("NORTH", "refined")] is not None and 5 <= pain[("NORTH", "refined")] <= 6
    lost = {(r["region"], r["product"]): r["units"] for r in metrics["output_lost"]}
    assert lost[("NORTH", "refined")] > 0
    unit = {(r["region"], r["product"]): r["unit"] for r in metrics["output_lost"]}
    assert unit[("NORTH", "refined")] == "t" and unit[("EAST", "product")] == "unit"
    # depth and duration per region-industry, and where each node's shortage came from
    stats = {(r["region"], r["product"]): r for r in metrics["shortfall"]}
    refined = stats[("NORTH", "refined")]
    assert refined["time_to_pain"] == pain[("NORTH", "refined")]
    assert 0.05 < refined["depth"] <= 1 and refined["duration"] >= 1
    origin = {r["node"]: r for r in metrics["shortage_origin"]}
    assert origin["NORTH/refined"]["day"] == refined["time_to_pain"]
    assert origin["NORTH/refined"]["cause"] == "restricted supply"
    # the mean price index per day inside and outside the restricting state (NORTH)
    sides = {r["side"] for r in metrics["price_paths"]}
    assert sides == {"inside", "outside"}
    assert len(metrics["price_paths"]) == 2 * 120
    inside = {r["region"] for r in metrics["prices"] if r["inside_actors"]}
    assert inside == {"NORTH"}
    for name in ("results.nc", "summary.json", "scenario.yaml", "run.json"):
        assert (out / name).is_file(), name
    assert json.loads((out / "summary.json").read_text()) == summary


def test_report_is_self_contained(run_dir: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    out, _ = run_dir
    html_path = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(out), "--html", str(html_path)])
    assert result.exit_code == 0, result.output
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "toy-licensing" in html and "Time to pain" in html
    assert (
        len(re.findall(r'src="data:image/png;base64,', html)) == 4
    )  # output, inventories, prices, chain
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", html, flags=re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", html)


def test_report_of_a_run_saved_with_the_old_member_dimension(
    run_dir: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    """Runs written before the scenario axis was renamed (``member``) still make a report."""
    from chokepoint.results.io import from_netcdf, to_netcdf

    out, _ = run_dir
    old = tmp_path / "old"
    old.mkdir()
    for path in out.iterdir():
        (old / path.name).write_bytes(path.read_bytes())
    ds = from_netcdf(out / "results.nc")
    to_netcdf(ds.rename({"scenario": "member"}), old / "results.nc")
    result = runner.invoke(app, ["report", str(old), "--html", str(tmp_path / "old.html")])
    assert result.exit_code == 0, result.output
    assert len(re.findall(r'src="data:image/png;base64,', (tmp_path / "old.html").read_text())) == 4


def test_report_of_a_folder_without_a_run_fails_cleanly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path), "--html", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert "no run in" in result.stderr


def test_bad_scenario_fails_with_file_line_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(
        "name: bad\ndataset: toy\ninstruments:\n  ban:\n    type: export_ban\n    actor: NORTH\n"
        "    products: [refind]\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["run", "bad.yaml", "--json"])
    assert result.exit_code == 2
    assert (
        "bad.yaml:7 | instruments.ban.products[0]: unknown product 'refind'; did you mean 'refined'?"
        in result.stderr
    )
    assert "Traceback" not in result.output


def test_scenario_validate_schema_and_presets(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["scenario", "validate", "toy-licensing", "--json"])
    assert ok.exit_code == 0, ok.output
    info = json.loads(ok.stdout)
    assert info["valid"] and info["instruments"] == ["licence", "release"] and info["rules"] == 3
    schema = json.loads(runner.invoke(app, ["scenario", "schema"]).stdout)
    assert schema["title"] == "Chokepoint scenario"
    presets = json.loads(runner.invoke(app, ["scenario", "presets", "--json"]).stdout)
    assert "rare-earth-licensing-2025" in {p["name"] for p in presets}
    missing = runner.invoke(app, ["scenario", "validate", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "no scenario file or preset" in missing.stderr


def test_demo_writes_tables_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the demo's plumbing on the toy preset (the flagship on critical-chains is `make demo`)
    from chokepoint.cli import demo

    monkeypatch.setattr(demo, "FLAGSHIP", "toy-licensing")
    html = tmp_path / "reports" / "demo.html"
    result = runner.invoke(app, ["demo", "--html", str(html), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    for title in (
        "toy-licensing",
        "Hardest-hit region-industries",
        "Time to pain",
        "Prices",
        "NORTH",
    ):
        assert title in result.stdout
    assert html.is_file() and "data:image/png;base64," in html.read_text(encoding="utf-8")
    from chokepoint.store import open_store

    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    with open_store() as store:  # the run is recorded in the (per-test) store
        assert store.get_run(meta["run_id"])["scenario"] == "toy-licensing"


def test_end_products_come_first_in_time_to_pain() -> None:
    import chokepoint as cp
    from chokepoint.report.html import end_products, ranked

    net = cp.build_network(cp.load_dataset("toy"))
    assert end_products(net) == {"product"}
    summary = {
        "metrics": {
            "time_to_pain": [
                {"region": "NORTH", "product": "refined", "day": 3},
                {"region": "EAST", "product": "product", "day": 40},
                {"region": "WEST", "product": "product", "day": None},
            ]
        }
    }
    r = ranked(summary, end_products(net))
    assert [x["day"] for x in r["time_to_pain"]] == [3, 40]  # never-hit rows dropped, by day
    assert r["time_to_pain_end"] == [{"region": "EAST", "product": "product", "day": 40}]


def test_tables_show_the_unit_and_a_dash_for_mixed_units() -> None:
    from rich.console import Console

    from chokepoint.cli.run import print_tables

    lost = [
        {"region": "X", "product": "car", "unit": "vehicle", "units": 100.0, "value_usd": 1e5},
        {"region": "Z", "product": "all", "unit": "mixed", "units": None, "value_usd": 2e5},
    ]
    console = Console(record=True, width=120)
    print_tables({"metrics": {"output_lost": lost}}, out=console)
    text = console.export_text()
    assert "vehicle" in text and "mixed" in text and "—" in text
    assert "never" not in text.split("Time to pain")[0]  # a missing total is not a day
