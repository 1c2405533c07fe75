"""What a run records, into preallocated buffers, after each day's step.

``record="full"`` keeps every node per day; ``record="summary"`` aggregates nodes to their market
(region, product) per day — sums of output, capacity, unmet demand and exports, the smallest days of
cover, the dominant binding constraint — and final demand to (supplier market, buyer region), so
memory is S × days × markets, whatever the network size. The summary sums are added up by the
node pass itself, at the positions :meth:`Recorder.summary_layout` gives; the recorder stores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from chokepoint.engine.fused import CAPACITY, DEMAND, INPUT
from chokepoint.engine.structure import EngineNet

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.integer]
RecordMode = Literal["full", "summary"]

NODE_VARS = (
    "output",
    "capacity",
    "unmet_demand",
    "exports",
    "inventory_days",
    "price",
)


@dataclass
class RawRecords:
    """Recorded arrays of one run, with the integer labels needed to build the results Dataset.

    ``node`` arrays have shape (S, days, N) where N = n nodes (full) or the sellers' markets
    (summary); ``final`` arrays (S, days, F); ``market`` arrays (S, days, M).  ``units_*`` give, for
    each N entry, its region, product and firm codes (firm −1 for aggregates) and baselines.
    """

    mode: RecordMode
    node: dict[str, npt.NDArray[np.generic]]
    final: dict[str, npt.NDArray[np.generic]]
    market: dict[str, npt.NDArray[np.generic]]
    node_region: IntArray
    node_product: IntArray
    node_firm: IntArray
    node_members: IntArray
    """For each N entry, the number of network nodes it aggregates."""
    baseline_output: FloatArray
    baseline_capacity: FloatArray
    baseline_exports: FloatArray
    market_region: IntArray
    market_product: IntArray
    final_node: IntArray
    final_region: IntArray
    final_quantity: FloatArray
    meta: dict[str, object] = field(default_factory=dict)
    final_seller: IntArray | None = None
    """Summary mode: the N entry (seller market) behind each aggregated final-demand entry."""

    @staticmethod
    def concat(parts: Sequence[RawRecords]) -> RawRecords:
        """Join the records of scenario chunks along the scenario axis."""
        first = parts[0]
        if len(parts) == 1:
            return first

        def cat(name: str, attr: str) -> npt.NDArray[np.generic]:
            return np.concatenate([getattr(p, attr)[name] for p in parts], axis=0)

        return RawRecords(
            mode=first.mode,
            node={k: cat(k, "node") for k in first.node},
            final={k: cat(k, "final") for k in first.final},
            market={k: cat(k, "market") for k in first.market},
            node_region=first.node_region,
            node_product=first.node_product,
            node_firm=first.node_firm,
            node_members=first.node_members,
            baseline_output=first.baseline_output,
            baseline_capacity=first.baseline_capacity,
            baseline_exports=first.baseline_exports,
            market_region=first.market_region,
            market_product=first.market_product,
            final_node=first.final_node,
            final_region=first.final_region,
            final_quantity=first.final_quantity,
            meta=first.meta,
            final_seller=first.final_seller,
        )


class Recorder:
    """Preallocated buffers for ``size`` scenarios over ``horizon`` days."""

    def __init__(
        self,
        mode: RecordMode,
        net: EngineNet,
        size: int,
        horizon: int,
        node_firm: IntArray,
        baseline_exports: FloatArray,
    ) -> None:
        if mode not in ("full", "summary"):
            msg = f"record must be 'full' or 'summary', got {mode!r}"
            raise ValueError(msg)
        self.mode: RecordMode = mode
        self.net = net
        ft = np.float64
        self._summary = mode == "summary"
        if mode == "full":
            n_out = net.n
            node_region, node_product, firm = net.node_region, net.node_product, node_firm
            members = np.ones(net.n, dtype=np.int64)
            self.baseline_output = net.output.astype(ft)
            self.baseline_capacity = net.capacity.astype(ft)
            self.baseline_exports = baseline_exports.astype(ft)
            self._final_pos = np.arange(net.n_final)
            self._final_node, self._final_region = net.fd_node, net.fd_region
            self._final_seller: IntArray | None = None
        else:
            # Seller markets, in market order; nodes map onto them.
            sellers = np.unique(net.node_market)
            pos = np.full(net.n_markets, -1, dtype=np.int64)
            pos[sellers] = np.arange(len(sellers))
            self._node_pos = pos[net.node_market]
            self._sellers = sellers
            n_out = len(sellers)
            node_region = net.market_region[sellers]
            node_product = net.market_product[sellers]
            firm = np.full(n_out, -1, dtype=np.int64)
            members = np.bincount(self._node_pos, minlength=n_out).astype(np.int64)
            self.baseline_output = self._sum1(net.output)
            self.baseline_capacity = self._sum1(net.capacity)
            self.baseline_exports = self._sum1(baseline_exports)
            # final demand by (seller market, buyer region)
            key = self._node_pos[net.fd_node] * net.n_regions + net.fd_region
            _, first, final_pos = np.unique(key, return_index=True, return_inverse=True)
            self._final_pos = final_pos.astype(np.int64)
            self._final_node, self._final_region = net.fd_node[first], net.fd_region[first]
            self._final_seller = self._node_pos[net.fd_node[first]]
        n_final = len(self._final_node)
        self._final_quantity = np.bincount(
            self._final_pos, net.fd_quantity.astype(np.float64), minlength=n_final
        ).astype(np.float64)
        self.node_region, self.node_product, self.node_firm = node_region, node_product, firm
        self.node_members = members
        s, h = size, horizon
        self.node: dict[str, npt.NDArray[np.generic]] = {
            name: np.zeros((s, h, n_out), dtype=ft) for name in NODE_VARS
        }
        self.node["binding"] = np.zeros((s, h, n_out), dtype=np.int8)
        if mode == "full":
            self.node["binding_input"] = np.full((s, h, n_out), -1, dtype=np.int32)
        self.final: dict[str, npt.NDArray[np.generic]] = {
            "final_delivered": np.zeros((s, h, n_final), dtype=ft),
            "final_demand": np.zeros((s, h, n_final), dtype=ft),
        }
        self.market: dict[str, npt.NDArray[np.generic]] = {
            "market_price": np.ones((s, h, net.n_markets), dtype=ft)
        }

    def _sum1(self, values: FloatArray) -> npt.NDArray[np.float64]:
        weights = np.asarray(values, dtype=np.float64)
        return np.bincount(self._node_pos, weights, minlength=len(self._sellers)).astype(np.float64)

    def record(
        self,
        day: int,
        *,
        output: FloatArray,
        capacity: FloatArray,
        binding: npt.NDArray[np.int8],
        binding_input: IntArray,
        inventory_days: FloatArray,
        unmet_demand: FloatArray,
        exports: FloatArray,
        final_delivered: FloatArray,
        final_demand: FloatArray,
        market_price: FloatArray,
    ) -> None:
        """Full mode: copy one day's arrays (each (n, S), (F, S) or (M, S), scenario last) into the
        buffers (summary mode: :meth:`record_summary`)."""
        values = {
            "output": output,
            "capacity": capacity,
            "unmet_demand": unmet_demand,
            "exports": exports,
            "inventory_days": inventory_days,
            "price": market_price[self.net.node_market],
            "binding": binding,
            "binding_input": binding_input,
        }
        for name, v in values.items():
            self.node[name][:, day, :] = v.T
        for name, v in (("final_delivered", final_delivered), ("final_demand", final_demand)):
            self.final[name][:, day, :] = v.T
        self.market["market_price"][:, day, :] = market_price.T

    def summary_layout(self) -> tuple[IntArray, IntArray, int, int]:
        """Where the node pass adds up summary records: position of every node and of every
        final-demand entry, and the numbers of positions P and final groups G (empty arrays and
        zeros in full mode)."""
        if not self._summary:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0
        return self._node_pos, self._final_pos, len(self._sellers), len(self._final_node)

    def record_summary(
        self,
        day: int,
        summary: npt.NDArray[np.float64],
        final_sums: npt.NDArray[np.float64],
        market_price: FloatArray,
    ) -> None:
        """Store one day of summary records as the node pass added them up: ``summary`` (8, P, S)
        = Σ output, Σ capacity, Σ unmet demand, Σ exports, smallest days of cover, and Σ (x̄ − x)⁺
        by binding code; ``final_sums`` (2, G, S) = Σ deliveries, Σ final demand."""
        for i, name in enumerate(("output", "capacity", "unmet_demand", "exports")):
            self.node[name][:, day, :] = summary[i].T
        self.node["inventory_days"][:, day, :] = summary[4].T
        self.node["price"][:, day, :] = market_price[self._sellers].T
        # Dominant binding constraint: the one behind the largest shortfall x̄ − x (ties: the
        # normal state first, then capacity, then inputs).
        gap = summary[5:]
        code = np.full(gap.shape[1:], DEMAND, dtype=np.int8)
        best = np.zeros(gap.shape[1:])
        for c in (CAPACITY, INPUT):
            better = gap[c] > best
            code[better] = c
            best = np.where(better, gap[c], best)
        self.node["binding"][:, day, :] = code.T
        self.final["final_delivered"][:, day, :] = final_sums[0].T
        self.final["final_demand"][:, day, :] = final_sums[1].T
        self.market["market_price"][:, day, :] = market_price.T

    def records(self, meta: dict[str, object] | None = None) -> RawRecords:
        """The filled buffers as :class:`RawRecords`."""
        net = self.net
        node = self.node
        inv = node["inventory_days"]
        node["inventory_days"] = np.where(np.isinf(inv), np.nan, inv)
        return RawRecords(
            mode=self.mode,
            node=node,
            final=self.final,
            market=self.market,
            node_region=self.node_region,
            node_product=self.node_product,
            node_firm=self.node_firm,
            node_members=self.node_members,
            baseline_output=self.baseline_output,
            baseline_capacity=self.baseline_capacity,
            baseline_exports=self.baseline_exports,
            market_region=net.market_region,
            market_product=net.market_product,
            final_node=self._final_node,
            final_region=self._final_region,
            final_quantity=self._final_quantity,
            meta=dict(meta or {}),
            final_seller=self._final_seller,
        )
