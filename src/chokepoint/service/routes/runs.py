"""Runs: submit (a job id comes back at once), status and progress, cancel, metrics, series, report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from chokepoint.service import backend
from chokepoint.service.deps import ClientDep, JobsDep, SettingsDep, StoreDep
from chokepoint.service.jobs import JobManager
from chokepoint.service.schemas import (
    ACTIVE_STATUSES,
    TERMINAL_STATUSES,
    MetricsOut,
    RunCreate,
    RunDetail,
    RunOut,
    SeriesOut,
)
from chokepoint.service.security import ServiceError

router = APIRouter(prefix="/runs", tags=["runs"])

RunId = Annotated[str, Path(description="Run id.", pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


def _links(run_id: str, status: str) -> dict[str, str]:
    base = f"/api/runs/{run_id}"
    links = {"self": base}
    if status == "finished":
        links |= {
            "metrics": f"{base}/metrics",
            "series": f"{base}/series",
            "report": f"{base}/report",
        }
    elif status not in TERMINAL_STATUSES:
        links["cancel"] = f"{base}/cancel"
    return links


def _run_out(row: dict[str, Any], jobs: JobManager, detail: bool = False) -> RunOut:
    status = str(row.get("status") or "finished")
    metrics = row.get("metrics") or {}
    live = jobs.progress(str(row["run_id"])) if status in ACTIVE_STATUSES else None
    progress = 1.0 if status == "finished" else (live[0] if live is not None else 0.0)
    fields: dict[str, Any] = {
        "run_id": str(row["run_id"]),
        "scenario": str(row.get("scenario") or ""),
        "dataset": str(row.get("dataset") or ""),
        "status": status,
        "progress": progress,
        "phase": live[1] if live is not None else None,
        "error": str(metrics["error"]) if status != "finished" and metrics.get("error") else None,
        "created_at": str(row["created_at"]) if row.get("created_at") is not None else None,
        "updated_at": str(row["updated_at"]) if row.get("updated_at") is not None else None,
        "links": _links(str(row["run_id"]), status),
    }
    if detail:
        return RunDetail(**fields, scenario_yaml=str(row.get("scenario_yaml") or ""))
    return RunOut(**fields)


@router.post("", response_model=RunOut, status_code=202)
async def submit_run(
    body: RunCreate, settings: SettingsDep, jobs: JobsDep, client: ClientDep, store: StoreDep
) -> RunOut:
    """Validate and queue a run; answers at once with its id (poll ``GET /api/runs/{id}``)."""
    if (body.preset is None) == (body.scenario_yaml is None):
        raise ServiceError(
            422, "invalid_input", "expected exactly one of 'preset' and 'scenario_yaml'"
        )
    if body.preset is not None:
        backend.check_name(body.preset, "preset")
        text = (await run_in_threadpool(backend.preset_detail, body.preset))["yaml"]
    else:
        text = str(body.scenario_yaml)
    jobs.check_quota(client)
    info = await run_in_threadpool(
        backend.check_scenario, text, settings.max_horizon_days, settings.max_batch_size, store
    )
    run_id = await run_in_threadpool(
        jobs.submit,
        client,
        scenario=info["name"],
        dataset=info["dataset"],
        scenario_yaml=info["text"],
    )
    row = await run_in_threadpool(backend.get_run, run_id, store)
    return _run_out(row, jobs)


@router.get("", response_model=list[RunOut])
async def list_runs(
    jobs: JobsDep,
    store: StoreDep,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="Newest runs first, at most this many.")
    ] = 100,
) -> list[RunOut]:
    """Runs in the store, newest first."""
    rows = await run_in_threadpool(backend.list_runs, store)
    return [_run_out(r, jobs) for r in rows[::-1][:limit]]


@router.get("/{run_id}", response_model=RunDetail)
async def show_run(run_id: RunId, jobs: JobsDep, store: StoreDep) -> RunOut:
    """Status, progress (share of days simulated), error, and the scenario as run."""
    return _run_out(await run_in_threadpool(backend.get_run, run_id, store), jobs, detail=True)


@router.post("/{run_id}/cancel", response_model=RunOut)
async def cancel_run(run_id: RunId, jobs: JobsDep, store: StoreDep) -> RunOut:
    """Cancel a queued or running run (409 if it is already over)."""
    row = await run_in_threadpool(backend.get_run, run_id, store)
    await run_in_threadpool(jobs.cancel, run_id, str(row["status"]))
    return _run_out(await run_in_threadpool(backend.get_run, run_id, store), jobs)


def _finished(row: dict[str, Any]) -> None:
    if row["status"] != "finished":
        raise ServiceError(
            409, "conflict", f"expected a finished run, got one that is {row['status']}"
        )


@router.get("/{run_id}/metrics", response_model=MetricsOut)
async def run_metrics(run_id: RunId, store: StoreDep) -> MetricsOut:
    """The run's machine-readable results (the same JSON as ``chokepoint run --json``)."""
    row = await run_in_threadpool(backend.get_run, run_id, store)
    _finished(row)
    return MetricsOut(**row["metrics"])


@router.get("/{run_id}/series", response_model=SeriesOut)
async def run_series(
    run_id: RunId,
    settings: SettingsDep,
    store: StoreDep,
    variable: Annotated[
        str, Query(pattern=r"^[a-z_]{1,40}$", description="Result variable.")
    ] = "output",
    by: Annotated[
        str, Query(pattern=r"^(region|product|member)(,(region|product|member)){0,2}$")
    ] = "region",
    region: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,40}$")] = None,
    product: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,60}$")] = None,
    member: Annotated[int | None, Query(ge=0, le=100_000)] = None,
    start: Annotated[int, Query(ge=0, le=100_000)] = 0,
    end: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    relative: Annotated[bool, Query(description="Divide by the same sum at baseline.")] = False,
    value: Annotated[bool, Query(description="Weight units by unit value (USD).")] = False,
) -> SeriesOut:
    """A slice of the day-by-day results, summed over nodes by the ``by`` keys."""
    row = await run_in_threadpool(backend.get_run, run_id, store)
    _finished(row)
    out = await run_in_threadpool(
        backend.series,
        row,
        variable=variable,
        by=by.split(","),
        region=region,
        product=product,
        member=member,
        start=start,
        end=end,
        relative=relative,
        max_points=settings.max_series_points,
        value=value,
    )
    return SeriesOut(**out)


@router.get("/{run_id}/report", response_class=HTMLResponse)
async def run_report(run_id: RunId, store: StoreDep) -> HTMLResponse:
    """A self-contained HTML report of the run (download)."""
    row = await run_in_threadpool(backend.get_run, run_id, store)
    _finished(row)
    html = await run_in_threadpool(backend.report_html, row, store)
    return HTMLResponse(
        html,
        headers={"Content-Disposition": f'attachment; filename="chokepoint-{row["run_id"]}.html"'},
    )
