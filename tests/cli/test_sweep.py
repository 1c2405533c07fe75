"""CLI: chokepoint sweep on the toy preset, with progress, JSON summary, resume and an HTML report."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chokepoint.cli.app import app

SPEC = Path(__file__).parents[1] / "sweep" / "data" / "toy-sweep.yaml"
runner = CliRunner()


def test_sweep_json_resume_and_report(tmp_path: Path) -> None:
    out, report = tmp_path / "out", tmp_path / "sweep.html"
    result = runner.invoke(
        app,
        ["sweep", str(SPEC), "--samples", "6", "--out", str(out), "--json", "--html", str(report)],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["members"] == 6 and summary["batches_run"] == 2
    from chokepoint.store import open_store

    with open_store(read_only=True) as store:
        run = store.get_run(summary["stored"])
    assert run["scenario"] == "toy-licensing"
    rows = [q for q in summary["quantiles"] if q["metric"] == "output_lost_value_usd"]
    assert all(q["q05"] <= q["q50"] <= q["q95"] for q in rows)
    page = report.read_text()
    assert "data:image/png;base64," in page and "http://" not in page and "https://" not in page
    again = json.loads(
        runner.invoke(
            app, ["sweep", str(SPEC), "--samples", "6", "--out", str(out), "--json"]
        ).stdout
    )
    assert (again["batches_run"], again["batches_skipped"]) == (0, 2)


def test_sweep_bad_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenario: toy-licensing\nparameters:\n  instruments.licence.approval_share: {dist: gamma}\n"
    )
    result = runner.invoke(app, ["sweep", str(bad)])
    assert result.exit_code == 2
    assert "parameters" in result.output and "Traceback" not in result.output
