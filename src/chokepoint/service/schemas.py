"""The service's own request and response models (never core objects).

Field names follow the ``--json`` contract of ``chokepoint run`` (DESIGN §12) where they overlap,
so a client can read a run's metrics from the CLI or the API with the same code.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RunStatus = Literal["queued", "running", "finished", "failed", "cancelled"]
"""Life cycle of a run: queued -> running -> finished | failed | cancelled."""

TERMINAL_STATUSES: frozenset[str] = frozenset({"finished", "failed", "cancelled"})
ACTIVE_STATUSES: frozenset[str] = frozenset({"queued", "running"})


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemOut(_Out):
    """One problem in a request: where it is and what was expected."""

    location: str
    message: str


class ErrorBody(_Out):
    """The body of every error response."""

    code: str = Field(description="Machine-readable error kind, e.g. 'invalid_input'.")
    message: str = Field(description="One human-readable sentence.")
    problems: list[ProblemOut] = Field(default_factory=list)


class ErrorOut(_Out):
    """Every 4xx/5xx answer has this shape (never a traceback)."""

    error: ErrorBody


class Health(_Out):
    """Liveness and versions."""

    status: Literal["ok"]
    version: str
    workers: int
    auth: bool = Field(description="Whether API calls need the bearer token.")


class Limits(_Out):
    """The caps this server enforces (so clients can check before they submit)."""

    max_body_bytes: int
    max_horizon_days: int
    max_batch_size: int
    max_jobs_per_client: int
    max_run_seconds: float
    max_series_points: int


# -- datasets -------------------------------------------------------------------------------


class DatasetSummary(_Out):
    """A dataset known to the server (shipped in the package or imported)."""

    name: str
    version: str
    origin: str
    description: str
    counts: dict[str, int]


class ProductOut(_Out):
    """A product of a dataset."""

    product: str
    name: str
    stage: str
    unit: str
    unit_value_usd: float
    chains: list[str]


class RegionOut(_Out):
    """A region of a dataset."""

    region: str
    name: str
    blocs: list[str]


class DatasetDetail(DatasetSummary):
    """A dataset with its products, regions, sources and assumptions."""

    products: list[ProductOut]
    regions: list[RegionOut]
    chains: list[str]
    sources: list[str]
    assumptions: list[str]


class ShareOut(_Out):
    """Share of one region in a product's baseline output."""

    region: str
    output: float
    share: float


class StageOut(_Out):
    """One product (stage) of a chain with its producing regions' shares and concentration."""

    product: str
    name: str
    stage: str
    unit: str
    output: float
    hhi: float
    top_region: str
    top_share: float
    shares: list[ShareOut]


class ChainOut(_Out):
    """Stages of one chain (or of the whole dataset), ordered upstream to downstream."""

    dataset: str
    chain: str | None
    stages: list[StageOut]


class FlowNode(_Out):
    """A node of the flow diagram: one (region, product)."""

    id: str
    region: str
    product: str
    stage: str


class FlowLink(_Out):
    """Baseline flow between two (region, product) nodes, in physical units and USD per day."""

    source: int
    target: int
    flow: float
    value_usd: float


class FlowsOut(_Out):
    """Flow (Sankey) diagram of a dataset or one chain."""

    dataset: str
    chain: str | None
    nodes: list[FlowNode]
    links: list[FlowLink]


class ImportResult(_Out):
    """Outcome of a dataset upload."""

    name: str
    version: str
    counts: dict[str, int]


# -- scenarios ------------------------------------------------------------------------------


class ScenarioIn(_Out):
    """A scenario as YAML text (the same text a scenario file holds)."""

    yaml: str = Field(description="Scenario YAML text.", max_length=1_000_000)


class InstrumentOut(_Out):
    """One instrument of a scenario, as the builder lists it."""

    key: str
    type: str
    actor: str
    products: list[str]
    targets: list[str] = Field(description="Empty: the instrument's default targets.")
    start_day: int
    end_day: int | None


class ValidationOut(_Out):
    """Result of validating a scenario (a scenario with problems is not an HTTP error)."""

    valid: bool
    name: str | None = None
    dataset: str | None = None
    horizon_days: int | None = None
    members: int | None = None
    instruments: int | None = None
    instrument_list: list[InstrumentOut] = Field(default_factory=list)
    problems: list[ProblemOut] = Field(default_factory=list)


class PresetSummary(_Out):
    """A preset scenario shipped with Chokepoint."""

    name: str
    title: str
    description: str
    dataset: str | None


class PresetDetail(PresetSummary):
    """A preset with its YAML text (start the scenario builder from it)."""

    yaml: str


# -- runs -----------------------------------------------------------------------------------


class RunCreate(_Out):
    """Submit a run: either a preset's name or scenario YAML text."""

    preset: str | None = Field(None, description="Name of a preset scenario.", max_length=200)
    scenario_yaml: str | None = Field(
        None, description="Scenario YAML text (instead of a preset).", max_length=1_000_000
    )


class RunOut(_Out):
    """A run's status and, once it finished, where its results are."""

    run_id: str
    scenario: str
    dataset: str
    status: RunStatus | str
    progress: float = Field(
        ge=0, le=1, description="Share of the run done (mostly simulated days)."
    )
    phase: str | None = Field(None, description="What a queued or running run is doing now.")
    error: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    links: dict[str, str] = Field(default_factory=dict)


class RunDetail(RunOut):
    """A run with its scenario YAML."""

    scenario_yaml: str


class MetricsOut(_Out):
    """The machine-readable results of a run (DESIGN §12)."""

    model_config = ConfigDict(extra="allow")

    scenario: str
    dataset: str
    horizon_days: int
    scenarios: int
    metrics: dict[str, list[dict[str, Any]]]
    assumptions: list[Any] = Field(default_factory=list)
    sources: list[Any] = Field(default_factory=list)


class SeriesLine(_Out):
    """One line of a time series: values per day for one key (region, product, member)."""

    key: dict[str, str]
    values: list[float | None]
    unit: str | None = None
    """Physical unit of a line summed in physical units (``"mixed"`` over different units, whose
    values are then all ``None``); ``None`` when the answer is relative, in USD or an average."""


class SeriesOut(_Out):
    """A slice of a run's day-by-day results, aggregated to the requested keys."""

    run_id: str
    variable: str
    units: str
    by: list[str]
    days: list[int]
    lines: list[SeriesLine]


# -- analysis -------------------------------------------------------------------------------


class Table(_Out):
    """A generic table: column names and records (JSON-safe values)."""

    dataset: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    notes: list[str] = Field(default_factory=list)


class Matrix(_Out):
    """A labelled matrix (heat maps): ``values[i][j]`` for row ``rows[i]`` and column ``columns[j]``."""

    dataset: str
    title: str
    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]
    notes: list[str] = Field(default_factory=list)


class LeverageOut(_Out):
    """Leverage matrix: ``damage_usd[i][j]`` is what ``regions[i]`` can do to ``regions[j]``."""

    dataset: str
    regions: list[str]
    horizon_days: int
    damage_usd: list[list[float | None]]
    own_cost_usd: list[list[float | None]]
    time_to_pain_day: list[list[float | None]]
    instrument: list[list[str | None]]
    pairs: list[dict[str, Any]]
    notes: list[str] = Field(default_factory=list)
