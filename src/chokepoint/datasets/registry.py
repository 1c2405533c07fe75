"""The datasets shipped inside the package: each is a folder next to this module with a
``dataset.yaml`` (see :mod:`chokepoint.io.tables`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chokepoint.errors import NotFoundError
from chokepoint.network.tables import NetworkTables

_HERE = Path(__file__).parent


def list_packaged() -> list[str]:
    """Names of the datasets shipped in the package."""
    return sorted(p.parent.name for p in _HERE.glob("*/dataset.yaml"))


def dataset_path(name: str) -> Path:
    """Folder of the packaged dataset ``name`` (``name@version`` accepted)."""
    base = name.split("@", 1)[0]
    folder = _HERE / base
    if not (folder / "dataset.yaml").exists():
        msg = f"unknown dataset {name!r}; expected one of {', '.join(list_packaged())}"
        raise NotFoundError(msg)
    return folder


@lru_cache(maxsize=8)
def load_packaged(name: str) -> NetworkTables:
    """Read and validate the packaged dataset ``name`` (cached: tables are immutable by convention)."""
    from chokepoint.io.tables import read_folder

    return read_folder(dataset_path(name))
