"""Question 7: how did China's rare-earth share climb, what did the price war cost, and what would a
Western bloc need (years, subsidy) to reach 30% with a technology ban in force?

    uv run --frozen python examples/q07_rare_earth_rebuild.py
"""

from __future__ import annotations

from typing import Any

from chokepoint.market.model import run
from chokepoint.market.presets import compile_preset, load_preset
from chokepoint.market.rebuild import rebuild


def main() -> dict[str, Any]:
    preset = load_preset("rare_earths")
    result = run(compile_preset(preset))
    answer = rebuild(preset, share=0.3, ban=True)
    no_ban = rebuild(preset, share=0.3, ban=False)
    years = result.inputs.years
    state_share = result.state_share()[0]
    facts = {
        "with_ban": answer.to_dict(),
        "without_ban": no_ban.to_dict(),
        "state_share": dict(zip(map(int, years), map(float, state_share), strict=True)),
        "state_subsidy_bill_usd_m": float(result.cumulative_state_subsidy()[0][-1]),
        "dependency_year": result.dependency_year()[0],
    }
    for year in (1985, 1995, 2005, 2015, 2024):
        if year in facts["state_share"]:
            print(f"{year}: China's share of mine output {facts['state_share'][year]:.0%}")
    print(
        f"price war cost: cumulative state subsidy {facts['state_subsidy_bill_usd_m']:,.0f} USD m"
    )
    for label, a in (("with the technology ban", answer), ("without it", no_ban)):
        print(
            f"30% of world supply {label}: reached={a.reached}, year {a.year_reached}, "
            f"subsidy {a.subsidy_per_unit} per unit, bill {a.subsidy_bill} USD m"
        )
    return facts


if __name__ == "__main__":
    main()
