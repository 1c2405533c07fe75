"""FastAPI dependencies: settings, the job manager, the bearer token, and the caller's identity."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from chokepoint.service.jobs import JobManager
from chokepoint.service.security import check_token
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


def client_id(request: Request) -> str:
    """Who is calling, for per-client caps: the peer address (the token is shared)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
JobsDep = Annotated[JobManager, Depends(get_jobs)]
ClientDep = Annotated[str, Depends(client_id)]
StoreDep = Annotated[Path, Depends(get_store_path)]
