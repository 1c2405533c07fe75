"""Fast label -> position lookups (Arrow hash tables), shared by validation and compilation."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]


def positions(known: pd.Index, values: Any) -> IntArray:
    """Position of each of ``values`` in the unique labels ``known``; -1 where absent.

    The same result as ``known.get_indexer(values)``, several times faster on millions of text
    labels: Arrow hashes the values in C++ without creating Python objects.

    >>> positions(pd.Index(["a", "b", "c"]), pd.Series(["c", "x", "a", None])).tolist()
    [2, -1, 0, -1]
    """
    try:
        arr = pa.array(values, from_pandas=True)
        ref = pa.array(known, from_pandas=True)
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            raise TypeError
        if ref.type != arr.type:
            ref = ref.cast(arr.type)
        found = pc.index_in(arr, value_set=ref)
        return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    except (pa.ArrowException, TypeError, ValueError):
        return np.asarray(known.get_indexer(pd.Index(values)), dtype=np.int64)
