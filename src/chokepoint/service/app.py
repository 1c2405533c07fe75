"""The FastAPI application: REST API under ``/api``, the dashboard under ``/``.

>>> from chokepoint.service.app import create_app
>>> from chokepoint.service.settings import ServiceSettings
>>> app = create_app(ServiceSettings())
>>> sorted({path.split("/")[2] for path in app.openapi()["paths"]})
['analysis', 'datasets', 'health', 'limits', 'runs', 'scenarios']
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from chokepoint import __version__
from chokepoint.service.deps import SettingsDep, require_token
from chokepoint.service.jobs import DEFAULT_RUNNER, JobManager
from chokepoint.service.routes import analysis, datasets, runs, scenarios
from chokepoint.service.schemas import ErrorOut, Health, Limits
from chokepoint.service.security import BodyLimitMiddleware, install_error_handlers
from chokepoint.service.settings import ServiceSettings, is_loopback

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent / "web"
"""The dashboard's static files."""

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1", "testserver"]
"""Host headers accepted when bound to loopback (a guard against DNS rebinding)."""

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 401, 404, 409, 413, 422, 429)
}


def plotly_js() -> Path:
    """``plotly.min.js`` from the installed plotly package (served locally, no network)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(settings: ServiceSettings | None = None, *, runner: str = DEFAULT_RUNNER) -> FastAPI:
    """Build the app. Jobs start (and interrupted runs are recorded as failed) at start-up.

    ``runner`` is the dotted path of the function workers execute (tests swap in a slow one).
    """
    settings = settings or ServiceSettings.from_env()
    store_path = settings.store_path()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from chokepoint.service import backend

        try:
            backend.ensure_packaged(store_path)
        except Exception:  # a broken shipped dataset must not keep the server down
            logger.exception("could not import the shipped datasets into the store")
        jobs = JobManager(
            store_path,
            workers=settings.workers,
            max_jobs_per_client=settings.max_jobs_per_client,
            max_run_seconds=settings.max_run_seconds,
            runner=runner,
        )
        app.state.jobs = jobs
        jobs.start()
        try:
            yield
        finally:
            jobs.stop()

    app = FastAPI(
        title="Chokepoint",
        version=__version__,
        description=(
            "Economic leverage through supply-chain chokepoints: datasets, scenarios, runs as "
            'jobs, static analysis. Every error is `{"error": {code, message, problems}}`.'
        ),
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    app.state.store_path = store_path
    app.state.simulation_slots = threading.BoundedSemaphore(settings.workers)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if is_loopback(settings.host):
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS)

    api = APIRouter(prefix="/api", dependencies=[Depends(require_token)])

    @api.get("/health", response_model=Health, tags=["service"])
    def health(settings: SettingsDep) -> Health:
        """Liveness, version, worker count and whether a token is needed."""
        return Health(
            status="ok", version=__version__, workers=settings.workers, auth=settings.needs_token
        )

    @api.get("/limits", response_model=Limits, tags=["service"])
    def limits(settings: SettingsDep) -> Limits:
        """The caps this server enforces."""
        return Limits(**settings.model_dump(include=set(Limits.model_fields)))

    api.include_router(datasets.router)
    api.include_router(scenarios.router)
    api.include_router(runs.router)
    api.include_router(analysis.router)
    app.include_router(api)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    @app.get("/ui/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> Response:
        return FileResponse(plotly_js(), media_type="text/javascript")

    app.mount("/ui", StaticFiles(directory=WEB_DIR, html=True), name="ui")
    return app
