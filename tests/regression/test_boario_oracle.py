"""Oracle: Chokepoint's ARIO mode against BoARIO 0.7 (run live; each case takes well under a second).

Same MRIO, same event, 365 days: the daily production of every industry must agree within
``TOL`` x its baseline output. Measured deviations are about 1e-15 (1e-10 on pymrio's test system,
whose outputs span eight orders of magnitude); the tolerance leaves room for BLAS and platform
differences only, so any change of a rule shows up here. BoARIO's quirks are matched in
compatibility mode (``ArioParams(compat=True)``; see ``docs/mrio.md``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from chokepoint.engine.ario import ArioEvent, ArioParams, simulate_ario
from chokepoint.io.mrio import from_pymrio, pymrio_test_system, synthetic_iosystem
from chokepoint.network import compile_network

pytestmark = pytest.mark.oracle

TOL = 1e-8
"""Largest |x_chokepoint − x_boario| / x̄ allowed on any day and industry."""

HORIZON = 365


def _boario(
    io: Any,
    events: list[tuple[str, dict[tuple[str, str], float], dict[str, Any]]],
    tmp: Path,
    **model_kw: Any,
) -> pd.DataFrame:
    """Daily production from BoARIO (warnings of its own silenced; it writes logs into ``tmp``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import boario.event as bev
        from boario.extended_models import ARIOPsiModel
        from boario.model_base import ARIOBaseModel
        from boario.simulation import Simulation

        io.calc_all()
        base = model_kw.pop("base", False)
        cls = ARIOBaseModel if base else ARIOPsiModel
        model = cls(io, monetary_factor=10**6, **model_kw)
        sim = Simulation(model, n_temporal_units_to_sim=HORIZON, boario_output_dir=tmp)
        for kind, impact, kw in events:
            extra = {} if kind == "arbitrary" else {"event_monetary_factor": 10**6}
            sim.add_event(bev.from_series(pd.Series(impact), event_type=kind, **extra, **kw))
        sim.loop()
        assert not sim.has_crashed
        return sim.production_realised


def _chokepoint(
    io: Any, events: list[ArioEvent], params: ArioParams, **import_kw: Any
) -> pd.DataFrame:
    net = compile_network(from_pymrio(io, **import_kw))
    ds = simulate_ario(net, events, params, horizon=HORIZON)
    out = ds.output.isel(scenario=0).to_pandas()
    out.columns = pd.MultiIndex.from_tuples([tuple(c.split("/")) for c in out.columns])
    return out


def _compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> float:
    ours = ours[theirs.columns]
    baseline = theirs.iloc[0].to_numpy()
    dev = np.abs(ours.to_numpy() - theirs.to_numpy()) / baseline
    return float(dev.max())


def _nodes(impact: dict[tuple[str, str], float]) -> list[str]:
    return [f"{r}/{s}" for r, s in impact]


def test_capital_destruction_with_linear_recovery_on_pymrio_test_system(tmp_path: Path) -> None:
    impact = {("reg1", "manufactoring"): 2e6, ("reg2", "electricity"): 1e4}
    theirs = _boario(
        pymrio_test_system(),
        [("recovery", impact, {"occurrence": 5, "duration": 10, "recovery_tau": 90})],
        tmp_path,
    )
    ev = ArioEvent(
        "capital", _nodes(impact), list(impact.values()), occurrence=5, duration=10, recovery_tau=90
    )
    ours = _chokepoint(pymrio_test_system(), [ev], ArioParams())
    assert _compare(ours, theirs) < TOL
    # The event bites: reg1 manufacturing loses capacity between day 5 and its recovery.
    ratio = theirs[("reg1", "manufactoring")] / theirs[("reg1", "manufactoring")].iloc[0]
    assert ratio.iloc[:5].min() == pytest.approx(1.0)
    assert ratio.min() < 0.999


def test_direct_capacity_event_one_step_late_on_pymrio_test_system(tmp_path: Path) -> None:
    impact = {("reg1", "manufactoring"): 0.3, ("reg3", "mining"): 0.5}
    theirs = _boario(
        pymrio_test_system(),
        [("arbitrary", impact, {"occurrence": 5, "duration": 10, "recovery_tau": 90})],
        tmp_path,
    )
    ev = ArioEvent(
        "capacity",
        _nodes(impact),
        list(impact.values()),
        occurrence=5,
        duration=10,
        recovery_tau=90,
    )
    ours = _chokepoint(pymrio_test_system(), [ev], ArioParams())
    assert _compare(ours, theirs) < TOL
    # Quirk Q1: the event occurs on day 5 but capacity falls on day 6 (to 1 − 0.5 of baseline).
    mining = theirs[("reg3", "mining")] / theirs[("reg3", "mining")].iloc[0]
    assert mining.iloc[5] == pytest.approx(1.0)
    assert mining.iloc[6] == pytest.approx(0.5)
    # Without the quirk the loss starts on the day of the event.
    clean = _chokepoint(pymrio_test_system(), [ev], ArioParams(compat=False))
    assert clean[("reg3", "mining")].iloc[5] / clean[("reg3", "mining")].iloc[0] == pytest.approx(
        0.5
    )


def _strong() -> Any:
    # 3 regions x 5 sectors, 40% dense, intermediate flows about 64% of output.
    return synthetic_iosystem(3, 5, density=0.4, intermediate_share=0.6, seed=1)


def test_shortage_propagates_through_inventories_on_strongly_linked_mrio(tmp_path: Path) -> None:
    io = _strong()
    assert io.Z.to_numpy().sum() / (io.Z.to_numpy().sum() + io.Y.to_numpy().sum()) > 0.6
    impact = {("R00", "S001"): 0.6}
    kw = {"occurrence": 3, "duration": 30, "recovery_tau": 60, "recovery_function": "convexe"}
    theirs = _boario(io, [("arbitrary", impact, kw)], tmp_path, main_inv_dur=30)
    ev = ArioEvent(
        "capacity",
        _nodes(impact),
        [0.6],
        occurrence=3,
        duration=30,
        recovery_tau=60,
        recovery="convexe",
    )
    ours = _chokepoint(_strong(), [ev], ArioParams(), inventory_days=30)
    assert _compare(ours, theirs) < TOL
    # Propagation is exercised: a region not hit falls by more than 15% through input shortages.
    r02 = theirs.loc[:, "R02"] / theirs.loc[:, "R02"].iloc[0]
    assert r02.min().min() < 0.85


def test_rebuilding_event_with_sector_inventories_and_noalt_orders(tmp_path: Path) -> None:
    io = _strong()
    inventories = {"S000": 30, "S001": 60, "S002": 90, "S003": 45, "S004": 20}
    impact = {("R00", "S001"): 9e3, ("R01", "S003"): 3e4}
    kw = {
        "occurrence": 4,
        "duration": 5,
        "rebuild_tau": 40,
        "rebuilding_sectors": {"S000": 0.6, "S004": 0.4},
    }
    theirs = _boario(
        io, [("rebuild", impact, kw)], tmp_path, inventory_dict=inventories, order_type="noalt"
    )
    ev = ArioEvent(
        "capital",
        _nodes(impact),
        list(impact.values()),
        occurrence=4,
        duration=5,
        rebuild=True,
        rebuild_tau=40,
        rebuilding_sectors={"S000": 0.6, "S004": 0.4},
    )
    ours = _chokepoint(_strong(), [ev], ArioParams(order_type="noalt"), inventory_days=inventories)
    assert _compare(ours, theirs) < TOL
    # Rebuilding demand raises the rebuilding sectors above baseline somewhere.
    assert (
        theirs.loc[:, (slice(None), "S000")] / theirs.loc[:, (slice(None), "S000")].iloc[0]
    ).max().max() > 1.0


def test_base_model_capital_event_with_concave_recovery(tmp_path: Path) -> None:
    io = _strong()
    impact = {("R02", "S003"): 6e3}
    kw = {"occurrence": 2, "duration": 20, "recovery_tau": 120, "recovery_function": "concave"}
    theirs = _boario(io, [("recovery", impact, kw)], tmp_path, base=True, main_inv_dur=40)
    ev = ArioEvent(
        "capital",
        _nodes(impact),
        [6e3],
        occurrence=2,
        duration=20,
        recovery="concave",
        recovery_tau=120,
    )
    params = ArioParams(psi=1.0, inventory_restoration_tau=None)
    ours = _chokepoint(_strong(), [ev], params, inventory_days=40)
    assert _compare(ours, theirs) < TOL
