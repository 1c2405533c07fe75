"""Static analysis: chokepoint ranking, exposure (content tracing), coercion potential, criticality."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool

from chokepoint.service import backend
from chokepoint.service.deps import SettingsDep, StoreDep, simulation_slot
from chokepoint.service.schemas import LeverageOut, Matrix, Table
from chokepoint.service.security import ServiceError

router = APIRouter(prefix="/analysis", tags=["analysis"])

Dataset = Annotated[str, Path(description="Dataset name.", pattern=r"^[A-Za-z0-9_.@-]{1,100}$")]
Code = r"^[A-Za-z0-9_.-]{1,60}$"


@router.get("/{dataset}/chokepoints", response_model=Table, dependencies=[Depends(simulation_slot)])
async def chokepoints(
    dataset: Dataset,
    settings: SettingsDep,
    store: StoreDep,
    share_threshold: Annotated[float, Query(ge=0.01, le=1.0)] = 0.2,
    stop_days: Annotated[int, Query(ge=1, le=3650)] = 90,
    horizon_days: Annotated[int, Query(ge=1, le=3650)] = 180,
    top: Annotated[int, Query(ge=1, le=500)] = 20,
) -> Table:
    """Rank stages by the output value lost when each stops (simulated as one batch)."""
    _check_horizon(horizon_days, settings.max_horizon_days)
    out = await run_in_threadpool(
        backend.chokepoints,
        dataset,
        store,
        share_threshold=share_threshold,
        stop_days=min(stop_days, horizon_days),
        horizon_days=horizon_days,
        top=top,
    )
    return Table(**out)


@router.get("/{dataset}/exposure", response_model=Matrix)
async def exposure(
    dataset: Dataset,
    store: StoreDep,
    stage: Annotated[str, Query(pattern=Code, description="Traced product (stage).")],
    origin: Annotated[str, Query(pattern=Code, description="Region whose stage is traced.")],
) -> Matrix:
    """Region x product heat map: share of embodied STAGE originating in ORIGIN."""
    return Matrix(
        **await run_in_threadpool(backend.exposure, dataset, store, origin=origin, stage=stage)
    )


@router.get("/{dataset}/coercion", response_model=Table)
async def coercion(
    dataset: Dataset,
    store: StoreDep,
    actor: Annotated[str, Query(pattern=Code, description="The restricting state.")],
    threshold: Annotated[float, Query(ge=0.01, le=1.0)] = 0.5,
) -> Table:
    """Value at risk per region if ACTOR cut every stage it dominates."""
    return Table(
        **await run_in_threadpool(
            backend.coercion, dataset, store, actor=actor, threshold=threshold
        )
    )


@router.get("/criticality/{assessment}", response_model=Table)
async def criticality(assessment: Literal["eu-2017", "eu-2020", "eu-2023"]) -> Table:
    """EU criticality scores (supply risk SR, economic importance EI) recomputed from inputs."""
    return Table(**await run_in_threadpool(backend.criticality, assessment))


@router.get(
    "/{dataset}/leverage", response_model=LeverageOut, dependencies=[Depends(simulation_slot)]
)
async def leverage(
    dataset: Dataset,
    settings: SettingsDep,
    store: StoreDep,
    regions: Annotated[
        str,
        Query(
            pattern=r"^[A-Za-z0-9_.-]{1,40}(,[A-Za-z0-9_.-]{1,40}){1,5}$",
            description="2 to 6 region codes, comma-separated.",
        ),
    ] = "CHN,USA,EUR,JPN",
    horizon_days: Annotated[int, Query(ge=1, le=3650)] = 90,
    share_threshold: Annotated[float, Query(ge=0.01, le=1.0)] = 0.5,
) -> LeverageOut:
    """Damage each region's strongest instrument does to each other region (one engine batch)."""
    _check_horizon(horizon_days, settings.max_horizon_days)
    codes = list(dict.fromkeys(regions.split(",")))
    if len(codes) < 2:
        raise ServiceError(422, "invalid_input", "expected at least 2 different regions")
    out = await run_in_threadpool(
        backend.leverage,
        dataset,
        store,
        regions=codes,
        horizon_days=horizon_days,
        share_threshold=share_threshold,
    )
    return LeverageOut(**out)


def _check_horizon(horizon_days: int, limit: int) -> None:
    """Refuse (422) a horizon beyond the server's limit."""
    if horizon_days > limit:
        raise ServiceError(
            422,
            "invalid_input",
            f"expected horizon_days <= {limit} (server limit), got {horizon_days}",
        )
