"""Validation: the April 2025 rare-earth licences held against what happened (docs/validation.md).

Runs the flagship (the regime as announced) and the back-test (China's exports capped at what its
customs recorded), prints China's magnet exports beside the observed ones, the vehicles each run
loses, and how the back-test's loss depends on the days of magnets buyers hold.

    uv run --frozen python examples/validation_2025.py
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import xarray as xr

import chokepoint as cp
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario

FLAGSHIP, BACK_TEST = "rare-earth-licensing-2025", "rare-earth-exports-2025-observed"
Q1_RATE = 5100.0
"""China's magnet exports, t a month, Q1 2025 (events.csv E020): the dataset's baseline."""
OBSERVED_T = {"April": 1238 / (1 - 0.529), "May": 1238.0, "June": 3188.0, "July": 5577.0}
"""China's customs, t of magnets a month (sources in the back-test preset; April derived from
May's 1,238 t and its 52.9% fall)."""
DAYS = {"April": (0, 27), "May": (27, 58), "June": (58, 88), "July": (88, 119)}
"""Simulation days of each calendar month (day 0 = 4 April 2025)."""
CARS = ["ice_car", "ev"]


def run(name: str, net: cp.CompiledNetwork) -> xr.Dataset:
    """Simulate preset ``name`` on ``net``."""
    return cp.simulate(net, compile_scenario(load_scenario(name), net))


def magnet_export_share(ds: xr.Dataset, first: int, last: int) -> float:
    """China's magnet exports on days ``first..last-1`` over its baseline exports."""
    node = "CHN/ndfeb_magnet"
    exports = ds["exports"].sel(node=node).values[0, first:last]
    return float(exports.mean() / float(ds["baseline_exports"].sel(node=node)))


def vehicles_lost(ds: xr.Dataset) -> float:
    """Conventional cars and EVs not built, every region, over the horizon."""
    lost = ds.cp.output_lost()
    return float(lost[lost["product"].isin(CARS)]["units"].sum())


def with_magnet_stock(net: cp.CompiledNetwork, days: float) -> cp.CompiledNetwork:
    """``net`` with every magnet-using plant holding (and aiming at) ``days`` of magnets."""
    magnets = net.pair_product == net.products.get_loc("ndfeb_magnet")
    return dataclasses.replace(
        net,
        stock_target_days=np.where(magnets, days, net.stock_target_days),
        stock_initial_days=np.where(magnets, days, net.stock_initial_days),
    )


def main(stock_days: tuple[float, ...] = (30, 35, 40, 45)) -> dict[str, object]:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    flagship, back_test = run(FLAGSHIP, net), run(BACK_TEST, net)
    exports = pd.DataFrame(
        {
            "observed": {m: t / Q1_RATE for m, t in OBSERVED_T.items()},
            "flagship": {m: magnet_export_share(flagship, *d) for m, d in DAYS.items()},
            "back-test": {m: magnet_export_share(back_test, *d) for m, d in DAYS.items()},
        }
    )
    losses = {FLAGSHIP: vehicles_lost(flagship), BACK_TEST: vehicles_lost(back_test)}
    sensitivity = {d: vehicles_lost(run(BACK_TEST, with_magnet_stock(net, d))) for d in stock_days}
    print("China's magnet exports, share of the Q1-2025 rate:")
    print(exports.round(3).to_string())
    print("\nVehicles not built in 180 days:")
    for name, units in losses.items():
        print(f"  {name}: {units:,.0f}")
    print("\nBack-test, by days of magnets held:")
    for days, units in sensitivity.items():
        print(f"  {days:g} days: {units:,.0f}")
    return {"exports": exports, "losses": losses, "sensitivity": sensitivity}


if __name__ == "__main__":
    main()
