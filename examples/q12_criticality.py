"""Question 12: the EU criticality scores for 2023 from the published inputs, and where gallium would sit if
China's share rose to 99%.

    uv run --frozen python examples/q12_criticality.py
"""

from __future__ import annotations

import chokepoint.analysis.criticality as crit


def main() -> dict[str, float]:
    base = crit.eu_assessment("eu-2023")
    what_if = crit.eu_assessment(
        "eu-2023", overrides=[crit.parse_share_override("gallium:CHN:P=0.99")]
    )
    scores = base.scores
    shown = scores.dropna(subset=["sr", "ei"]).sort_values("sr", ascending=False).head(10)
    print(shown[["sr", "ei"]].round(2).to_string())
    facts = {
        "gallium_sr": float(scores.loc["Gallium", "sr"]),
        "gallium_ei": float(scores.loc["Gallium", "ei"]),
        "gallium_sr_at_99pct": float(what_if.scores.loc["Gallium", "sr"]),
    }
    print(
        f"gallium: SR {facts['gallium_sr']:.2f} -> {facts['gallium_sr_at_99pct']:.2f} with China at 99%; EI {facts['gallium_ei']:.2f}"
    )
    for note in what_if.overrides:
        print(" *", note)
    return facts


if __name__ == "__main__":
    main()
