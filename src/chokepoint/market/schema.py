"""Preset schema of the long-run market model (pydantic; every field documented).

A preset describes one product market in annual steps: producers (region, capacity, costs,
financial buffer, lead time), demand (level at a reference price, growth path, elasticity,
share inside the strategic state, backstop price), the strategic state's policy timeline, the
entry rule of rivals and an optional rival-bloc template for the rebuild question.

Money is in USD million (``USD m``); quantities and prices use the preset's own units, tied by
``money_per_quantity_price`` (USD m per one quantity unit sold at one price unit).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chokepoint.scenario.instruments import located_error

NonNeg = Annotated[float, Field(ge=0.0)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    # allow_inf_nan=False: every number must be finite (``.inf`` and ``.nan`` are rejected)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Producer(_Strict):
    """One producer (a region's industry, or one firm) in the supply stack."""

    name: str = Field(min_length=1)
    """Unique label, e.g. ``Mountain Pass``."""
    region: str = Field(min_length=1)
    """Region code (ISO3 or bloc); shares and HHI are computed by region."""
    state: bool = False
    """True for producers of the strategic state (they receive its support and obey its policy)."""
    capacity: NonNeg
    """Capacity K_p in the start year (quantity units per year); 0 for a potential entrant."""
    entry_capacity: NonNeg | None = None
    """Capacity built when the producer (re-)enters; defaults to ``capacity``."""
    cash_cost: NonNeg
    """Cash cost c_p per unit in the start year (price units)."""
    cost_trend: float = Field(default=0.0, gt=-1.0)
    """Yearly relative change of c_p and f_p (e.g. -0.05 = costs fall 5% a year, learning)."""
    fixed_cost: NonNeg = 0.0
    """Fixed cost f_p per unit of capacity per year (price units), paid while capacity exists."""
    buffer: float = 0.0
    """Financial buffer B_p in the start year (USD m); the producer exits when B_p < 0."""
    entry_buffer: float | None = None
    """Buffer a (re-)entrant starts with (USD m, new equity); defaults to ``buffer``."""
    lead_time: Annotated[int, Field(ge=0)] = 3
    """Years from an entry decision to first output (mine, separation plant, cell factory)."""
    capex: NonNeg = 0.0
    """Capital cost per unit of capacity (USD m per quantity unit per year of capacity)."""
    can_reenter: bool = True
    """Whether the entry rule applies to this producer after exit (or as a potential entrant)."""
    tech_ban_applies: bool = True
    """Whether the state's technology-export ban lengthens this producer's lead time."""


class DemandPoint(_Strict):
    """Demand at the reference price in one year (interpolated log-linearly between points)."""

    year: int
    quantity: Annotated[float, Field(gt=0.0)]


class SharePoint(_Strict):
    """Share of world demand inside the strategic state in one year (interpolated linearly)."""

    year: int
    share: Fraction


class Demand(_Strict):
    """Isoelastic demand D(P) = D_ref(t) (P / P_ref)^(-epsilon), split inside/outside the state."""

    reference_price: Annotated[float, Field(gt=0.0)]
    """P_ref (price units)."""
    points: list[DemandPoint] = Field(min_length=1)
    """D_ref(t): world demand at P_ref; log-linear between points, back-extrapolated at the first slope."""
    growth_after: float = Field(default=0.0, gt=-1.0)
    """Yearly growth of D_ref after the last point (0 = flat); used when a run extends past it."""
    elasticity: Annotated[float, Field(gt=0.0, le=5.0)]
    """epsilon > 0, price elasticity of demand (absolute value)."""
    domestic_share: list[SharePoint] = Field(min_length=1)
    """delta(t): share of D_ref(t) located inside the strategic state."""
    backstop_price: Annotated[float, Field(gt=0.0)]
    """P_bar: price at which substitutes and thrift cap the price; demand above supply is unmet."""


class Policy(_Strict):
    """The strategic state's policy over the years ``start``..``end`` (inclusive).

    Later periods override earlier ones field by field where they overlap; a field left at its
    default means 'no instrument'.
    """

    start: int
    end: int
    label: str = ""
    subsidy: NonNeg = 0.0
    """s(t): per-unit subsidy to the state's producers (price units)."""
    loss_coverage: Fraction = 0.0
    """lambda(t): share of the state producers' losses the state covers."""
    min_utilisation: Fraction = 0.0
    """u_min(t): share of capacity the state's producers must sell at any price (over-production)."""
    max_utilisation: Fraction = 1.0
    """u_max(t): output discipline, state producers may use at most this share of capacity."""
    expand_capacity_to: NonNeg | None = None
    """kappa(t): the state builds capacity up to kappa x D_ref(t + L) (ahead of demand)."""
    max_capacity_growth: NonNeg | None = None
    """g_max(t): the state's capacity grows by at most this share a year while it expands."""
    export_quota: NonNeg | None = None
    """Q(t): cap on the state's exports (quantity units per year)."""
    export_tax: NonNeg = 0.0
    """tau(t): ad-valorem export tax; foreign price P_f = (1 + tau) P_d when trade is not quota-bound."""
    import_tariff: NonNeg = 0.0
    """mu(t): wedge on rivals' sales into the state (tariff or transport cost); P_d = (1 + mu) P_f
    when the state imports."""
    tech_ban_added_lead_time: Annotated[int, Field(ge=0)] = 0
    """Delta L(t): years added to rivals' lead time for builds decided while a technology ban is in force."""
    retire_capacity: Fraction = 0.0
    """r(t): share of the state's capacity retired at the start of ``start`` (consolidation)."""
    price_discipline: bool = False
    """If true the state's producers may not offer below cash cost (anti-involution)."""

    @model_validator(mode="after")
    def _order(self) -> Policy:
        if self.end < self.start:
            msg = f"expected end >= start, got start={self.start}, end={self.end}"
            raise ValueError(msg)
        if self.min_utilisation > self.max_utilisation:
            msg = (
                f"expected min_utilisation <= max_utilisation, got "
                f"{self.min_utilisation} > {self.max_utilisation}"
            )
            raise ValueError(msg)
        return self


class Support(_Strict):
    """Support to a non-state producer (e.g. a price floor or a production subsidy)."""

    producer: str
    start: int
    end: int
    subsidy: NonNeg = 0.0
    """Per-unit subsidy (price units)."""
    price_floor: NonNeg | None = None
    """Top-up max(floor - P, 0) per unit sold (price units), e.g. a government offtake floor."""


class EntryRule(_Strict):
    """When rivals (re-)enter: margin m = (P_f - c - f) / (c + f) >= h for N years in a row."""

    hurdle: NonNeg = 0.15
    """h: required margin over full unit cost."""
    years: Annotated[int, Field(ge=1)] = 2
    """N: consecutive years the margin must clear h before the build decision."""


class Bloc(_Strict):
    """Template of a rival bloc's new capacity for the rebuild question."""

    name: str = "rival bloc"
    region: str = "BLOC"
    cash_cost: NonNeg
    fixed_cost: NonNeg = 0.0
    capex: NonNeg = 0.0
    lead_time: Annotated[int, Field(ge=0)] = 5
    buffer: float = 0.0


class Source(_Strict):
    """Where a figure comes from (file and row of the shared data, or a publication)."""

    id: str
    cite: str


class Assumption(_Strict):
    """A figure or rule not found in a source, with the reasoning behind it."""

    id: str
    text: str


class Observation(_Strict):
    """A historical figure used only as a check (never as an input)."""

    year: int
    metric: str
    """``share:<REGION>``, ``output:<REGION>``, ``utilisation:<REGION>``, ``price:foreign`` /
    ``price:domestic`` (level) or
    ``price_index:foreign``/``price_index:domestic`` (relative to ``base_year``)."""
    value: float
    source: str
    base_year: int | None = None
    note: str = ""


class MarketPreset(_Strict):
    """A complete long-run market case."""

    name: str
    description: str = ""
    product: str
    quantity_unit: str
    price_unit: str
    money_per_quantity_price: Annotated[float, Field(gt=0.0)]
    """USD m for one quantity unit sold at one price unit (e.g. t x USD/kg = 0.001 USD m)."""
    start_year: int
    end_year: int
    state_region: str
    """Region code of the strategic state."""
    dependency_threshold: Fraction = 0.8
    """The state's world share at which the dependency counts as established."""
    producers: list[Producer] = Field(min_length=1)
    demand: Demand
    policies: list[Policy] = Field(default_factory=list)
    support: list[Support] = Field(default_factory=list)
    entry: EntryRule = EntryRule()
    bloc: Bloc | None = None
    sources: list[Source] = Field(min_length=1)
    assumptions: list[Assumption] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> MarketPreset:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.end_year < self.start_year:
            msg = f"expected end_year >= start_year ({self.start_year}), got {self.end_year}"
            problems.append((("end_year",), msg, self.end_year))
        names = [p.name for p in self.producers]
        seen: set[str] = set()
        for j, name in enumerate(names):
            if name in seen:
                msg = f"expected unique producer names, got duplicates [{name!r}]"
                problems.append((("producers", j, "name"), msg, name))
            seen.add(name)
        if not any(p.state for p in self.producers):
            msg = "expected at least one producer with state: true, got none"
            problems.append((("producers",), msg, None))
        years = f"{self.start_year}..{self.end_year}"
        timed: list[tuple[str, int, int, int]] = [
            ("policies", i, q.start, q.end) for i, q in enumerate(self.policies)
        ] + [("support", i, q.start, q.end) for i, q in enumerate(self.support)]
        if self.end_year >= self.start_year:
            for group, i, start, end in timed:
                for key, year in (("start", start), ("end", end)):
                    if not self.start_year <= year <= self.end_year:
                        msg = (
                            f"expected a year in {years} (the preset's start_year..end_year), "
                            f"got {year}"
                        )
                        problems.append(((group, i, key), msg, year))
        for i, s in enumerate(self.support):
            if s.producer not in names:
                msg = f"support: unknown producer {s.producer!r} (producers: {', '.join(names)})"
                problems.append((("support", i, "producer"), msg, s.producer))
        if problems:
            raise located_error("MarketPreset", problems)
        return self
