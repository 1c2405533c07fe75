"""Question 2: which ten stages of which chains would hurt the EU most if one country cut them for 90 days?

Every (country, stage) with at least 20% of world output is stopped for 90 days, all as one engine
batch, and ranked by the value of output the EU (Germany, the Netherlands and the rest of the EU-27)
loses over 180 days.

    uv run --frozen python examples/q02_eu_chokepoints.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import chokepoint as cp
from chokepoint.analysis.ranking import candidates, extraction_batch, value_lost_by_region

EU = ["DEU", "NLD", "EUR"]


def main(top: int = 10) -> pd.DataFrame:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    cands = candidates(net, share_threshold=0.2)
    cands = cands[cands["region"] != "ROW"].reset_index(drop=True)  # aggregates are not one country
    ds = cp.simulate(net, extraction_batch(net, cands, stop_days=90, horizon_days=180))
    lost = value_lost_by_region(net, ds)
    eu = net.regions.get_indexer(pd.Index(EU))
    table = cands[["region", "product", "share"]].assign(eu_value_lost_usd=lost[:, eu].sum(axis=1))
    table = (
        table[~table["region"].isin(EU)].sort_values("eu_value_lost_usd", ascending=False).head(top)
    )
    print(
        table.to_string(
            index=False,
            formatters={"share": "{:.0%}".format, "eu_value_lost_usd": "{:,.3g}".format},
        )
    )
    assert np.all(np.isfinite(table["eu_value_lost_usd"]))
    return table.reset_index(drop=True)


if __name__ == "__main__":
    main()
