"""Question 3: how much Chinese-separated rare earth is inside a Japanese magnet inside a German EV,
and would the October 2025 de minimis rule (0.1% of value) catch the German car maker's exports?

    uv run --frozen python examples/q03_hidden_content.py
"""

from __future__ import annotations

import chokepoint as cp
from chokepoint.analysis.tracing import embodied_content, origin_share, value_content_share

DE_MINIMIS = 0.001
"""The October 2025 rule's threshold: 0.1% of the good's value (events.csv, MOFCOM Announcement No. 61)."""


def main() -> dict[str, float]:
    net = cp.build_network(cp.load_dataset("critical-chains"))
    stage = ["ndpr_oxide", "dy_tb_oxide"]
    content = embodied_content(net, "ndpr_oxide")
    share = origin_share(net, "ndpr_oxide", "CHN")
    value = value_content_share(net, stage, "CHN")
    facts = {
        "ndpr_kg_per_german_ev": float(content.loc["DEU/ev", "total"]) * 1000,
        "chinese_share_in_japanese_magnet": float(share["JPN/ndfeb_magnet"]),
        "chinese_share_in_german_ev": float(share["DEU/ev"]),
        "chinese_value_share_german_ev": float(value["DEU/ev"]),
    }
    caught = facts["chinese_value_share_german_ev"] >= DE_MINIMIS
    print(f"NdPr oxide inside one German EV:            {facts['ndpr_kg_per_german_ev']:.3f} kg")
    print(f"  of which separated in China:              {facts['chinese_share_in_german_ev']:.1%}")
    print(
        f"Chinese share of the NdPr in Japanese magnets: {facts['chinese_share_in_japanese_magnet']:.1%}"
    )
    print(
        f"Chinese rare-earth value in a German EV:    {facts['chinese_value_share_german_ev']:.4%} of its value "
        f"-> {'caught' if caught else 'not caught'} by a {DE_MINIMIS:.1%} de minimis rule"
    )
    return facts


if __name__ == "__main__":
    main()
