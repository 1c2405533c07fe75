"""FastAPI dependencies: settings, the job manager, the bearer token, and the caller's identity."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from chokepoint.service.jobs import JobManager
from chokepoint.service.security import ServiceError, check_token
from chokepoint.service.settings import ServiceSettings


def get_settings(request: Request) -> ServiceSettings:
    """The settings the app was created with."""
    settings: ServiceSettings = request.app.state.settings
    return settings


def get_jobs(request: Request) -> JobManager:
    """The app's job manager."""
    jobs: JobManager = request.app.state.jobs
    return jobs


def get_store_path(request: Request) -> Path:
    """The store file of this app."""
    path: Path = request.app.state.store_path
    return path


def require_token(request: Request) -> None:
    """401 unless the request carries the server's bearer token (when one is set)."""
    check_token(get_settings(request).token, request.headers.get("authorization"))


def simulation_slot(request: Request) -> Iterator[None]:
    """Hold one of the ``workers`` slots for a simulation run in the request (ranking, leverage);
    429 when all are taken, so that concurrent requests cannot pile up engine batches."""
    slots: threading.BoundedSemaphore = request.app.state.simulation_slots
    if not slots.acquire(blocking=False):
        n = get_settings(request).workers
        raise ServiceError(
            429,
            "busy",
            f"expected at most {n} analysis simulations at once, got one more; retry shortly",
        )
    try:
        yield
    finally:
        slots.release()


def client_id(request: Request) -> str:
    """Who is calling, for per-client caps: the peer address (the token is shared)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
JobsDep = Annotated[JobManager, Depends(get_jobs)]
ClientDep = Annotated[str, Depends(client_id)]
StoreDep = Annotated[Path, Depends(get_store_path)]
