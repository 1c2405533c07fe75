"""Instruments: one pydantic model per ``type``, joined in the discriminated union :data:`Instrument`.

Every instrument names an ``actor`` (a region code), the ``products`` it acts on, the regions it
applies to (``targets``), and a window of days ``start_day <= t < end_day``. Restrictions
(``export_ban``, ``quota``, ``licensing``) act on the links e whose supplier u(e) lies in the
actor's region and whose buyer b(e) lies in a target region; they default to every region except
the actor, and never reach the actor's own domestic buyers. Shocks and counter-measures
(``capacity_shock``, ``stockpile_release``, ``capacity_investment``, ``substitution``,
``demand_restraint``) act at home: their targets default to the actor itself.

A new instrument is one class here (a ``type`` literal and its fields) plus one compiler in
:mod:`chokepoint.scenario.compile`; add the class to :data:`INSTRUMENT_TYPES`. The coercion
instruments (``extraterritorial_licensing``, ``tech_export_ban`` / ``equipment_export_ban``,
``firm_control``) compile in :mod:`chokepoint.scenario.coercion`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, get_args

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

FloatArray = npt.NDArray[np.float64]

RESTRICTIONS = (
    "export_ban",
    "quota",
    "licensing",
    "extraterritorial_licensing",
    "tech_export_ban",
    "equipment_export_ban",
    "firm_control",
)
"""Instrument types whose targets default to every region except the actor."""


class _Model(BaseModel):
    # allow_inf_nan=False: every number must be finite (``.inf`` and ``.nan`` are rejected)
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False
    )


def located_error(
    title: str, problems: Sequence[tuple[tuple[str | int, ...], str, Any]]
) -> ValidationError:
    """A validation error for checks across fields, each ``(path, message, value)`` at the path of
    the field it is about (relative to the model), so that the loader names that field's line.

    Raised from a model validator, pydantic prefixes each path with the model's own location.
    """
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("cross_field", "{message}", {"message": message}),
                loc=path,
                input=value,
            )
            for path, message, value in problems
        ],
    )


# --------------------------------------------------------------------------------------------
# Distributions for stochastic parameters
# --------------------------------------------------------------------------------------------


class Uniform(_Model):
    """A value drawn uniformly from ``[low, high]``."""

    distribution: Literal["uniform"]
    """Distribution name."""
    low: float
    """Lower bound."""
    high: float
    """Upper bound (at least ``low``)."""

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            msg = f"expected low <= high, got low={self.low}, high={self.high}"
            raise ValueError(msg)
        return self

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` draws."""
        return rng.uniform(self.low, self.high, size)


class Triangular(_Model):
    """A value drawn from the triangular distribution on ``[low, high]`` with peak ``mode``."""

    distribution: Literal["triangular"]
    """Distribution name."""
    low: float
    """Lower bound."""
    mode: float
    """Most likely value, ``low <= mode <= high``."""
    high: float
    """Upper bound."""

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            msg = (
                f"expected low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
            raise ValueError(msg)
        return self

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` draws."""
        return rng.triangular(self.low, self.mode, self.high, size)


class Beta(_Model):
    """A value ``low + (high - low) * B`` with ``B ~ Beta(alpha, beta)``."""

    distribution: Literal["beta"]
    """Distribution name."""
    alpha: float = Field(gt=0)
    """First shape parameter (> 0)."""
    beta: float = Field(gt=0)
    """Second shape parameter (> 0)."""
    low: float = 0.0
    """Lower end of the scaled support."""
    high: float = 1.0
    """Upper end of the scaled support."""

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` draws."""
        return self.low + (self.high - self.low) * rng.beta(self.alpha, self.beta, size)


Distribution = Annotated[Uniform | Triangular | Beta, Field(discriminator="distribution")]
"""A stated distribution for a stochastic parameter (drawn once per batch member)."""

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Day = Annotated[int, Field(ge=0)]


# --------------------------------------------------------------------------------------------
# The common part
# --------------------------------------------------------------------------------------------


class InstrumentBase(_Model):
    """Fields every instrument carries."""

    label: str | None = None
    """Short name of this instrument in results and reports (defaults to its key or type)."""
    actor: str
    """Region code of the state (or the region) that applies the instrument."""
    products: list[str] = Field(min_length=1)
    """Product codes the instrument acts on (codes of the dataset)."""
    targets: list[str] | None = None
    """Regions the instrument applies to. Restrictions default to every region except the actor
    (the actor's domestic buyers are never restricted); shocks and counter-measures default to the
    actor itself."""
    start_day: Day = 0
    """First day the instrument is in force (day 0 is the scenario's ``start_date``)."""
    end_day: Day | None = None
    """First day it is no longer in force (exclusive); ``null`` keeps it to the horizon."""
    announce_day: Day | None = None
    """Day the instrument is announced, before ``start_day``. Between the two, buyers of the
    affected products raise their inventory targets by ``front_running`` (they order ahead)."""
    front_running: float = Field(default=1.0, ge=1.0)
    """Multiplier on the inventory targets tau_k of affected buyers between ``announce_day`` and
    ``start_day`` (1 = no front-running). A behavioural assumption: state its reasoning."""
    source: str | None = None
    """Where the instrument's parameters come from (citation, dataset row)."""
    note: str | None = None
    """Free text shown in reports."""

    @model_validator(mode="after")
    def _window(self) -> InstrumentBase:
        if self.end_day is not None and self.end_day <= self.start_day:
            msg = f"expected end_day > start_day ({self.start_day}), got {self.end_day}"
            raise ValueError(msg)
        if self.announce_day is not None and self.announce_day >= self.start_day:
            msg = f"expected announce_day < start_day ({self.start_day}), got {self.announce_day}"
            raise ValueError(msg)
        if self.front_running > 1.0 and self.announce_day is None:
            msg = "front_running > 1 needs an announce_day before start_day"
            raise ValueError(msg)
        return self

    def target_regions(self, regions: list[str]) -> list[str]:
        """Regions the instrument applies to, given all region codes of the network."""
        if self.targets is not None:
            return list(self.targets)
        if getattr(self, "type", "") in RESTRICTIONS:
            return [r for r in regions if r != self.actor]
        return [self.actor]


# --------------------------------------------------------------------------------------------
# Restrictions
# --------------------------------------------------------------------------------------------


class ExportBan(InstrumentBase):
    """No exports of ``products`` from the actor to the targets: permit p_e(t) = 0 on those links.

    Final demand of a target region served directly by the actor's producers is suppressed too.
    """

    type: Literal["export_ban"]
    """Instrument type."""


class Quota(InstrumentBase):
    """A cap on the actor's total daily exports of ``products`` to the targets.

    Give the cap either in units/day (``cap_per_day``) or as a share of the baseline exports it
    covers (``cap_share``). All covered links form one quota group.
    """

    type: Literal["quota"]
    """Instrument type."""
    cap_per_day: float | None = Field(default=None, ge=0)
    """Cap on the sum of shipments over the covered links, in supplier units per day."""
    cap_share: Share | None = None
    """Cap as a share of the covered links' baseline flow Σ f_e."""

    @model_validator(mode="after")
    def _one_cap(self) -> Quota:
        if (self.cap_per_day is None) == (self.cap_share is None):
            msg = "expected exactly one of cap_per_day or cap_share"
            raise ValueError(msg)
        return self


class Licensing(InstrumentBase):
    """Exports need a licence: nothing ships while the first applications are processed, then a
    share ``approval_share`` of what buyers request on the covered trade is licensed.

    permit p_e(t) = 0 for ``start_day <= t < start_day + processing_days``, then the approval
    share, applied to the day's orders (requests) like every permit. Buyers whose stocks run down
    order more, so shipments can run above ``approval_share`` x the trade before the controls; a
    ``quota`` caps the volume instead. A distribution instead of a number draws one approval share per batch member from the
    scenario's ``seed`` (stream ``SeedSequence(seed, spawn_key=(instrument, member))``).
    """

    type: Literal["licensing"]
    """Instrument type."""
    approval_share: Share | Distribution
    """Share of the requested (ordered) volume on the covered trade that is licensed once
    processing is done (0..1), or a stated distribution of it."""
    processing_days: Day = 0
    """Calendar days before the first licences are granted (convert working days with 7/5)."""


# --------------------------------------------------------------------------------------------
# Shocks and counter-measures (act at home)
# --------------------------------------------------------------------------------------------


class Recovery(_Model):
    """How lost capacity comes back after the outage (from ``end_day``, or ``start_day`` if open)."""

    path: Literal["none", "linear", "exponential"] = "none"
    """``none``: back at once; ``linear``: the lost share falls linearly from ``share_lost`` on the
    first recovery day to 0 ``days`` later; ``exponential``: it falls as share_lost x exp(-3 t / days)
    (5% left after ``days``), then 0."""
    days: Day = 0
    """Length of the recovery, in days."""


class CapacityShock(InstrumentBase):
    """Producers of ``products`` in the target regions (default: the actor's region) lose a share of
    capacity: K_n(t) = K_n x (1 - shock_n(t)). A disaster, strike, outage or seizure."""

    type: Literal["capacity_shock"]
    """Instrument type."""
    share_lost: Share
    """Share of capacity lost while the shock is in force (1 = full outage)."""
    recovery: Recovery = Recovery()
    """Recovery path after ``end_day``."""


class StockpileRelease(InstrumentBase):
    """Release strategic stock of input ``products`` to the buyers in the target regions (default:
    the actor's region), moving it into their working inventories I_k.

    Give ``units_per_day`` (split over the covered input pairs in proportion to baseline use), or
    ``days_of_use`` (per pair, in days of its baseline use a_k x̄_n, spread evenly over
    ``over_days``), or neither: the whole strategic stockpile over ``over_days``. A release never
    exceeds the strategic stock the dataset records for the pair.
    """

    type: Literal["stockpile_release"]
    """Instrument type."""
    units_per_day: float | None = Field(default=None, gt=0)
    """Units/day released in total over the covered input pairs."""
    days_of_use: float | None = Field(default=None, gt=0)
    """Days of baseline use released per covered input pair."""
    over_days: int = Field(default=1, ge=1)
    """Days over which ``days_of_use`` (or the whole stockpile) is released."""

    @model_validator(mode="after")
    def _one_amount(self) -> StockpileRelease:
        if self.units_per_day is not None and self.days_of_use is not None:
            msg = "expected at most one of units_per_day or days_of_use"
            raise ValueError(msg)
        return self


class CapacityInvestment(InstrumentBase):
    """New capacity for ``products`` in the target regions (default: the actor's region): ordered on
    ``start_day``, commissioned after ``lead_time_days`` and ramped up linearly over ``ramp_days``;
    it stays in service to the horizon."""

    type: Literal["capacity_investment"]
    """Instrument type."""
    units_per_day: float | None = Field(default=None, gt=0)
    """Capacity added per (region, product), units/day (split among its firms by capacity)."""
    share_of_capacity: float | None = Field(default=None, gt=0)
    """Capacity added as a share of each covered node's capacity K_n."""
    lead_time_days: Day = 0
    """Days from the decision to the first output."""
    ramp_days: Day = 0
    """Days from first output to full added capacity (linear ramp)."""

    @model_validator(mode="after")
    def _one_amount(self) -> CapacityInvestment:
        if (self.units_per_day is None) == (self.share_of_capacity is None):
            msg = "expected exactly one of units_per_day or share_of_capacity"
            raise ValueError(msg)
        return self


class Substitution(InstrumentBase):
    """Buyers in the target regions (default: the actor's region) replace a share of input
    ``products`` with an alternative outside the network, at an efficiency penalty.

    The requirement a_k of the replaced input is multiplied by 1 - share (requirement_factor); the
    penalty lowers the buyer's capacity by share x penalty (capacity_factor). Both ramp in
    linearly over ``ramp_days`` (qualification of the alternative).
    """

    type: Literal["substitution"]
    """Instrument type."""
    alternative: str
    """Name of the alternative input (recorded; it is not a node of the network)."""
    share: Share
    """Share of the input requirement replaced once the ramp is complete."""
    efficiency_penalty: Share = 0.0
    """Output lost per unit of substituted share (0.1: 10% less output where fully substituted)."""
    ramp_days: Day = 0
    """Days to reach the full share (qualification and retooling)."""
    buyer_products: list[str] | None = None
    """Only buyers making these products substitute (default: every buyer of the input)."""


class DemandRestraint(InstrumentBase):
    """Final demand for ``products`` in the target regions (default: the actor's region) is cut by
    ``share`` (rationing, deferral of purchases)."""

    type: Literal["demand_restraint"]
    """Instrument type."""
    share: Share
    """Share of final demand withheld while in force."""


# --------------------------------------------------------------------------------------------
# Coercion instruments (compiled by :mod:`chokepoint.scenario.coercion`)
# --------------------------------------------------------------------------------------------


class ExtraterritorialLicensing(InstrumentBase):
    """Exports from third countries need the actor's licence when their goods contain enough of
    the actor's listed ``products`` (traced through the network).

    A link e from u(e) (region not the actor) to a buyer in another target region is covered when
    the value content share c_u = value of the actor-origin ``products`` embodied in one unit of
    u's output / u's unit value reaches ``de_minimis`` (c_u >= de_minimis). Covered links get the
    licensing permit: 0 during ``processing_days``, then ``approval_share``. With
    ``include_direct`` the actor's own exports of ``products`` need the same licence.
    """

    type: Literal["extraterritorial_licensing"]
    """Instrument type."""
    de_minimis: Share = 0.001
    """Threshold on the value content share c_u of the actor's listed material (0.001 = 0.1%)."""
    approval_share: Share | Distribution
    """Share of the covered trade that is licensed once processing is done, or a distribution."""
    processing_days: Day = 0
    """Calendar days before the first licences are granted."""
    covered_products: list[str] | None = None
    """Only third-country goods of these products are covered (default: any product)."""
    end_uses: list[str] | None = None
    """Only shipments to buyers that make these products are covered (e.g. ``[defence_system]``:
    a defence end-use scope); final demand is then not covered. Default: every use."""
    include_direct: bool = True
    """The actor's own exports of ``products`` to the targets need the same licence."""


class _CapacityBan(InstrumentBase):
    """Common fields of the technology and equipment export bans."""

    equipment: list[str] = Field(default_factory=list)
    """Equipment products the listed capacity needs; a producer of one outside the actor with
    capacity K_n > 0 breaks the ban."""
    technology_holders: list[str] = Field(default_factory=list)
    """Regions besides the actor that hold the technology: their own plants are unaffected, and a
    holder anywhere breaks the ban for the other regions."""
    banned_lead_time_days: Day | None = None
    """Lead time of an affected investment while the ban holds (``null``: it cannot be built
    within the horizon)."""
    third_country_lead_time_days: Day | None = None
    """Lead time when a third-country source breaks the ban (``null``: the investment's own)."""


class TechExportBan(_CapacityBan):
    """The actor bans exporting the technology to build ``products`` capacity: a
    ``capacity_investment`` in those products, in a target region, decided while the ban is in
    force, comes on line only after ``banned_lead_time_days`` (or never), unless a technology
    holder (or a listed equipment maker) outside the actor breaks the ban."""

    type: Literal["tech_export_ban"]
    """Instrument type."""


class EquipmentExportBan(_CapacityBan):
    """The actor bans exporting the ``equipment`` that ``products`` capacity needs: as
    ``tech_export_ban``, but the ban is broken as soon as a producer of the equipment outside the
    actor has capacity (the investment proceeds with that maker's lead time)."""

    type: Literal["equipment_export_ban"]
    """Instrument type."""

    @model_validator(mode="after")
    def _needs_equipment(self) -> EquipmentExportBan:
        if not self.equipment:
            msg = "expected at least one equipment product, got none"
            raise ValueError(msg)
        return self


class Exemption(_Model):
    """Buyers exempted from a ``firm_control`` cut from a given day."""

    buyers: list[str] = Field(min_length=1)
    """Buyer node ids (``REGION/product[/firm]``) or region codes."""
    from_day: Day
    """First day the exemption is in force."""
    share: Share = 1.0
    """Share of the exempted buyers' orders served again (1 = all)."""


class FirmControl(InstrumentBase):
    """Control of one ``firm``'s plants (producers with ``firm``; Nexperia case).

    ``block_exports``: the actor blocks exports of ``products`` from the firm's plants on its soil
    to buyers in the targets (permit p_e = 0). ``stop_supply``: the firm's plants outside the
    targets stop supplying ``products`` to the firm's own plants in the targets (the owner cuts
    off a plant it no longer controls). ``exempt`` buyers are served again from a day.
    """

    type: Literal["firm_control"]
    """Instrument type."""
    firm: str
    """Firm name as in the producers table."""
    action: Literal["block_exports", "stop_supply"] = "block_exports"
    """``block_exports`` (the host state cuts the plants off) or ``stop_supply`` (the owner stops
    supplying the plants in the targets)."""
    exempt: list[Exemption] = Field(default_factory=list)
    """Exemptions for named buyers from a day."""

    @model_validator(mode="after")
    def _stop_supply_targets(self) -> FirmControl:
        if self.action == "stop_supply" and not self.targets:
            msg = "stop_supply: expected targets (regions of the plants cut off), got none"
            raise ValueError(msg)
        return self


INSTRUMENT_TYPES: tuple[type[InstrumentBase], ...] = (
    ExportBan,
    Quota,
    Licensing,
    CapacityShock,
    StockpileRelease,
    CapacityInvestment,
    Substitution,
    DemandRestraint,
    ExtraterritorialLicensing,
    TechExportBan,
    EquipmentExportBan,
    FirmControl,
)
"""Every instrument class (extend here and in :data:`Instrument`)."""

Instrument = Annotated[
    ExportBan
    | Quota
    | Licensing
    | CapacityShock
    | StockpileRelease
    | CapacityInvestment
    | Substitution
    | DemandRestraint
    | ExtraterritorialLicensing
    | TechExportBan
    | EquipmentExportBan
    | FirmControl,
    Field(discriminator="type"),
]
"""Any instrument, chosen by its ``type`` field."""


def instrument_class(type_name: object) -> type[InstrumentBase] | None:
    """The instrument class whose ``type`` is ``type_name`` (``None`` if there is none)."""
    for cls in INSTRUMENT_TYPES:
        if type_name in get_args(cls.model_fields["type"].annotation):
            return cls
    return None
