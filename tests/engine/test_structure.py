"""The sorting helpers behind :func:`chokepoint.engine.structure.prepare` match numpy's general ones."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.engine.ordering import _grouped
from chokepoint.engine.structure import _dense_codes, _sort_order


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 300), span=st.integers(1, 12))
def test_sort_order_is_lexsort(seed: int, size: int, span: int) -> None:
    rng = np.random.default_rng(seed)
    major, middle, minor = (rng.integers(0, span, size=size) for _ in range(3))  # with ties
    expected = np.lexsort((minor, middle, major))
    assert np.array_equal(_sort_order(major, middle, minor, span), expected)


def test_sort_order_falls_back_when_the_key_would_overflow() -> None:
    major = np.array([2**40, 0, 2**40], dtype=np.int64)
    middle = np.array([0, 5, 0], dtype=np.int64)
    minor = np.array([2**30, 1, 0], dtype=np.int64)
    assert _sort_order(major, middle, minor, 2**31).tolist() == [1, 2, 0]


@settings(max_examples=50, deadline=None)
@given(keys=st.lists(st.integers(0, 40), max_size=200))
def test_dense_codes_are_unique_with_inverse(keys: list[int]) -> None:
    values = np.asarray(keys, dtype=np.int64)
    unique, inverse = np.unique(values, return_inverse=True)
    got_unique, got_inverse = _dense_codes(values, 41)
    assert np.array_equal(got_unique, unique)
    assert np.array_equal(got_inverse, inverse.reshape(-1))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), groups=st.integers(0, 30))
def test_grouped_is_a_stable_sort_by_new_group(seed: int, groups: int) -> None:
    rng = np.random.default_rng(seed)
    group = np.sort(rng.integers(0, max(groups, 1), size=groups * 3 if groups else 0))
    indptr = np.searchsorted(group, np.arange(groups + 1)).astype(np.int64)
    order = rng.permutation(groups).astype(np.int64)
    rank = np.empty_like(order)
    rank[order] = np.arange(groups)
    expected = np.argsort(rank[group], kind="stable")
    assert np.array_equal(_grouped(indptr, order), expected)
