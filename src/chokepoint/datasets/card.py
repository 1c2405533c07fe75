"""The data card of a dataset: every figure with its source, every assumption, every balancing change.

:func:`card_records` is pure (tables in, records out); :func:`card_inputs` reads the side files a
packaged dataset ships next to its tables (``balancing.csv`` and any other extra CSV such as
``manufacturing_share.csv``); :func:`card_markdown` renders the records as a Markdown page.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.network.schema import TABLES
from chokepoint.network.tables import NetworkTables

FIGURE_COLUMNS: dict[str, tuple[str, ...]] = {
    "regions": ("wgi",),
    "products": ("unit_value_usd",),
    "producers": ("output", "capacity"),
    "recipes": ("amount",),
    "links": ("flow", "lead_time_days"),
    "final_demand": ("quantity",),
    "stocks": ("target_days", "initial_days", "strategic_days"),
    "alternatives": ("qualification_days",),
}
"""The numeric columns of each network table that the card lists as figures."""

RECORD_FIELDS = (
    "kind",
    "table",
    "row",
    "key",
    "column",
    "value",
    "unit",
    "basis",
    "source",
    "note",
)
"""Fields of every card record (``kind`` is figure, source, assumption, balancing or side;
``basis`` of a figure is ``assumption`` if its row cites an ASSUMPTION, ``derived`` if it says
DERIVED, else ``sourced``)."""

_UNITS = {
    "unit_value_usd": "USD/unit",
    "output": "units/day",
    "capacity": "units/day",
    "flow": "units/day",
    "quantity": "units/day",
    "lead_time_days": "day",
    "target_days": "days of use",
    "initial_days": "days of use",
    "strategic_days": "days of use",
    "qualification_days": "day",
    "amount": "input units/output unit",
    "wgi": "index",
}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _key(table: str, df: pd.DataFrame) -> pd.Series:
    cols = list(TABLES[table].key)
    out = df[cols[0]].astype(str)
    for c in cols[1:]:
        part = df[c].astype(str)
        out = out + np.where(part != "", " | " + part, "")
    return out


def card_records(
    tables: NetworkTables,
    balancing: pd.DataFrame | None = None,
    side_tables: Mapping[str, pd.DataFrame] | None = None,
) -> list[dict[str, Any]]:
    """Every figure of ``tables`` with its source, then sources, assumptions and balancing changes.

    Parameters
    ----------
    tables
        A validated dataset.
    balancing
        The dataset's balancing log (columns ``location, old, new, ...``), if it has one.
    side_tables
        Extra tables shipped with the dataset (e.g. ``manufacturing_share``); each row becomes a
        record of kind ``side``.
    """
    parts: list[pd.DataFrame] = []
    for table, columns in FIGURE_COLUMNS.items():
        df = tables.frames[table].reset_index(drop=True)
        if df.empty:
            continue
        key = _key(table, df)
        unit = (
            df["product"].map(tables.products.set_index("product")["unit"]).fillna("")
            if table in ("producers", "recipes")
            else pd.Series("", index=df.index)
        )
        for column in columns:
            values = pd.to_numeric(df[column], errors="coerce")
            present = values.notna()
            parts.append(
                pd.DataFrame(
                    {
                        "kind": "figure",
                        "table": table,
                        "row": (df.index[present] + 2).astype(int),
                        "key": key[present],
                        "column": column,
                        "value": values[present],
                        "unit": _UNITS.get(column, "")
                        + np.where(unit[present] != "", " (" + unit[present] + ")", ""),
                        "source": df.loc[present, "source"],
                        "note": df.loc[present, "note"],
                    }
                )
            )
    meta = tables.meta
    parts.append(
        pd.DataFrame(
            {
                "kind": "source",
                "source": [str(s) for s in meta.get("sources", []) or []],
            }
        )
    )
    parts.append(
        pd.DataFrame(
            {
                "kind": "assumption",
                "note": [str(a) for a in meta.get("assumptions", []) or []],
            }
        )
    )
    if "default_stock_days" in meta:
        parts.append(
            pd.DataFrame(
                {
                    "kind": ["assumption"],
                    "column": ["default_stock_days"],
                    "value": [float(meta["default_stock_days"])],
                    "unit": ["days of use"],
                    "note": ["inventory target of every input pair without a stocks row"],
                }
            )
        )
    if balancing is not None and not balancing.empty:
        b = balancing.reset_index(drop=True)
        parts.append(
            pd.DataFrame(
                {
                    "kind": "balancing",
                    "table": b.get("table", ""),
                    "row": b.index + 2,
                    "key": b["location"].astype(str),
                    "column": b.get("column", ""),
                    "value": pd.to_numeric(b["new"], errors="coerce"),
                    "unit": "units/day",
                    "source": "old value "
                    + pd.to_numeric(b["old"], errors="coerce").map(lambda v: f"{v:.6g}"),
                    "note": b.get("note", pd.Series("", index=b.index)).fillna("").astype(str),
                }
            )
        )
    for name, side in (side_tables or {}).items():
        s = side.reset_index(drop=True)
        value_col = "share" if "share" in s else None
        parts.append(
            pd.DataFrame(
                {
                    "kind": "side",
                    "table": name,
                    "row": s.index + 2,
                    "key": s.iloc[:, 0].astype(str)
                    + (" | " + s["year"].astype(str) if "year" in s else ""),
                    "column": value_col or "",
                    "value": pd.to_numeric(s[value_col], errors="coerce") if value_col else np.nan,
                    "source": s.get("source", pd.Series("", index=s.index)),
                    "note": s.get("note", pd.Series("", index=s.index)),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).reindex(columns=list(RECORD_FIELDS))
    frame[["table", "key", "column", "unit", "source", "note"]] = (
        frame[["table", "key", "column", "unit", "source", "note"]].fillna("").astype(str)
    )
    frame["basis"] = np.where(frame["kind"] == "figure", _basis(frame), "")
    rows = frame["row"].astype("Int64")
    frame["row"] = rows.astype(object).where(rows.notna(), None)
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


_OWN_CLAUSE = {"capacity": "capacity", "lead_time_days": "lead time"}
_OTHER_CLAUSE = {"output": "capacity", "flow": "lead time"}


def _basis(frame: pd.DataFrame) -> pd.Series:
    """sourced / derived / assumption per figure, reading only the note clauses about its column.

    Notes are ``;``-separated clauses; a clause starting with ``capacity:`` or ``lead time:``
    speaks about that column only (e.g. a sourced output with an assumed capacity).
    """
    note = frame["note"].astype(str)
    text = frame["source"].astype(str) + " ; " + note
    for column, label in _OTHER_CLAUSE.items():
        sel = frame["column"] == column
        text = text.where(~sel, text.str.replace(rf"{label}: [^;]*", "", regex=True))
    for column, label in _OWN_CLAUSE.items():
        own = note.str.extract(rf"({label}: [^;]*)", expand=False)
        sel = (frame["column"] == column) & own.notna()
        text = text.where(~sel, own)
    return pd.Series(
        np.where(
            text.str.contains("ASSUMPTION", regex=False),
            "assumption",
            np.where(text.str.contains("DERIVED", regex=False), "derived", "sourced"),
        ),
        index=frame.index,
    )


def card_inputs(folder: str | Path) -> tuple[pd.DataFrame | None, dict[str, pd.DataFrame]]:
    """The balancing log and the side tables found in a dataset folder (extra CSV files)."""
    folder = Path(folder)
    table_files = {f"{name}.csv" for name in TABLES}
    balancing = None
    side: dict[str, pd.DataFrame] = {}
    for path in sorted(folder.glob("*.csv")):
        if path.name in table_files:
            continue
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        if path.stem == "balancing":
            balancing = frame
        else:
            side[path.stem] = frame
    return balancing, side


def _md_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def card_markdown(tables: NetworkTables, records: list[dict[str, Any]]) -> str:
    """Render card records as a Markdown page (sections: sources, assumptions, figures, balancing)."""
    frame = pd.DataFrame(records, columns=list(RECORD_FIELDS))
    lines = [
        f"# Data card: {tables.label}",
        "",
        str(tables.meta.get("description", "")).strip(),
        "",
        "Generated by `chokepoint data card "
        + tables.name
        + " --format md`. Every figure below carries its source; rows whose note starts with "
        "`ASSUMPTION` are labelled assumptions (reasoning in the Assumptions section).",
        "",
        "| table | rows |",
        "|---|---|",
        *[f"| {name} | {n} |" for name, n in tables.counts().items()],
        "",
        "",
    ]
    figs = frame[frame["kind"] == "figure"]
    basis = figs.groupby(["table", "basis"]).size().unstack(fill_value=0)
    basis = basis.reindex(columns=["sourced", "derived", "assumption"], fill_value=0)
    lines += [
        "Basis of the figures (a row citing an ASSUMPTION counts as assumption even if part of it "
        "is sourced):",
        "",
        "| table | sourced | derived | assumption |",
        "|---|---|---|---|",
        *[f"| {t} | {r.sourced} | {r.derived} | {r.assumption} |" for t, r in basis.iterrows()],
        "",
        "## Sources",
        "",
    ]
    lines += [f"- {_md_cell(s)}" for s in frame.loc[frame["kind"] == "source", "source"]]
    lines += ["", "## Assumptions", ""]
    assumptions = frame[frame["kind"] == "assumption"]
    for row in assumptions.itertuples():
        text = row.note if not row.column else f"{row.column} = {_md_cell(row.value)}: {row.note}"
        lines.append(f"- {_md_cell(text)}")
    lines += ["", "## Balancing changes", ""]
    bal = frame[frame["kind"] == "balancing"]
    if bal.empty:
        lines.append("No value changed during balancing.")
    else:
        lines += ["| location | new value | old value | note |", "|---|---|---|---|"]
        lines += [
            f"| {_md_cell(r.key)} | {_md_cell(r.value)} | {_md_cell(r.source)} | {_md_cell(r.note)} |"
            for r in bal.itertuples()
        ]
    for kind, title in (("figure", "Figures"), ("side", "Side tables")):
        sub = frame[frame["kind"] == kind]
        if sub.empty:
            continue
        lines += ["", f"## {title}", ""]
        for table, rows in sub.groupby("table", sort=False):
            lines += [
                f"### {table}",
                "",
                "| row | key | column | value | unit | basis | source | note |",
                "|---|---|---|---|---|---|---|---|",
            ]
            lines += [
                f"| {r.row} | {_md_cell(r.key)} | {r.column} | {_md_cell(r.value)} | "
                f"{_md_cell(r.unit)} | {r.basis} | {_md_cell(r.source)} | {_md_cell(r.note)} |"
                for r in rows.itertuples()
            ]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
