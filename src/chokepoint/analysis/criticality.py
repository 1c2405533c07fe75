"""Criticality scores: the EU CRM method (supply risk SR, economic importance EI) and the
USGS 2022 supply-risk structure, vectorised over materials.

Formulas follow ``specs/criticality.md`` §1-§2 (EC 2017 guidelines, doi:10.2873/769526;
Nassar & Fortier 2021, doi:10.3133/ofr20211045). Symbols:

``SR_stage = [HHI_GS · IR/2 + HHI_EU · (1 − IR/2)] · (1 − EoL_RIR) · SI_SR`` with
``HHI_X = Σ_c s_c² · WGI*_c · t_c``; the reported SR is the maximum over assessed stages.
``EI = Σ_s A_s Q_s / max_s Q_s · 10 · SI_EI``. Critical when ``SR ≥ 1.0`` and ``EI ≥ 2.8`` after
rounding both to one decimal.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal, TypeAlias

import numpy as np
import pandas as pd

from chokepoint.analysis.concentration import (
    concentration,
    governance_weighted_hhi,
    top_supplier,
)
from chokepoint.datasets.criticality_loader import (
    CriticalityInputs,
    load_country_codes,
    load_criticality_inputs,
)
from chokepoint.errors import ChokepointError, NotFoundError, Problem, raise_if_problems

__all__ = [
    "CRMA_SINGLE_COUNTRY_MAX",
    "EI_THRESHOLD",
    "EU_GROUPS",
    "EU_POLICY_ADDITIONS",
    "SR_THRESHOLD",
    "USGS_SR_THRESHOLD",
    "EUAssessment",
    "ShareOverride",
    "TradeFactorOverride",
    "apply_share_overrides",
    "apply_t_overrides",
    "assess_eu",
    "economic_importance",
    "effective_mode",
    "eu_assessment",
    "group_means",
    "is_critical",
    "parse_share_override",
    "parse_t_override",
    "recency_weighted_mean",
    "rescale_stability",
    "round_half_up",
    "stage_hhi",
    "supply_concentration",
    "supply_risk",
    "usgs_disruption_potential",
    "usgs_recommended",
    "usgs_supply_risk",
]

SR_THRESHOLD: Final = 1.0
"""EU supply-risk threshold (SR ≥ 1.0 after rounding to 1 decimal), spec §1.1."""
EI_THRESHOLD: Final = 2.8
"""EU economic-importance threshold since 2017 (EI ≥ 2.8 after rounding), spec §1.1."""
CRMA_SINGLE_COUNTRY_MAX: Final = 0.65
"""CRMA (Regulation (EU) 2024/1252, Art. 5) 2030 benchmark: no single third country above 65 %
of EU consumption at any processing stage; checked here on the EU-sourcing shares (spec §3.1)."""
EU_POLICY_ADDITIONS: Final[dict[str, dict[str, str]]] = {
    "eu-2023": {
        "Copper": "listed as strategic by policy without meeting the thresholds",
        "Nickel": "listed as strategic by policy without meeting the thresholds",
    },
}
"""Policy add-ons kept as data, outside the threshold rule (spec §1.1)."""
USGS_SR_THRESHOLD: Final = 0.40
"""USGS 2022 quantitative cut-off on the recency-weighted mean supply risk, spec §2."""

EU_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "HREE (group)": (
        "Dysprosium",
        "Erbium",
        "Europium",
        "Gadolinium",
        "Holmium",
        "Lutetium",
        "Terbium",
        "Thulium",
        "Ytterbium",
        "Yttrium",
    ),
    "LREE (group)": ("Cerium", "Lanthanum", "Neodymium", "Praseodymium", "Samarium"),
    "PGM (group)": ("Iridium", "Palladium", "Platinum", "Rhodium", "Ruthenium"),
}
"""EU groups whose SR and EI are the arithmetic means of the members' (spec §1.1)."""

Unallocated = Literal["drop", "renormalise"]
ArrayLike: TypeAlias = pd.Series | np.ndarray | float


def round_half_up(x: ArrayLike, decimals: int = 1) -> np.ndarray:
    """Round half away from zero for non-negative scores (how the EU tables round)."""
    f = 10.0**decimals
    a = np.asarray(x, dtype=float)
    return np.floor(a * f + 0.5 + 1e-9) / f


# --------------------------------------------------------------------------- EU supply risk


def effective_mode(mode: pd.Series | np.ndarray, ir: ArrayLike) -> np.ndarray:
    """Supply type actually used: ``GS+EU`` falls back to ``GS_only`` when IR is unknown (§1.6)."""
    m = np.asarray(mode, dtype=object)
    irr = np.broadcast_to(np.asarray(ir, dtype=float), m.shape)
    return np.where((m == "GS+EU") & np.isnan(irr), "GS_only", m).astype(object)


def supply_risk(
    hhi_gs: ArrayLike,
    hhi_eu: ArrayLike,
    ir: ArrayLike,
    eol_rir: ArrayLike,
    si_sr: ArrayLike,
    mode: pd.Series | np.ndarray | str = "GS+EU",
) -> np.ndarray:
    """Stage supply risk ``SR = [HHI_GS·IR/2 + HHI_EU·(1 − IR/2)]·(1 − EoL_RIR)·SI_SR``.

    Parameters
    ----------
    hhi_gs, hhi_eu
        Governance- and trade-weighted HHI of global supply and of EU sourcing (0-10).
    ir, eol_rir, si_sr
        Import reliance, end-of-life recycling input rate (fractions) and substitution index.
    mode
        ``GS+EU`` (combined), ``GS_only`` or ``EU_only`` (the published fallbacks), per element.

    Returns
    -------
    np.ndarray
        SR per element; NaN where an input the mode needs is missing or the mode is unknown.
    """
    gs, eu, irr, eol, si = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (hhi_gs, hhi_eu, ir, eol_rir, si_sr))
    )
    m = np.broadcast_to(np.asarray(mode, dtype=object), gs.shape)
    half = irr / 2.0
    concentration = np.select(
        [m == "GS+EU", m == "GS_only", m == "EU_only"],
        [gs * half + eu * (1.0 - half), gs, eu],
        default=np.nan,
    )
    return concentration * (1.0 - eol) * si


def is_critical(
    sr: ArrayLike,
    ei: ArrayLike,
    *,
    sr_threshold: float = SR_THRESHOLD,
    ei_threshold: float = EI_THRESHOLD,
) -> np.ndarray:
    """EU rule: critical when ``round(SR, 1) ≥ 1.0`` and ``round(EI, 1) ≥ 2.8`` (NaN -> False)."""
    r_sr = round_half_up(sr)
    r_ei = round_half_up(ei)
    with np.errstate(invalid="ignore"):
        return (r_sr >= sr_threshold) & (r_ei >= ei_threshold)


def stage_hhi(
    supply: pd.DataFrame,
    wgi: Mapping[str, float] | pd.Series,
    *,
    missing_wgi: float | None = None,
    cap: float | None = None,
) -> pd.DataFrame:
    """``HHI_GS`` and ``HHI_EU`` per (material, stage) from country shares, WGI* and t.

    Returns
    -------
    pd.DataFrame
        Indexed by (material, stage): ``hhi_gs``, ``hhi_eu`` (NaN when that share table is
        absent) and ``wgi_missing_share_gs`` / ``_eu`` plus the regions lacking a WGI*.
    """
    if supply.empty:
        idx = pd.MultiIndex.from_tuples([], names=["material", "stage"])
        return pd.DataFrame(index=idx, columns=["hhi_gs", "hhi_eu"], dtype=float)
    g = governance_weighted_hhi(
        supply,
        ["material", "stage", "source"],
        wgi,
        t="t",
        cap=cap,
        missing_wgi=missing_wgi,
    )
    wide = g.unstack("source")
    out = pd.DataFrame(index=wide.index)
    for src in ("GS", "EU"):
        low = src.lower()
        has = ("hhi_wgi_t", src) in wide.columns
        out[f"hhi_{low}"] = wide[("hhi_wgi_t", src)] if has else np.nan
        out[f"wgi_missing_share_{low}"] = wide[("wgi_missing_share", src)] if has else np.nan
        out[f"wgi_missing_{low}"] = wide[("wgi_missing_regions", src)] if has else ""
    return out


def economic_importance(
    end_uses: pd.DataFrame,
    value_added: pd.Series,
    si_ei: pd.Series,
    *,
    unallocated: Unallocated = "drop",
) -> pd.DataFrame:
    """Economic importance ``EI = Σ_s A_s Q_s / max_s Q_s · 10 · SI_EI`` per material.

    Parameters
    ----------
    end_uses
        ``material``, ``sector`` (NACE code or ``UNALLOCATED``), ``share`` (``A_s``); rows of
        the same sector are summed first.
    value_added
        Sector -> ``Q_s``; the scaling denominator is the largest ``Q_s`` in this series.
    si_ei
        Material -> ``SI_EI``.
    unallocated
        ``"drop"`` leaves unallocated uses out; ``"renormalise"`` divides by the allocated share.

    Returns
    -------
    pd.DataFrame
        Indexed by material: ``ei``, ``allocated_share`` (Σ A_s over sectors with a Q_s) and
        ``unknown_sector_share`` (shares on sectors without a published Q_s; excluded).
    """
    if end_uses.empty:
        return pd.DataFrame(columns=["ei", "allocated_share", "unknown_sector_share"], dtype=float)
    a = end_uses.groupby(["material", "sector"], sort=True)["share"].sum().reset_index()
    q = a["sector"].map(value_added).astype(float)
    is_unalloc = (a["sector"] == "UNALLOCATED").to_numpy()
    unknown = q.isna().to_numpy() & ~is_unalloc
    q_max = float(value_added.max())
    contrib = (a["share"] * q.fillna(0.0)).groupby(a["material"]).sum()
    allocated = a["share"].where(~(is_unalloc | unknown), 0.0).groupby(a["material"]).sum()
    unknown_share = a["share"].where(unknown, 0.0).groupby(a["material"]).sum()
    weighted = contrib / q_max
    if unallocated == "renormalise":
        weighted = weighted / allocated.where(allocated > 0)
    si = si_ei.reindex(weighted.index).astype(float)
    return pd.DataFrame(
        {
            "ei": weighted * 10.0 * si,
            "allocated_share": allocated,
            "unknown_sector_share": unknown_share,
        }
    )


def group_means(
    scores: pd.DataFrame, groups: Mapping[str, Sequence[str]] = EU_GROUPS
) -> pd.DataFrame:
    """Group SR and EI as the arithmetic means of the members' (spec §1.1).

    ``scores`` is indexed by material with ``sr`` and ``ei``; a group value is NaN unless every
    member has one. Returns one row per group with ``sr``, ``ei``, ``members``, ``members_sr``.
    """
    rows = [(g, m) for g, members in groups.items() for m in members]
    link = pd.DataFrame(rows, columns=["group", "material"])
    vals = link.join(scores[["sr", "ei"]], on="material")
    grouped = vals.groupby("group", sort=True)
    out = pd.DataFrame(
        {
            "sr": grouped["sr"].mean(),
            "ei": grouped["ei"].mean(),
            "members": grouped["material"].size(),
            "members_sr": grouped["sr"].count(),
            "members_ei": grouped["ei"].count(),
        }
    )
    out.loc[out["members_sr"] < out["members"], "sr"] = np.nan
    out.loc[out["members_ei"] < out["members"], "ei"] = np.nan
    return out


def _stage_table(inputs: CriticalityInputs, hhis: pd.DataFrame) -> pd.DataFrame:
    """Long (material, stage) table of the SR inputs for every assessed stage."""
    mats = inputs.materials
    stages = mats["stages"].fillna("")
    base = pd.DataFrame(
        {
            "material": np.repeat(mats.index.to_numpy(), 2),
            "stage": np.tile(np.array(["E", "P"], dtype=object), len(mats)),
        }
    )
    assessed = np.repeat(stages.to_numpy(dtype=object), 2)
    keep = (assessed == "E+P") | (assessed == base["stage"].to_numpy(dtype=object))
    base = base.loc[keep].reset_index(drop=True)
    is_e = (base["stage"] == "E").to_numpy()
    m = mats.reindex(base["material"])
    base["ir"] = np.where(is_e, m["ir_E"], m["ir_P"])
    base["mode"] = np.where(
        is_e, m["mode_E"].to_numpy(dtype=object), m["mode_P"].to_numpy(dtype=object)
    )
    base["eol_rir"] = m["eol_rir"].to_numpy()
    base["si_sr"] = m["si_sr"].to_numpy()
    base = base.join(hhis, on=["material", "stage"])
    return base


def _computability(stage: pd.DataFrame) -> np.ndarray:
    """Reason an SR stage cannot be computed ('' when it can)."""
    mode = stage["mode_used"].to_numpy(dtype=object)
    gs_nan = stage["hhi_gs"].isna().to_numpy()
    eu_nan = stage["hhi_eu"].isna().to_numpy()
    need_gs = (mode == "GS+EU") | (mode == "GS_only")
    need_eu = (mode == "GS+EU") | (mode == "EU_only")
    other_nan = stage[["eol_rir", "si_sr"]].isna().any(axis=1).to_numpy()
    return np.select(
        [
            pd.isna(stage["mode"]).to_numpy(),
            need_gs & need_eu & gs_nan & eu_nan,
            need_gs & gs_nan,
            need_eu & eu_nan,
            other_nan,
        ],
        [
            "supply type not published",
            "no global-supply or EU-sourcing shares",
            "no global-supply shares",
            "no EU-sourcing shares",
            "EoL-RIR or SI_SR missing",
        ],
        default="",
    )


def assess_eu(
    inputs: CriticalityInputs,
    *,
    wgi: Mapping[str, float] | pd.Series | None = None,
    missing_wgi: float | None = None,
    cap: float | None = None,
    unallocated: Unallocated = "drop",
    groups: Mapping[str, Sequence[str]] = EU_GROUPS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Recompute the EU assessment (SR per stage, SR, EI, critical) from published inputs.

    Parameters
    ----------
    inputs
        From :func:`chokepoint.datasets.criticality_loader.load_criticality_inputs`. With the
        2017 inputs the published ``HHI_GS``/``HHI_EU`` are used; with 2023 they are computed
        from the country shares, ``WGI*`` and ``t``.
    wgi
        Region -> ``WGI*``; defaults to the 2019 proxy shipped with the inputs.
    missing_wgi, cap
        See :func:`chokepoint.analysis.concentration.governance_weighted_hhi`.
    unallocated
        End uses without a sector: ``drop`` (default) or ``renormalise``.
    groups
        Groups whose scores are the members' means.

    Returns
    -------
    (pd.DataFrame, pd.DataFrame)
        Per material: ``sr_E``, ``sr_P``, ``sr``, ``stage``, ``sr_complete``, ``ei``,
        ``critical`` (None when SR or EI is unknown), ``published_stage`` and ``note``; and the
        long per-stage table with every SR input, the supply type used and why a stage could
        not be computed.
    """
    if inputs.hhi.empty:
        hhis = stage_hhi(
            inputs.supply,
            inputs.wgi if wgi is None else wgi,
            missing_wgi=missing_wgi,
            cap=cap,
        )
    else:
        hhis = inputs.hhi.set_index(["material", "stage"])
    stage = _stage_table(inputs, hhis)
    for col in ("hhi_gs", "hhi_eu"):
        if col not in stage.columns:
            stage[col] = np.nan
    stage["mode_used"] = effective_mode(stage["mode"].to_numpy(dtype=object), stage["ir"])
    stage["missing"] = _computability(stage)
    stage["sr"] = supply_risk(
        stage["hhi_gs"].fillna(0.0),
        stage["hhi_eu"].fillna(0.0),
        stage["ir"].fillna(0.0),
        stage["eol_rir"],
        stage["si_sr"],
        stage["mode_used"].to_numpy(dtype=object),
    )
    stage.loc[stage["missing"] != "", "sr"] = np.nan

    wide = stage.pivot_table(index="material", columns="stage", values="sr", aggfunc="first")
    wide = wide.reindex(columns=["E", "P"]).rename(columns={"E": "sr_E", "P": "sr_P"})
    wide.columns.name = None
    mats = inputs.materials
    out = pd.DataFrame(index=mats.index).join(wide)
    n_missing = (stage["missing"] != "").groupby(stage["material"]).sum()
    out["sr"] = out[["sr_E", "sr_P"]].max(axis=1, skipna=True)
    pick_p = out["sr_P"].fillna(-np.inf) > out["sr_E"].fillna(-np.inf)
    out["stage"] = pd.Series(np.where(pick_p, "P", "E"), index=out.index, dtype=object).where(
        out["sr"].notna(), None
    )
    out["sr_complete"] = n_missing.reindex(out.index).fillna(0).to_numpy() == 0
    ei = economic_importance(
        inputs.end_uses, inputs.value_added, mats["si_ei"], unallocated=unallocated
    )
    out["ei"] = ei["ei"].reindex(out.index)
    out["published_stage"] = mats["published_stage"]
    reasons = stage.loc[stage["missing"] != ""]
    note = (
        (reasons["stage"] + ": " + reasons["missing"]).groupby(reasons["material"]).agg("; ".join)
    )
    out["note"] = note.reindex(out.index).fillna("")
    no_ei = out["ei"].isna() & ~out.index.isin(list(groups))
    ei_note = np.where(no_ei, "EI: no end-use shares published", "")
    joined = out["note"] + np.where((out["note"] != "") & no_ei, "; ", "") + ei_note
    out["note"] = joined

    grp = group_means(out, groups)
    grp = grp.loc[grp.index.isin(out.index) | grp["sr"].notna() | grp["ei"].notna()]
    if len(grp):
        members = grp["members"].astype(int).astype(str)
        gframe = pd.DataFrame(
            {
                "sr_E": np.nan,
                "sr_P": np.nan,
                "sr": grp["sr"],
                "stage": pd.Series(None, index=grp.index, dtype=object),
                "sr_complete": grp["sr"].notna(),
                "ei": grp["ei"],
                "published_stage": mats["published_stage"].reindex(grp.index),
                "note": "mean of "
                + members
                + " members (SR known for "
                + grp["members_sr"].astype(str)
                + ", EI for "
                + grp["members_ei"].astype(str)
                + ")",
            },
            index=grp.index,
        )
        out = pd.concat([out.drop(index=grp.index, errors="ignore"), gframe]).sort_index()
    known = out["sr"].notna() & out["ei"].notna()
    crit = is_critical(out["sr"], out["ei"])
    out["critical"] = pd.Series(crit, index=out.index, dtype=object).where(known, None)
    out.index.name = "material"
    return out, stage


# --------------------------------------------------------------------------- what-if shares


@dataclass(frozen=True, slots=True)
class ShareOverride:
    """Set ``region``'s share of ``material`` at ``stage`` (``source`` GS or EU) to ``share``.

    ``new``: the region code is meant to be new (written ``+CODE``), so it is not checked against
    the codes the inputs and the governance table know.
    """

    material: str
    region: str
    stage: str
    share: float
    source: str = "GS"
    new: bool = False


NEW_REGION_MARK: Final = "+"
"""Prefix of a region code in an override that is new on purpose (``gallium:+XYZ:P=0.1``)."""


def parse_share_override(text: str) -> ShareOverride:
    """Parse ``MATERIAL:REGION:STAGE[:GS|EU]=SHARE`` (share as a fraction or ``NN%``).

    A region written ``+CODE`` is new on purpose (not checked against the known codes).
    Examples: ``gallium:CHN:P=0.99``, ``lithium:AUS:E:GS=60%``, ``gallium:+XYZ:P=0.1``.
    """
    if "=" not in text:
        msg = f"expected MATERIAL:REGION:STAGE[:GS|EU]=SHARE, got {text!r}"
        raise ChokepointError(msg)
    left, right = text.rsplit("=", 1)
    parts = [p.strip() for p in left.split(":")]
    if len(parts) not in (3, 4) or not all(parts):
        msg = f"expected MATERIAL:REGION:STAGE[:GS|EU]=SHARE, got {text!r}"
        raise ChokepointError(msg)
    source = parts[3].upper() if len(parts) == 4 else "GS"
    stage = parts[2].upper()
    if stage not in {"E", "P", "B"} or source not in {"GS", "EU"}:
        msg = f"expected stage E or P and source GS or EU in {text!r}, got {stage!r}, {source!r}"
        raise ChokepointError(msg)
    raw = right.strip()
    try:
        share = float(raw.rstrip("%")) / (100.0 if raw.endswith("%") else 1.0)
    except ValueError:
        msg = f"expected a share like 0.99 or 99% in {text!r}, got {raw!r}"
        raise ChokepointError(msg) from None
    if not 0.0 <= share <= 1.0:
        msg = f"expected a share in [0, 1] in {text!r}, got {share:g}"
        raise ChokepointError(msg)
    region = parts[1].upper()
    new = region.startswith(NEW_REGION_MARK)
    region = region.removeprefix(NEW_REGION_MARK).strip()
    if not region or not all(ch.isalnum() or ch in "_-" for ch in region):
        msg = (
            f"expected a region code of letters, digits, '_' or '-' (new ones marked "
            f"{NEW_REGION_MARK}CODE) in {text!r}, got {parts[1]!r}"
        )
        raise ChokepointError(msg)
    return ShareOverride(parts[0], region, stage, share, source, new)


@dataclass(frozen=True, slots=True)
class TradeFactorOverride:
    """Set the trade factor ``t`` of ``region`` for ``material`` at ``stage`` (GS or EU rows).

    This is how an export restriction (``t > 1``) enters the EU supply risk (spec §1.5).
    """

    material: str
    region: str
    stage: str
    t: float
    source: str = "GS"


def parse_t_override(text: str) -> TradeFactorOverride:
    """Parse ``MATERIAL:REGION:STAGE[:GS|EU]=T`` with ``0 < T ≤ 10``, e.g. ``gallium:CHN:P=1.5``."""
    share = text.rsplit("=", 1)
    if len(share) != 2:
        msg = f"expected MATERIAL:REGION:STAGE[:GS|EU]=T, got {text!r}"
        raise ChokepointError(msg)
    parsed = parse_share_override(f"{share[0]}=0")
    raw = share[1].strip()
    try:
        t = float(raw)
    except ValueError:
        msg = f"expected a trade factor like 1.5 in {text!r}, got {raw!r}"
        raise ChokepointError(msg) from None
    if not 0.0 < t <= 10.0:
        msg = f"expected a trade factor in (0, 10] in {text!r}, got {t:g}"
        raise ChokepointError(msg)
    return TradeFactorOverride(parsed.material, parsed.region, parsed.stage, t, parsed.source)


def apply_t_overrides(
    supply: pd.DataFrame, overrides: Sequence[TradeFactorOverride], materials: pd.Index
) -> tuple[pd.DataFrame, list[str]]:
    """Set ``t`` for one supplier row per override; shares are unchanged.

    Returns the new supply table and one sentence per override.
    """
    out = supply.copy()
    notes: list[str] = []
    for ov in overrides:
        material = _resolve_material(ov.material, materials)
        sel = (
            (out["material"] == material)
            & (out["stage"] == ov.stage)
            & (out["source"] == ov.source)
            & (out["region"] == ov.region)
        )
        if not sel.any():
            msg = (
                f"{material} has no {ov.source} row for {ov.region} at stage {ov.stage}; "
                "set a share for it first"
            )
            raise ChokepointError(msg)
        before = float(out.loc[sel, "t"].fillna(1.0).iloc[0])
        out.loc[sel, "t"] = ov.t
        notes.append(
            f"{material} {ov.stage} {'global supply' if ov.source == 'GS' else 'EU sourcing'}: "
            f"{ov.region} trade factor t {before:g} -> {ov.t:g}"
        )
    return out, notes


def known_region_codes(
    supply: pd.DataFrame, wgi: Mapping[str, float] | pd.Series | None = None
) -> set[str]:
    """Region codes an override may name: suppliers in ``supply``, the governance table's
    regions and the ISO3 codes of the loader's country table."""
    known = {str(r) for r in supply["region"].dropna()} if "region" in supply else set()
    if wgi is not None:
        known |= {str(r) for r in pd.Series(wgi).index}
    known |= {str(c) for c in load_country_codes()["iso3"].dropna()}
    return known


def check_override_regions(
    overrides: Sequence[ShareOverride | TradeFactorOverride], known: Collection[str]
) -> None:
    """Raise one :class:`InputError` naming every override whose region code is unknown (with a
    did-you-mean), unless it is marked new (``+CODE``, share overrides only)."""
    problems = []
    for ov in overrides:
        if ov.region in known or getattr(ov, "new", False):
            continue
        close = difflib.get_close_matches(ov.region, sorted(known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        how = (
            f"write {ov.material}:{NEW_REGION_MARK}{ov.region}:{ov.stage} to add it as a new "
            "supplier"
            if isinstance(ov, ShareOverride)
            else "set a share for it first"
        )
        problems.append(
            Problem(
                f"{ov.material}:{ov.region}:{ov.stage}",
                f"unknown region code {ov.region!r}{hint}; expected a code of the inputs or the "
                f"governance (WGI) table, or {how}",
            )
        )
    raise_if_problems("what-if overrides", problems)


def _resolve_material(name: str, materials: pd.Index) -> str:
    lookup = {str(m).lower(): str(m) for m in materials}
    key = name.lower()
    if key in lookup:
        return lookup[key]
    starts = sorted({v for k, v in lookup.items() if k.startswith(key)})
    if len(starts) == 1:
        return starts[0]
    msg = f"unknown material {name!r}; expected one of {sorted(lookup.values())}"
    raise NotFoundError(msg)


def apply_share_overrides(
    supply: pd.DataFrame, overrides: Sequence[ShareOverride], materials: pd.Index
) -> tuple[pd.DataFrame, list[str]]:
    """Set one country's share and rescale the others proportionally so the shares sum to 1.

    For each override the other suppliers of that (material, stage, source) are multiplied by
    ``(1 − s_new) / Σ_{c≠r} s_c``; a region not yet listed is added with ``t = 1``.

    Returns
    -------
    (pd.DataFrame, list[str])
        The new supply table and one sentence per override stating what changed.
    """
    out = supply.copy()
    notes: list[str] = []
    for ov in overrides:
        material = _resolve_material(ov.material, materials)
        sel = (
            (out["material"] == material)
            & (out["stage"] == ov.stage)
            & (out["source"] == ov.source)
        )
        if not sel.any():
            have = out.loc[out["material"] == material, ["stage", "source"]].drop_duplicates()
            avail = ", ".join(f"{s}:{src}" for s, src in have.itertuples(index=False)) or "none"
            msg = (
                f"{material} has no {ov.source} shares at stage {ov.stage}; "
                f"available stage:source pairs: {avail}"
            )
            raise ChokepointError(msg)
        is_r = sel & (out["region"] == ov.region)
        before = float(out.loc[is_r, "share"].sum())
        others = sel & ~is_r
        rest = float(out.loc[others, "share"].sum())
        if rest <= 0 and ov.share < 1.0:
            msg = f"cannot rescale: {material} {ov.stage} {ov.source} has no other supplier than {ov.region}"
            raise ChokepointError(msg)
        factor = (1.0 - ov.share) / rest if rest > 0 else 0.0
        out.loc[others, "share"] = out.loc[others, "share"] * factor
        if is_r.any():
            out.loc[is_r, "share"] = ov.share / int(is_r.sum())
        else:
            extra = {
                "material": material,
                "stage": ov.stage,
                "source": ov.source,
                "country": ov.region,
                "region": ov.region,
                "share": ov.share,
                "t": 1.0,
                "row": 0,
            }
            out = pd.concat([out, pd.DataFrame([extra])], ignore_index=True)
        added = "" if is_r.any() else f" ({ov.region} added as a new supplier with t = 1)"
        notes.append(
            f"{material} {ov.stage} {'global supply' if ov.source == 'GS' else 'EU sourcing'}: "
            f"{ov.region} share {before:.3f} -> {ov.share:.3f}{added}; "
            f"{int(others.sum())} other suppliers rescaled by {factor:.4f} so shares sum to 1"
        )
    return out, notes


def supply_concentration(
    supply: pd.DataFrame,
    wgi: Mapping[str, float] | pd.Series,
    *,
    missing_wgi: float | None = None,
    cap: float | None = None,
) -> pd.DataFrame:
    """Plain and governance-weighted concentration per (material, stage, source).

    Columns of :func:`chokepoint.analysis.concentration.concentration` plus ``hhi_wgi_t``,
    ``wgi_missing_share`` and ``wgi_missing_regions``; on EU-sourcing rows also the largest
    non-EU supplier (``top_third_country``, ``top_third_country_share``) and
    ``crma_65_exceeded`` (share above the CRMA 65 % benchmark; EU sourcing is used as a proxy
    for EU consumption).
    """
    keys = ["material", "stage", "source"]
    if supply.empty:
        return pd.DataFrame()
    plain = concentration(supply, keys, region="region")
    gov = governance_weighted_hhi(supply, keys, wgi, t="t", cap=cap, missing_wgi=missing_wgi)
    out = plain.join(gov)
    eu27 = load_country_codes()
    members = set(eu27.loc[eu27["eu27"] == 1, "iso3"])
    third = supply.loc[(supply["source"] == "EU") & ~supply["region"].isin(members)]
    if not third.empty:
        top = top_supplier(third, keys, region="region")
        out["top_third_country"] = top["top_region"]
        out["top_third_country_share"] = top["top_share"]
        share = out["top_third_country_share"]
        exceeded = pd.Series(share > CRMA_SINGLE_COUNTRY_MAX, dtype=object)
        out["crma_65_exceeded"] = exceeded.where(share.notna(), None)
    return out


@dataclass(frozen=True)
class EUAssessment:
    """Result of :func:`eu_assessment`.

    ``scores`` per material (see :func:`assess_eu`), ``stages`` per (material, stage),
    ``concentration`` per (material, stage, source); with overrides, ``baseline`` holds the
    scores before them and ``overrides`` one sentence per change.
    """

    inputs: CriticalityInputs
    scores: pd.DataFrame
    stages: pd.DataFrame
    concentration: pd.DataFrame
    baseline: pd.DataFrame | None
    overrides: tuple[str, ...]


def eu_assessment(
    assessment: str = "eu-2023",
    *,
    overrides: Sequence[ShareOverride] = (),
    t_overrides: Sequence[TradeFactorOverride] = (),
    wgi: Mapping[str, float] | pd.Series | None = None,
    missing_wgi: float | None = None,
    cap: float | None = None,
    unallocated: Unallocated = "drop",
) -> EUAssessment:
    """Load a shipped EU assessment, recompute it, and apply what-if share or t overrides.

    Examples
    --------
    >>> res = eu_assessment("eu-2023", overrides=[parse_share_override("gallium:CHN:P=0.99")])
    >>> round(float(res.scores.loc["Gallium", "sr"]), 2) > round(
    ...     float(res.baseline.loc["Gallium", "sr"]), 2)
    True
    """
    if cap is not None and not (math.isfinite(cap) and cap > 0):
        msg = f"expected a cap on WGI*·t greater than 0, got {cap:g}"
        raise ChokepointError(msg)
    if missing_wgi is not None and not (math.isfinite(missing_wgi) and missing_wgi >= 0):
        msg = f"expected a WGI* for countries without one of at least 0, got {missing_wgi:g}"
        raise ChokepointError(msg)
    inputs = load_criticality_inputs(assessment)
    gov = inputs.wgi if wgi is None else pd.Series(wgi, dtype=float)
    baseline: pd.DataFrame | None = None
    notes: list[str] = []
    if overrides or t_overrides:
        if inputs.supply.empty:
            msg = f"{assessment} publishes no country shares, so they cannot be overridden"
            raise ChokepointError(msg)
        known = known_region_codes(inputs.supply, gov) | {ov.region for ov in overrides if ov.new}
        check_override_regions([*overrides, *t_overrides], known)
        baseline, _ = assess_eu(
            inputs, wgi=gov, missing_wgi=missing_wgi, cap=cap, unallocated=unallocated
        )
        supply, notes = apply_share_overrides(inputs.supply, overrides, inputs.materials.index)
        supply, t_notes = apply_t_overrides(supply, t_overrides, inputs.materials.index)
        notes += t_notes
        inputs = replace(inputs, supply=supply)
    scores, stages = assess_eu(
        inputs, wgi=gov, missing_wgi=missing_wgi, cap=cap, unallocated=unallocated
    )
    conc = supply_concentration(inputs.supply, gov, missing_wgi=missing_wgi, cap=cap)
    policy = pd.Series(EU_POLICY_ADDITIONS.get(assessment, {}), dtype=object)
    scores = scores.assign(policy=policy.reindex(scores.index).fillna(""))
    if baseline is not None:
        baseline = baseline.assign(policy=policy.reindex(baseline.index).fillna(""))
    return EUAssessment(inputs, scores, stages, conc, baseline, tuple(notes))


# --------------------------------------------------------------------------- USGS 2022


def rescale_stability(pv_estimate: ArrayLike) -> np.ndarray:
    """WGI Political Stability estimate -> governance risk in [0, 1] (1 = least stable).

    ``g = (2.5 − PV) / 5`` clipped to [0, 1]: our linear mapping of the WGI range
    [−2.5, 2.5] (the exact USGS transform was not retrieved; spec §2, unverified).
    """
    x = np.asarray(pv_estimate, dtype=float)
    return np.clip((2.5 - x) / 5.0, 0.0, 1.0)


def usgs_disruption_potential(
    shares: pd.DataFrame,
    stability_risk: Mapping[str, float] | pd.Series,
    *,
    by: str | Sequence[str] = ("commodity", "year"),
    region: str = "region",
    share: str = "share",
    producer_nir: Mapping[str, float] | pd.Series | None = None,
) -> pd.Series:
    """Disruption potential ``DP = Σ_c g_c · (s_c · (1 − NIR_c))²`` in [0, 1].

    ``g_c`` is the producer's governance risk (:func:`rescale_stability`) and ``NIR_c`` its own
    net import reliance (a producer that imports has less exportable supply). This HHI-style
    aggregate follows the structure in spec §2; the exact OFR 2021-1045 equation was not
    retrieved, so treat scores as indicative. Regions without ``g_c`` count as 1 (worst).
    """
    keys = [by] if isinstance(by, str) else list(by)
    g = shares[region].map(pd.Series(stability_risk, dtype=float)).fillna(1.0)
    if producer_nir is not None:
        nir = shares[region].map(pd.Series(producer_nir, dtype=float)).fillna(0.0).clip(0.0, 1.0)
    else:
        nir = pd.Series(0.0, index=shares.index)
    term = g * (shares[share].astype(float) * (1.0 - nir)) ** 2
    return term.groupby([shares[k] for k in keys], sort=True).sum().clip(0.0, 1.0).rename("dp")


def usgs_supply_risk(dp: ArrayLike, te: ArrayLike, ev: ArrayLike) -> np.ndarray:
    """``SR = DP × TE × EV``, each factor clipped to [0, 1]; TE is the U.S. net import reliance."""
    parts = [np.clip(np.asarray(v, dtype=float), 0.0, 1.0) for v in (dp, te, ev)]
    return parts[0] * parts[1] * parts[2]


def recency_weighted_mean(
    scores: pd.DataFrame,
    *,
    by: str = "commodity",
    year: str = "year",
    value: str = "sr",
    weights: Mapping[int, float] | None = None,
) -> pd.Series:
    """Recency-weighted mean over years; default weights 1, 2, 3, 4 for 2015-2018 (unverified).

    Years without a weight are ignored.
    """
    w = pd.Series(weights or {2015: 1.0, 2016: 2.0, 2017: 3.0, 2018: 4.0}, dtype=float)
    ww = scores[year].map(w)
    use = ww.notna() & scores[value].notna()
    num = (scores.loc[use, value].astype(float) * ww[use]).groupby(scores.loc[use, by]).sum()
    den = ww[use].groupby(scores.loc[use, by]).sum()
    return (num / den).rename("sr_weighted")


def usgs_recommended(sr_weighted: ArrayLike, threshold: float = USGS_SR_THRESHOLD) -> np.ndarray:
    """Quantitative USGS 2022 criterion: recency-weighted supply risk ≥ 0.40."""
    with np.errstate(invalid="ignore"):
        return np.asarray(sr_weighted, dtype=float) >= threshold
