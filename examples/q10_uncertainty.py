"""Question 10: show me the uncertainty — draws of the licence approval rate and review time, and the
5/50/95% band of German car output loss (the packaged sweep has 1,000 members; this example draws
fewer by default so it runs in seconds: pass a larger number to ``main``).

    uv run --frozen python examples/q10_uncertainty.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import chokepoint as cp
from chokepoint.sweep.runner import read_members, read_parameters, run_sweep
from chokepoint.sweep.spec import read_sweep
from chokepoint.sweep.summary import quantiles, sensitivity


def main(samples: int = 40) -> dict[str, object]:
    spec, base = read_sweep("rare-earth-licensing-2025-sweep")
    net = cp.build_network(cp.load_dataset(base.dataset))
    with tempfile.TemporaryDirectory() as tmp:
        result = run_sweep(net, spec, base, Path(tmp) / "sweep", samples=samples)
        rows, params = read_members(result.out), read_parameters(result.out)
    band = quantiles(rows).set_index(["metric", "region", "product"])
    german = band.loc[("output_lost_units", "DEU", "ice_car")]
    drivers = sensitivity(rows, params, "output_lost_units", "DEU", "ice_car")
    print(
        f"{samples} members; German conventional car output lost over {base.horizon_days} days (vehicles):"
    )
    print(f"  5%: {german['q05']:,.0f}   50%: {german['q50']:,.0f}   95%: {german['q95']:,.0f}")
    print(drivers.to_string(index=False))
    return {"band": german, "drivers": drivers, "members": rows["member"].nunique()}


if __name__ == "__main__":
    main()
