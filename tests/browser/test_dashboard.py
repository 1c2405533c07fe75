"""The dashboard in a real browser: every page renders, a preset runs, the report downloads.

Screenshots of each page go to ``build/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
FLAGSHIP = "rare-earth-licensing-2025"


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_chain_explorer(page: Any) -> None:
    page.goto(page.base + "/ui/#/chains")
    expect(page.locator("#chain-dataset")).to_have_value("critical-chains")
    # country-share bars and the Sankey diagram are drawn by the local plotly.js
    expect(page.locator("#chain-shares .main-svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#chain-sankey .sankey").first).to_be_attached(timeout=30_000)
    rows = page.locator("#chain-stages tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 5
    # the explorer opens on one chain; the whole dataset is one choice away
    expect(page.locator("#chain-chain")).to_have_value("rare-earths")
    _shot(page, "chains")
    assert page.errors == []


def test_scenario_builder_validates(page: Any) -> None:
    page.goto(page.base + "/ui/#/scenarios")
    expect(page.locator("#sc-yaml")).to_have_value(re.compile("instruments"), timeout=30_000)
    page.select_option("#sc-preset", FLAGSHIP)
    page.click("#sc-load")
    expect(page.locator("#sc-yaml")).to_have_value(re.compile("type: licensing"))
    page.click("#sc-validate")
    expect(page.locator("#sc-result")).to_contain_text("Valid", timeout=60_000)
    expect(page.locator("#sc-result tbody tr").first).to_contain_text("licensing")
    _shot(page, "scenarios-valid")
    # edit an instrument: a region code that does not exist
    text = page.input_value("#sc-yaml").replace("actor: CHN", "actor: XXX", 1)
    page.fill("#sc-yaml", text)
    page.click("#sc-validate")
    expect(page.locator("#sc-result")).to_contain_text("problem", timeout=60_000)
    expect(page.locator("#sc-result")).to_contain_text("XXX")
    expect(page.locator("#sc-instruments tbody tr").first).to_be_visible()
    _shot(page, "scenarios-problems")
    assert page.errors == []


def test_run_preset_chart_pain_table_and_report(page: Any, tmp_path: Path) -> None:
    page.goto(page.base + "/ui/#/runs")
    page.wait_for_selector("#runs-preset option", state="attached", timeout=30_000)
    page.select_option("#runs-preset", FLAGSHIP)
    page.click("#runs-submit")
    page.wait_for_url("**/ui/#/runs/r*")
    # the job's progress is visible while it is queued or running
    expect(page.locator("#run-status .badge")).to_have_text(
        re.compile("queued|running|finished"), timeout=30_000
    )
    expect(page.locator("#run-progress")).to_be_attached()
    _shot(page, "run-progress")
    expect(page.locator("#run-status .badge")).to_have_text("finished", timeout=240_000)
    # chart of output by region and industry, the time-to-pain table, prices
    expect(page.locator("#run-output .scatterlayer .trace").first).to_be_attached(timeout=60_000)
    assert page.locator("#run-output .scatterlayer .trace").count() >= 1
    pain_rows = page.locator("#pain-table tbody tr")
    expect(pain_rows.first).to_be_visible(timeout=60_000)
    first_day = int(pain_rows.first.locator("td").last.inner_text())
    assert first_day >= 0
    expect(page.locator("#run-prices table")).to_be_visible()
    expect(page.locator("#run-prices-plot .scatterlayer .trace").first).to_be_attached(
        timeout=60_000
    )
    _shot(page, "run")
    with page.expect_download(timeout=120_000) as info:
        page.click("#run-report")
    download = info.value
    assert download.suggested_filename.startswith("chokepoint-r")
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    html = target.read_text(encoding="utf-8")
    assert "<html" in html
    assert FLAGSHIP in html
    # the runs list shows the finished run
    page.goto(page.base + "/ui/#/runs")
    expect(page.locator("#runs-table tbody tr").first).to_contain_text("finished", timeout=30_000)
    _shot(page, "runs")
    assert page.errors == []


def test_chokepoints_ranking_and_heat_map(page: Any) -> None:
    page.goto(page.base + "/ui/#/chokepoints")
    expect(page.locator("#ex-origin")).to_have_value("CHN", timeout=30_000)
    page.click("#ex-show")
    expect(page.locator("#ex-plot .heatmaplayer, #ex-plot .main-svg").first).to_be_attached(
        timeout=60_000
    )
    page.fill("#cp-horizon", "90")
    page.fill("#cp-stop", "60")
    page.click("#cp-rank")
    expect(page.locator("#cp-table tbody tr").first).to_be_visible(timeout=240_000)
    assert page.locator("#cp-table tbody tr").count() >= 3
    # leverage heat map: what each region can do to the other
    page.fill("#lv-regions", "CHN,USA,EUR")
    page.fill("#lv-horizon", "60")
    page.click("#lv-show")
    expect(page.locator("#lv-pairs tbody tr").first).to_be_visible(timeout=240_000)
    assert page.locator("#lv-pairs tbody tr").count() == 3  # pairs of 3 regions
    expect(page.locator("#lv-plot .main-svg").first).to_be_attached()
    _shot(page, "chokepoints")
    assert page.errors == []
