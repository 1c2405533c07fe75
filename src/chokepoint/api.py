"""The top-level Python API: load a dataset, build a network."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from chokepoint.network.compile import CompiledNetwork, compile_network
from chokepoint.network.tables import NetworkTables
from chokepoint.network.validate import validate_tables


def load_dataset(name: str) -> NetworkTables:
    """Load a dataset by name: one imported into the store, else one shipped in the package.

    >>> import chokepoint as cp
    >>> cp.load_dataset("toy").counts()["producers"]
    8
    """
    from chokepoint.datasets.registry import list_packaged, load_packaged

    if name.split("@", 1)[0] in list_packaged():
        return load_packaged(name.split("@", 1)[0])
    from chokepoint.store import open_store

    with open_store(read_only=True) as store:
        return store.load_dataset(name)


def build_network(tables: NetworkTables | Mapping[str, pd.DataFrame]) -> CompiledNetwork:
    """Validate (if raw frames are given) and compile tables into a :class:`CompiledNetwork`.

    >>> import chokepoint as cp
    >>> net = cp.build_network(cp.load_dataset("toy"))
    >>> float(net.output.sum())
    1024.0
    """
    if not isinstance(tables, NetworkTables):
        tables = validate_tables(tables)
    return compile_network(tables)
