"""Engine parameters: one frozen object, every default with its source or stated reasoning.

The ARIO defaults (overproduction α^b, α^max, τ_α) are those of Hallegatte (2008), "An adaptive
regional input-output model and its application to the assessment of the economic cost of Katrina",
Risk Analysis 28(3), as implemented in BoARIO (``boario.model_base.ARIOBaseModel``: ``alpha_base=1``,
``alpha_max=1.25``, ``alpha_tau=365``; ``ARIOPsiModel``: ``inventory_restoration_tau=60``). Figures
that no source gives are labelled *assumption* with the reasoning behind them; they are listed in
every result's ``assumptions`` (see :meth:`EngineParams.assumptions`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from chokepoint.errors import ChokepointError


@dataclass(frozen=True)
class EngineParams:
    """Behavioural and numerical parameters of the propagation engine (DESIGN §5).

    Attributes
    ----------
    inventory_restoration_days
        T_r: days over which a buyer closes its inventory gap (target − stock − in transit); orders
        are ``E_k + gap_k / T_r``. Default 60 days, BoARIO ``ARIOPsiModel.inventory_restoration_tau``.
    order_basis
        What expected input use E_k follows: ``"demand"`` — the use of the output the node plans,
        min(K_n(t), O_n), at baseline input per unit ū_k / x̄_n (a plant idled for lack of inputs
        still orders for its planned rate); ``"production"`` — the last day's actual use, ARIO's
        order rule (Hallegatte 2008; BoARIO ``calc_orders``), under which an idled plant orders only
        its inventory gap and restarts slowly. *Assumption*: ``"demand"`` by default.
    order_smoothing
        λ in ``E_k ← E_k + λ (use*_k − E_k)``, the weight of the latest day in expected use.
        1.0 = no smoothing, as ARIO (Hallegatte 2008). *Assumption*: 1.0.
    overproduction_base
        α^b, the overproduction factor at rest (1.0; Hallegatte 2008, BoARIO ``alpha_base``).
    overproduction_max
        α^max, the largest overproduction factor (1.25; Hallegatte 2008, BoARIO ``alpha_max``).
    overproduction_tau
        τ_α in days, the characteristic time of overproduction (365; Hallegatte 2008, BoARIO
        ``alpha_tau``).
    adaptation_speed
        ν per day: the share of the gap between current sourcing shares σ_e and their target that is
        closed each day. *Assumption* (no published figure for critical inputs): 1/30, i.e. buyers
        shift orders among already-approved suppliers over about a month.
    shortfall_threshold
        A buyer pair is "short" on a day when the share of its orders its suppliers did not deliver
        exceeds this; the first such day starts the qualification clock of its alternatives and
        triggers adaptation. *Assumption*: 1% (ignores rounding noise, reacts to any real gap).
    return_speed
        ν_r per day: once a pair whose shares adaptation moved is no longer short, the share of the
        gap to its baseline shares σ̄_e that each link of a supplier able to serve more (permitted,
        with spare capacity) regains each day; 0 keeps the new sourcing for good.
        *Assumption* (no published figure): 1/30, the adaptation speed — buyers go back to their
        usual suppliers, under their standing contracts, at the pace at which they left them.
    price_elasticity
        ε, short-run price elasticity of demand (absolute value) used to turn a ratio of orders to
        deliveries into a scarcity price index ``P* = (D / R)^(1/ε)``. *Assumption*: 0.5 — short-run
        demand for intermediate inputs with few substitutes is inelastic; no source in
        ``shared/data`` gives a figure for these markets, so treat price paths as indicative.
    price_adjustment_speed
        θ per day: ``ln P ← ln P + θ (ln P* − ln P)``. *Assumption*: 0.1 (about ten days to close most
        of the gap; spot quotes for minor metals are assessed weekly or daily).
    price_index_max
        Cap on the scarcity price index (and 1/cap its floor). *Assumption*: 10, the order of the
        2010-2011 rare-earth price spike (a tenfold rise for some oxides), to keep the index finite
        when deliveries stop.
    rationing
        How a supplier shares output among its orders: ``"proportional"`` (DESIGN §5 step 5; the only
        rule implemented).
    dtype
        Floating dtype of the state: ``"float64"`` (exact steady state) or ``"float32"`` (half the
        memory and bandwidth for large batches).
    pipeline_max_days
        Bound on lead times in the in-transit ring buffer (days); longer lead times are clipped to it.
        Memory of the pipeline is S × m × min(max L_e, bound). 365 keeps every realistic lead time.
    scenario_chunk
        Largest number of scenarios simulated at once; bigger batches run in chunks of this size so
        that the per-link state (S × E sourcing shares and orders) fits in memory. 0 = all at once.
    threads
        Threads that run the blocks of a day's passes side by side (networks of 500,000 links or
        more are cut into blocks; smaller ones run on the calling thread). 0 = one per CPU core.
        Results do not depend on it.
    node_order
        The order in which the engine stores nodes: ``"given"``, the network's; ``"locality"``,
        renumbered so that consecutive buyers read nearby suppliers
        (:mod:`chokepoint.engine.ordering`); ``"auto"`` (default), ``"locality"`` for networks of
        500,000 links or more. A labelling only: results come back in the network's order and
        agree up to the rounding of sums taken in another order.
    """

    inventory_restoration_days: float = 60.0
    order_basis: Literal["demand", "production"] = "demand"
    order_smoothing: float = 1.0
    overproduction_base: float = 1.0
    overproduction_max: float = 1.25
    overproduction_tau: float = 365.0
    adaptation_speed: float = 1.0 / 30.0
    shortfall_threshold: float = 0.01
    return_speed: float = 1.0 / 30.0
    price_elasticity: float = 0.5
    price_adjustment_speed: float = 0.1
    price_index_max: float = 10.0
    rationing: Literal["proportional"] = "proportional"
    dtype: Literal["float64", "float32"] = "float64"
    pipeline_max_days: int = 365
    scenario_chunk: int = 0
    threads: int = 0
    node_order: Literal["auto", "given", "locality"] = "auto"

    def __post_init__(self) -> None:
        problems = []
        if self.inventory_restoration_days <= 0:
            problems.append("inventory_restoration_days must be > 0")
        if not 0.0 < self.order_smoothing <= 1.0:
            problems.append("order_smoothing must lie in (0, 1]")
        if self.overproduction_max < self.overproduction_base:
            problems.append("overproduction_max must be >= overproduction_base")
        if self.overproduction_tau <= 0:
            problems.append("overproduction_tau must be > 0")
        if not 0.0 <= self.adaptation_speed <= 1.0:
            problems.append("adaptation_speed must lie in [0, 1]")
        if not 0.0 <= self.return_speed <= 1.0:
            problems.append("return_speed must lie in [0, 1]")
        if self.price_elasticity <= 0:
            problems.append("price_elasticity must be > 0")
        if not 0.0 <= self.price_adjustment_speed <= 1.0:
            problems.append("price_adjustment_speed must lie in [0, 1]")
        if self.price_index_max < 1.0:
            problems.append("price_index_max must be >= 1")
        if self.pipeline_max_days < 1:
            problems.append("pipeline_max_days must be >= 1")
        if self.scenario_chunk < 0:
            problems.append("scenario_chunk must be >= 0")
        if self.threads < 0:
            problems.append("threads must be >= 0")
        if self.order_basis not in ("demand", "production"):
            problems.append("order_basis must be 'demand' or 'production'")
        if self.rationing != "proportional":
            problems.append("rationing must be 'proportional'")
        if self.node_order not in ("auto", "given", "locality"):
            problems.append("node_order must be 'auto', 'given' or 'locality'")
        if self.dtype not in ("float64", "float32"):
            problems.append("dtype must be 'float64' or 'float32'")
        if problems:
            msg = "invalid EngineParams: " + "; ".join(problems)
            raise ChokepointError(msg)

    def as_dict(self) -> dict[str, object]:
        """The parameters as a plain dict (for provenance attrs)."""
        return asdict(self)

    def sources(self) -> list[str]:
        """Citations behind the sourced defaults."""
        return [
            "Hallegatte, S. (2008). An adaptive regional input-output model and its application to "
            "the assessment of the economic cost of Katrina. Risk Analysis 28(3), 779-799 "
            "(overproduction α^max = 1.25, τ_α = 365 days).",
            "BoARIO (Juhel, S.), ARIO model implementation: ARIOBaseModel alpha_base/alpha_max/"
            "alpha_tau defaults and ARIOPsiModel inventory_restoration_tau = 60 days.",
        ]

    def assumptions(self) -> list[str]:
        """The defaults that are assumptions rather than sourced figures, as readable sentences."""
        basis = (
            "planned output min(K, O) (assumption: idled plants keep ordering for their plan)"
            if self.order_basis == "demand"
            else "last day's production (ARIO order rule)"
        )
        return [
            f"Orders follow expected input use of the {basis}.",
            f"Sourcing shares move {self.adaptation_speed:.3g} of the way to their target per day "
            "(assumption: re-sourcing among approved suppliers takes about a month).",
            f"Once no longer short, buyers move {self.return_speed:.3g} of the way back to their "
            "baseline sourcing per day, toward suppliers able to serve more (assumption: they "
            "return under standing contracts at the pace at which they left).",
            f"Scarcity price index uses a short-run demand elasticity of {self.price_elasticity:g} "
            "(assumption: inelastic demand for inputs with few substitutes; indicative only).",
            f"Prices close {self.price_adjustment_speed:g} of the gap to their target per day and are "
            f"capped at {self.price_index_max:g}x baseline (assumption).",
            f"Inventory gaps close over {self.inventory_restoration_days:g} days (BoARIO default), "
            f"overproduction up to {self.overproduction_max:g}x over {self.overproduction_tau:g} days "
            "(Hallegatte 2008).",
            "Alternative suppliers ship with the longest lead time of the buyer's current suppliers "
            "(assumption: a new supplier is no faster than the slowest current one).",
        ]
