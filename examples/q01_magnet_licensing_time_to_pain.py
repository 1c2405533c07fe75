"""Question 1: if China stops licensing NdFeB magnets tomorrow, on which day does car output in Germany,
Japan, the US and India fall below 95%, and how much output is lost in 90 days?

Runs the total-magnet-ban preset on the embedded dataset over 90 days.

    uv run --frozen python examples/q01_magnet_licensing_time_to_pain.py
"""

from __future__ import annotations

import pandas as pd

import chokepoint as cp
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario, resolve

REGIONS = ["DEU", "JPN", "USA", "IND"]
CARS = ["ice_car", "ev"]


def main() -> pd.DataFrame:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    scenario = load_scenario(resolve("rare-earth-magnet-ban")).model_copy(
        update={"horizon_days": 90}
    )
    ds = cp.simulate(net, compile_scenario(scenario, net))
    pain = ds.cp.time_to_pain().set_index(["region", "product"])["day"]
    lost = ds.cp.output_lost().set_index(["region", "product"])
    rows = []
    for region in REGIONS:
        for product in CARS:
            rows.append(
                {
                    "region": region,
                    "product": product,
                    "day_below_95pct": pain.get((region, product)),
                    "units_lost_90d": float(lost.loc[(region, product), "units"]),
                    "value_lost_usd_90d": float(lost.loc[(region, product), "value_usd"]),
                }
            )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
    return table


if __name__ == "__main__":
    main()
