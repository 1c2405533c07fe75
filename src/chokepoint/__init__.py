"""Chokepoint: economic leverage through supply-chain chokepoints.

>>> import chokepoint as cp
>>> tables = cp.load_dataset("toy")
>>> net = cp.build_network(tables)
>>> net.n_nodes, net.n_links
(8, 8)
"""

from __future__ import annotations

from chokepoint.api import build_network, load_dataset
from chokepoint.engine import EngineParams, simulate
from chokepoint.errors import ChokepointError, InputError, NotFoundError
from chokepoint.network import CompiledNetwork, NetworkTables, validate_tables

__version__ = "0.1.0"

__all__ = [
    "ChokepointError",
    "CompiledNetwork",
    "EngineParams",
    "InputError",
    "NetworkTables",
    "NotFoundError",
    "__version__",
    "build_network",
    "load_dataset",
    "simulate",
    "validate_tables",
]
