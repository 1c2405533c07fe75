"""Validation: collect every problem in a set of raw tables, then fail once, saying where.

:func:`validate_tables` types and checks raw DataFrames (from files or Python) against
:data:`~chokepoint.network.schema.TABLES` and returns :class:`NetworkTables`, or raises one
:class:`~chokepoint.errors.InputError` listing each problem as ``file:row:column | expected ...,
got ...``. Checks: missing tables and columns, unknown columns, types, ranges, duplicate keys,
unknown products/regions/nodes, links whose product the buyer does not use, output above
capacity, and the balance of every node (:func:`balance_problems`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import InputError, Problem
from chokepoint.network._lookup import positions
from chokepoint.network.schema import TABLES, Col, TableSpec, node_id
from chokepoint.network.tables import NetworkTables, Origin

DEFAULT_BALANCE_TOLERANCE = 0.01
"""Relative tolerance of the balance checks (1%): rounding in published figures is about that size."""


def validate_tables(
    frames: Mapping[str, pd.DataFrame],
    *,
    name: str = "unnamed",
    version: str = "",
    meta: Mapping[str, Any] | None = None,
    origins: Mapping[str, Origin] | None = None,
    check_balance: bool = True,
    tolerance: float = DEFAULT_BALANCE_TOLERANCE,
) -> NetworkTables:
    """Type and check raw tables; return :class:`NetworkTables` or raise one ``InputError``.

    Parameters
    ----------
    frames
        Raw DataFrames by table name (values may still be strings, as read from CSV).
    origins
        Where each table came from, so messages can name the file and line.
    check_balance
        Also require every node to balance within ``tolerance`` (see :func:`balance_problems`).
    """
    origins = dict(origins or {})
    problems: list[Problem] = []
    typed: dict[str, pd.DataFrame] = {}
    for spec in TABLES.values():
        origin = origins.setdefault(spec.name, Origin(spec.name, 0))
        raw = frames.get(spec.name)
        if raw is None:
            if not spec.optional_table:
                problems.append(
                    Problem(
                        origin.label,
                        f"expected table {spec.name!r} with columns "
                        f"{', '.join(spec.column_names)}, got none (missing table)",
                    )
                )
            typed[spec.name] = _empty(spec)
            continue
        typed[spec.name] = _type_table(spec, raw, origin, problems)
    unknown = sorted(set(frames) - set(TABLES))
    for table in unknown:
        problems.append(Problem(str(table), f"unknown table; expected one of {', '.join(TABLES)}"))
    tables = NetworkTables(name, typed, version, dict(meta or {}), origins)
    if not problems:
        problems += _reference_problems(tables)
    if not problems and check_balance:
        problems += balance_problems(tables, tolerance)
    if problems:
        raise InputError(f"dataset {name!r}", problems)
    return tables


def _empty(spec: TableSpec) -> pd.DataFrame:
    from chokepoint.network.schema import empty_table

    return empty_table(spec)


def _type_table(
    spec: TableSpec, raw: pd.DataFrame, origin: Origin, problems: list[Problem]
) -> pd.DataFrame:
    """Coerce ``raw`` to the declared dtypes, filling defaults; record every bad cell."""
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    repeated = raw.columns.duplicated()
    for column in dict.fromkeys(raw.columns[repeated]):
        problems.append(Problem(origin.header(column), "expected each column once, got it twice"))
    raw = raw.loc[:, ~repeated]
    declared = set(spec.column_names)
    for column in raw.columns:
        if column not in declared:
            problems.append(
                Problem(
                    origin.header(column),
                    f"unknown column; expected one of {', '.join(spec.column_names)}",
                )
            )
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in raw.columns:
            if col.required:
                problems.append(
                    Problem(
                        origin.header(col.name),
                        f"expected a column {col.name!r} ({col.doc}), got none",
                    )
                )
                out[col.name] = pd.Series([None] * len(raw), dtype=object)
                continue
            out[col.name] = pd.Series(
                [col.default] * len(raw), dtype=object if col.dtype == "str" else None
            )
        out[col.name] = _coerce(
            col, raw[col.name] if col.name in raw.columns else out[col.name], origin, problems
        )
    for extra in spec.extra_columns:
        values = raw[extra] if extra in raw.columns else pd.Series([""] * len(raw))
        out[extra] = values.astype(object).where(values.notna(), "").astype(str)
    df = pd.DataFrame(out)
    _check_duplicates(spec, df, origin, problems)
    return df


def _text(values: pd.Series) -> pd.Series:
    """Values as stripped text, missing values as ``""`` (one conversion, vectorised)."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.fillna("").str.strip()
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _blank(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.isna()
    return _text(values) == ""


def _coerce(col: Col, values: pd.Series, origin: Origin, problems: list[Problem]) -> pd.Series:
    values = values.reset_index(drop=True)
    if col.dtype == "str":
        text = _text(values)
        blank = text == ""
        if col.required:
            _report(blank, origin, col, "expected a value, got blank", problems)
        elif col.default not in (None, ""):
            text = text.where(~blank, str(col.default))
        if col.check is not None:
            _report(
                ~blank & ~col.check.test(text),
                origin,
                col,
                f"expected {col.check.expected}",
                problems,
                text,
            )
        return text
    blank = _blank(values)
    numbers = pd.to_numeric(values.where(~blank), errors="coerce").astype(np.float64)
    not_number = ~blank & (numbers.isna() | ~np.isfinite(numbers))
    _report(not_number, origin, col, "expected a finite number", problems, values)
    if col.required:
        _report(blank, origin, col, "expected a number, got blank", problems)
    elif col.default is not None:
        numbers = numbers.where(~blank, float(col.default))  # type: ignore[arg-type]
    valid = numbers.notna()
    if col.dtype == "int":
        fractional = valid & (numbers != np.round(numbers))
        _report(fractional, origin, col, "expected a whole number", problems, values)
    if col.check is not None:
        _report(
            valid & ~col.check.test(numbers),
            origin,
            col,
            f"expected {col.check.expected}",
            problems,
            values,
        )
    if col.dtype == "int" and not numbers.isna().any():
        return numbers.round().astype(np.int64)
    return numbers


def _report(
    mask: pd.Series,
    origin: Origin,
    col: Col,
    message: str,
    problems: list[Problem],
    got: pd.Series | None = None,
) -> None:
    for position in np.flatnonzero(mask.to_numpy(dtype=bool)):
        suffix = f", got {got.iloc[position]!r}" if got is not None else ""
        problems.append(Problem(origin.at(int(position), col.name), message + suffix))


def _check_duplicates(
    spec: TableSpec, df: pd.DataFrame, origin: Origin, problems: list[Problem]
) -> None:
    if len(df) == 0:
        return
    key = list(spec.key)
    dup = df.duplicated(subset=key, keep="first").to_numpy()
    if not dup.any():
        return
    grouped = df.reset_index().groupby(key, sort=False, dropna=False)
    first = grouped["index"].transform("first").to_numpy()
    for position in np.flatnonzero(dup):
        values = ", ".join(f"{k}={df[k].iloc[position]!r}" for k in key)
        problems.append(
            Problem(
                origin.at(int(position), key[0]),
                f"duplicate key ({values}); first defined at row {origin.at(int(first[position]))}",
            )
        )


def _reference_problems(t: NetworkTables) -> list[Problem]:
    """Unknown regions/products/nodes, link products the buyer does not use, output > capacity."""
    problems: list[Problem] = []
    products = pd.Index(t.products["product"])
    regions = pd.Index(t.regions["region"])
    prod = t.producers
    nodes = pd.Index(node_id(prod["region"], prod["product"], prod["firm"]))
    codes: dict[tuple[str, str], np.ndarray] = {}  # (table, column) -> positions, reused below
    for spec in TABLES.values():
        df = t.frames[spec.name]
        origin = t.origin(spec.name)
        for col in spec.columns:
            if col.fk is None:
                continue
            values = df[col.name]
            if col.fk == "nodes":
                known, what = nodes, "node"
            elif col.fk == "products.product":
                known, what = products, "product"
            else:
                known, what = regions, "region"
            codes[spec.name, col.name] = found = positions(known, values)
            missing = (found < 0) & (values != "").to_numpy()
            for position in np.flatnonzero(missing):
                hint = _did_you_mean(str(values.iloc[position]), known)
                problems.append(
                    Problem(
                        origin.at(int(position), col.name),
                        f"unknown {what} {values.iloc[position]!r}{hint}",
                    )
                )
    over = prod["output"] > prod["capacity"] * (1 + 1e-9)
    for position in np.flatnonzero(over.to_numpy()):
        problems.append(
            Problem(
                t.origin("producers").at(int(position), "output"),
                f"expected output ≤ capacity {prod['capacity'].iloc[position]:g}, got {prod['output'].iloc[position]:g}",
            )
        )
    if problems:
        return problems
    # From here on every label is known: work on integer codes.
    node_product = positions(products, prod["product"])
    node_region = positions(regions, prod["region"])
    rec = t.recipes
    n_products, n_regions = len(products), len(regions)

    def use_key(product: np.ndarray, inp: np.ndarray, region: np.ndarray) -> np.ndarray:
        # (product, input, region) codes as one integer; region -1 = a blank-region row (all).
        return (product.astype(np.int64) * n_products + inp.astype(np.int64)) * (n_regions + 1) + (
            region.astype(np.int64) + 1
        )

    rec_region = (
        rec["region"].to_numpy(object) if "region" in rec.columns else np.full(len(rec), "")
    )
    rec_region_code = np.where(rec_region == "", -1, positions(regions, rec_region))
    uses = np.unique(
        use_key(
            positions(products, rec["product"]), positions(products, rec["input"]), rec_region_code
        )
    )

    def check_use(table: str, buyer_col: str, input_codes: np.ndarray, what: str) -> None:
        df = t.frames[table]
        if len(df) == 0:
            return
        buyer = codes[table, buyer_col]
        buyer_product = node_product[buyer]
        anywhere = use_key(buyer_product, input_codes, np.full(len(df), -1))
        here = use_key(buyer_product, input_codes, node_region[buyer])
        bad = ~(np.isin(anywhere, uses) | np.isin(here, uses))
        for position in np.flatnonzero(bad):
            region = regions[node_region[buyer[position]]]
            problems.append(
                Problem(
                    t.origin(table).at(int(position), buyer_col),
                    f"{what}: product {products[buyer_product[position]]!r} has no recipe input "
                    f"{products[input_codes[position]]!r}{_in_region(region, rec_region)}; "
                    "expected a buyer whose recipe uses it (add a recipes row)",
                )
            )

    check_use("links", "buyer", node_product[codes["links", "supplier"]], "link")
    check_use("stocks", "node", codes["stocks", "input"], "stock")
    check_use(
        "alternatives", "buyer", node_product[codes["alternatives", "supplier"]], "alternative"
    )
    return problems


def _in_region(region: object, rec_region: np.ndarray) -> str:
    """`` in region R`` when some recipe rows are regional (the message then names the region)."""
    return f" in region {region!r}" if bool((rec_region != "").any()) else ""


def _did_you_mean(value: str, known: pd.Index) -> str:
    import difflib

    close = difflib.get_close_matches(value, [str(k) for k in known[:20000]], n=1, cutoff=0.75)
    if not close:
        lower = {str(k).lower(): str(k) for k in known[:20000]}
        if value.lower() in lower:
            close = [lower[value.lower()]]
    return f"; did you mean {close[0]!r}?" if close else ""


def balance_problems(
    t: NetworkTables, tolerance: float = DEFAULT_BALANCE_TOLERANCE
) -> list[Problem]:
    """Check every node balances within ``tolerance`` (relative).

    Output balance: ``x_n = Σ_{e out of n} f_e + Σ final demand of n``.
    Input balance: for each input pair k = (n, q), ``Σ_{e into k} f_e = a_k x_n``; for a
    substitution group g of n, ``Σ_{k in g} (Σ_{e into k} f_e) / a_k = x_n``.
    """
    from chokepoint.network.balance import balance_report

    report = balance_report(t)
    origin = t.origin("producers")
    problems: list[Problem] = []
    node_pos = pd.Index(report.outputs["node"])
    bad_out = report.outputs[report.outputs["rel_gap"] > tolerance]
    for position, row in zip(bad_out.index, bad_out.itertuples(), strict=True):
        problems.append(
            Problem(
                origin.at(int(position), "output"),
                f"node {row.node}: output {row.output:.6g} ≠ deliveries {row.deliveries:.6g} + "
                f"final demand {row.final_demand:.6g}; expected equal within {tolerance:.2%}, "
                f"got a gap of {row.output - row.deliveries - row.final_demand:+.6g}",
            )
        )
    bad_in = report.inputs[report.inputs["rel_gap"] > tolerance]
    positions = node_pos.get_indexer(bad_in["node"])
    for position, row in zip(positions, bad_in.itertuples(), strict=True):
        problems.append(
            Problem(
                origin.at(int(position), "output"),
                f"node {row.node}: inputs of {row.group} cover {row.covered:.6g} units of output "
                f"≠ output {row.output:.6g}; expected equal within {tolerance:.2%}",
            )
        )
    return problems
