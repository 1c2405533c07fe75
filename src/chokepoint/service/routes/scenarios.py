"""Scenarios: presets, JSON Schema, validation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from chokepoint.errors import InputError, NotFoundError
from chokepoint.service import backend
from chokepoint.service.deps import SettingsDep, StoreDep
from chokepoint.service.schemas import (
    PresetDetail,
    PresetSummary,
    ProblemOut,
    ScenarioIn,
    ValidationOut,
)

router = APIRouter(prefix="/scenarios", tags=["scenarios"])


@router.get("/presets", response_model=list[PresetSummary])
async def list_presets() -> list[PresetSummary]:
    """Preset scenarios of real events shipped with Chokepoint."""
    return [PresetSummary(**p) for p in await run_in_threadpool(backend.list_presets)]


@router.get("/presets/{name}", response_model=PresetDetail)
async def show_preset(
    name: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,100}$")],
) -> PresetDetail:
    """A preset with its YAML text (the scenario builder starts from it)."""
    return PresetDetail(**await run_in_threadpool(backend.preset_detail, name))


@router.get("/schema", response_model=dict[str, Any])
async def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario (for editors and form builders)."""
    return backend.scenario_schema()


@router.post("/validate", response_model=ValidationOut)
async def validate(body: ScenarioIn, settings: SettingsDep, store: StoreDep) -> ValidationOut:
    """Check a scenario: schema, dataset, region and product codes, server limits.

    A scenario with problems is a normal answer (``valid: false`` with every problem), not an
    HTTP error.
    """
    try:
        info = await run_in_threadpool(
            backend.check_scenario,
            body.yaml,
            settings.max_horizon_days,
            settings.max_batch_size,
            store,
        )
    except InputError as exc:
        return ValidationOut(
            valid=False,
            problems=[ProblemOut(location=p.location, message=p.message) for p in exc.problems],
        )
    except NotFoundError as exc:
        return ValidationOut(
            valid=False, problems=[ProblemOut(location="dataset", message=str(exc))]
        )
    info.pop("text")
    return ValidationOut(valid=True, **info)
