"""Save and load results: netCDF (one file) and Parquet (a directory of tidy tables).

netCDF is written with the engine xarray finds (SciPy's netCDF3 writer is always there), so 64-bit
integers are stored as 32-bit and restored on load. The Parquet form is a directory with one long
table per dimension group — ``node.parquet`` (scenario, day, node, variables...), ``final.parquet``,
``market.parquet`` — and ``<dim>_static.parquet`` (per node, final-demand entry, market and link:
baselines and labels); the Dataset's attrs and every variable's attrs (units, long_name,
flag_meanings...) travel as JSON in the Parquet metadata of ``node.parquet``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xarray as xr

_ATTRS_KEY = b"chokepoint_attrs"
_VAR_ATTRS_KEY = b"chokepoint_variable_attrs"
_DIMS = {
    "node": ("scenario", "day", "node"),
    "final": ("scenario", "day", "final"),
    "market": ("scenario", "day", "market"),
}
_OLD_DIM = "member"
"""What results written before 2026-11-29 called the scenario dimension (renamed on load)."""


def to_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to a netCDF file (int64 -> int32, strings as text)."""
    path = Path(path)
    out = ds.copy()
    for name in list(out.variables):
        var = out[name]
        if var.dtype == np.int64:
            out[name] = var.astype(np.int32)
        elif var.dtype == object:
            out[name] = var.astype(str)
    out.to_netcdf(path)
    return path


def from_netcdf(path: str | Path) -> xr.Dataset:
    """Read a results Dataset written by :func:`to_netcdf` (fully loaded into memory)."""
    with xr.open_dataset(Path(path)) as ds:
        loaded = _scenario_dim(ds.load())
    for name in ("day", "final", "market", "node_count"):
        if name in loaded.variables:
            loaded[name] = loaded[name].astype(np.int64)
    for name in ("node", "scenario", "region", "product", "firm", "unit", "final_unit"):
        if name in loaded.variables and loaded[name].dtype.kind in "SO":
            loaded[name] = loaded[name].astype(str)
    return loaded


def to_parquet(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` as a directory of Parquet tables (see module docstring)."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    for group, dims in _DIMS.items():
        names = [v for v in ds.data_vars if ds[v].dims == dims]
        if not names:
            continue
        frame = ds[names].to_dataframe().reset_index()
        keep = [*dims, *names]
        frame = frame[[c for c in keep if c in frame.columns]]
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if group == "node":
            meta = dict(table.schema.metadata or {})
            meta[_ATTRS_KEY] = json.dumps(ds.attrs, default=_plain).encode()
            var_attrs = {str(k): v.attrs for k, v in ds.variables.items() if v.attrs}
            meta[_VAR_ATTRS_KEY] = json.dumps(var_attrs, default=_plain).encode()
            table = table.replace_schema_metadata(meta)
        pq.write_table(table, root / f"{group}.parquet")
    static = [v for v in ds.data_vars if ds[v].dims in (("node",), ("final",), ("link",))]
    for dim in ("node", "final", "link"):
        if dim not in ds.dims:
            continue
        names = [v for v in static if ds[v].dims == (dim,)]
        coords = [c for c in ds.coords if ds[c].dims == (dim,) and c != dim]
        frame = ds[names].reset_coords()[[*coords, *names]].to_dataframe().reset_index()
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False), root / f"{dim}_static.parquet"
        )
    coords = [c for c in ds.coords if ds[c].dims == ("market",) and c != "market"]
    pq.write_table(
        pa.Table.from_pandas(ds[coords].to_dataframe().reset_index(), preserve_index=False),
        root / "market_static.parquet",
    )
    return root


def from_parquet(path: str | Path) -> xr.Dataset:
    """Read a results directory written by :func:`to_parquet` back into a Dataset."""
    root = Path(path)
    node_table = pq.read_table(root / "node.parquet")
    meta = node_table.schema.metadata or {}
    attrs = json.loads(meta.get(_ATTRS_KEY, b"{}"))
    var_attrs = json.loads(meta.get(_VAR_ATTRS_KEY, b"{}"))
    parts = []
    node_frame = node_table.to_pandas().rename(columns={_OLD_DIM: "scenario"})
    labels: dict[str, object] = {"scenario": list(pd.unique(node_frame["scenario"]))}
    for group, dims in _DIMS.items():
        file = root / f"{group}.parquet"
        if not file.exists():
            continue
        frame = node_frame if group == "node" else pq.read_table(file).to_pandas()
        frame = frame.rename(columns={_OLD_DIM: "scenario"})
        parts.append(xr.Dataset.from_dataframe(frame.set_index(list(dims))))
    for dim in ("node", "final", "market", "link"):
        file = root / f"{dim}_static.parquet"
        if not file.exists():
            continue
        frame = pq.read_table(file).to_pandas().set_index(dim)
        labels[dim] = frame.index  # the saved order (merging sorts labels)
        static = xr.Dataset.from_dataframe(frame)
        coord_names = [c for c in static.data_vars if c in _coord_names(dim)]
        parts.append(static.set_coords(coord_names))
    ds = xr.merge(parts, join="outer", combine_attrs="drop_conflicts")
    ds.attrs = attrs
    for name, value in var_attrs.items():
        if name in ds.variables:
            ds[name].attrs = value
    return ds.sel(labels)


def _scenario_dim(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with its scenario dimension named ``scenario`` (older files say ``member``)."""
    return ds.rename({_OLD_DIM: "scenario"}) if _OLD_DIM in ds.dims else ds


def _plain(value: object) -> object:
    """JSON fallback for numpy values in attrs (arrays -> lists, scalars -> Python)."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return str(value)


def _coord_names(dim: str) -> tuple[str, ...]:
    return {
        "node": ("region", "product", "firm", "unit"),
        "final": ("final_supplier", "final_region", "final_product", "final_unit"),
        "market": ("market_region", "market_product"),
        "link": (),
    }[dim]
