"""Datasets: list, show (products, regions, chain stages, flows), import by upload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from chokepoint.service import backend
from chokepoint.service.deps import SettingsDep, StoreDep
from chokepoint.service.schemas import (
    ChainOut,
    DatasetDetail,
    DatasetSummary,
    FlowsOut,
    ImportResult,
)
from chokepoint.service.security import ServiceError

router = APIRouter(prefix="/datasets", tags=["datasets"])

NamePath = Annotated[
    str, Path(description="Dataset name (or name@version).", pattern=r"^[A-Za-z0-9_.@-]{1,100}$")
]
ChainQuery = Annotated[
    str | None,
    Query(
        description="Restrict to one chain (see the dataset's `chains`).",
        pattern=r"^[A-Za-z0-9_.-]{1,100}$",
    ),
]


@router.get("", response_model=list[DatasetSummary])
async def list_datasets(store: StoreDep) -> list[DatasetSummary]:
    """Every dataset the server knows (shipped datasets and imports)."""
    rows = await run_in_threadpool(backend.list_datasets, store)
    return [DatasetSummary(**r) for r in rows]


@router.get("/{name}", response_model=DatasetDetail)
async def show_dataset(name: NamePath, store: StoreDep) -> DatasetDetail:
    """A dataset's products, regions, chains, sources and assumptions."""
    backend.check_name(name, "dataset")
    await run_in_threadpool(backend.dataset_exists, name, store)
    return DatasetDetail(**await run_in_threadpool(backend.dataset_detail, name, store))


@router.get("/{name}/stages", response_model=ChainOut)
async def chain_stages(name: NamePath, store: StoreDep, chain: ChainQuery = None) -> ChainOut:
    """Stages of a chain, upstream first, with each producing region's share of output."""
    await run_in_threadpool(backend.dataset_exists, name, store)
    return ChainOut(**await run_in_threadpool(backend.chain_stages, name, store, chain))


@router.get("/{name}/flows", response_model=FlowsOut)
async def chain_flows(name: NamePath, store: StoreDep, chain: ChainQuery = None) -> FlowsOut:
    """Baseline flows between (region, product) nodes: the links of a Sankey diagram."""
    await run_in_threadpool(backend.dataset_exists, name, store)
    return FlowsOut(**await run_in_threadpool(backend.chain_flows, name, store, chain))


@router.post("", response_model=ImportResult, status_code=201)
async def import_dataset(
    settings: SettingsDep,
    store: StoreDep,
    files: Annotated[
        list[UploadFile],
        File(description="Table files (<table>.csv|parquet|xlsx) and an optional dataset.yaml."),
    ],
    name: Annotated[
        str | None,
        Form(
            description="Dataset name (overrides dataset.yaml).", pattern=r"^[A-Za-z0-9_-]{1,64}$"
        ),
    ] = None,
) -> ImportResult:
    """Import a dataset from uploaded table files (never from a path on the server)."""
    if len(files) > 16:
        raise ServiceError(422, "invalid_input", f"expected at most 16 files, got {len(files)}")
    contents = []
    for upload in files:
        data = await upload.read(settings.max_body_bytes + 1)
        contents.append((upload.filename or "", data))
    return ImportResult(**await run_in_threadpool(backend.import_upload, contents, store, name))
