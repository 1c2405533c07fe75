"""Compilers of the coercion instruments (extraterritorial licensing, technology and equipment
export bans, firm control); the instrument models live in :mod:`chokepoint.scenario.instruments`.

Notation as in :mod:`chokepoint.scenario.compile`: u(e) supplier and b(e) buyer of link e (network
links, then qualified alternatives a as engine link E + a), ``reg``/``prod``/``firm`` of a node.

* ``extraterritorial_licensing``: c_n = value content share of the actor's listed material in one
  unit of n's output (:func:`~chokepoint.analysis.tracing.value_content_share` with
  ``region=actor``). Covered: links with reg(u) != actor, c_u >= de minimis (and c_u > 0),
  reg(b) in targets, reg(b) not in {reg(u), actor}, optionally prod(u) in the covered products and
  prod(b) in the end uses; plus, with ``include_direct``, the actor's own exports of the listed
  products. Covered links get the licensing permit (0 while processing, then the approval share).
* ``tech_export_ban`` / ``equipment_export_ban``: a post-pass over the member's compiled
  ``capacity_add`` rules (:func:`apply_capacity_bans`) moves the first output of every affected
  new plant i (reg(i) in targets, reg(i) != actor, prod(i) in products, decided on a day the ban is
  in force) from d_i + L_i to d_i + L'_i with

      L'_i = max(L_i, L3)   if a source outside the actor exists (an equipment maker n with
                            prod(n) in the listed equipment, reg(n) != actor and K_n > 0, or a
                            technology holder),
      L'_i = max(L_i, Lb)   otherwise (never, if the ban states no lead time),

  where L3 is ``third_country_lead_time_days`` (default L_i) and Lb ``banned_lead_time_days``.
* ``firm_control``: ``block_exports`` sets p_e = 0 on links with firm(u) = F, reg(u) = actor,
  reg(b) in targets, reg(b) != actor; ``stop_supply`` sets p_e = 0 on links with firm(u) = firm(b)
  = F, reg(u) not in targets, reg(b) in targets. Exempted buyers' links get 0 until ``from_day``,
  then the exemption's share.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from chokepoint.errors import InputError, Problem
from chokepoint.network.compile import CompiledNetwork
from chokepoint.scenario import instruments as ins

if TYPE_CHECKING:
    from chokepoint.scenario.compile import _Context, _Draft
    from chokepoint.scenario.schema import Scenario

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _endpoints(net: CompiledNetwork) -> tuple[IntArray, IntArray]:
    """Supplier and buyer node of every engine link [E + A] (links, then alternatives)."""
    src = np.concatenate([net.link_src, net.alt_src]).astype(np.int64)
    dst = np.concatenate([net.link_dst, net.pair_node[net.alt_pair]]).astype(np.int64)
    return src, dst


def _draw(share: float | ins.Distribution, seed: int | None, position: int, member: int) -> float:
    """Approval share of one member (a draw from ``SeedSequence(seed, spawn_key=(i, j))``)."""
    if isinstance(share, float | int):
        return float(share)
    ss = np.random.SeedSequence(seed, spawn_key=(position, member))
    return min(max(float(share.sample(np.random.default_rng(ss), 1)[0]), 0.0), 1.0)


def _recorded(ctx: _Context, key: str) -> bool:
    """Whether an earlier member already recorded this instrument under ``meta[key]``."""
    return any(e.get("instrument") == ctx.label for e in ctx.meta.get(key, []))


def _licence_row(processing: int, share: float, length: int) -> FloatArray:
    processing = min(processing, length)
    return np.concatenate([np.zeros(processing), np.full(1 if processing < length else 0, share)])


# --------------------------------------------------------------------------------------------
# Extraterritorial licensing
# --------------------------------------------------------------------------------------------


def content_share(net: CompiledNetwork, products: Sequence[str], actor: str) -> FloatArray:
    """c_n: value of the ``actor``-origin ``products`` embodied in one unit of each node's output,
    as a share of the node's unit value [n]."""
    from chokepoint.analysis.tracing import value_content_share

    return np.asarray(value_content_share(net, list(products), region=actor).to_numpy(), float)


def extraterritorial_masks(
    inst: ins.ExtraterritorialLicensing, net: CompiledNetwork, targets: Sequence[str]
) -> tuple[BoolArray, BoolArray, FloatArray]:
    """Masks of covered engine links [E + A] and final-demand entries [F], and c_n [n]."""
    actor = int(net.regions.get_indexer([inst.actor])[0])
    tgt = net.regions.get_indexer(list(targets)).astype(np.int64)
    share = content_share(net, inst.products, inst.actor)
    caught = (share > 0) & (share >= inst.de_minimis)
    if inst.covered_products is not None:
        caught &= np.isin(net.node_product, net.products.get_indexer(inst.covered_products))
    src, dst = _endpoints(net)
    sreg, dreg = net.node_region[src], net.node_region[dst]
    export = np.isin(dreg, tgt) & (dreg != actor)
    links = caught[src] & (sreg != actor) & (dreg != sreg) & export
    fd_sreg = net.node_region[net.fd_node]
    fd = (
        caught[net.fd_node]
        & (fd_sreg != actor)
        & (net.fd_region != fd_sreg)
        & np.isin(net.fd_region, tgt)
        & (net.fd_region != actor)
    )
    if inst.include_direct:
        listed = np.isin(net.node_product, net.products.get_indexer(inst.products))
        links |= listed[src] & (sreg == actor) & export
        fd |= (
            listed[net.fd_node]
            & (fd_sreg == actor)
            & np.isin(net.fd_region, tgt)
            & (net.fd_region != actor)
        )
    if inst.end_uses is not None:
        links &= np.isin(net.node_product[dst], net.products.get_indexer(inst.end_uses))
        fd = np.zeros_like(fd)
    return links, fd, share


def _extraterritorial(inst: ins.ExtraterritorialLicensing, ctx: _Context) -> list[_Draft]:
    from chokepoint.scenario import compile as cc

    net = ctx.net
    links, fd, share = extraterritorial_masks(inst, net, inst.target_regions(ctx.regions))
    if not links.any() and not fd.any():
        ctx.warnings.append(
            f"{ctx.label}: no exports reach {inst.de_minimis:g} of {inst.actor}-origin "
            f"{', '.join(inst.products)} content; the instrument has no effect"
        )
    start, stop = ctx.window(inst)
    value = _draw(inst.approval_share, ctx.seed, ctx.position, ctx.member)
    row = _licence_row(inst.processing_days, value, stop - start)
    src, _ = _endpoints(net)
    caught = np.unique(src[links])
    caught = caught[net.node_region[caught] != net.regions.get_loc(inst.actor)]
    if not _recorded(ctx, "extraterritorial"):
        ctx.meta.setdefault("extraterritorial", []).append(
            {
                "instrument": ctx.label,
                "de_minimis": inst.de_minimis,
                "caught": [
                    {"node": str(net.node_ids[n]), "content_share": float(share[n])}
                    for n in caught.tolist()
                ],
            }
        )
    ctx.meta.setdefault("licensing", []).append(
        {"instrument": ctx.label, "member": ctx.member, "approval_share": value}
    )
    rules = cc._permit_rules(links, fd, start, row, stop - start, ctx.label)
    return rules + cc._front_running(inst, ctx, links)


# --------------------------------------------------------------------------------------------
# Technology and equipment export bans
# --------------------------------------------------------------------------------------------


def _capacity_ban(inst: ins.TechExportBan | ins.EquipmentExportBan, ctx: _Context) -> list[_Draft]:
    """The ban itself adds no rule: :func:`apply_capacity_bans` moves the investments it hits."""
    return []


def ban_sources(
    inst: ins.TechExportBan | ins.EquipmentExportBan, net: CompiledNetwork
) -> list[str]:
    """Sources outside the actor that break the ban: equipment makers with K_n > 0 (node ids) and
    technology holders (region codes)."""
    actor = int(net.regions.get_indexer([inst.actor])[0])
    makers = (
        np.isin(net.node_product, net.products.get_indexer(inst.equipment))
        & (net.node_region != actor)
        & (net.capacity > 0)
    )
    holders = [r for r in inst.technology_holders if r != inst.actor]
    return [str(net.node_ids[n]) for n in np.flatnonzero(makers)] + holders


def effective_lead_time(
    ban: ins.TechExportBan | ins.EquipmentExportBan,
    investment: ins.CapacityInvestment,
    net: CompiledNetwork,
) -> tuple[int | None, list[str]]:
    """L'_i of an affected investment (``None``: never) and the sources that break the ban."""
    sources = ban_sources(ban, net)
    if sources:
        third = ban.third_country_lead_time_days
        return (investment.lead_time_days if third is None else third), sources
    return ban.banned_lead_time_days, []


def _in_force(ban: ins.InstrumentBase, day: int) -> bool:
    return ban.start_day <= day and (ban.end_day is None or day < ban.end_day)


def apply_capacity_bans(
    scenario: Scenario,
    drafts: list[_Draft],
    net: CompiledNetwork,
    member: int,
    warnings: list[str],
    meta: dict[str, list[dict[str, Any]]],
) -> list[_Draft]:
    """Delay (or drop) the ``capacity_add`` drafts of investments a capacity ban hits.

    ``meta["capacity_bans"]`` records each affected plant (``effective_lead_time_days`` None:
    not built within the horizon); ``warnings`` is left for input problems.

    For each affected node i the first output moves from d_i + L_i to d_i + L'_i (see the module
    docstring); several bans on one plant take the longest lead time (never beats any number).
    """
    items = scenario.instrument_items()
    labels = [inst.label or key for key, inst in items]
    bans = [
        (lab, inst)
        for lab, (_, inst) in zip(labels, items, strict=True)
        if isinstance(inst, ins.TechExportBan | ins.EquipmentExportBan)
    ]
    if not bans:
        return drafts
    invest = {
        lab: inst
        for lab, (_, inst) in zip(labels, items, strict=True)
        if isinstance(inst, ins.CapacityInvestment)
    }
    horizon = scenario.horizon_days
    out: list[_Draft] = []
    for d in drafts:
        inv = invest.get(d.label)
        if d.kind != "capacity_add" or inv is None:
            out.append(d)
            continue
        lead = np.full(len(d.index), float(inv.lead_time_days))
        for ban_label, ban in bans:
            if not _in_force(ban, inv.start_day):
                continue
            regions = ban.target_regions([str(r) for r in net.regions])
            regions = [r for r in regions if r != ban.actor and r not in ban.technology_holders]
            hit = np.isin(net.node_region[d.index], net.regions.get_indexer(regions)) & np.isin(
                net.node_product[d.index], net.products.get_indexer(ban.products)
            )
            if not hit.any():
                continue
            new, sources = effective_lead_time(ban, inv, net)
            new = None if new is None else max(new, inv.lead_time_days)
            value = np.inf if new is None else float(new)
            lead[hit] = np.maximum(lead[hit], value)
            meta.setdefault("capacity_bans", []).extend(
                {
                    "member": member,
                    "ban": ban_label,
                    "investment": d.label,
                    "node": str(net.node_ids[n]),
                    "lead_time_days": inv.lead_time_days,
                    "effective_lead_time_days": new,
                    "broken_by": sources,
                }
                for n in d.index[hit].tolist()
            )
        shift = lead - inv.lead_time_days
        for value in np.unique(shift):
            ids = d.index[shift == value]
            start = d.start + value
            if np.isinf(start) or start >= horizon:
                continue  # blocked past the horizon: the intended effect, recorded in meta
            out.append(dataclasses.replace(d, index=ids, start=int(start)))
    return out


# --------------------------------------------------------------------------------------------
# Firm control
# --------------------------------------------------------------------------------------------


def _firm_links(inst: ins.FirmControl, ctx: _Context) -> tuple[BoolArray, BoolArray]:
    net = ctx.net
    if inst.firm not in net.firms:
        known = ", ".join(str(f) for f in net.firms) or "none"
        raise InputError(
            f"instrument {ctx.label!r} on {net.name}",
            [
                Problem(
                    "scenario", f"firm: expected a firm of the dataset ({known}), got {inst.firm!r}"
                )
            ],
        )
    fid = int(net.firms.get_loc(inst.firm))
    actor = int(ctx.codes_region([inst.actor])[0])
    tgt = ctx.codes_region(inst.target_regions(ctx.regions))
    products = ctx.codes_product(inst.products)
    src, dst = _endpoints(net)
    sreg, dreg = net.node_region[src], net.node_region[dst]
    own = net.node_firm == fid
    made = np.isin(net.node_product[src], products)
    if inst.action == "block_exports":
        links = own[src] & made & (sreg == actor) & np.isin(dreg, tgt) & (dreg != actor)
        fd_reg = net.node_region[net.fd_node]
        fd = (
            own[net.fd_node]
            & np.isin(net.node_product[net.fd_node], products)
            & (fd_reg == actor)
            & np.isin(net.fd_region, tgt)
            & (net.fd_region != actor)
        )
    else:
        links = own[src] & own[dst] & made & ~np.isin(sreg, tgt) & np.isin(dreg, tgt)
        fd = np.zeros(len(net.fd_node), dtype=bool)
    return links, fd


def _exempt_masks(
    inst: ins.FirmControl, ctx: _Context, links: BoolArray, fd: BoolArray
) -> list[tuple[ins.Exemption, BoolArray, BoolArray]]:
    net = ctx.net
    _, dst = _endpoints(net)
    taken_l = np.zeros_like(links)
    taken_f = np.zeros_like(fd)
    out = []
    problems = []
    for i, ex in enumerate(inst.exempt):
        nodes = net.node_ids.get_indexer(ex.buyers)
        regions = net.regions.get_indexer(ex.buyers)
        bad = [b for b, n, r in zip(ex.buyers, nodes, regions, strict=True) if n < 0 and r < 0]
        problems += [
            Problem("scenario", f"exempt[{i}].buyers: expected a node id or region, got {b!r}")
            for b in bad
        ]
        hit_l = links & ~taken_l & (np.isin(dst, nodes) | np.isin(net.node_region[dst], regions))
        hit_f = fd & ~taken_f & np.isin(net.fd_region, regions)
        taken_l |= hit_l
        taken_f |= hit_f
        out.append((ex, hit_l, hit_f))
    if problems:
        raise InputError(f"instrument {ctx.label!r} on {net.name}", problems)
    return out


def _firm_control(inst: ins.FirmControl, ctx: _Context) -> list[_Draft]:
    from chokepoint.scenario import compile as cc

    links, fd = _firm_links(inst, ctx)
    if not links.any() and not fd.any():
        ctx.warnings.append(
            f"{ctx.label}: {inst.action} selects no flow of firm {inst.firm!r}; no effect"
        )
        return []
    start, stop = ctx.window(inst)
    length = stop - start
    rules: list[_Draft] = []
    rest_l, rest_f = links.copy(), fd.copy()
    for k, (ex, hit_l, hit_f) in enumerate(_exempt_masks(inst, ctx, links, fd)):
        rest_l &= ~hit_l
        rest_f &= ~hit_f
        closed = min(max(ex.from_day - start, 0), length)
        row = np.concatenate([np.zeros(closed), np.full(1 if closed < length else 0, ex.share)])
        rules += cc._permit_rules(hit_l, hit_f, start, row, length, f"{ctx.label}:exempt{k}")
    rules += cc._permit_rules(rest_l, rest_f, start, np.zeros(1), length, ctx.label)
    if not _recorded(ctx, "firm_control"):
        _, dst = _endpoints(ctx.net)
        ctx.meta.setdefault("firm_control", []).append(
            {
                "instrument": ctx.label,
                "firm": inst.firm,
                "action": inst.action,
                "buyers_cut": sorted({str(ctx.net.node_ids[n]) for n in dst[links].tolist()}),
            }
        )
    return rules + cc._front_running(inst, ctx, links)
