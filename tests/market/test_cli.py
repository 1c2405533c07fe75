"""The ``chokepoint market`` sub-app through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chokepoint.cli.market import app

runner = CliRunner()


def test_run_json_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "re.png"
    res = runner.invoke(app, ["run", "rare_earths", "--json", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["preset"] == "rare_earths"
    assert out["yearly"][0]["year"] == 1985
    assert {"exit", "entry"} <= {e["event"] for e in out["events"]}
    assert out["totals"]["dependency_year"] is not None
    assert out["comparison"] and all("observed" in c for c in out["comparison"])
    assert png.stat().st_size > 10_000


def test_run_table() -> None:
    res = runner.invoke(app, ["run", "rare_earths"])
    assert res.exit_code == 0, res.output
    assert "Simulated vs observed" in res.stdout


def test_rebuild_json() -> None:
    res = runner.invoke(
        app, ["rebuild", "rare_earths", "--share", "0.3", "--years", "15", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["reached"] is True
    assert out["added_lead_time_years"] == 5
    assert out["years_needed"] >= out["added_lead_time_years"]


def test_bad_file_is_one_red_line(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("name: [unclosed\n")
    res = runner.invoke(app, ["run", str(f)])
    assert res.exit_code == 2
    assert "invalid YAML" in res.output


def test_list() -> None:
    res = runner.invoke(app, ["list", "--json"])
    assert res.exit_code == 0
    assert "rare_earths" in {p["name"] for p in json.loads(res.stdout)}
