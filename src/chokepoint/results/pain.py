"""Time-to-pain views: who hits the wall first, how fast a region loses half its car output, and
which strategic stockpile pushes the first stop past a given day.

Notation: x_{s,t,n} output of node n on day t in member s, x̄_n its baseline. A group G (a
region-industry, or a region's car makers) *stops* on the first day
t with Σ_{n∈G} x_{s,t,n} < θ Σ_{n∈G} x̄_n (θ = 0.95, DESIGN §5); it has *lost half* its output on the
first day the ratio is below 0.5. If the nodes of G count their products in different units
(the Dataset's ``unit`` coordinate), the sums are taken in USD at baseline unit values instead,
Σ v_n x_{s,t,n} < θ Σ v_n x̄_n, since a sum of tonnes and vehicles means nothing.

The stockpile search runs ONE engine batch whose members are stockpile sizes D_j (days of the
baseline use a_k x̄_n of each covered input pair k, j = 0..J-1, D_0 = 0): member j receives
D_j a_k x̄_n units of strategic stock in I_k on day 0, on top of the scenario's rules. With f(D) the
first stop of the region (a plant below θ x̄_n for lack of an input), bisection over the sorted sizes finds the smallest
D_j with f(D_j) > day (f is non-decreasing in D up to simulation noise; the bracket is reported).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from chokepoint.errors import ChokepointError
from chokepoint.network.compile import CompiledNetwork
from chokepoint.results.metrics import THRESHOLD, units_of
from chokepoint.scenario.batch import Rule, ScenarioBatch

INPUT_BOUND = 2
"""Code of the ``binding`` variable for "a missing input limits output"."""
CAR_PRODUCTS: tuple[str, ...] = ("ev", "ice_car")
"""Products counted as a region's car output (codes of the critical-chains dataset)."""

FloatArray = npt.NDArray[np.float64]


def _ratio(ds: xr.Dataset, mask: npt.NDArray[np.bool_]) -> FloatArray:
    """Σ_{n∈G} x / Σ_{n∈G} x̄ per member and day (S, T), weighted by unit value when the nodes of
    G have different units; ones if the group has no baseline."""
    out = np.asarray(ds["output"].transpose("scenario", "day", "node").values, dtype=np.float64)
    weight = np.ones(int(mask.sum()))
    if len(np.unique(units_of(ds)[mask])) > 1:
        weight = np.asarray(ds["unit_value"].values, dtype=np.float64)[mask]
    base = float((np.asarray(ds["baseline_output"].values, dtype=np.float64)[mask] * weight).sum())
    if base <= 0:
        return np.ones(out.shape[:2])
    return (out[:, :, mask] * weight).sum(axis=2) / base


def _first_below(ratio: FloatArray, level: float) -> list[int | None]:
    """First day the ratio is below ``level``, per member (None if never)."""
    below = ratio < level
    return [int(np.argmax(row)) if row.any() else None for row in below]


def _group_mask(
    ds: xr.Dataset, region: str, products: Sequence[str] | None
) -> npt.NDArray[np.bool_]:
    mask = np.asarray(ds["region"].values, dtype=str) == region
    if products is not None:
        mask &= np.isin(np.asarray(ds["product"].values, dtype=str), list(products))
    return mask


def first_hit(
    ds: xr.Dataset,
    threshold: float = THRESHOLD,
    region: str | None = None,
    cause: Literal["input", "any"] = "input",
    exclude: Sequence[str] = (),
) -> pd.DataFrame:
    """Region-industries in the order they hit the wall: ``member, region, product, day`` sorted
    by member and day.

    A node n hits the wall on the first day x_{s,t,n} < ``threshold`` x̄_n while its binding
    constraint is a missing input (``cause="input"``; ``"any"`` also counts lost orders and
    capacity); a region-industry's day is the earliest of its nodes. ``exclude`` drops regions
    (e.g. the restricting actors, whose exporters lose orders on day 0).
    """
    out = np.asarray(ds["output"].transpose("scenario", "day", "node").values, dtype=np.float64)
    base = np.asarray(ds["baseline_output"].values, dtype=np.float64)
    low = out < threshold * base
    if cause == "input" and "binding" in ds:
        low &= np.asarray(ds["binding"].transpose("scenario", "day", "node").values) == INPUT_BOUND
    hit = low.any(axis=1)
    day = np.argmax(low, axis=1)
    s_idx, n_idx = np.nonzero(hit)
    frame = pd.DataFrame(
        {
            "member": np.asarray(ds["scenario"].values, dtype=str)[s_idx],
            "region": np.asarray(ds["region"].values, dtype=str)[n_idx],
            "product": np.asarray(ds["product"].values, dtype=str)[n_idx],
            "day": day[s_idx, n_idx].astype(int),
        }
    )
    if region is not None:
        frame = frame[frame["region"] == region]
    if exclude:
        frame = frame[~frame["region"].isin(list(exclude))]
    frame = frame.groupby(["member", "region", "product"], as_index=False)["day"].min()
    return frame.sort_values(["member", "day", "region", "product"]).reset_index(drop=True)


def days_to_loss(
    ds: xr.Dataset,
    region: str,
    products: Sequence[str] = CAR_PRODUCTS,
    share: float = 0.5,
) -> pd.DataFrame:
    """First day the ``region``'s summed output of ``products`` is below (1 − share) × baseline:
    ``member, region, day`` (day None if never within the horizon). Products in different units
    are summed in USD at baseline unit values (see the module docstring)."""
    mask = _group_mask(ds, region, products)
    days = _first_below(_ratio(ds, mask), 1.0 - share)
    members = [str(m) for m in ds["scenario"].values]
    return pd.DataFrame({"member": members, "region": region, "day": pd.Series(days, dtype=object)})


def first_stop(
    ds: xr.Dataset,
    region: str,
    product: str | None = None,
    threshold: float = THRESHOLD,
) -> list[int | None]:
    """Per member, the first day a plant of ``region`` (or of its ``product`` industry) hits the
    wall for lack of an input (see :func:`first_hit`; None if never)."""
    table = first_hit(ds, threshold, region)
    if product is not None:
        table = table[table["product"] == product]
    first = table.groupby("member")["day"].min()
    return [
        None if m not in first.index else int(first[m]) for m in map(str, ds["scenario"].values)
    ]


@dataclass(frozen=True)
class StockpileAnswer:
    """The smallest stockpile (days of use) of ``product`` in ``region`` that pushes the region's
    first stop past ``day``, from one engine batch over ``sizes``."""

    region: str
    product: str
    day: int
    sizes: tuple[float, ...]
    """D_j, days of baseline use (the batch members)."""
    first_stops: tuple[int | None, ...]
    """f(D_j): first stop per size (None = no stop within the horizon)."""
    days_needed: float | None
    """Smallest D_j with f(D_j) > day (None: even the largest size is not enough)."""
    bracket: tuple[float, float] | None
    """(largest size that fails, smallest that succeeds) from the bisection."""
    units: float | None
    """Units of the product the answer represents (D x Σ_k a_k x̄_n over the covered pairs)."""
    value_usd: float | None
    """Its value at the product's baseline unit value."""
    industry: str | None = None
    """Region-industry whose first stop counts (None: any industry of the region)."""
    unit: str = ""
    """Physical unit of ``units`` (the product's ``unit``)."""

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON."""
        return dataclasses.asdict(self)


def _passes(stop: int | None, day: int) -> bool:
    return stop is None or stop > day


def bisect_sizes(
    sizes: Sequence[float], stops: Sequence[int | None], day: int
) -> tuple[float | None, tuple[float, float] | None]:
    """Smallest size whose first stop is after ``day``, by bisection over the sorted sizes."""
    if _passes(stops[0], day):
        return float(sizes[0]), None
    if not _passes(stops[-1], day):
        return None, None
    lo, hi = 0, len(sizes) - 1  # invariant: lo fails, hi passes
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _passes(stops[mid], day):
            hi = mid
        else:
            lo = mid
    return float(sizes[hi]), (float(sizes[lo]), float(sizes[hi]))


def stockpile_batch(
    net: CompiledNetwork,
    batch: ScenarioBatch,
    region: str,
    product: str,
    sizes: Sequence[float],
) -> tuple[CompiledNetwork, ScenarioBatch, FloatArray]:
    """The network (with room for the largest stockpile) and the batch (member 0 of ``batch``
    repeated per size, plus a day-0 ``stock_release`` of D_j days of use) for the search; also the
    covered pairs' daily use a_k x̄_n."""
    if region not in net.regions or product not in net.products:
        msg = f"expected a region and product of {net.name}, got {region!r} and {product!r}"
        raise ChokepointError(msg)
    pairs = np.flatnonzero(
        (net.node_region[net.pair_node] == net.regions.get_loc(region))
        & (net.pair_product == net.products.get_loc(product))
    ).astype(np.int64)
    if not len(pairs):
        msg = f"nobody in {region} uses {product} as an input in {net.name}"
        raise ChokepointError(msg)
    use = net.pair_amount[pairs] * net.output[net.pair_node[pairs]]
    d = np.asarray(sizes, dtype=np.float64)
    strategic = net.stock_strategic_days.copy()
    strategic[pairs] += float(d.max())
    wide = dataclasses.replace(net, stock_strategic_days=strategic)
    n = len(d)
    rules = [dataclasses.replace(r, values=np.repeat(r.values[:1], n, axis=0)) for r in batch.rules]
    unit = use.sum()
    # one rule per pair would be exact; a common factor keeps it one rule: release D_j x use_k
    if np.allclose(use, use[0]):
        rules.append(
            Rule("stock_release", pairs, 0, (d * use[0])[:, None], length=1, label="stockpile")
        )
    else:
        rules += [
            Rule(
                "stock_release",
                pairs[i : i + 1],
                0,
                (d * use[i])[:, None],
                length=1,
                label="stockpile",
            )
            for i in range(len(pairs))
        ]
    members = [f"{product}@{size:g}d" for size in d]
    out = dataclasses.replace(batch, members=members, rules=rules, name=f"{batch.name}+stockpile")
    return wide, out, np.asarray([unit])


def stockpile_for_delay(
    net: CompiledNetwork,
    batch: ScenarioBatch,
    region: str,
    product: str,
    day: int,
    *,
    industry: str | None = None,
    max_days: float = 365.0,
    steps: int = 33,
    threshold: float = THRESHOLD,
) -> StockpileAnswer:
    """Smallest strategic stockpile of ``product`` held by ``region``'s users (days of baseline
    use) that pushes the region's (or its ``industry``'s) first stop past ``day``: one engine batch
    of ``steps`` sizes from 0 to ``max_days``, then bisection."""
    from chokepoint.engine.loop import simulate

    sizes = np.linspace(0.0, max_days, steps)
    wide, search, use = stockpile_batch(net, batch, region, product, sizes.tolist())
    ds = simulate(wide, search)
    stops = first_stop(ds, region, industry, threshold)
    needed, bracket = bisect_sizes(list(sizes), stops, day)
    units = None if needed is None else needed * float(use[0])
    price = float(net.unit_value[net.products.get_loc(product)])
    return StockpileAnswer(
        region=region,
        product=product,
        day=day,
        sizes=tuple(float(s) for s in sizes),
        first_stops=tuple(stops),
        days_needed=needed,
        bracket=bracket,
        units=units,
        value_usd=None if units is None else units * price,
        industry=industry,
        unit=str(net.product_unit[net.products.get_loc(product)]),
    )
