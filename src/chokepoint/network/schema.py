"""The network tables, declared once: every column's dtype, unit, default and meaning.

This module is the single source of truth for the data model (DESIGN §3). Validation
(:mod:`chokepoint.network.validate`), the importers (:mod:`chokepoint.io.tables`), the store and the
generated reference docs all read :data:`TABLES`.

A node is a producer (region, product[, firm]); its id is ``REGION/product`` or
``REGION/product/firm`` (see :func:`node_id`). Links, final demand, stocks and alternatives refer to
nodes by that id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

DType = Literal["str", "float", "int"]

STAGES: tuple[str, ...] = (
    "raw",
    "processed",
    "material",
    "component",
    "end",
    "equipment",
    "energy",
)
"""Allowed values of ``products.stage``: from mined ore (raw) to end products and capital goods."""

NODE_SEPARATOR = "/"


@dataclass(frozen=True, slots=True)
class Check:
    """A vectorised value check: ``test(values) -> bool mask of valid entries`` and what it expects."""

    expected: str
    test: Callable[[pd.Series], pd.Series]


def ge(bound: float) -> Check:
    """Values must be >= ``bound``."""
    return Check(f"a number ≥ {bound:g}", lambda s: s >= bound)


def between(lo: float, hi: float) -> Check:
    """Values must lie in ``[lo, hi]``."""
    return Check(f"a number in [{lo:g}, {hi:g}]", lambda s: (s >= lo) & (s <= hi))


def one_of(values: tuple[str, ...]) -> Check:
    """Values must be one of ``values``."""
    return Check(f"one of {', '.join(values)}", lambda s: s.isin(values))


def no_separator() -> Check:
    """Codes may not contain the node-id separator ``/`` nor surrounding blanks."""
    return Check(
        f"a code without '{NODE_SEPARATOR}' or surrounding spaces",
        lambda s: ~s.str.contains(NODE_SEPARATOR, regex=False) & (s == s.str.strip()) & (s != ""),
    )


@dataclass(frozen=True, slots=True)
class Col:
    """One column of a network table.

    ``fk`` names the table and column a value must exist in (``"products.product"``, or
    ``"nodes"`` for a node id). A column with ``required=False`` may be absent from the file; its
    ``default`` then fills it (``None`` means missing values stay missing).
    """

    name: str
    dtype: DType
    doc: str
    unit: str = ""
    required: bool = True
    default: object = None
    check: Check | None = None
    fk: str | None = None


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A network table: its columns, its key and what it means."""

    name: str
    doc: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    optional_table: bool = False
    extra_columns: tuple[str, ...] = field(default=("source", "note"))

    @property
    def column_names(self) -> tuple[str, ...]:
        """All declared columns, in order (the provenance columns ``source`` and ``note`` last)."""
        return tuple(c.name for c in self.columns) + self.extra_columns

    def col(self, name: str) -> Col:
        """The declared column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        msg = f"table {self.name!r} has no column {name!r}"
        raise KeyError(msg)


_SOURCE_DOC = (
    "Every table also takes two optional text columns: `source` (where the row's figures come "
    "from) and `note` (assumptions, derivations, caveats)."
)

REGIONS = TableSpec(
    "regions",
    "Who produces and who can restrict: countries (ISO 3166-1 alpha-3) or blocs.",
    (
        Col(
            "region",
            "str",
            "region code (ISO3, or a bloc/aggregate such as EU27, ROW)",
            check=no_separator(),
        ),
        Col("name", "str", "display name", required=False, default=""),
        Col(
            "blocs",
            "str",
            "blocs the region belongs to, separated by ';' (e.g. 'EU27;G7')",
            required=False,
            default="",
        ),
        Col(
            "wgi",
            "float",
            "World Governance Indicators political stability score (-2.5 worst .. 2.5 best)",
            unit="index",
            required=False,
            check=between(-2.5, 2.5),
        ),
    ),
    key=("region",),
)

PRODUCTS = TableSpec(
    "products",
    "What flows: one row per product, in its own physical unit.",
    (
        Col("product", "str", "product code (lower_snake_case)", check=no_separator()),
        Col("name", "str", "display name", required=False, default=""),
        Col("stage", "str", "stage in the chain", check=one_of(STAGES)),
        Col("unit", "str", "physical unit of one unit of the product (t, kg, vehicle, kWh, ...)"),
        Col("unit_value_usd", "float", "value of one unit", unit="USD/unit", check=ge(0)),
        Col(
            "chains",
            "str",
            "chains the product belongs to, separated by ';'",
            required=False,
            default="",
        ),
        Col("hs_codes", "str", "HS codes, separated by ';'", required=False, default=""),
    ),
    key=("product",),
)

PRODUCERS = TableSpec(
    "producers",
    "Nodes: who makes what, with capacity and baseline output per day.",
    (
        Col("region", "str", "where the plant is", fk="regions.region"),
        Col("product", "str", "what it makes", fk="products.product"),
        Col(
            "firm",
            "str",
            "firm owning the plant (blank for a region's aggregate)",
            required=False,
            default="",
            check=None,
        ),
        Col(
            "owner_region",
            "str",
            "region of the firm's owner (blank: the plant's region)",
            required=False,
            default="",
            fk="regions.region",
        ),
        Col("capacity", "float", "maximum output", unit="units/day", check=ge(0)),
        Col("output", "float", "baseline output", unit="units/day", check=ge(0)),
    ),
    key=("region", "product", "firm"),
)

RECIPES = TableSpec(
    "recipes",
    "Bill of materials (Leontief): input needed per unit of output.",
    (
        Col("product", "str", "output product", fk="products.product"),
        Col("input", "str", "input product", fk="products.product"),
        Col(
            "amount",
            "float",
            "input per unit of output",
            unit="input units/output unit",
            check=ge(0),
        ),
        Col(
            "substitution_group",
            "str",
            "inputs of one product sharing a group are substitutes: output needs Σ_group I_k/a_k",
            required=False,
            default="",
        ),
        Col(
            "region",
            "str",
            "region whose producers of `product` use this row (blank: every region); a region's "
            "row overrides the blank row of the same product and input there (MRIO tables have "
            "region-specific technical coefficients)",
            required=False,
            default="",
            fk="regions.region",
        ),
    ),
    key=("product", "input", "region"),
)

LINKS = TableSpec(
    "links",
    "Who buys from whom: the supplier ships its own product to the buyer.",
    (
        Col("supplier", "str", "supplier node id (REGION/product[/firm])", fk="nodes"),
        Col("buyer", "str", "buyer node id (REGION/product[/firm])", fk="nodes"),
        Col("flow", "float", "baseline flow", unit="supplier units/day", check=ge(0)),
        Col(
            "lead_time_days",
            "int",
            "shipping delay",
            unit="day",
            required=False,
            default=0,
            check=ge(0),
        ),
    ),
    key=("supplier", "buyer"),
)

FINAL_DEMAND = TableSpec(
    "final_demand",
    "Demand outside the production network (households, government, exports outside the model).",
    (
        Col("supplier", "str", "node serving the demand", fk="nodes"),
        Col("region", "str", "where the demand is", fk="regions.region"),
        Col("quantity", "float", "baseline quantity", unit="supplier units/day", check=ge(0)),
    ),
    key=("supplier", "region"),
    optional_table=True,
)

STOCKS = TableSpec(
    "stocks",
    "Buffers: inventories of an input held by a node, in days of its baseline use.",
    (
        Col("node", "str", "holder node id", fk="nodes"),
        Col("input", "str", "input product held", fk="products.product"),
        Col("target_days", "float", "inventory target", unit="days of use", check=ge(0)),
        Col(
            "initial_days",
            "float",
            "inventory at day 0 (blank: the target)",
            unit="days of use",
            required=False,
            check=ge(0),
        ),
        Col(
            "strategic_days",
            "float",
            "strategic stockpile, released only by a stockpile_release",
            unit="days of use",
            required=False,
            default=0.0,
            check=ge(0),
        ),
    ),
    key=("node", "input"),
    optional_table=True,
)

ALTERNATIVES = TableSpec(
    "alternatives",
    "Switching options: a supplier a buyer can qualify, after a lag, when its sources fail.",
    (
        Col("buyer", "str", "buyer node id", fk="nodes"),
        Col("supplier", "str", "potential supplier node id", fk="nodes"),
        Col(
            "qualification_days",
            "int",
            "days from the first shortfall until orders may go there",
            unit="day",
            check=ge(0),
        ),
    ),
    key=("buyer", "supplier"),
    optional_table=True,
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (REGIONS, PRODUCTS, PRODUCERS, RECIPES, LINKS, FINAL_DEMAND, STOCKS, ALTERNATIVES)
}
"""Every network table by name, in dependency order."""

SOURCE_DOC = _SOURCE_DOC


UNIT_NOT_GIVEN = " (unit not given)"
"""Suffix of the unit label of a product whose ``products.unit`` is blank (see :func:`unit_labels`)."""


def unit_labels(units: object, products: object) -> npt.NDArray[np.str_]:
    """Physical unit of each product, ``"<product> (unit not given)"`` where the unit is blank.

    ``units`` and ``products`` are aligned sequences. A blank unit is never guessed (tonnes?
    pieces?): the label names the product, so two products without a unit never count as sharing
    one, and a table of results says plainly that the unit is missing.
    """
    text = pd.Series(np.asarray(units, dtype=object).reshape(-1), dtype=object).fillna("")
    unit = text.astype(str).str.strip().to_numpy(dtype=str)
    product = np.asarray(products, dtype=str)
    missing = np.char.add(product, UNIT_NOT_GIVEN)
    return np.asarray(np.where(unit == "", missing, unit), dtype=str)


def node_id(region: pd.Series, product: pd.Series, firm: pd.Series | None = None) -> pd.Series:
    """Node ids ``REGION/product`` or ``REGION/product/firm`` (vectorised).

    >>> import pandas as pd
    >>> node_id(pd.Series(["CHN", "NLD"]), pd.Series(["chip", "chip"]), pd.Series(["", "nexperia"])).tolist()
    ['CHN/chip', 'NLD/chip/nexperia']
    """
    base = region.astype(str) + NODE_SEPARATOR + product.astype(str)
    if firm is None:
        return base
    firm = firm.fillna("").astype(str)
    return base.where(firm == "", base + NODE_SEPARATOR + firm)


def empty_table(spec: TableSpec) -> pd.DataFrame:
    """An empty DataFrame with the table's declared columns and dtypes."""
    data = {c.name: pd.Series(dtype=_pandas_dtype(c.dtype)) for c in spec.columns}
    data |= {name: pd.Series(dtype=object) for name in spec.extra_columns}
    return pd.DataFrame(data)


def _pandas_dtype(dtype: DType) -> type:
    return {"str": object, "float": np.float64, "int": np.int64}[dtype]
