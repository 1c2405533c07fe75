"""Hypothesis: whatever YAML a user writes, loading fails with one InputError, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chokepoint.errors import InputError, NotFoundError
from chokepoint.scenario.load import read_scenario

VALID = {
    "name": "s",
    "dataset": "toy",
    "horizon_days": 30,
    "instruments": {
        "lic": {
            "type": "licensing",
            "actor": "NORTH",
            "products": ["refined"],
            "approval_share": 0.5,
        },
        "shock": {
            "type": "capacity_shock",
            "actor": "SOUTH",
            "products": ["ore"],
            "share_lost": 0.5,
        },
    },
}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=True), st.text(max_size=8)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(doc)
    copy[path[0]] = _set(doc[path[0]], path[1:], value)
    return copy


def _load_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            read_scenario(path)
        except (InputError, NotFoundError) as exc:
            assert str(exc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_corrupted_field_gives_an_input_error(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_paths(VALID)[1:]))
    doc = _set(VALID, path, data.draw(values))
    _load_text(yaml.safe_dump(doc))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:- \n[]{}'\"&*!|>%@#,0.9\t")), max_size=60))
def test_random_text_never_tracebacks(text: str) -> None:
    _load_text(text)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 400), st.text(max_size=3))
def test_truncated_or_spliced_files_never_traceback(cut: int, junk: str) -> None:
    text = yaml.safe_dump(VALID)
    _load_text(text[:cut] + junk + text[cut:])
