"""Malformed tables never crash validation: it returns tables or raises one InputError.

Hypothesis corrupts the toy dataset: replaces cells (text, blanks, negative, NaN, infinite,
huge numbers, other codes), drops, duplicates or reorders rows, drops or adds columns, and
garbles CSV lines; :func:`validate_tables` / :func:`read_folder` must either accept the result or
raise :class:`InputError` whose problems all carry a location and a message.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chokepoint.datasets import dataset_path, load_packaged
from chokepoint.errors import InputError
from chokepoint.io.tables import read_folder
from chokepoint.network import compile_network, validate_tables
from chokepoint.network.schema import TABLES

TOY = load_packaged("toy")
TABLE_NAMES = sorted(TABLES)

values = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", " ", "NORTH", "NORTH/ore", "ore", "EAST/product", "x/y/z", "nan", "-1", "1e308"]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.none(),
    st.booleans(),
)


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[str, str, Any]:
    table = draw(st.sampled_from(TABLE_NAMES))
    kind = draw(
        st.sampled_from(
            [
                "cell",
                "cell",
                "cell",
                "drop_row",
                "dup_row",
                "shuffle",
                "drop_col",
                "add_col",
                "drop_table",
            ]
        )
    )
    return table, kind, draw(st.tuples(st.integers(0, 50), st.integers(0, 50), values))


def _apply(frames: dict[str, pd.DataFrame], change: tuple[str, str, Any]) -> None:
    table, kind, (i, j, value) = change
    df = frames[table].astype(object).reset_index(drop=True)
    if kind == "drop_table":
        del frames[table]
        return
    if kind == "drop_col":
        df = df.drop(columns=df.columns[j % len(df.columns)])
    elif kind == "add_col":
        df[f"extra{j}"] = value
    elif len(df) == 0:
        df = pd.DataFrame([[value] * len(df.columns)], columns=df.columns)
    elif kind == "cell":
        df.iat[i % len(df), j % len(df.columns)] = value
    elif kind == "drop_row":
        df = df.drop(index=i % len(df))
    elif kind == "dup_row":
        df = pd.concat([df, df.iloc[[i % len(df)]]], ignore_index=True)
    else:
        df = df.sample(frac=1.0, random_state=np.random.default_rng(i).integers(2**31))
    frames[table] = df


def _check(call: Any) -> None:
    try:
        tables = call()
    except InputError as exc:
        assert exc.problems
        assert all(p.location and p.message for p in exc.problems)
        return
    compile_network(tables)  # whatever validates also compiles


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(corruptions(), min_size=1, max_size=4))
def test_corrupted_frames_raise_input_error_or_validate(
    changes: list[tuple[str, str, Any]],
) -> None:
    frames = {name: df.copy() for name, df in TOY.frames.items()}
    for change in changes:
        if change[0] in frames:
            _apply(frames, change)
    _check(lambda: validate_tables(frames, name="corrupt"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from(TABLE_NAMES),
    line=st.integers(0, 12),
    text=st.text(alphabet=st.sampled_from(list('ab,"\n\r 1.-;/x\x00é')), max_size=30),
)
def test_garbled_csv_lines_raise_input_error_or_validate(table: str, line: int, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "toy"
        shutil.copytree(dataset_path("toy"), folder)
        path = folder / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").split("\n")
        lines.insert(min(line, len(lines)), text) if line % 2 else None
        if not line % 2:
            lines[min(line, len(lines) - 1)] = text
        path.write_text("\n".join(lines), encoding="utf-8")
        _check(lambda: read_folder(folder))
