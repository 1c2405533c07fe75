"""The day loop: DESIGN §5 steps in order, calling the kernels; rules are applied day by day.

Loops run over days, over the rules of the batch and over scenario chunks — never over nodes or
links. A day t:

0. arrivals from the pipeline and strategic releases enter the stocks I_k;
1. capacity K_n(t) = K_n · capacity factors · α_n + added capacity;
2. orders per link σ_e · order_k, permits p_e and quota caps, servable orders O_n (+ final demand);
3. production x_n = min(K_n(t), min_g C_g, O_n);
4. input use I_k −= use_k;
5. proportional shipments, into the pipeline (arrive on day t + L_e);
6. records (output, capacity, binding constraint, cover, unmet demand, exports, prices);
7. next orders: expected use plus the inventory-and-pipeline gap over T_r;
8. adaptation of sourcing shares, overproduction, scarcity prices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from chokepoint.engine import fused as F
from chokepoint.engine import kernels as K
from chokepoint.engine.params import EngineParams
from chokepoint.engine.recorder import RawRecords, Recorder, RecordMode
from chokepoint.engine.state import EngineState
from chokepoint.engine.structure import EngineNet, prepare
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario.batch import Rule, RuleKind, ScenarioBatch

if TYPE_CHECKING:
    import xarray as xr

FloatArray = npt.NDArray[np.floating]
Progress = Callable[[int, int], None]
"""``progress(done, total)`` in scenario-days (S x horizon in all), called after each simulated day."""


class _RuleSet:
    """The batch's rules for one chunk of scenarios, with link ids mapped to engine links."""

    def __init__(self, rules: Sequence[Rule], lo: int, hi: int, net: EngineNet) -> None:
        self.by_kind: dict[RuleKind, list[tuple[Rule, npt.NDArray[np.int64], FloatArray]]] = {}
        for r in rules:
            idx = np.asarray(r.index, dtype=np.int64)
            if r.kind in ("permit", "quota"):
                idx = np.unique(net.link_position[idx])  # a set of links, in engine order
            vals = np.asarray(r.values, dtype=np.float64)[lo:hi]
            self.by_kind.setdefault(r.kind, []).append((r, idx, vals))
        self.net = net

    def active(self, kind: RuleKind, day: int) -> list[tuple[npt.NDArray[np.int64], FloatArray]]:
        """(index, per-scenario value (S,)) of the rules of ``kind`` in force on ``day``."""
        out = []
        for r, idx, vals in self.by_kind.get(kind, []):
            if r.active(day):
                col = min(day - r.start, r.days - 1, vals.shape[1] - 1)
                out.append((idx, vals[:, col]))
        return out

    def factor(
        self, kind: RuleKind, day: int, size: int, width: int, dtype: np.dtype
    ) -> FloatArray | None:
        """Product of the multipliers of ``kind`` on ``day`` (S, width), or None if none is active."""
        act = self.active(kind, day)
        if not act:
            return None
        out = np.ones((size, width), dtype=dtype)
        for idx, v in act:
            out[:, idx] *= v[:, None].astype(dtype)
        return out

    def added(
        self, kind: RuleKind, day: int, size: int, width: int, dtype: np.dtype
    ) -> FloatArray | None:
        """Sum of the additive values of ``kind`` on ``day`` (S, width), or None if none is active."""
        act = self.active(kind, day)
        if not act:
            return None
        out = np.zeros((size, width), dtype=dtype)
        for idx, v in act:
            np.add.at(out.T, idx, v[None, :].astype(dtype))
        return out


def run_chunk(
    net: EngineNet,
    rules: Sequence[Rule],
    lo: int,
    hi: int,
    horizon: int,
    params: EngineParams,
    recorder: Recorder,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Simulate scenarios ``lo:hi`` of a batch for ``horizon`` days, writing into ``recorder``."""
    size = hi - lo
    ft = np.dtype(params.dtype)
    st = EngineState.initial(net, size, params)
    rs = _RuleSet(rules, lo, hi, net)
    use0 = net.pair_use
    target0 = net.stock_target_days * use0
    base_out = net.output
    use_per_unit = K._div(use0, net.output[net.pair_node])  # ū_k / x̄_n

    # Baseline utilisation of each market's sellers (for the stranded-supply side of prices).
    stock0 = st.stock[:1] + st.ring[:1, 0, :]
    cover0 = K.input_cover(
        K.group_cover(stock0, net.pair_amount[None, :], net.pairs_by_group), net.groups_by_node
    )
    potential0 = np.minimum(net.capacity[None, :], cover0)
    util0 = K._div(
        net.nodes_by_market.sum(net.output[None, :]), net.nodes_by_market.sum(potential0)
    )[0]

    wanted = np.empty((size, net.n_links), dtype=ft)
    allowed = np.empty((size, net.n_links), dtype=ft)
    no_block = np.zeros((1, 1), dtype=bool)

    for day in range(horizon):
        # 0. arrivals and strategic releases
        arrived = K.pop_pipeline(st.ring, day)
        st.stock += arrived
        st.transit -= arrived
        release = rs.added("stock_release", day, size, net.m, ft)
        if release is not None:
            moved = np.minimum(release, st.strategic)
            st.strategic -= moved
            st.stock += moved

        # 1. capacity
        cap_factor = rs.factor("capacity_factor", day, size, net.n, ft)
        cap_add = rs.added("capacity_add", day, size, net.n, ft)
        cap = K.capacity(
            net.capacity,
            cap_factor if cap_factor is not None else 1.0,  # type: ignore[arg-type]
            cap_add if cap_add is not None else 0.0,  # type: ignore[arg-type]
            st.overproduction,
        )

        # 2. orders reaching suppliers (one fused pass), permits, quotas, final demand
        wanted_src = np.zeros((size, net.n), dtype=ft)
        wanted_pair = np.zeros((size, net.m), dtype=ft)
        F.link_demand(
            st.orders, st.share, net.link_pair, net.link_src, wanted, wanted_src, wanted_pair
        )
        np.copyto(allowed, wanted)
        allowed_src = wanted_src.copy()
        blocked: npt.NDArray[np.bool_] = no_block
        permits = rs.active("permit", day)
        if permits:
            blocked = np.zeros((size, net.n_links), dtype=bool)
            for idx, p in permits:
                _restrict(allowed, allowed_src, idx, allowed[:, idx] * p[:, None], net)
                blocked[:, idx] |= (p <= 0)[:, None]
        for idx, cap_q in rs.active("quota", day):
            sub = allowed[:, idx]
            total = sub.sum(axis=1)
            scale = np.minimum(1.0, K._div(cap_q, total, fill=1.0))
            _restrict(allowed, allowed_src, idx, sub * scale[:, None], net)
        fd_factor = rs.factor("final_demand_factor", day, size, net.n_final, ft)
        final = (
            net.fd_quantity * fd_factor
            if fd_factor is not None
            else np.broadcast_to(net.fd_quantity, (size, net.n_final)).astype(ft)
        )
        fd_node_orders = net.fd_by_node.sum(final)
        servable = allowed_src + fd_node_orders

        # 3. production
        req = rs.factor("requirement_factor", day, size, net.m, ft)
        amount = net.pair_amount * req if req is not None else net.pair_amount[None, :]
        cover = K.group_cover(st.stock, amount, net.pairs_by_group)
        node_cover = K.input_cover(cover, net.groups_by_node)
        x, binding = K.produce(cap, node_cover, servable)

        # 4. inputs used
        use = K.input_use(x, st.stock, cover, net.pair_node, net.pair_group)
        st.stock -= use
        np.maximum(st.stock, 0.0, out=st.stock)

        # 5. shipments into the pipeline (one fused pass; ``allowed`` now holds shipments)
        ratio = np.minimum(K._div(x, servable), 1.0)
        delivered = final * ratio[:, net.fd_node]
        received = np.zeros((size, net.m), dtype=ft)
        exports = net.fd_by_node.sum(np.where(net.fd_export, delivered, 0.0)).astype(ft)
        F.link_ship(
            allowed,
            ratio,
            net.link_src,
            net.link_pair,
            net.link_lead,
            net.link_export,
            day,
            st.ring,
            received,
            exports,
        )
        shipped = allowed
        st.transit += received

        # 6. records
        demand = wanted_src + fd_node_orders
        after = K.input_cover(
            K.group_cover(st.stock, amount, net.pairs_by_group), net.groups_by_node
        )
        inv_days = K._div(after, np.broadcast_to(base_out, after.shape), fill=np.inf)
        if recorder.mode == "full":
            bg = K.binding_group(cover, node_cover, net)
            b_input = np.where(
                (binding == K.INPUT) & (bg >= 0), net.group_product[np.maximum(bg, 0)], -1
            )
        else:
            b_input = np.zeros((0,), dtype=np.int64)

        # 7. next orders
        if params.order_basis == "demand":
            planned = np.minimum(cap, servable)[:, net.pair_node] * use_per_unit
            basis = planned * req if req is not None else planned
        else:
            basis = use
        st.expected_use += params.order_smoothing * (basis - st.expected_use)
        tfac = rs.factor("target_factor", day, size, net.m, ft)
        target = target0 * tfac if tfac is not None else target0[None, :]
        st.orders = K.next_orders(
            st.expected_use,
            st.stock,
            st.transit,
            target,
            st.pipe_target,
            params.inventory_restoration_days,
        )

        # 8. adaptation of sourcing shares toward spare, permitted, qualified suppliers
        pair_recv = received
        short = np.where(wanted_pair > 0, 1.0 - K._div(pair_recv, wanted_pair), 0.0)
        newly = (st.first_short < 0) & (short > params.shortfall_threshold)
        st.first_short[newly] = day
        if params.adaptation_speed > 0 and (short > params.shortfall_threshold).any():
            spare = np.clip(np.minimum(cap, node_cover) - x, 0.0, None).astype(ft)
            F.adapt(
                st.share,
                shipped,
                wanted_pair,
                short.astype(ft),
                spare,
                blocked,
                blocked is not no_block,
                st.first_short,
                net.link_alt_days,
                net.link_src,
                net.link_lead,
                net.pair_link_ptr,
                net.pair_links,
                use0,
                day,
                params.adaptation_speed,
                params.shortfall_threshold,
                st.pipe_target,
            )

        # overproduction (ARIO)
        st.overproduction = K.overproduction(
            st.overproduction,
            servable,
            x,
            params.overproduction_base,
            params.overproduction_max,
            params.overproduction_tau,
        )

        # scarcity prices per market
        bought = net.pairs_by_market.sum(wanted_pair) + net.fd_by_market.sum(final)
        got_m = net.pairs_by_market.sum(pair_recv) + net.fd_by_market.sum(delivered)
        potential = np.minimum(cap, node_cover)
        p_star = K.price_target(
            bought,
            got_m,
            net.nodes_by_market.sum(x),
            net.nodes_by_market.sum(potential),
            util0,
            params.price_elasticity,
            params.price_index_max,
        )
        st.log_price += params.price_adjustment_speed * (p_star - st.log_price)

        recorder.record(
            day,
            output=x,
            capacity=cap,
            binding=binding,
            binding_input=b_input,
            inventory_days=inv_days,
            unmet_demand=np.clip(demand - x, 0.0, None),
            exports=exports,
            final_delivered=delivered,
            final_demand=final,
            market_price=np.exp(st.log_price),
        )
        if progress is not None:
            progress(size)


def _restrict(
    allowed: FloatArray,
    allowed_src: FloatArray,
    idx: npt.NDArray[np.int64],
    new: FloatArray,
    net: EngineNet,
) -> None:
    """Set ``allowed[:, idx] = new`` and keep the per-supplier sums in step (in place)."""
    delta = allowed[:, idx] - new
    allowed[:, idx] = new
    np.subtract.at(allowed_src.T, net.link_src[idx], delta.T)


def simulate(
    net: CompiledNetwork,
    batch: ScenarioBatch,
    params: EngineParams | None = None,
    *,
    record: RecordMode = "full",
    progress: Progress | None = None,
) -> xr.Dataset:
    """Run a :class:`~chokepoint.scenario.ScenarioBatch` on a network, day by day (DESIGN §5).

    Parameters
    ----------
    net
        The compiled network (its baseline must be balanced for the no-rule run to be a steady state).
    batch
        S scenarios: rules (permits, quotas, capacity factors, releases, ...) over ``batch.horizon``
        days. Rule indices of kind ``permit``/``quota`` ≥ E refer to alternative supplier a = index − E.
    params
        Engine parameters (defaults: :class:`EngineParams`).
    record
        ``"full"``: every node per day; ``"summary"``: nodes aggregated to (region, product) per day.
    progress
        Optional callback ``progress(done, total)`` in scenario-days (total = S x horizon).

    Returns
    -------
    xarray.Dataset
        dims ``member``, ``day``, ``node`` (and ``final``, ``market``); see
        :func:`chokepoint.results.dataset.to_dataset`.
    """
    from chokepoint.results.dataset import to_dataset

    params = params or EngineParams()
    records = run_records(net, batch, params, record=record, progress=progress)
    return to_dataset(records, net, batch, params)


def run_records(
    net: CompiledNetwork,
    batch: ScenarioBatch,
    params: EngineParams,
    *,
    record: RecordMode = "full",
    progress: Progress | None = None,
) -> RawRecords:
    """Simulate and return the raw records (arrays only; :func:`simulate` labels them)."""
    enet = prepare(net, params.pipeline_max_days, params.dtype)
    _check_rules(batch, enet)
    size, horizon = batch.size, int(batch.horizon)
    chunk = params.scenario_chunk or size
    node_firm = net.node_firm
    base_exports = (
        np.bincount(
            enet.link_src, np.where(enet.link_export, enet.link_flow, 0.0), minlength=enet.n
        )
        + enet.fd_by_node.sum(np.where(enet.fd_export, enet.fd_quantity, 0.0)[None, :])[0]
    )
    total = size * horizon
    done = [0]

    def tick(scenario_days: int) -> None:
        done[0] += scenario_days
        if progress is not None:
            progress(done[0], total)

    parts = []
    for lo in range(0, size, chunk):
        hi = min(size, lo + chunk)
        rec = Recorder(record, enet, hi - lo, horizon, node_firm, base_exports)
        run_chunk(enet, batch.rules, lo, hi, horizon, params, rec, tick if progress else None)
        parts.append(rec.records())
    return RawRecords.concat(parts)


def _check_rules(batch: ScenarioBatch, net: EngineNet) -> None:
    from chokepoint.errors import ChokepointError

    width = {
        "permit": net.n_links,
        "quota": net.n_links,
        "capacity_factor": net.n,
        "capacity_add": net.n,
        "stock_release": net.m,
        "requirement_factor": net.m,
        "final_demand_factor": net.n_final,
        "target_factor": net.m,
    }
    problems = []
    for i, r in enumerate(batch.rules):
        idx = np.asarray(r.index)
        vals = np.asarray(r.values)
        if r.kind not in width:
            problems.append(f"rule {i} ({r.label}): unknown kind {r.kind!r}")
            continue
        if idx.size and (idx.min() < 0 or idx.max() >= width[r.kind]):
            problems.append(
                f"rule {i} ({r.label}): index out of range [0, {width[r.kind]}) for {r.kind}"
            )
        if vals.ndim != 2 or vals.shape[0] != batch.size:
            problems.append(
                f"rule {i} ({r.label}): values must have shape (S={batch.size}, L), got {vals.shape}"
            )
        elif np.isnan(vals).any() or (vals < 0).any():
            problems.append(f"rule {i} ({r.label}): values must be finite and >= 0")
    if problems:
        msg = "invalid scenario batch: " + "; ".join(problems)
        raise ChokepointError(msg)
