"""(Scenario x CompiledNetwork) -> :class:`~chokepoint.scenario.batch.ScenarioBatch`.

Each instrument becomes one or more :class:`~chokepoint.scenario.batch.Rule` s; selections of
links, nodes, input pairs and final-demand entries are boolean masks over the network's flat
arrays (``np.isin`` on integer codes), never a loop over rows, and are computed once per batch
(members share them; only their values differ).

Selections (u(e) supplier, b(e) buyer, ``reg``/``prod`` the region and product of a node):

* restrictions (``export_ban``, ``quota``, ``licensing``) act on the export links e with
  ``reg(u(e)) = actor``, ``prod(u(e))`` in products, ``reg(b(e))`` in targets and
  ``reg(b(e)) != actor``, and on the qualified alternative suppliers a of the same description
  (engine link id E + a). A link is an export when supplier and buyer regions differ; the actor's
  domestic buyers are never restricted (a state restricts exports, not home sales). Bans and
  licensing also hold back the final demand f of target regions served directly by the actor's
  producers (``final_permit``: what is held back stays demanded, and unmet); a quota covers
  links only;
* ``capacity_shock`` / ``capacity_investment``: nodes with ``reg(n)`` in targets and ``prod(n)`` in
  products;
* ``stockpile_release`` / ``substitution``: input pairs k with ``reg(node(k))`` in targets and input
  product q(k) in products;
* ``demand_restraint``: final-demand entries of target regions for the products;
* front-running (``announce_day``): ``target_factor`` on the input pairs fed by the instrument's
  affected supply links (restricted links, or links out of shocked nodes), from ``announce_day``
  to ``start_day``.

Batch members compile one by one and are stacked: rules with the same kind, ids and window share one
(S, L) value array; a member without a rule gets the neutral value (1 for factors and permits, 0 for
additions, +inf for a quota cap).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from chokepoint.errors import InputError, Problem
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario import coercion
from chokepoint.scenario import instruments as ins
from chokepoint.scenario.batch import Rule, RuleKind, ScenarioBatch
from chokepoint.scenario.schema import Scenario, expand_members

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NEUTRAL: dict[RuleKind, float] = {
    "permit": 1.0,
    "quota": float("inf"),
    "capacity_factor": 1.0,
    "capacity_add": 0.0,
    "stock_release": 0.0,
    "requirement_factor": 1.0,
    "final_demand_factor": 1.0,
    "final_permit": 1.0,
    "target_factor": 1.0,
}
"""Value of a rule kind that changes nothing (used for members without the rule)."""


@dataclass
class _Draft:
    """One member's rule before stacking: a value row (L,) instead of (S, L)."""

    kind: RuleKind
    index: IntArray
    start: int
    row: FloatArray
    length: int | None = None
    persist: bool = False
    label: str = ""


@dataclass
class _Context:
    net: CompiledNetwork
    horizon: int
    seed: int | None
    position: int
    """Instrument position i in the scenario (for its random stream)."""
    member: int
    """Member position j in the batch."""
    label: str
    regions: list[str]
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    """Selections shared by every member of the batch (a selection depends only on codes)."""

    def memo(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()``, computed once per batch for ``key``."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def codes_region(self, codes: Sequence[str]) -> IntArray:
        return self.net.regions.get_indexer(list(codes)).astype(np.int64)

    def codes_product(self, codes: Sequence[str]) -> IntArray:
        return self.net.products.get_indexer(list(codes)).astype(np.int64)

    def window(self, inst: ins.InstrumentBase) -> tuple[int, int]:
        """``(start, stop)`` of the instrument, clipped to the horizon."""
        stop = self.horizon if inst.end_day is None else min(inst.end_day, self.horizon)
        return inst.start_day, stop


# --------------------------------------------------------------------------------------------
# Selections
# --------------------------------------------------------------------------------------------


def export_links(
    net: CompiledNetwork, actor: int, products: IntArray, targets: IntArray
) -> BoolArray:
    """Mask [E + A] of export links from ``actor``'s producers of ``products`` to buyers in
    ``targets``: the network's links e, then its alternatives a (engine link id E + a)."""
    src = np.concatenate([net.link_src, net.alt_src])
    dst = np.concatenate([net.link_dst, net.pair_node[net.alt_pair]])
    src_region = net.node_region[src]
    dst_region = net.node_region[dst]
    return (
        (src_region == actor)
        & np.isin(net.node_product[src], products)
        & np.isin(dst_region, targets)
        & (dst_region != actor)
    )


def export_final_demand(
    net: CompiledNetwork, actor: int, products: IntArray, targets: IntArray
) -> BoolArray:
    """Mask [F] of final demand of ``targets`` (not the actor) served by ``actor``'s producers."""
    return (
        (net.node_region[net.fd_node] == actor)
        & np.isin(net.node_product[net.fd_node], products)
        & np.isin(net.fd_region, targets)
        & (net.fd_region != actor)
    )


def home_nodes(net: CompiledNetwork, regions: IntArray, products: IntArray) -> BoolArray:
    """Mask [n] of producers of ``products`` in ``regions``."""
    return np.isin(net.node_region, regions) & np.isin(net.node_product, products)


def home_pairs(net: CompiledNetwork, regions: IntArray, products: IntArray) -> BoolArray:
    """Mask [m] of input pairs k with input q(k) in ``products`` at nodes in ``regions``."""
    return np.isin(net.node_region[net.pair_node], regions) & np.isin(net.pair_product, products)


def _ids(mask: BoolArray) -> IntArray:
    return np.flatnonzero(mask).astype(np.int64)


def _constant(value: float) -> FloatArray:
    return np.array([value], dtype=np.float64)


def _selection_key(inst: ins.InstrumentBase, ctx: _Context) -> tuple[Any, ...]:
    """What an instrument's selection depends on (its codes), to share it across members."""
    return (inst.actor, tuple(inst.products), tuple(inst.target_regions(ctx.regions)))


def _home_node_ids(inst: ins.InstrumentBase, ctx: _Context) -> IntArray:
    regions = ctx.codes_region(inst.target_regions(ctx.regions))
    products = ctx.codes_product(inst.products)
    return ctx.memo(  # type: ignore[no-any-return]
        ("nodes", *_selection_key(inst, ctx)),
        lambda: _ids(home_nodes(ctx.net, regions, products)),
    )


def _home_pair_ids(inst: ins.InstrumentBase, ctx: _Context) -> IntArray:
    regions = ctx.codes_region(inst.target_regions(ctx.regions))
    products = ctx.codes_product(inst.products)
    return ctx.memo(  # type: ignore[no-any-return]
        ("pairs", *_selection_key(inst, ctx)),
        lambda: _ids(home_pairs(ctx.net, regions, products)),
    )


# --------------------------------------------------------------------------------------------
# Compilers, one per instrument type
# --------------------------------------------------------------------------------------------


def _restricted(inst: ins.InstrumentBase, ctx: _Context) -> tuple[IntArray, IntArray]:
    """Ids of the export links (E + A numbering) and final-demand entries the restriction covers."""
    targets = inst.target_regions(ctx.regions)
    key = ("restricted", inst.actor, tuple(inst.products), tuple(targets))

    def make() -> tuple[IntArray, IntArray]:
        actor = int(ctx.codes_region([inst.actor])[0])
        products = ctx.codes_product(inst.products)
        target_codes = ctx.codes_region(targets)
        return (
            _ids(export_links(ctx.net, actor, products, target_codes)),
            _ids(export_final_demand(ctx.net, actor, products, target_codes)),
        )

    links, fd = ctx.memo(key, make)
    if not len(links) and not len(fd):
        ctx.warnings.append(
            f"{ctx.label}: {inst.actor} exports none of {', '.join(inst.products)} to the targets "
            "in this dataset; the instrument has no effect"
        )
    return links, fd


def _as_ids(selection: BoolArray | IntArray) -> IntArray:
    """Ids from a boolean mask or an id array."""
    if selection.dtype == np.bool_:
        return np.flatnonzero(selection).astype(np.int64)
    return selection.astype(np.int64)


def _front_running(
    inst: ins.InstrumentBase,
    ctx: _Context,
    links: BoolArray | IntArray | Callable[[], IntArray],
    key: tuple[Any, ...] | None = None,
) -> list[_Draft]:
    """``target_factor`` on the input pairs fed by ``links`` (a mask or ids over E + A, or a
    function giving ids), from ``announce_day`` to ``start_day``; memoised under ``key``."""
    if inst.announce_day is None or inst.front_running == 1.0:
        return []

    def make() -> IntArray:
        chosen = links() if callable(links) else _as_ids(links)
        pair_of = np.concatenate([ctx.net.link_pair, ctx.net.alt_pair])
        pairs = np.unique(pair_of[chosen]).astype(np.int64)
        return pairs[pairs >= 0]

    pairs: IntArray = make() if key is None else ctx.memo(("front_running", *key), make)
    if not len(pairs):
        return []
    length = inst.start_day - inst.announce_day
    return [
        _Draft(
            "target_factor",
            pairs,
            inst.announce_day,
            _constant(inst.front_running),
            length=length,
            label=f"{ctx.label}:front_running",
        )
    ]


def _permit_rules(
    links: BoolArray | IntArray,
    fd: BoolArray | IntArray,
    start: int,
    row: FloatArray,
    length: int | None,
    label: str,
) -> list[_Draft]:
    """``permit`` on ``links`` and ``final_permit`` on ``fd`` (masks or ids)."""
    links, fd = _as_ids(links), _as_ids(fd)
    out = []
    if len(links):
        out.append(_Draft("permit", links, start, row, length=length, label=label))
    if len(fd):
        out.append(
            _Draft(
                "final_permit",
                fd,
                start,
                row,
                length=length,
                label=f"{label}:final_demand",
            )
        )
    return out


def _export_ban(inst: ins.ExportBan, ctx: _Context) -> list[_Draft]:
    links, fd = _restricted(inst, ctx)
    start, stop = ctx.window(inst)
    rules = _permit_rules(links, fd, start, _constant(0.0), stop - start, ctx.label)
    return rules + _front_running(inst, ctx, links, _selection_key(inst, ctx))


def _quota(inst: ins.Quota, ctx: _Context) -> list[_Draft]:
    links, _ = _restricted(inst, ctx)
    start, stop = ctx.window(inst)
    if not len(links):
        return []
    if inst.cap_per_day is not None:
        cap = inst.cap_per_day
    else:
        network_links = links[links < ctx.net.n_links]  # alternatives have no baseline flow
        cap = float(inst.cap_share or 0.0) * float(ctx.net.link_flow[network_links].sum())
    rule = _Draft("quota", links, start, _constant(cap), length=stop - start, label=ctx.label)
    return [rule, *_front_running(inst, ctx, links, _selection_key(inst, ctx))]


def draw_share(inst: ins.Licensing, seed: int | None, position: int, member: int) -> float:
    """The approval share of batch member ``member`` (a draw from
    ``SeedSequence(seed, spawn_key=(position, member))`` when it is a distribution)."""
    share = inst.approval_share
    if isinstance(share, float | int):
        return float(share)
    ss = np.random.SeedSequence(seed, spawn_key=(position, member))
    value = float(share.sample(np.random.default_rng(ss), 1)[0])
    return min(max(value, 0.0), 1.0)


def _licensing(inst: ins.Licensing, ctx: _Context) -> list[_Draft]:
    links, fd = _restricted(inst, ctx)
    start, stop = ctx.window(inst)
    share = draw_share(inst, ctx.seed, ctx.position, ctx.member)
    length = stop - start
    processing = min(inst.processing_days, length)
    row = np.concatenate([np.zeros(processing), np.full(1 if processing < length else 0, share)])
    rules = _permit_rules(links, fd, start, row, length, ctx.label)
    ctx.meta.setdefault("licensing", []).append(
        {"instrument": ctx.label, "member": ctx.member, "approval_share": share}
    )
    return rules + _front_running(inst, ctx, links, _selection_key(inst, ctx))


def shock_path(inst: ins.CapacityShock, horizon: int) -> FloatArray:
    """Capacity factor 1 - shock_n(t) from ``start_day`` until full recovery (or the horizon)."""
    start = inst.start_day
    rec = inst.recovery
    if inst.end_day is None and rec.path == "none":
        return np.full(horizon - start, 1.0 - inst.share_lost)
    begin = inst.end_day if inst.end_day is not None else start
    full = np.full(begin - start, 1.0 - inst.share_lost)
    t = np.arange(rec.days, dtype=np.float64)
    if rec.path == "linear" and rec.days > 0:
        lost = inst.share_lost * (1.0 - t / rec.days)
    elif rec.path == "exponential" and rec.days > 0:
        lost = inst.share_lost * np.exp(-3.0 * t / rec.days)
    else:
        lost = np.zeros(0)
    return np.concatenate([full, 1.0 - lost])[: horizon - start]


def _capacity_shock(inst: ins.CapacityShock, ctx: _Context) -> list[_Draft]:
    nodes = _home_node_ids(inst, ctx)
    if not len(nodes):
        ctx.warnings.append(f"{ctx.label}: no producers of {', '.join(inst.products)} to shock")
        return []
    row = shock_path(inst, ctx.horizon)
    out = []
    if len(row):
        out.append(_Draft("capacity_factor", nodes, inst.start_day, row, label=ctx.label))

    def supplied() -> IntArray:
        return _ids(np.isin(np.concatenate([ctx.net.link_src, ctx.net.alt_src]), nodes))

    return out + _front_running(inst, ctx, supplied, ("shock", *_selection_key(inst, ctx)))


def _by_value(
    kind: RuleKind, ids: IntArray, amounts: FloatArray, start: int, row: FloatArray, **kw: Any
) -> list[_Draft]:
    """One rule per distinct amount (rules carry one value per member and day for all their ids)."""
    keep = amounts > 0
    ids, amounts = ids[keep], amounts[keep]
    values, inverse = np.unique(np.round(amounts, 12), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(values) + 1))
    return [
        _Draft(kind, ids[order[bounds[g] : bounds[g + 1]]], start, values[g] * row, **kw)
        for g in range(len(values))
    ]


def _stockpile_release(inst: ins.StockpileRelease, ctx: _Context) -> list[_Draft]:
    net = ctx.net
    pairs = _home_pair_ids(inst, ctx)
    use = net.pair_amount[pairs] * net.output[net.pair_node[pairs]]
    strategic = net.stock_strategic_days[pairs] * use
    start, stop = ctx.window(inst)
    if strategic.sum() <= 0:
        ctx.warnings.append(
            f"{ctx.label}: the dataset records no strategic stock of {', '.join(inst.products)} "
            f"in {', '.join(inst.target_regions(ctx.regions))}; nothing is released"
        )
        return []
    if inst.units_per_day is not None:
        total = float(strategic.sum())
        days = int(min(stop - start, np.floor(total / inst.units_per_day)))
        rate = inst.units_per_day * strategic / total if days >= 1 else strategic
        return _by_value(
            "stock_release",
            pairs,
            rate,
            start,
            _constant(1.0),
            length=max(days, 1),
            label=ctx.label,
        )
    over = min(inst.over_days, ctx.horizon - start)
    amount = (
        strategic if inst.days_of_use is None else np.minimum(inst.days_of_use * use, strategic)
    )
    return _by_value(
        "stock_release",
        pairs,
        amount / inst.over_days,
        start,
        _constant(1.0),
        length=over,
        label=ctx.label,
    )


def _capacity_investment(inst: ins.CapacityInvestment, ctx: _Context) -> list[_Draft]:
    net = ctx.net
    regions = ctx.codes_region(inst.target_regions(ctx.regions))
    products = ctx.codes_product(inst.products)
    ids = _home_node_ids(inst, ctx)
    n_products = len(net.products)
    have = net.node_region[ids] * n_products + net.node_product[ids]
    wanted = (regions[:, None] * n_products + products[None, :]).ravel()
    absent = wanted[~np.isin(wanted, have)]
    missing = [
        f"{net.regions[k // n_products]}/{net.products[k % n_products]}" for k in absent.tolist()
    ]
    if missing:
        ctx.warnings.append(
            f"{ctx.label}: no existing producer to expand for {', '.join(missing)} "
            "(add a producer row with zero output to the dataset)"
        )
    begin = inst.start_day + inst.lead_time_days
    if begin >= ctx.horizon:
        ctx.warnings.append(
            f"{ctx.label}: new capacity comes on line on day {begin}, after the horizon "
            f"({ctx.horizon} days)"
        )
    if not len(ids) or begin >= ctx.horizon:
        return []
    cap = net.capacity[ids]
    if inst.share_of_capacity is not None:
        amount = inst.share_of_capacity * cap
    else:
        key = net.node_region[ids] * len(net.products) + net.node_product[ids]
        _, group = np.unique(key, return_inverse=True)
        total = np.bincount(group, cap)[group]
        count = np.bincount(group)[group]
        share = np.divide(cap, total, out=1.0 / count.astype(np.float64), where=total > 0)
        amount = float(inst.units_per_day or 0.0) * share
    ramp = inst.ramp_days
    row = np.arange(1, ramp + 1, dtype=np.float64) / ramp if ramp > 0 else _constant(1.0)
    return _by_value("capacity_add", ids, amount, begin, row, persist=True, label=ctx.label)


def _substitution(inst: ins.Substitution, ctx: _Context) -> list[_Draft]:
    net = ctx.net
    pairs = _home_pair_ids(inst, ctx)
    if inst.buyer_products is not None:
        buyers = ctx.codes_product(inst.buyer_products)
        pairs = pairs[np.isin(net.node_product[net.pair_node[pairs]], buyers)]
    if not len(pairs):
        ctx.warnings.append(f"{ctx.label}: no buyer of {', '.join(inst.products)} substitutes")
        return []
    start, stop = ctx.window(inst)
    t = np.arange(stop - start, dtype=np.float64)
    ramp = np.minimum(1.0, (t + 1) / inst.ramp_days) if inst.ramp_days > 0 else np.ones_like(t)
    ramp = ramp[: max(inst.ramp_days, 1)]  # constant after the ramp (the rule keeps its last value)
    length = stop - start
    out = [
        _Draft(
            "requirement_factor",
            pairs,
            start,
            1.0 - inst.share * ramp,
            length=length,
            label=ctx.label,
        )
    ]
    if inst.efficiency_penalty > 0:
        nodes = np.unique(net.pair_node[pairs]).astype(np.int64)
        row = 1.0 - inst.share * inst.efficiency_penalty * ramp
        out.append(
            _Draft(
                "capacity_factor", nodes, start, row, length=length, label=f"{ctx.label}:penalty"
            )
        )
    if ctx.member == 0:
        ctx.meta.setdefault("substitution", []).append(
            {
                "instrument": ctx.label,
                "alternative": inst.alternative,
                "share": inst.share,
                "efficiency_penalty": inst.efficiency_penalty,
            }
        )
    return out


def _demand_restraint(inst: ins.DemandRestraint, ctx: _Context) -> list[_Draft]:
    net = ctx.net
    regions = ctx.codes_region(inst.target_regions(ctx.regions))
    products = ctx.codes_product(inst.products)
    entries: IntArray = ctx.memo(
        ("final_demand", *_selection_key(inst, ctx)),
        lambda: _ids(
            np.isin(net.fd_region, regions) & np.isin(net.node_product[net.fd_node], products)
        ),
    )
    if not len(entries):
        ctx.warnings.append(
            f"{ctx.label}: no final demand for {', '.join(inst.products)} to restrain"
        )
        return []
    start, stop = ctx.window(inst)
    return [
        _Draft(
            "final_demand_factor",
            entries,
            start,
            _constant(1.0 - inst.share),
            length=stop - start,
            label=ctx.label,
        )
    ]


COMPILERS: dict[type[ins.InstrumentBase], Callable[[Any, _Context], list[_Draft]]] = {
    ins.ExportBan: _export_ban,
    ins.Quota: _quota,
    ins.Licensing: _licensing,
    ins.CapacityShock: _capacity_shock,
    ins.StockpileRelease: _stockpile_release,
    ins.CapacityInvestment: _capacity_investment,
    ins.Substitution: _substitution,
    ins.DemandRestraint: _demand_restraint,
    ins.ExtraterritorialLicensing: coercion._extraterritorial,
    ins.TechExportBan: coercion._capacity_ban,
    ins.EquipmentExportBan: coercion._capacity_ban,
    ins.FirmControl: coercion._firm_control,
}
"""Compiler of each instrument class (register a new instrument here)."""


# --------------------------------------------------------------------------------------------
# Codes, stacking, entry point
# --------------------------------------------------------------------------------------------


def _paths(scenario: Scenario) -> list[tuple[str | int, str, ins.InstrumentBase]]:
    """``(path key, label, instrument)``: the key is the mapping key or the list index."""
    if isinstance(scenario.instruments, dict):
        return [(k, v.label or k, v) for k, v in scenario.instruments.items()]
    return [(i, v.label or f"{v.type}-{i}", v) for i, v in enumerate(scenario.instruments)]


def _unknown(value: str, known: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    if not close:
        close = [k for k in known if k.lower() == value.lower()][:1]
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {what} {value!r}{hint}"


def check_codes(
    scenario: Scenario,
    regions: Sequence[str],
    products: Sequence[str],
    locate: Callable[[Sequence[str | int]], str] | None = None,
    dataset: str = "the dataset",
) -> list[Problem]:
    """Problems for region and product codes the dataset does not have (with did-you-mean)."""
    where = locate or (lambda _path: "scenario")
    region_set, product_set = set(regions), set(products)
    problems: list[Problem] = []
    for key, _, inst in _paths(scenario):
        base: tuple[str | int, ...] = ("instruments", key)
        checks: list[tuple[tuple[str | int, ...], str, set[str], Sequence[str], str]] = [
            ((*base, "actor"), inst.actor, region_set, regions, "region")
        ]
        for i, t in enumerate(inst.targets or []):
            checks.append(((*base, "targets", i), t, region_set, regions, "region"))
        for i, p in enumerate(inst.products):
            checks.append(((*base, "products", i), p, product_set, products, "product"))
        for name, known, listing, what in (
            ("buyer_products", product_set, products, "product"),
            ("covered_products", product_set, products, "product"),
            ("end_uses", product_set, products, "product"),
            ("equipment", product_set, products, "product"),
            ("technology_holders", region_set, regions, "region"),
        ):
            for i, p in enumerate(getattr(inst, name, None) or []):
                checks.append(((*base, name, i), p, known, listing, what))
        for path, value, known, listing, what in checks:
            if value not in known:
                field = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(
                    ".[", "["
                )
                message = f"{field}: {_unknown(value, listing, what)} (not in {dataset})"
                problems.append(Problem(where(path), message))
    return problems


def _stack(members: list[list[_Draft]]) -> list[Rule]:
    size = len(members)
    groups: dict[tuple[Any, ...], dict[int, _Draft]] = {}
    for j, drafts in enumerate(members):
        seen: dict[tuple[Any, ...], int] = {}
        for d in drafts:
            key: tuple[Any, ...] = (
                d.kind,
                d.label,
                d.start,
                d.length,
                d.persist,
                d.index.tobytes(),
            )
            seen[key] = seen.get(key, -1) + 1  # the n-th identical draft of a member stacks with
            groups.setdefault((*key, seen[key]), {})[j] = d  # the n-th of the others
    order = list(groups)
    rules = []
    for key in order:
        slot = groups[key]
        first = next(iter(slot.values()))
        width = max(len(d.row) for d in slot.values())
        values = np.full((size, width), NEUTRAL[first.kind])
        for j, d in slot.items():
            values[j, : len(d.row)] = d.row
            values[j, len(d.row) :] = d.row[-1] if len(d.row) else NEUTRAL[first.kind]
        rules.append(
            Rule(
                kind=first.kind,
                index=first.index,
                start=first.start,
                values=values,
                length=first.length,
                persist=first.persist,
                label=first.label,
            )
        )
    return rules


def compile_scenario(
    scenario: Scenario,
    net: CompiledNetwork,
    *,
    locate: Callable[[Sequence[str | int]], str] | None = None,
) -> ScenarioBatch:
    """Compile ``scenario`` against ``net`` into a :class:`ScenarioBatch` of S = members rules.

    Raises :class:`~chokepoint.errors.InputError` when a region or product code is not in the
    network (``locate`` maps a field path to ``file:line`` for the message). Instruments that select
    nothing compile to no rule and are listed in ``batch.meta['warnings']``.
    """
    regions = [str(r) for r in net.regions]
    products = [str(p) for p in net.products]
    members = expand_members(scenario)
    problems: list[Problem] = []
    for _, member in members:
        for p in check_codes(member, regions, products, locate, dataset=net.name):
            if p not in problems:
                problems.append(p)
    if problems:
        raise InputError(f"scenario {scenario.name!r} on {net.name}", problems)

    warnings: list[str] = []
    meta: dict[str, list[dict[str, Any]]] = {}
    drafts: list[list[_Draft]] = []
    cache: dict[tuple[Any, ...], Any] = {}  # selections shared by the members
    for j, (_, member) in enumerate(members):
        rules: list[_Draft] = []
        for i, (_, label, inst) in enumerate(_paths(member)):
            ctx = _Context(
                net,
                scenario.horizon_days,
                member.seed,
                i,
                j,
                label,
                regions,
                meta=meta,
                cache=cache,
            )
            for d in COMPILERS[type(inst)](inst, ctx):
                if (
                    d.start < member.horizon_days
                    and (d.length is None or d.length > 0)
                    and len(d.index)
                ):
                    rules.append(d)
            warnings.extend(w for w in ctx.warnings if w not in warnings)
        rules = coercion.apply_capacity_bans(member, rules, net, j, warnings, meta)
        drafts.append(rules)

    actors = sorted(
        {
            inst.actor
            for _, _, inst in _paths(scenario)
            if getattr(inst, "type", "") in ins.RESTRICTIONS
        }
    )
    return ScenarioBatch(
        name=scenario.name,
        horizon=scenario.horizon_days,
        members=[name for name, _ in members],
        rules=_stack(drafts),
        actors=actors,
        seed=scenario.seed,
        start_date=scenario.start_date.isoformat() if scenario.start_date else None,
        assumptions=scenario.assumption_texts(),
        sources=scenario.source_texts(),
        meta={
            "scenario": scenario.name,
            "dataset": net.name,
            "warnings": warnings,
            "instruments": [
                {"label": label, "type": getattr(inst, "type", ""), "actor": inst.actor}
                for _, label, inst in _paths(scenario)
            ],
            **meta,
        },
    )
