"""Question 11: run the same kind of scenario on an MRIO table (here pymrio's bundled test system; any
table pymrio reads — EXIOBASE, OECD ICIO, WIOD, Eora — works the same way) instead of the embedded dataset.

A region's manufacturing stops exporting for 60 days; the engine propagates it through every other
region's sectors (suppliers of a sector in all regions are substitutes).

    uv run --frozen python examples/q11_mrio.py
"""

from __future__ import annotations

import pandas as pd

import chokepoint as cp
from chokepoint.io.mrio import from_pymrio, pymrio_test_system
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario


def main() -> pd.DataFrame:
    tables = from_pymrio(pymrio_test_system(), name="pymrio-test")
    net = cp.build_network(tables)
    actor = str(net.regions[0])
    scenario = load_scenario(
        {
            "name": "mrio-export-ban",
            "dataset": "pymrio-test",
            "horizon_days": 120,
            "instruments": {
                "ban": {
                    "type": "export_ban",
                    "actor": actor,
                    "products": ["manufactoring"],
                    "start_day": 0,
                    "end_day": 60,
                }
            },
        }
    )
    ds = cp.simulate(net, compile_scenario(scenario, net))
    lost = ds.cp.output_lost(by="region").sort_values("value_usd", ascending=False)
    print(
        f"{net.n_nodes} nodes, {net.n_links} links; {actor} stops exporting manufacturing for 60 days"
    )
    print(lost.to_string(index=False))
    return lost


if __name__ == "__main__":
    main()
