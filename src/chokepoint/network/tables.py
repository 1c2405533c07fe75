"""NetworkTables: the validated, labelled tables of one dataset (the left side of ``compile``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.network.schema import TABLES


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a table came from, to name rows in messages.

    ``label`` is the file name (``links.csv``) or the table name for in-memory frames. A row's
    number in messages is its position plus ``row_offset``: 2 for files with a header line (so the
    number is the line an editor or spreadsheet shows), 0 for in-memory frames (``iloc`` position).
    ``lines``, when given, is the line number of each row instead (a CSV with blank lines or
    quoted line breaks).

    >>> Origin("links.csv", 2).at(0, "flow")
    'links.csv:2:flow'
    """

    label: str
    row_offset: int = 0
    lines: npt.NDArray[np.int64] | None = field(default=None, compare=False, repr=False)

    def at(self, position: int, column: str | None = None) -> str:
        """``label:row[:column]`` for the row at ``position``."""
        if self.lines is not None and 0 <= position < len(self.lines):
            row = int(self.lines[position])
        else:
            row = position + self.row_offset
        loc = f"{self.label}:{row}"
        return f"{loc}:{column}" if column else loc

    def header(self, column: str) -> str:
        """``label:1:column`` for a file with a header line (``label:column`` otherwise)."""
        return f"{self.label}:1:{column}" if self.row_offset >= 2 else f"{self.label}:{column}"


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
