"""Metrics: pure functions of a results Dataset (see :mod:`chokepoint.results.dataset`).

Every function returns a tidy :class:`pandas.DataFrame` with a ``member`` column (one row per
scenario and label). Days are 0-based simulation days; a day that never happens is ``None``.
Shortfall thresholds are shares of baseline output (default 0.95, DESIGN §5 "time-to-pain").

Units: each node's quantities are in its product's physical unit (the Dataset's ``unit``
coordinate). A metric that adds quantities over the nodes of a group reports the group's ``unit``:
the unit every node of the group shares, or :data:`MIXED` when they differ (tonnes and vehicles);
physical totals of a mixed group are NaN, and its USD columns are the comparable measure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from chokepoint.errors import InputError, Problem
from chokepoint.network.schema import unit_labels
from chokepoint.results.dataset import json_attr

THRESHOLD = 0.95
MONTH_DAYS = 30
"""Length of a reporting month in days (months are days 0-29, 30-59, ...)."""
PEAK_TOLERANCE = 1e-3
"""Relative tolerance of :func:`prices`: a price within 0.1% of its peak (or the cap) is at it."""

MIXED = "mixed"
"""``unit`` of a group whose nodes are counted in different units (its physical totals are NaN)."""
PHYSICAL = ("units", "units_supply", "units_orders")
"""Columns of :func:`output_lost` and :func:`unmet_final_demand` in physical units (NaN for a
:data:`MIXED` group)."""

By = str | Sequence[str]


def _keys(by: By) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def units_of(ds: xr.Dataset, dim: str = "node") -> npt.NDArray[np.str_]:
    """Physical unit of each ``node`` (coordinate ``unit``) or ``final`` entry (``final_unit``).

    Results written before units were recorded have no such coordinate: each product then gets
    the label ``"<product> (unit not given)"``, so different products never count as one unit.
    """
    coord, product = ("unit", "product") if dim == "node" else ("final_unit", "final_product")
    if coord in ds.coords:
        return np.asarray(ds[coord].values, dtype=str)
    return unit_labels(np.full(ds.sizes[dim], ""), ds[product].values)


def group_units(
    node_units: npt.NDArray[np.str_], label: npt.NDArray[np.str_], groups: npt.NDArray[np.str_]
) -> npt.NDArray[np.str_]:
    """Unit of each of ``groups``: the one shared by the entries labelled with it (``label``,
    aligned with ``node_units``), else :data:`MIXED`."""
    frame = pd.DataFrame({"g": label, "u": node_units})
    per_group = frame.groupby("g", sort=False)["u"]
    shared = per_group.first().where(per_group.nunique() == 1, MIXED)
    return shared.reindex(groups).to_numpy(dtype=str)


def _group_output(ds: xr.Dataset, by: By) -> tuple[xr.DataArray, xr.DataArray]:
    """Output (scenario, day, group) and baseline (group) summed over nodes with the same ``by``
    labels; in USD at baseline unit values for a group of mixed units (tonnes and vehicles)."""
    keys = _keys(by)
    if keys == ["node"]:
        return ds["output"], ds["baseline_output"]
    label = _label(ds, keys)
    out, base = ds["output"], ds["baseline_output"]
    mixed = group_units(units_of(ds), label, label) == MIXED
    if mixed.any():
        weight = ds["unit_value"].where(xr.DataArray(mixed, dims="node"), 1.0)
        out, base = out * weight, base * weight
    return _sum_by(out, "node", label), _sum_by(base, "node", label)


def _label(ds: xr.Dataset, keys: list[str]) -> npt.NDArray[np.str_]:
    parts = [np.asarray(ds[k].values, dtype=str) for k in keys]
    lab = parts[0]
    for p in parts[1:]:
        lab = np.char.add(np.char.add(lab, "|"), p)
    return np.asarray(lab)


def _sum_by(a: xr.DataArray, dim: str, label: npt.NDArray[np.str_]) -> xr.DataArray:
    """``a`` summed over the entries of ``dim`` with the same ``label`` (dim ``group``)."""
    return a.assign_coords(_g=(dim, label)).groupby("_g").sum(dim).rename(_g="group")


def _split(df: pd.DataFrame, column: str, keys: list[str]) -> pd.DataFrame:
    if keys == ["node"]:
        return df.rename(columns={column: "node"})
    parts = df[column].astype(str).str.split("|", expand=True)
    for i, k in enumerate(keys):
        df[k] = parts[i]
    return df.drop(columns=[column])


def _first_true(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """First index along axis 1 where ``mask`` holds, NaN if never.  (S, T, N) -> (S, N)."""
    any_ = mask.any(axis=1)
    first = mask.argmax(axis=1).astype(np.float64)
    first[~any_] = np.nan
    return first


def _ratio(out: xr.DataArray, base: xr.DataArray) -> npt.NDArray[np.float64]:
    b = np.asarray(base.values, dtype=np.float64)
    o = np.asarray(out.transpose("scenario", "day", ...).values, dtype=np.float64)
    return np.divide(o, b, out=np.ones_like(o), where=b > 0)


def _frame(
    ds: xr.Dataset,
    groups: xr.DataArray,
    by: By,
    columns: dict[str, npt.NDArray[np.float64]],
    unit: npt.NDArray[np.str_] | None = None,
    physical: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per member and entry of ``groups``' ``group`` (or ``node``) dim, with ``columns``
    (member, group arrays). With ``unit`` (one per group), a ``unit`` column follows the keys and
    the ``physical`` columns of a :data:`MIXED` group are NaN."""
    keys = _keys(by)
    gname = "node" if keys == ["node"] else "group"
    labels = np.asarray(groups[gname].values, dtype=str)
    members = np.asarray(ds["scenario"].values, dtype=str)
    s, g = len(members), len(labels)
    data: dict[str, object] = {
        "member": np.repeat(members, g),
        "_label": np.tile(labels, s),
    }
    mixed = np.zeros(s * g, dtype=bool)
    if unit is not None:
        data["unit"] = np.tile(unit, s)
        mixed = np.tile(unit == MIXED, s)
    for name, arr in columns.items():
        values = np.asarray(arr).reshape(s * g)
        data[name] = np.where(mixed, np.nan, values) if name in physical else values
    df = pd.DataFrame(data)
    df = _split(df, "_label", keys)
    return df[["member", *keys, *(["unit"] if unit is not None else []), *columns]]


def _days(values: pd.Series) -> pd.Series:
    """Float days with NaN -> object column of int or None."""
    return pd.Series(
        [None if pd.isna(v) else int(v) for v in values.to_numpy()],
        index=values.index,
        dtype=object,
    )


def shortfall_stats(
    ds: xr.Dataset, by: By = ("region", "product"), threshold: float = THRESHOLD
) -> pd.DataFrame:
    """Time-to-pain, depth, duration and recovery per ``by`` group (or ``"node"``).

    * ``time_to_pain``: first day output < threshold × baseline (None if never);
    * ``depth``: 1 − min over days of output / baseline (0 = no dip);
    * ``duration``: number of days below the threshold;
    * ``recovery_day``: first day after the last day below the threshold (None if never below, or
      still below on the last day).
    """
    out, base = _group_output(ds, by)
    ratio = _ratio(out, base)
    below = ratio < threshold
    first = _first_true(below)
    last = below.shape[1] - 1 - _first_true(below[:, ::-1, :])
    recovery = np.where(np.isnan(first) | (last >= below.shape[1] - 1), np.nan, last + 1)
    df = _frame(
        ds,
        out,
        by,
        {
            "time_to_pain": first,
            "depth": 1.0 - ratio.min(axis=1),
            "duration": below.sum(axis=1).astype(np.float64),
            "recovery_day": recovery,
        },
    )
    df["time_to_pain"] = _days(df["time_to_pain"])
    df["recovery_day"] = _days(df["recovery_day"])
    df["duration"] = df["duration"].astype(int)
    return df


def time_to_pain(
    ds: xr.Dataset, by: By = ("region", "product"), threshold: float = THRESHOLD
) -> pd.DataFrame:
    """First day output falls below ``threshold`` × baseline, per ``by`` group (None if never)."""
    keys = _keys(by)
    return shortfall_stats(ds, by, threshold)[["member", *keys, "time_to_pain"]].rename(
        columns={"time_to_pain": "day"}
    )


def firm_shortfall(ds: xr.Dataset, threshold: float = THRESHOLD) -> pd.DataFrame:
    """:func:`shortfall_stats` of every node that belongs to a firm (a ``firm`` label), with its
    firm: a firm's plant is a small part of its region-industry, whose figures hide its stop.
    Empty without firm nodes (and for ``record="summary"``, which keeps no node)."""
    cols = ["member", "node", "firm", "time_to_pain", "depth", "duration", "recovery_day"]
    if "firm" not in ds.coords or "node" not in ds.dims:
        return pd.DataFrame(columns=cols)
    firms = pd.Series(np.asarray(ds["firm"].values, dtype=str), index=ds["node"].values)
    firms = firms[firms != ""]
    if firms.empty:
        return pd.DataFrame(columns=cols)
    stats = shortfall_stats(ds.sel(node=firms.index.to_numpy()), "node", threshold)
    stats["firm"] = stats["node"].map(firms)
    return stats[cols].reset_index(drop=True)


def recovery_day(
    ds: xr.Dataset, by: By = ("region", "product"), threshold: float = THRESHOLD
) -> pd.DataFrame:
    """First day output is back to ``threshold`` × baseline for good (None if not within the horizon)."""
    keys = _keys(by)
    return shortfall_stats(ds, by, threshold)[["member", *keys, "recovery_day"]].rename(
        columns={"recovery_day": "day"}
    )


def output_lost(ds: xr.Dataset, by: By = ("region", "product")) -> pd.DataFrame:
    """Σ_days (x̄_n − x_n) in units, and in USD at baseline unit values (``value_usd``) and at the
    scarcity price index of each node's market (``value_usd_at_prices``); negative = gain.

    ``units`` splits by what limited output that day (the ``binding`` record): ``units_supply``
    on days bound by capacity or an input (output that could not be made), ``units_orders`` on
    days bound by orders (output that was not asked for: lower or restrained demand, orders held
    back by export controls, buyers cutting their orders). With ``record="summary"`` a day counts
    under the binding constraint behind most of its (region, product) group's shortfall.

    ``unit`` is the physical unit of ``units``, ``units_supply`` and ``units_orders``: the unit
    every node of the group shares (the Dataset's ``unit`` coordinate), or ``"mixed"`` when the
    group holds products counted in different units (``by="region"`` adds tonnes of magnets to
    vehicles). Those three columns are then NaN, since such a sum means nothing; ``value_usd`` and
    ``value_usd_at_prices`` stay, and are the measure to compare across products.

    >>> import numpy as np
    >>> import chokepoint as cp
    >>> from chokepoint.scenario.batch import Rule, ScenarioBatch
    >>> net = cp.build_network(cp.load_dataset("toy"))
    >>> ban = Rule("permit", np.array([2, 3]), 0, np.zeros((1, 1)), 60)  # NORTH/refined's links
    >>> ds = cp.simulate(net, ScenarioBatch("ban", 60, ["ban"], [ban]))
    >>> lost = ds.cp.output_lost()
    >>> north = lost[lost["region"] == "NORTH"]
    >>> [(p, u, round(x)) for p, u, x in zip(north["product"], north["unit"], north["units"])]
    [('ore', 't', 708), ('refined', 't', 360)]
    >>> everything = ds.cp.output_lost(by="firm")  # tonnes of ore and units of product together
    >>> everything["unit"].item(), bool(np.isnan(everything["units"].item()))
    ('mixed', True)
    """
    gap = ds["baseline_output"] - ds["output"]
    lost = gap.sum("day")
    by_orders = gap.where(ds["binding"] == 0, 0.0).sum("day")
    value = lost * ds["unit_value"]
    at_prices = ((ds["baseline_output"] - ds["output"]) * ds["unit_value"] * ds["price"]).sum("day")
    frames = {
        "units": lost,
        "units_supply": lost - by_orders,
        "units_orders": by_orders,
        "value_usd": value,
        "value_usd_at_prices": at_prices,
    }
    keys = _keys(by)
    unit = units_of(ds)
    if keys != ["node"]:
        label = _label(ds, keys)
        frames = {k: _sum_by(v, "node", label) for k, v in frames.items()}
        unit = group_units(unit, label, np.asarray(frames["units"]["group"].values, dtype=str))
    cols = {k: np.asarray(v.transpose("scenario", ...).values) for k, v in frames.items()}
    return _frame(ds, frames["units"], by, cols, unit, PHYSICAL)


def unmet_final_demand(ds: xr.Dataset) -> pd.DataFrame:
    """Σ_days of final demand not served, per consuming region and product: ``units`` in the
    product's ``unit`` (coordinate ``final_unit``), and ``value_usd``. A group is one product, so
    its unit is never ``"mixed"`` (units would be NaN if it were, as in :func:`output_lost`)."""
    unmet = (ds["final_demand"] - ds["final_delivered"]).sum("day")
    value = unmet * ds["final_unit_value"]
    label = np.char.add(
        np.char.add(np.asarray(ds["final_region"].values, dtype=str), "|"),
        np.asarray(ds["final_product"].values, dtype=str),
    )
    u = _sum_by(unmet, "final", label)
    v = _sum_by(value, "final", label)
    unit = group_units(units_of(ds, "final"), label, np.asarray(u["group"].values, dtype=str))
    return _frame(
        ds,
        u,
        ("region", "product"),
        {
            "units": np.asarray(u.transpose("scenario", ...).values),
            "value_usd": np.asarray(v.transpose("scenario", ...).values),
        },
        unit,
        PHYSICAL,
    )


def exports_monthly(ds: xr.Dataset, month_days: int = MONTH_DAYS) -> pd.DataFrame:
    """Exports per exporter region and product per month as a share of baseline exports.

    Month 1 is days 0..month_days−1. Groups without baseline exports are left out.
    """
    keys = ["region", "product"]
    label = _label(ds, keys)
    month = (np.asarray(ds["day"].values) // month_days + 1).astype(np.int64)
    ex = (
        ds["exports"]
        .assign_coords(_g=("node", label), month=("day", month))
        .groupby("_g")
        .sum("node")
    )
    base = ds["baseline_exports"].assign_coords(_g=("node", label)).groupby("_g").sum("node")
    monthly = ex.groupby("month").sum("day")
    ndays = xr.DataArray(np.bincount(month)[1:], dims="month", coords={"month": monthly["month"]})
    share = monthly / (base * ndays)
    share = share.where(base > 0)
    df = (
        share.transpose("scenario", "_g", "month")
        .to_dataframe(name="share_of_baseline")
        .reset_index()
        .rename(columns={"scenario": "member"})
    )
    df = df.dropna(subset=["share_of_baseline"])
    parts = df["_g"].astype(str).str.split("|", expand=True).reindex(columns=[0, 1])
    df["exporter"], df["product"] = parts[0], parts[1]  # no exports at all: no rows, no parts
    return df[["member", "exporter", "product", "month", "share_of_baseline"]].reset_index(
        drop=True
    )


def prices(ds: xr.Dataset, tolerance: float = PEAK_TOLERANCE) -> pd.DataFrame:
    """Peak scarcity price index per market, flagged inside/outside the actors.

    Prices approach the cap (``price_index_max`` of the engine parameters) only asymptotically,
    so ``peak_day`` is the first day the index comes within ``tolerance`` (relative) of its peak,
    and ``hit_cap`` says whether the peak is within ``tolerance`` of the cap.
    """
    if not 0.0 <= tolerance < 1.0:
        msg = f"expected a relative tolerance in [0, 1), got {tolerance!r}"
        raise InputError("prices", [Problem("tolerance", msg)])
    p = ds["market_price"].transpose("scenario", "day", "market")
    arr = np.asarray(p.values, dtype=np.float64)
    peak = arr.max(axis=1)
    peak_day = (arr >= (peak * (1.0 - tolerance))[:, None, :]).argmax(axis=1)
    cap = float(json.loads(ds.attrs.get("engine_params", "{}")).get("price_index_max", np.inf))
    trough = arr.min(axis=1)
    actors = set(json_attr(ds, "actors"))
    members = np.asarray(ds["scenario"].values, dtype=str)
    regions = np.asarray(ds["market_region"].values, dtype=str)
    products = np.asarray(ds["market_product"].values, dtype=str)
    s, m = arr.shape[0], arr.shape[2]
    return pd.DataFrame(
        {
            "member": np.repeat(members, m),
            "region": np.tile(regions, s),
            "product": np.tile(products, s),
            "inside_actors": np.tile(np.isin(regions, list(actors)), s),
            "peak_index": peak.reshape(-1),
            "peak_day": peak_day.reshape(-1).astype(int),
            "hit_cap": (peak >= cap * (1.0 - tolerance)).reshape(-1),
            "trough_index": trough.reshape(-1),
            "final_index": arr[:, -1, :].reshape(-1),
        }
    )


def price_paths(ds: xr.Dataset) -> xr.DataArray:
    """Mean price index per day inside and outside the actors (dims side, scenario, day)."""
    actors = json_attr(ds, "actors")
    inside = np.isin(np.asarray(ds["market_region"].values, dtype=str), actors)
    p = ds["market_price"]
    sides = []
    for flag in (True, False):
        sel = p.isel(market=np.flatnonzero(inside == flag))
        sides.append(
            sel.mean("market") if sel.sizes["market"] else xr.full_like(p.isel(market=0), np.nan)
        )
    return xr.concat(sides, dim=pd.Index(["inside", "outside"], name="side"))


_ORIGIN_NEEDS = (
    "binding",
    "binding_input",
    "output",
    "unmet_demand",
    "link_supplier",
    "link_buyer",
    "baseline_link_flow",
)


def traces_origin(ds: xr.Dataset) -> bool:
    """Whether ``ds`` keeps what :func:`shortage_origin` needs (a ``record="full"`` run)."""
    return all(v in ds.variables for v in _ORIGIN_NEEDS)


def _unshipped(ds: xr.Dataset) -> npt.NDArray[np.float64]:
    """Share of the orders addressed to each node that it did not ship (scenario, day, node)."""
    out = np.asarray(ds["output"].transpose("scenario", "day", "node").values, dtype=np.float64)
    unmet = np.asarray(
        ds["unmet_demand"].transpose("scenario", "day", "node").values, dtype=np.float64
    )
    orders = out + unmet
    return np.divide(unmet, orders, out=np.zeros_like(unmet), where=orders > 0)


def shortage_origin(ds: xr.Dataset, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Where each shortfall came from (needs ``record="full"``; raises :class:`InputError` without).

    For each member and node whose output fell below ``threshold`` × baseline: the binding
    constraint on its time-to-pain day and, if an input bound it, that input product; then a walk
    upstream. A supplier's *unshipped share* on a day is unmet orders / (output + unmet orders):
    the share of the orders addressed to it, including those a permit or quota held back, that it
    did not ship. From a node bound by input q on day d, the walk goes to the supplier u of q with
    the largest missing deliveries Σ_{t ≤ d} baseline flow(u → node) × unshipped share of u (the
    share is a node's, applied to each of its buyers alike: records are per node, not per link;
    ties go to the first link listed).
    It looks at u on the first day up to d that u left more than 1 − ``threshold`` of its orders
    unshipped (else on its worst day) and ends at

    * ``"capacity"``: u (or the node itself) was limited by its own capacity (a shock);
    * ``"restricted supply"``: u could have produced more but orders to it were held back (a
      permit, ban or quota: it sat idle with stranded output). A node that itself fell for lack
      of servable orders, with more than 1 − ``threshold`` of its orders held back, is its own
      origin with this cause;
    * ``"demand"``: the node itself fell for lack of orders (no shortage upstream);
    * ``"stock"``: a node ran out of an input although every supplier of it shipped all it was
      asked for;

    and goes on from u if u was itself bound by an input. Columns: member, node, day, constraint,
    input, origin (node id), cause, path (node ids, from the node up to the origin, joined by
    ``" <- "``).
    """
    if not traces_origin(ds):
        missing = [v for v in _ORIGIN_NEEDS if v not in ds.variables]
        mode = ds.attrs.get("record", "unknown")
        why = (
            "written by an older Chokepoint: simulate it again"
            if mode == "full"
            else f"got record={mode!r}: simulate it again with record='full'"
        )
        msg = f"expected the results of a record='full' run ({why}); missing {', '.join(missing)}"
        raise InputError("results for shortage_origin", [Problem("record", msg)])
    stats = shortfall_stats(ds, "node", threshold)
    products = json_attr(ds, "products")
    nodes = np.asarray(ds["node"].values, dtype=str)
    node_pos = {v: i for i, v in enumerate(nodes)}
    node_product = np.asarray(ds["product"].values, dtype=str)
    binding = np.asarray(ds["binding"].transpose("scenario", "day", "node").values)
    b_input = np.asarray(ds["binding_input"].transpose("scenario", "day", "node").values)
    unshipped = _unshipped(ds)
    missed = np.cumsum(unshipped, axis=1)  # Σ_{t ≤ d} unshipped share, (scenario, day, node)
    flow: dict[tuple[int, str], dict[int, float]] = {}  # (buyer, product) -> supplier -> flow
    for sup, buy, f in zip(
        np.asarray(ds["link_supplier"].values, dtype=str),
        np.asarray(ds["link_buyer"].values, dtype=str),
        np.asarray(ds["baseline_link_flow"].values, dtype=np.float64),
        strict=True,
    ):
        i = node_pos[sup]
        by_sup = flow.setdefault((node_pos[buy], node_product[i]), {})
        by_sup[i] = by_sup.get(i, 0.0) + float(f)
    members = list(np.asarray(ds["scenario"].values, dtype=str))
    codes = ("demand", "capacity", "input")
    short = 1.0 - threshold

    def look_day(s: int, u: int, until: int) -> int:
        share = unshipped[s, : until + 1, u]
        over = np.flatnonzero(share > short)
        return int(over[0]) if over.size else int(share.argmax())

    rows = []
    for member, group in stats.groupby("member", sort=False):
        s = members.index(str(member))
        for name, day in zip(group["node"], group["time_to_pain"], strict=True):
            if day is None:
                continue
            node = node_pos[name]
            code = int(binding[s, day, node])
            q = int(b_input[s, day, node])
            path, cur, cur_day = [node], node, int(day)
            if code == 1:
                cause = "capacity"
            elif code == 0:
                cause = "restricted supply" if unshipped[s, day, node] > short else "demand"
            else:
                while True:  # ends: each step adds a node not yet on the path
                    qi = int(b_input[s, cur_day, cur])
                    ups = flow.get((cur, products[qi]), {}) if qi >= 0 else {}
                    weight = {u: f * missed[s, cur_day, u] for u, f in ups.items() if u not in path}
                    if not weight or max(weight.values()) <= 0:
                        cause = "stock"
                        break
                    cur = max(weight, key=lambda u: weight[u])
                    cur_day = look_day(s, cur, cur_day)
                    path.append(cur)
                    c = int(binding[s, cur_day, cur])
                    if c != 2:
                        cause = "capacity" if c == 1 else "restricted supply"
                        break
            rows.append(
                {
                    "member": member,
                    "node": name,
                    "day": int(day),
                    "constraint": codes[code],
                    "input": products[q] if q >= 0 else None,
                    "origin": nodes[cur],
                    "cause": cause,
                    "path": " <- ".join(nodes[i] for i in path),
                }
            )
    cols = ["member", "node", "day", "constraint", "input", "origin", "cause", "path"]
    return pd.DataFrame(rows, columns=cols)
