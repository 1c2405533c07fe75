"""Where the store lives and how to open it without fighting other processes.

DuckDB lets one process open a database file for writing, or any number of processes open it
read-only, never both at once. Chokepoint therefore never keeps a connection open: every store
operation opens one, runs one short transaction and closes it. A process that finds the file
locked retries with exponential backoff (with jitter) and fails with :class:`StoreBusyError` after
``timeout`` seconds.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import platformdirs

from chokepoint.errors import ChokepointError

ENV_STORE = "CHOKEPOINT_STORE"
"""Environment variable overriding the store's path."""

ENV_TIMEOUT = "CHOKEPOINT_STORE_TIMEOUT"
"""Environment variable overriding how long (seconds) to wait for a locked store."""

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for another process to release the store before giving up."""

_BACKOFF_START = 0.005
_BACKOFF_MAX = 0.1


class StoreError(ChokepointError):
    """The store cannot be opened or used (not a DuckDB file, no permission, newer schema...)."""


class StoreBusyError(StoreError):
    """Another process held the store longer than the timeout."""


def default_store_path() -> Path:
    """The store file: ``$CHOKEPOINT_STORE`` if set, else ``store.duckdb`` in the user data dir.

    >>> import os
    >>> os.environ["CHOKEPOINT_STORE"].endswith(".duckdb")  # tests point it at a temp file
    True
    >>> default_store_path() == Path(os.environ["CHOKEPOINT_STORE"])
    True
    """
    env = os.environ.get(ENV_STORE, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("chokepoint")) / "store.duckdb"


def default_timeout() -> float:
    """``$CHOKEPOINT_STORE_TIMEOUT`` seconds if set (and a number), else :data:`DEFAULT_TIMEOUT`."""
    raw = os.environ.get(ENV_TIMEOUT, "").strip()
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        msg = f"{ENV_TIMEOUT}: expected a number of seconds, got {raw!r}"
        raise StoreError(msg) from None


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return (
        "Could not set lock" in text
        or "Conflicting lock" in text
        or "different configuration" in text
    )


@contextmanager
def connect(path: Path, *, write: bool, timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``path`` (for writing or read-only), retrying while another process holds it.

    The connection is closed when the block ends; keep the block short.
    """
    if write:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"cannot create the store's folder {path.parent}: {exc}"
            raise StoreError(msg) from None
    deadline = time.monotonic() + timeout
    delay = _BACKOFF_START
    rng = random.Random()  # jitter only; not part of any model result
    while True:
        try:
            con = duckdb.connect(str(path), read_only=not write)
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_conflict(exc):
                msg = f"cannot open the store {path}: {exc}"
                raise StoreError(msg) from None
            if time.monotonic() >= deadline:
                msg = (
                    f"the store {path} is busy: another process held it for more than "
                    f"{timeout:g} s (set {ENV_TIMEOUT} to wait longer)"
                )
                raise StoreBusyError(msg) from None
            time.sleep(delay * (0.5 + rng.random()))
            delay = min(delay * 2, _BACKOFF_MAX)
        except duckdb.Error as exc:
            msg = f"cannot open the store {path}: expected a Chokepoint DuckDB file ({exc})"
            raise StoreError(msg) from None
    try:
        yield con
    finally:
        con.close()
