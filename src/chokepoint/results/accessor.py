"""``ds.cp``: domain verbs on a results Dataset, and the JSON summary of DESIGN §12."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import xarray as xr

from chokepoint.results import metrics
from chokepoint.results.dataset import json_attr


def _clean(value: Any) -> Any:
    """A JSON-able scalar: numpy -> Python, NaN -> None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _records(df: pd.DataFrame, members: bool) -> list[dict[str, Any]]:
    if not members and "member" in df:
        df = df.drop(columns=["member"])
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


@xr.register_dataset_accessor("cp")  # type: ignore[no-untyped-call]
class ChokepointAccessor:
    """Metrics of a run: ``ds.cp.time_to_pain()``, ``ds.cp.output_lost()``, ``ds.cp.summary()``..."""

    def __init__(self, ds: xr.Dataset) -> None:
        self._ds = ds

    def time_to_pain(
        self, by: metrics.By = ("region", "product"), threshold: float = metrics.THRESHOLD
    ) -> pd.DataFrame:
        """First day output < threshold × baseline per group (``by="node"`` per node)."""
        return metrics.time_to_pain(self._ds, by, threshold)

    def shortfall(
        self, by: metrics.By = ("region", "product"), threshold: float = metrics.THRESHOLD
    ) -> pd.DataFrame:
        """Time-to-pain, depth, duration and recovery day per group."""
        return metrics.shortfall_stats(self._ds, by, threshold)

    def recovery_day(
        self, by: metrics.By = ("region", "product"), threshold: float = metrics.THRESHOLD
    ) -> pd.DataFrame:
        """First day back above threshold × baseline for good, per group."""
        return metrics.recovery_day(self._ds, by, threshold)

    def output_lost(self, by: metrics.By = ("region", "product")) -> pd.DataFrame:
        """Output lost in units (of the group's ``unit``; NaN if ``"mixed"``) and USD per group."""
        return metrics.output_lost(self._ds, by)

    def unmet_final_demand(self) -> pd.DataFrame:
        """Unserved final demand per consuming region and product (units, ``unit``, USD)."""
        return metrics.unmet_final_demand(self._ds)

    def exports_monthly(self) -> pd.DataFrame:
        """Exports per exporter/product per month as a share of baseline."""
        return metrics.exports_monthly(self._ds)

    def prices(self, tolerance: float = metrics.PEAK_TOLERANCE) -> pd.DataFrame:
        """Peak price index, its first day and whether it hit the cap, per market."""
        return metrics.prices(self._ds, tolerance)

    def price_paths(self) -> xr.DataArray:
        """Mean price index per day inside and outside the actors."""
        return metrics.price_paths(self._ds)

    def shortage_origin(self, threshold: float = metrics.THRESHOLD) -> pd.DataFrame:
        """Binding constraint (and input) at each node's time-to-pain."""
        return metrics.shortage_origin(self._ds, threshold)

    def summary(self) -> dict[str, Any]:
        """The JSON-able result of DESIGN §12 (records carry ``member`` when S > 1).

        Beyond the six metrics of §12 (``time_to_pain`` … ``recovery_day``) it carries ``firms``
        (the shortfall of every firm's plant), ``shortfall`` (time-to-pain, depth, duration and
        recovery day per region and product), ``price_paths`` (the mean price index per day of the
        markets inside and outside the restricting actors) and ``shortage_origin`` (per node that
        fell: its time-to-pain day, what bound it and the upstream origin; ``None`` for a
        ``record="summary"`` run, which keeps no nodes); ``prices`` says whether each market is
        inside the actors.

        Records with physical quantities (``output_lost``, ``unmet_final_demand``) carry their
        ``unit``; NaN (a physical total of a ``"mixed"`` group, a ratio without a baseline) is
        written as ``None`` (JSON ``null``), so the result is strict JSON.
        """
        ds = self._ds
        many = ds.sizes["scenario"] > 1
        keys = ["member", "region", "product"]
        stats = metrics.shortfall_stats(ds)  # time-to-pain and recovery day are two of its columns
        ttp = stats[[*keys, "time_to_pain"]].rename(columns={"time_to_pain": "day"})
        rec = stats[[*keys, "recovery_day"]].rename(columns={"recovery_day": "day"})
        physical = ["unit", "units", "units_supply", "units_orders"]
        lost = metrics.output_lost(ds)[[*keys, *physical, "value_usd"]]
        price = metrics.prices(ds)[[*keys, "inside_actors", "peak_index", "peak_day", "hit_cap"]]
        stats = stats[[*keys, "time_to_pain", "depth", "duration", "recovery_day"]]
        paths = metrics.price_paths(ds).to_dataframe(name="index").reset_index()
        paths = paths.rename(columns={"scenario": "member"})[["member", "side", "day", "index"]]
        origin = _records(metrics.shortage_origin(ds), many) if metrics.traces_origin(ds) else None
        return {
            "scenario": ds.attrs.get("scenario", ""),
            "dataset": ds.attrs.get("dataset", ""),
            "horizon_days": int(ds.attrs.get("horizon_days", ds.sizes["day"])),
            "scenarios": int(ds.sizes["scenario"]),
            "metrics": {
                "time_to_pain": _records(ttp, many),
                "output_lost": _records(lost, many),
                "unmet_final_demand": _records(metrics.unmet_final_demand(ds), many),
                "exports_monthly": _records(metrics.exports_monthly(ds), many),
                "prices": _records(price, many),
                "recovery_day": _records(rec, many),
                "firms": _records(metrics.firm_shortfall(ds), many),
                "shortfall": _records(stats, many),
                "price_paths": _records(paths, many),
                "shortage_origin": origin,
            },
            "assumptions": json_attr(ds, "assumptions"),
            "sources": json_attr(ds, "sources"),
        }
