"""Where the tool may write: the check shared by every command that creates files or folders."""

from __future__ import annotations

from pathlib import Path


def file_in_the_way(path: Path) -> Path | None:
    """The nearest existing parent of ``path`` that is a file (so ``path`` cannot be created
    under it), or None."""
    return next((p for p in path.parents if p.exists() and not p.is_dir()), None)
