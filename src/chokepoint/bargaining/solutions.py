"""Bargaining solutions over a menu of measures: Nash bargaining and alternating offers.

A *menu* lists each side's measures (e.g. China: magnet licensing, gallium ban; US: chip-equipment
controls, tariffs). An *outcome* says which measures stay in force; each side's payoff in an outcome
is minus its loss (value of output lost over the horizon, from engine runs) — so payoffs are ≤ 0
and "more is better". The *threat point* d is the outcome of mutual escalation (every measure in
force). The Nash bargaining solution is the outcome o with u(o) ≥ d on both sides that maximises
the Nash product (u_A(o) - d_A)(u_B(o) - d_B). When no outcome improves on d for both sides, the
prediction is no deal.

Alternating offers (Rubinstein 1982) splits a surplus S between a first proposer A and B with
per-round discount factors δ_A, δ_B: A gets S (1 - δ_B) / (1 - δ_A δ_B). Patience comes from how fast
each side's pain grows: with rounds of ``round_days`` and a side whose losses reach a given share of
its output after T days (its time-to-pain scale), δ = exp(-round_days / T) — a side hurting sooner
is less patient and concedes more. The mapping is a stated modelling assumption, not an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class NashResult:
    """The predicted deal: which outcome, its gains over the threat point and the Nash product."""

    outcome: str | None
    gains: tuple[float, float]
    product: float
    table: pd.DataFrame


def nash_bargaining(
    payoffs: pd.DataFrame,
    threat: str,
    *,
    sides: tuple[str, str] = ("A", "B"),
) -> NashResult:
    """Nash bargaining solution over a discrete menu of outcomes.

    ``payoffs`` is indexed by outcome name with one column per side (payoff, higher is better);
    ``threat`` names the threat-point outcome. Ties (within rounding) go to the larger total
    gain, then to the outcome listed first, so the solution is never Pareto-dominated.

    >>> menu = pd.DataFrame({"A": [-10, -4, -6, 0], "B": [-10, -7, -3, -12]},
    ...                     index=["escalate", "A pauses", "B pauses", "B capitulates"])
    >>> nash_bargaining(menu, "escalate").outcome
    'B pauses'
    """
    a, b = sides
    d_a, d_b = float(payoffs.loc[threat, a]), float(payoffs.loc[threat, b])
    gain_a = payoffs[a].to_numpy(dtype=float) - d_a
    gain_b = payoffs[b].to_numpy(dtype=float) - d_b
    feasible = (gain_a >= 0) & (gain_b >= 0)
    product = np.where(feasible, gain_a * gain_b, -np.inf)
    table = pd.DataFrame(
        {
            "gain_" + a: gain_a,
            "gain_" + b: gain_b,
            "feasible": feasible,
            "nash_product": np.where(feasible, gain_a * gain_b, np.nan),
        },
        index=payoffs.index,
    )
    top = float(np.max(product))
    # near-ties (rounding) go to the larger total gain, then to the outcome listed first
    tied = np.flatnonzero(feasible & (product >= top - 1e-12 * abs(top)))
    u_a, u_b = payoffs[a].to_numpy(dtype=float)[tied], payoffs[b].to_numpy(dtype=float)[tied]
    ge = (u_a[:, None] >= u_a[None, :]) & (u_b[:, None] >= u_b[None, :])
    gt = (u_a[:, None] > u_a[None, :]) | (u_b[:, None] > u_b[None, :])
    undominated = ~(ge & gt).any(axis=0)  # no tied outcome is as good for both, better for one
    best = int(tied[np.argmax(np.where(undominated, u_a + u_b, -np.inf))]) if len(tied) else 0
    if not feasible.any() or product[best] <= 0:
        return NashResult(None, (0.0, 0.0), 0.0, table)
    return NashResult(
        str(payoffs.index[best]),
        (float(gain_a[best]), float(gain_b[best])),
        float(product[best]),
        table,
    )


def patience(pain_days: float, round_days: float = 7.0) -> float:
    """Per-round discount factor δ = exp(-round_days / pain_days) (pain_days: time-to-pain scale, > 0)."""
    if pain_days <= 0 or round_days <= 0:
        msg = f"expected positive pain_days and round_days, got {pain_days}, {round_days}"
        raise ValueError(msg)
    return float(np.exp(-round_days / pain_days))


def rubinstein_share(delta_proposer: float, delta_responder: float) -> float:
    """Proposer's share of the surplus in the alternating-offers equilibrium: (1 - δ_B)/(1 - δ_A δ_B).

    >>> round(rubinstein_share(0.9, 0.9), 4)  # equal patience: a first-mover advantage only
    0.5263
    """
    if not (0 <= delta_proposer < 1 and 0 <= delta_responder < 1):
        msg = f"expected discount factors in [0, 1), got {delta_proposer}, {delta_responder}"
        raise ValueError(msg)
    return (1 - delta_responder) / (1 - delta_proposer * delta_responder)


def alternating_offers(
    surplus: float,
    pain_days: Mapping[str, float],
    *,
    proposer: str,
    round_days: float = 7.0,
) -> dict[str, float]:
    """Split ``surplus`` between two sides by alternating offers, patience from their pain scales.

    Returns each side's share and payoff, the discount factors, and the limit of equal-time
    alternation (both moving first half the time): shares tend to r_B / (r_A + r_B) as rounds
    shorten, with r = 1 / pain_days — the side whose pain comes faster gets less.
    """
    sides: Sequence[str] = list(pain_days)
    if len(sides) != 2 or proposer not in sides:
        msg = f"expected two sides including the proposer {proposer!r}, got {list(sides)}"
        raise ValueError(msg)
    responder = sides[1] if sides[0] == proposer else sides[0]
    d_p, d_r = patience(pain_days[proposer], round_days), patience(pain_days[responder], round_days)
    share = rubinstein_share(d_p, d_r)
    r_p, r_r = 1 / pain_days[proposer], 1 / pain_days[responder]
    return {
        f"share_{proposer}": share,
        f"share_{responder}": 1 - share,
        f"payoff_{proposer}": share * surplus,
        f"payoff_{responder}": (1 - share) * surplus,
        f"delta_{proposer}": d_p,
        f"delta_{responder}": d_r,
        f"limit_share_{proposer}": r_r / (r_p + r_r),
    }
