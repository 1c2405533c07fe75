"""Worker functions for the job tests (imported by worker processes from PYTHONPATH)."""

from __future__ import annotations

import time
from typing import Any


def slow(spec: Any, progress: Any) -> tuple[dict[str, Any], None]:
    """Report progress for ~30 s, then return empty metrics (tests cancel or time it out first)."""
    for i in range(300):
        progress(i / 300)
        time.sleep(0.1)
    return {"scenario": spec.scenario}, None


def crash(spec: Any, progress: Any) -> tuple[dict[str, Any], None]:
    """Fail with an unexpected error whose text must not reach the client."""
    msg = "secret internal detail /etc/shadow"
    raise RuntimeError(msg)
