"""Report figures draw every member of a run: a panel each, the same series in each panel."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import chokepoint as cp
from chokepoint.report import figures
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.testing.chains import chain

H = 80


def run(permits: list[float]) -> xr.Dataset:
    """The A -> B -> C chain with A -> B open to the given share in each member (0 = banned)."""
    values = np.asarray(permits, dtype=np.float64)[:, None]
    ban = Rule("permit", np.array([0]), 0, values, length=H)
    names = [f"open{p:g}" for p in permits]
    return cp.simulate(chain(), ScenarioBatch("ban", H, names, rules=[ban], actors=["X"]))


@pytest.fixture(scope="module")
def three() -> xr.Dataset:
    return run([0.0, 0.5, 1.0])


def _panels(fig: Figure) -> dict[str, Axes]:
    return {ax.get_title(loc="left"): ax for ax in fig.axes if ax.get_visible()}


def test_every_member_gets_a_panel_with_its_own_data(three: xr.Dataset) -> None:
    figs = figures.all_figures(three, chain())
    for title in ("Output by region and industry", "Inventories", "Prices"):
        assert set(_panels(figs[title])) == {"member open0", "member open0.5", "member open1"}
    panels = _panels(figs["Output by region and industry"])
    lines = {
        name: {str(ln.get_label()): np.asarray(ln.get_ydata()) for ln in ax.get_lines()}
        for name, ax in panels.items()
    }
    # the same series in every panel, each drawn from its own member
    assert {k for k in lines["member open1"] if not k.startswith("_")} >= {"Y/b", "Y/c"}
    for name, member in (("member open0", "open0"), ("member open1", "open1")):
        out = three["output"].sel(scenario=member, node="Y/b").values
        base = float(three["baseline_output"].sel(node="Y/b"))
        np.testing.assert_allclose(lines[name]["Y/b"], out / base)
    assert min(lines["member open0"]["Y/b"]) == pytest.approx(0.0)
    assert min(lines["member open1"]["Y/b"]) == pytest.approx(1.0)
    chains = [t for t in figs if t.startswith("Disrupted chain")]
    assert chains == [f"Disrupted chain (member {m})" for m in ("open0", "open0.5", "open1")]


def test_a_member_given_draws_that_member_only(three: xr.Dataset) -> None:
    fig = figures.prices(three, member=1)
    assert len(_panels(fig)) == 1
    assert "(member open0.5)" in fig.get_suptitle()


def test_more_members_than_panels_shows_the_first_ones_and_says_so() -> None:
    ds = run([i / 10 for i in range(10)])
    fig = figures.output_over_time(ds)
    assert len(_panels(fig)) == figures.MAX_MEMBERS
    assert f"first {figures.MAX_MEMBERS} of 10 members" in fig.get_suptitle()
    chains = [t for t in figures.all_figures(ds, chain()) if t.startswith("Disrupted chain")]
    assert len(chains) == figures.MAX_MEMBERS


def test_a_single_member_run_has_one_untitled_panel() -> None:
    fig = figures.inventories(run([0.0]))
    assert [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()] == [""]
    assert "member" not in fig.get_suptitle()


def test_figures_render_side_by_side_on_threads(three: xr.Dataset) -> None:
    """Figures use matplotlib's object API, not pyplot's global state: a web service may render
    reports on several threads at once, and gets the same images as one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    def draw(_: int) -> dict[str, bytes]:
        return {t: figures.to_png(f) for t, f in figures.all_figures(three, chain()).items()}

    alone = draw(0)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(draw, range(4)))
    assert all(images == alone for images in together)
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or not pyplot.get_fignums()  # no figure left in pyplot's registry
