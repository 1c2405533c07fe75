"""Bargaining menus: the measures each side can impose, pause or repeal (YAML, pydantic schema).

A menu file names two sides (region codes) and their measures. Every measure is a scenario
instrument (:mod:`chokepoint.scenario.instruments`) — an export ban, licensing regime, quota,
extraterritorial licence — plus what conceding it means::

    name: us-china-2025
    sides: [CHN, USA]
    horizon_days: 180
    measures:
      rare_earth_april:
        side: CHN
        status: in_force            # imposed now; ``threatened``: imposed only in escalation
        concession: pause           # ``pause`` (for ``pause_days``) or ``repeal``
        pause_days: 365
        instrument: {type: licensing, actor: CHN, products: [dy_tb_oxide], approval_share: 0.25}

Presets live in ``bargaining/presets/*.yaml``. Problems are collected and raised as one
:class:`~chokepoint.errors.InputError` naming ``file:line | field``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from chokepoint.errors import InputError, NotFoundError, Problem
from chokepoint.io.text import read_text
from chokepoint.scenario.instruments import Instrument, located_error
from chokepoint.scenario.load import field_path, locator, parse_yaml, problems_from
from chokepoint.scenario.schema import DEFAULT_DATASET, Assumption, Scenario, Source

if TYPE_CHECKING:
    from chokepoint.network.compile import CompiledNetwork

PRESETS_DIR = Path(__file__).parent / "presets"
"""Folder of the bargaining presets shipped in the package."""

MAX_MEASURES = 8
"""At most 2**8 = 256 outcomes are simulated in one batch."""


class _Model(BaseModel):
    # allow_inf_nan=False: every number must be finite (``.inf`` and ``.nan`` are rejected)
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False
    )


class Measure(_Model):
    """One measure on the table: who applies it, what it does, what conceding it means."""

    side: str
    """Region code of the side that applies the measure (and can concede it)."""
    instrument: Instrument
    """What the measure does, as a scenario instrument. Its ``actor`` is whose trade it acts on:
    a tariff of side B on A's goods is a ``quota`` with ``actor: A, targets: [B]``."""
    status: Literal["in_force", "threatened"] = "in_force"
    """``in_force``: imposed (from the instrument's ``start_day``); ``threatened``: announced or
    available but not applied — applied only under escalation (the threat point)."""
    concession: Literal["pause", "repeal"] = "pause"
    """What conceding means: ``pause`` suspends the measure for ``pause_days`` (then it returns),
    ``repeal`` removes it for good. A conceded threatened measure is simply not imposed."""
    pause_days: int | None = Field(default=None, ge=1)
    """Length of a pause in days (``null``: beyond the horizon, i.e. the whole run)."""
    source: str | None = None
    """Where the measure and its parameters come from (events.csv / counter_levers.csv rows)."""
    note: str | None = None
    """Free text shown in reports."""


class Stockpile(_Model):
    """Inventory cover a region holds for some inputs (replaces the dataset's stock days)."""

    region: str
    """Region code whose plants hold the stock."""
    inputs: list[str] = Field(min_length=1)
    """Input products covered."""
    days: float = Field(gt=0)
    """Days of baseline use held (target and initial stock)."""


class Menu(_Model):
    """A bargaining menu: two sides, their measures, and how the game is played."""

    name: str = Field(min_length=1)
    """Menu name (a short slug; presets are found by it)."""
    description: str = ""
    """What the case represents."""
    dataset: str = DEFAULT_DATASET
    """Dataset to simulate on (``name`` or ``name@version``)."""
    horizon_days: int = Field(default=180, ge=7, le=3650)
    """Days T over which each side's loss is counted."""
    start_date: dt.date | None = None
    """Calendar date of day 0 (labels the time line)."""
    sides: list[str] = Field(min_length=2, max_length=2)
    """The two sides (region codes); payoffs are minus each side's value of output lost."""
    proposer: str | None = None
    """Side that makes the first offer in the alternating-offers model (default: first side)."""
    round_days: float = Field(default=7.0, gt=0)
    """Length of one bargaining round in days (patience delta = exp(-round_days / pain_days))."""
    pain_drop: float = Field(default=0.05, gt=0, lt=1)
    """A side feels pain on the first day the output of one of its products (summed over its
    plants) falls more than this share below baseline (0.05: the engine's 95% time-to-pain)."""
    rivalry: dict[str, float] = Field(default_factory=dict)
    """Weight rho_i in [0, 1) each side puts on the other side's loss: u_i = -L_i + rho_i L_j
    (relative gains; 0 for a side not listed). A stated assumption, never fitted."""
    measures: dict[str, Measure] = Field(min_length=1, max_length=MAX_MEASURES)
    """Measures on the table, keyed by a short name."""
    stockpiles: list[Stockpile] = Field(default_factory=list)
    """Stock cover that differs from the dataset's (e.g. a one-year strategic stockpile)."""
    stockpile_multipliers: list[float] = Field(default_factory=lambda: [2.0])
    """Sensitivity: each side's stock days are multiplied by each factor in a re-run."""
    sources: list[Source | str] = Field(default_factory=list)
    """Sources of the menu's figures."""
    assumptions: list[Assumption | str] = Field(default_factory=list)
    """Labelled assumptions (figures no source gives, with reasoning)."""

    _tree: Any = PrivateAttr(default=None)
    """The file the menu was read from, each value with its line (for messages)."""
    _label: str = PrivateAttr(default="menu")

    @model_validator(mode="after")
    def _check(self) -> Menu:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        sides = ", ".join(self.sides)
        if self.sides[0] == self.sides[1]:
            msg = f"expected two different sides, got {self.sides}"
            problems.append((("sides", 1), msg, self.sides[1]))
        if self.proposer is not None and self.proposer not in self.sides:
            msg = f"expected the proposer to be one of the sides ({sides}), got {self.proposer!r}"
            problems.append((("proposer",), msg, self.proposer))
        for k, m in self.measures.items():
            if m.side not in self.sides:
                msg = f"expected side one of the menu's sides ({sides}), got {m.side!r}"
                problems.append((("measures", k, "side"), msg, m.side))
            if m.instrument.start_day >= self.horizon_days:
                msg = (
                    f"expected instrument start_day < horizon_days ({self.horizon_days}), "
                    f"got {m.instrument.start_day}"
                )
                problems.append(
                    (("measures", k, "instrument", "start_day"), msg, m.instrument.start_day)
                )
        for k, v in self.rivalry.items():
            if k not in self.sides:
                msg = f"expected weights for the sides ({sides}), got one for {k!r}"
                problems.append((("rivalry", k), msg, v))
            elif not 0 <= v < 1:
                msg = f"expected a weight in [0, 1), got {v}"
                problems.append((("rivalry", k), msg, v))
        for i, f in enumerate(self.stockpile_multipliers):
            if f <= 0:
                msg = f"expected positive stockpile multipliers, got {f}"
                problems.append((("stockpile_multipliers", i), msg, f))
        if problems:
            raise located_error("Menu", problems)
        return self

    def measures_of(self, side: str) -> list[str]:
        """Keys of ``side``'s measures, in file order."""
        return [k for k, m in self.measures.items() if m.side == side]


def list_presets() -> list[str]:
    """Names of the bargaining presets shipped in the package."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def resolve(ref: str | Path) -> Path:
    """The file ``ref`` names: an existing path or a preset name (with or without ``.yaml``)."""
    path = Path(ref)
    if path.is_file():
        return path
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    preset = PRESETS_DIR / f"{stem}.yaml"
    if preset.is_file() and "/" not in str(ref):
        return preset
    close = difflib.get_close_matches(stem, list_presets(), n=1, cutoff=0.6)
    hint = f"; did you mean preset {close[0]!r}?" if close else ""
    msg = f"no menu file or bargaining preset {str(ref)!r}{hint} (presets: {', '.join(list_presets())})"
    raise NotFoundError(msg)


def _label(path: Path) -> str:
    if path.resolve().is_relative_to(PRESETS_DIR.resolve()):
        return f"preset:{path.name}"
    return str(path)


def load_menu(ref: str | Path) -> Menu:
    """Read and validate a menu file or preset.

    Raises :class:`~chokepoint.errors.InputError` with every problem as ``file:line | field: ...``
    or :class:`~chokepoint.errors.NotFoundError`.
    """
    path = resolve(ref)
    label = _label(path)
    tree = parse_yaml(read_text(path, label, f"menu file {label}"), label)
    if not isinstance(tree, dict):
        raise InputError(
            f"menu file {label}",
            [Problem(f"{label}:1", f"(top level): expected a mapping of fields, got {tree!r}")],
        )
    try:
        menu = Menu.model_validate(_plain(tree))
    except ValidationError as exc:
        raise InputError(f"menu file {label}", problems_from(exc, tree, root=Menu)) from None
    menu._tree, menu._label = tree, label
    return menu


def check_menu(menu: Menu, net: CompiledNetwork) -> None:
    """Check the menu's region and product codes against the network it runs on.

    Raises one :class:`~chokepoint.errors.InputError` naming the menu file and line of every side
    that is not a region of the dataset and every unknown code in a measure's instrument (with
    did-you-mean).
    """
    from chokepoint.scenario.compile import check_codes

    where = locator(menu._tree) if menu._tree is not None else (lambda _path: menu._label)
    regions = [str(r) for r in net.regions]
    products = [str(p) for p in net.products]
    problems = []

    def unknown(path: tuple[str | int, ...], code: str, known: list[str], what: str) -> None:
        close = difflib.get_close_matches(code, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = f"{field_path(path)}: {code!r} is not a {what} of {net.name}{hint}"
        problems.append(Problem(where(path), message))

    for i, side in enumerate(menu.sides):
        if side not in regions:
            unknown(("sides", i), side, regions, "region")
    for i, stock in enumerate(menu.stockpiles):
        if stock.region not in regions:
            unknown(("stockpiles", i, "region"), stock.region, regions, "region")
        for j, code in enumerate(stock.inputs):
            if code not in products:
                unknown(("stockpiles", i, "inputs", j), code, products, "product")

    def locate(path: Sequence[str | int]) -> str:
        # instruments.KEY... of the one-instrument scenario -> measures.KEY.instrument...
        return where(("measures", path[1], "instrument", *path[2:]))

    for key, measure in menu.measures.items():
        one = Scenario(name=menu.name, instruments={key: measure.instrument})
        for p in check_codes(one, regions, products, locate, dataset=net.name):
            message = p.message.replace(f"instruments.{key}", f"measures.{key}.instrument", 1)
            problems.append(Problem(p.location, message))
    if problems:
        raise InputError(f"menu {menu._label} on {net.name}", problems)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
