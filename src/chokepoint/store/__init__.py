"""The embedded DuckDB store: datasets and runs, with a versioned schema.

Open it with :func:`open_store` (a context manager); see :class:`Store` for what it holds.
"""

from chokepoint.store.connection import (
    ENV_STORE,
    StoreBusyError,
    StoreError,
    default_store_path,
)
from chokepoint.store.migrations import SCHEMA_VERSION
from chokepoint.store.store import Store, open_store

__all__ = [
    "ENV_STORE",
    "SCHEMA_VERSION",
    "Store",
    "StoreBusyError",
    "StoreError",
    "default_store_path",
    "open_store",
]
