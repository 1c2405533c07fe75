"""Raw engine records -> a labelled :class:`xarray.Dataset` with units and provenance.

Dimensions: ``scenario`` (the members of the scenario batch, labelled by their names), ``day``
(0 = first simulated day), ``node`` (network nodes with ``record="full"``, or (region, product)
aggregates with ``record="summary"``), ``final`` (final-demand entries; with ``record="summary"``,
their sums by supplier market and buyer region), ``market`` ((region, product) price markets)
and, with ``record="full"`` only, ``link`` (supplier -> buyer links: ``link_supplier``,
``link_buyer``, ``baseline_link_flow``).
``inventory_days`` is NaN for nodes without inputs.

Units: a quantity of a node is in its product's physical unit (t, vehicle, kWh, M.USD for an MRIO
sector...), given per node by the coordinate ``unit`` (with ``record="summary"``, the unit of the
market's product) and per final-demand entry by ``final_unit``; such variables carry
``units = "product unit/day (coordinate 'unit')"``. Summing them over nodes of different products
adds incommensurable quantities: compare across products in USD (``unit_value``).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from chokepoint.engine.params import EngineParams
from chokepoint.engine.recorder import RawRecords
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.batch import ScenarioBatch

NODE_RATE = "product unit/day (coordinate 'unit')"
"""``units`` attr of a per-node quantity: the node's product unit (coordinate ``unit``) per day."""
FINAL_RATE = "product unit/day (coordinate 'final_unit')"
"""``units`` attr of a per-final-demand quantity (coordinate ``final_unit``)."""
LINK_RATE = "supplier's product unit/day (coordinate 'unit' of link_supplier)"
"""``units`` attr of a per-link flow."""

NODE_UNITS = {
    "output": (NODE_RATE, "output x_n"),
    "capacity": (NODE_RATE, "capacity K_n(t) including shocks, additions and overproduction"),
    "unmet_demand": (NODE_RATE, "orders addressed to the node (before permits) not shipped"),
    "exports": (NODE_RATE, "shipments to other regions (links and final demand)"),
    "inventory_days": ("days", "min over input groups of stock cover, in days of baseline output"),
    "price": ("1", "scarcity price index of the node's market (1 = baseline)"),
    "binding": ("1", "binding constraint: 0 demand, 1 capacity, 2 input"),
    "binding_input": ("1", "index into `products` attr of the binding input (-1: none)"),
}

BINDING_MEANINGS = ("demand", "capacity", "input")


def _node_labels(rec: RawRecords, net: CompiledNetwork) -> pd.Index:
    if rec.mode == "full":
        return pd.Index(np.asarray(net.node_ids, dtype=str), name="node")
    regions = np.asarray(net.regions, dtype=str)[rec.node_region]
    products = np.asarray(net.products, dtype=str)[rec.node_product]
    return pd.Index(np.char.add(np.char.add(regions, "/"), products), name="node")


def to_dataset(
    rec: RawRecords, net: CompiledNetwork, batch: ScenarioBatch, params: EngineParams
) -> xr.Dataset:
    """Label ``rec`` as a Dataset (dims scenario/day/node/final/market; units and provenance attrs).

    Coordinates ``unit`` (per node) and ``final_unit`` (per final-demand entry) give the physical
    unit of each quantity, from the network's ``product_unit``.
    """
    from chokepoint import __version__

    regions = np.asarray(net.regions, dtype=str)
    products = np.asarray(net.products, dtype=str)
    firms = np.asarray(net.firms, dtype=str)
    product_unit = np.asarray(net.product_unit, dtype=str)
    final_product = net.node_product[rec.final_node]
    node = _node_labels(rec, net)
    firm = np.where(
        rec.node_firm >= 0, firms[np.maximum(rec.node_firm, 0)] if len(firms) else "", ""
    )
    horizon = int(batch.horizon)
    coords: dict[str, object] = {
        "scenario": ("scenario", np.asarray(list(batch.members), dtype=str)),
        "day": ("day", np.arange(horizon, dtype=np.int64)),
        "node": ("node", np.asarray(node)),
        "region": ("node", regions[rec.node_region]),
        "product": ("node", products[rec.node_product]),
        "firm": ("node", np.asarray(firm, dtype=str)),
        "unit": ("node", product_unit[rec.node_product]),
        "final": ("final", np.arange(len(rec.final_node), dtype=np.int64)),
        "final_supplier": (
            "final",
            np.asarray(net.node_ids, dtype=str)[rec.final_node]
            if rec.final_seller is None
            else np.asarray(node, dtype=str)[rec.final_seller],
        ),
        "final_region": ("final", regions[rec.final_region]),
        "final_product": ("final", products[final_product]),
        "final_unit": ("final", product_unit[final_product]),
        "market": ("market", np.arange(len(rec.market_region), dtype=np.int64)),
        "market_region": ("market", regions[rec.market_region]),
        "market_product": ("market", products[rec.market_product]),
    }
    data: dict[str, tuple[tuple[str, ...], np.ndarray, dict[str, object]]] = {}
    for name, arr in rec.node.items():
        units, desc = NODE_UNITS[name]
        attrs: dict[str, object] = {"units": units, "long_name": desc}
        if name == "binding":
            attrs |= {"flag_values": [0, 1, 2], "flag_meanings": " ".join(BINDING_MEANINGS)}
        data[name] = (("scenario", "day", "node"), np.asarray(arr), attrs)
    data["final_delivered"] = (
        ("scenario", "day", "final"),
        rec.final["final_delivered"],
        {"units": FINAL_RATE, "long_name": "final demand served"},
    )
    data["final_demand"] = (
        ("scenario", "day", "final"),
        rec.final["final_demand"],
        {
            "units": FINAL_RATE,
            "long_name": "final demand (after restraint, including what bans hold back)",
        },
    )
    data["market_price"] = (
        ("scenario", "day", "market"),
        rec.market["market_price"],
        {"units": "1", "long_name": "scarcity price index per (region, product) market"},
    )
    unit_value = net.unit_value[rec.node_product]
    data["baseline_output"] = (("node",), rec.baseline_output, {"units": NODE_RATE})
    data["baseline_capacity"] = (("node",), rec.baseline_capacity, {"units": NODE_RATE})
    data["baseline_exports"] = (("node",), rec.baseline_exports, {"units": NODE_RATE})
    data["unit_value"] = (("node",), unit_value.astype(np.float64), {"units": "USD/unit"})
    data["node_count"] = (("node",), rec.node_members, {"units": "1"})
    data["final_baseline"] = (("final",), rec.final_quantity, {"units": FINAL_RATE})
    data["final_unit_value"] = (
        ("final",),
        net.unit_value[final_product].astype(np.float64),
        {"units": "USD/unit"},
    )
    if rec.mode == "full":
        ids = np.asarray(net.node_ids, dtype=str)
        data["link_supplier"] = (("link",), ids[net.link_src], {"long_name": "supplier node u(e)"})
        data["link_buyer"] = (("link",), ids[net.link_dst], {"long_name": "buyer node b(e)"})
        data["baseline_link_flow"] = (
            ("link",),
            np.asarray(net.link_flow, dtype=np.float64),
            {"units": LINK_RATE, "long_name": "baseline flow on link e"},
        )
    ds = xr.Dataset(
        {k: xr.Variable(dims, v, attrs) for k, (dims, v, attrs) in data.items()},
        coords=coords,  # type: ignore[arg-type]
    )
    meta = dict(net.meta)
    ds.attrs = {
        "title": f"Chokepoint run: {batch.name}",
        "chokepoint_version": __version__,
        "dataset": str(meta.get("label", net.name)),
        "scenario": batch.name,
        "seed": int(batch.seed) if batch.seed is not None else "none",
        "horizon_days": horizon,
        "record": rec.mode,
        "start_date": batch.start_date or "",
        "actors": json.dumps(list(batch.actors)),
        "products": json.dumps(products.tolist()),
        "assumptions": json.dumps(list(batch.assumptions) + params.assumptions()),
        "sources": json.dumps(list(batch.sources) + _dataset_sources(meta) + params.sources()),
        "engine_params": json.dumps(params.as_dict()),
    }
    return ds


def _dataset_sources(meta: dict[str, object]) -> list[str]:
    src = meta.get("sources", [])
    if isinstance(src, str):
        return [src]
    if isinstance(src, list | tuple):
        return [str(s) for s in src]
    return []


def json_attr(ds: xr.Dataset, name: str) -> list[str]:
    """Decode a JSON-list attribute (``actors``, ``assumptions``, ``sources``, ``products``)."""
    raw = ds.attrs.get(name, "[]")
    value = json.loads(raw) if isinstance(raw, str) else list(raw)
    return [str(v) for v in value]
