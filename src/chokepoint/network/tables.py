"""NetworkTables: the validated, labelled tables of one dataset (the left side of ``compile``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from chokepoint.network.schema import TABLES


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a table came from, to name rows in messages.

    ``label`` is the file name (``links.csv``) or the table name for in-memory frames. A row's
    number in messages is its position plus ``row_offset``: 2 for files with a header line (so the
    number is the line an editor or spreadsheet shows), 0 for in-memory frames (``iloc`` position).
    """

    label: str
    row_offset: int = 0

    def at(self, position: int, column: str | None = None) -> str:
        """``label:row[:column]`` for the row at ``position``."""
        loc = f"{self.label}:{position + self.row_offset}"
        return f"{loc}:{column}" if column else loc


@dataclass(frozen=True)
class NetworkTables:
    """The tables of one dataset, typed and validated (build with :func:`chokepoint.validate_tables`).

    ``frames`` maps each table name in :data:`chokepoint.network.schema.TABLES` to a DataFrame with
    exactly the declared columns; ``meta`` holds the dataset's description, version, sources,
    assumptions and defaults (e.g. ``default_stock_days``).
    """

    name: str
    frames: Mapping[str, pd.DataFrame]
    version: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    origins: Mapping[str, Origin] = field(default_factory=dict)

    def __getattr__(self, item: str) -> pd.DataFrame:
        if item in TABLES:
            return self.frames[item]
        msg = f"{type(self).__name__!r} has no attribute {item!r}"
        raise AttributeError(msg)

    @property
    def label(self) -> str:
        """``name@version`` as recorded in results."""
        return f"{self.name}@{self.version}" if self.version else self.name

    def origin(self, table: str) -> Origin:
        """Where ``table`` came from (defaults to its name, in-memory numbering)."""
        return self.origins.get(table, Origin(table, 0))

    def counts(self) -> dict[str, int]:
        """Row count of each table."""
        return {name: len(df) for name, df in self.frames.items()}

    def replace(self, **frames: pd.DataFrame) -> NetworkTables:
        """A copy with some tables replaced."""
        return NetworkTables(
            self.name, {**self.frames, **frames}, self.version, self.meta, self.origins
        )
