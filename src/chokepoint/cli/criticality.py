"""``chokepoint criticality``: recompute an EU criticality assessment from its published inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from chokepoint.analysis.criticality import (
    EI_THRESHOLD,
    SR_THRESHOLD,
    EUAssessment,
    eu_assessment,
    parse_share_override,
    parse_t_override,
)
from chokepoint.cli._errors import handle_errors
from chokepoint.datasets.criticality_loader import available_assessments, load_wgi_table
from chokepoint.errors import ChokepointError

console = Console(highlight=False)

_WGI_NOTE = (
    "WGI* = 2·(2.5 − mean of the six WGI estimates), World Bank WGI 2019 proxy shipped with the "
    "inputs (47 countries), not the vintage the EC used; countries without a value are excluded "
    "and their share is reported"
)


def _num(x: Any) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else round(v, 4)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rec in frame.reset_index().to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, bool) or v is None or isinstance(v, str):
                clean[str(k)] = v
            elif isinstance(v, int | float):
                clean[str(k)] = _num(v) if isinstance(v, float) else int(v)
            elif hasattr(v, "item"):
                item = v.item()
                clean[str(k)] = _num(item) if isinstance(item, float) else item
            else:
                clean[str(k)] = None if pd.isna(v) else str(v)
        out.append(clean)
    return out


def _third(region: Any, share: Any) -> str:
    v = _num(share)
    if v is None or not isinstance(region, str):
        return ""
    flag = " [bold red]> 65%[/]" if v > 0.65 else ""
    return f"{region} {v:.0%}{flag}"


def _yes_no(x: Any) -> str:
    return "–" if x is None else ("yes" if bool(x) else "no")


def _fmt(x: Any, digits: int = 2) -> str:
    v = _num(x)
    return "–" if v is None else f"{v:.{digits}f}"


def _select(res: EUAssessment, materials: list[str]) -> pd.DataFrame:
    scores = res.scores
    if not materials:
        return scores
    wanted = {m.lower() for m in materials}
    keep = [m for m in scores.index if str(m).lower() in wanted]
    unknown = wanted - {str(m).lower() for m in keep}
    if unknown:
        msg = f"unknown material(s) {sorted(unknown)}; see `chokepoint criticality --all`"
        raise ChokepointError(msg)
    return scores.loc[keep]


def _governance(res: EUAssessment, wgi_file: Path | None) -> str:
    if not res.inputs.hhi.empty:
        return "published HHI_WGI,t (2017)"
    if wgi_file is not None:
        return f"WGI* from {wgi_file}; countries without a value are excluded and reported"
    return _WGI_NOTE


def _payload(
    res: EUAssessment, scores: pd.DataFrame, show_all: bool, wgi_file: Path | None
) -> dict[str, Any]:
    shown = scores if show_all else scores.loc[scores["sr"].notna() | scores["ei"].notna()]
    payload: dict[str, Any] = {
        "assessment": res.inputs.assessment,
        "year": res.inputs.year,
        "method": "EU CRM (EC 2017 guidelines): SR = [HHI_GS·IR/2 + HHI_EU·(1−IR/2)]·(1−EoL_RIR)·SI_SR,"
        " max over stages; EI = Σ A_s·Q_s / max Q_s · 10 · SI_EI",
        "thresholds": {"sr": SR_THRESHOLD, "ei": EI_THRESHOLD, "rounding": "1 decimal"},
        "governance": _governance(res, wgi_file),
        "materials_total": len(res.scores),
        "sr_recomputed": int(res.scores["sr"].notna().sum()),
        "ei_recomputed": int(res.scores["ei"].notna().sum()),
        "overrides": list(res.overrides),
        "materials": _records(shown),
    }
    if res.baseline is not None:
        changed = res.scores.index[
            ~res.scores["sr"].fillna(-1).eq(res.baseline["sr"].reindex(res.scores.index).fillna(-1))
        ]
        payload["what_if"] = [
            {
                "material": str(m),
                "sr_before": _num(res.baseline.at[m, "sr"]),
                "sr_after": _num(res.scores.at[m, "sr"]),
                "ei": _num(res.scores.at[m, "ei"]),
                "critical_before": res.baseline.at[m, "critical"],
                "critical_after": res.scores.at[m, "critical"],
            }
            for m in changed
        ]
    if not res.concentration.empty:
        conc = res.concentration
        mats = set(scores.index)
        payload["concentration"] = _records(
            conc.loc[conc.index.get_level_values("material").isin(mats)]
        )
    payload["assumptions"] = list(res.inputs.assumptions)[:20] + (
        [f"... and {len(res.inputs.assumptions) - 20} more"]
        if len(res.inputs.assumptions) > 20
        else []
    )
    payload["caveats"] = _caveats(res, scores)
    payload["sources"] = list(res.inputs.sources)
    return payload


def _caveats(res: EUAssessment, scores: pd.DataFrame) -> list[str]:
    names = tuple(f"{m}:" for m in scores.index) + tuple(f"{m} " for m in scores.index)
    return [c for c in res.inputs.caveats if c.startswith(names)]


def _render(
    res: EUAssessment,
    scores: pd.DataFrame,
    show_all: bool,
    conc: bool,
    wgi_file: Path | None,
) -> None:
    inputs = res.inputs
    shown = scores if show_all else scores.loc[scores["sr"].notna() | scores["ei"].notna()]
    shown = shown.sort_values("sr", ascending=False, na_position="last")
    if shown.empty and not show_all:
        console.print(
            f"{inputs.assessment} publishes no inputs from which SR or EI can be recomputed "
            "(2020: shares of the bottleneck stage, shown as stage B, and EoL-RIR only); "
            "showing concentration."
        )
        conc = True
        shown = shown.iloc[0:0]
    table = Table(
        title=f"EU criticality {inputs.year} recomputed from published inputs ({inputs.assessment})",
        show_lines=False,
    )
    for col, just in [
        ("material", "left"),
        ("SR_E", "right"),
        ("SR_P", "right"),
        ("SR", "right"),
        ("stage", "center"),
        ("EI", "right"),
        ("critical", "center"),
        ("note", "left"),
    ]:
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for m, r in shown.iterrows():
        mark = _yes_no(r["critical"]).replace("yes", "[bold red]yes[/]")
        table.add_row(
            str(m),
            _fmt(r["sr_E"]),
            _fmt(r["sr_P"]),
            _fmt(r["sr"]),
            str(r["stage"] or "–"),
            _fmt(r["ei"]),
            mark,
            "; ".join(x for x in (str(r["note"]), str(r.get("policy", "") or "")) if x),
        )
    if len(shown):
        console.print(table)
    console.print(
        f"SR recomputed for {int(res.scores['sr'].notna().sum())} of {len(res.scores)} materials, "
        f"EI for {int(res.scores['ei'].notna().sum())}; critical = SR ≥ {SR_THRESHOLD:g} and "
        f"EI ≥ {EI_THRESHOLD:g} after rounding to 1 decimal."
    )
    console.print(f"[dim]Governance: {_governance(res, wgi_file)}.[/]")
    for caveat in _caveats(res, shown):
        console.print(f"[yellow]data caveat:[/] {caveat}")
    if res.baseline is not None:
        what = Table(title="What-if")
        for col in ("material", "SR before", "SR after", "EI", "critical before", "after"):
            what.add_column(col)
        for m in scores.index:
            before, after = res.baseline.at[m, "sr"], res.scores.at[m, "sr"]
            if _num(before) == _num(after):
                continue
            what.add_row(
                str(m),
                _fmt(before),
                _fmt(after),
                _fmt(res.scores.at[m, "ei"]),
                _yes_no(res.baseline.at[m, "critical"]),
                _yes_no(res.scores.at[m, "critical"]),
            )
        console.print(what)
        for note in res.overrides:
            console.print(f"[yellow]override:[/] {note}")
    if conc and not res.concentration.empty:
        c = res.concentration
        c = c.loc[c.index.get_level_values("material").isin(set(scores.index))]
        ct = Table(title="Concentration per material, stage and source (GS global, EU sourcing)")
        for col in (
            "material",
            "stage",
            "src",
            "n",
            "HHI",
            "HHI pts",
            "CR1",
            "CR3",
            "top",
            "HHI_WGI,t",
            "top non-EU (CRMA 65%)",
        ):
            ct.add_column(col)
        if "top_third_country" not in c.columns:
            c = c.assign(top_third_country=None, top_third_country_share=None)
        for (mat, st, src), r in c.iterrows():
            ct.add_row(
                str(mat),
                str(st),
                str(src),
                str(int(r["n_suppliers"])),
                _fmt(r["hhi"], 3),
                f"{r['hhi_points']:.0f}",
                _fmt(r["cr1"]),
                _fmt(r["cr3"]),
                f"{r['top_region']} {r['top_share']:.0%}",
                _fmt(r["hhi_wgi_t"]),
                _third(r["top_third_country"], r["top_third_country_share"]),
            )
        console.print(ct)


def criticality(
    assessment: str = typer.Option(
        "eu-2023", "--assessment", "-a", help=f"One of {', '.join(available_assessments())}."
    ),
    material: list[str] = typer.Option(
        [], "--material", "-m", help="Only this material (repeatable)."
    ),
    set_share: list[str] = typer.Option(
        [],
        "--set",
        help="What-if share, MATERIAL:REGION:STAGE[:GS|EU]=SHARE, e.g. gallium:CHN:P=0.99; "
        "the other suppliers are rescaled so shares sum to 1 (repeatable). REGION must be a code "
        "of the inputs or the WGI table; write +CODE (e.g. gallium:+XYZ:P=0.1) to add a supplier "
        "under a new code.",
    ),
    set_t: list[str] = typer.Option(
        [],
        "--set-t",
        help="What-if trade factor, MATERIAL:REGION:STAGE[:GS|EU]=T, e.g. gallium:CHN:P=1.5 "
        "for a new export restriction (repeatable).",
    ),
    unallocated: str = typer.Option(
        "drop", "--unallocated", help="Unallocated end uses in EI: drop | renormalise."
    ),
    missing_wgi: float | None = typer.Option(
        None, "--missing-wgi", help="WGI* for countries without one (default: exclude and report)."
    ),
    cap: float | None = typer.Option(
        None, "--cap", help="Cap WGI*·t at this value, greater than 0 (e.g. 10)."
    ),
    wgi_file: Path | None = typer.Option(
        None,
        "--wgi",
        help="CSV of governance scores (region|country, wgi_scaled|wgi_mean) replacing the "
        "shipped 2019 proxy.",
    ),
    show_all: bool = typer.Option(
        False, "--all", help="Also list materials whose scores cannot be recomputed."
    ),
    show_concentration: bool = typer.Option(
        False, "--concentration", help="Also show HHI, CR1/CR3 and top country per stage."
    ),
    plot: Path | None = typer.Option(
        None, "--plot", help="Write an SR-vs-EI scatter with the thresholds to this file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print plain JSON to stdout."),
) -> None:
    """Recompute the EU criticality assessment (SR, EI, critical) from the published inputs."""
    with handle_errors():
        if unallocated not in ("drop", "renormalise"):
            msg = f"--unallocated: expected 'drop' or 'renormalise', got {unallocated!r}"
            raise ChokepointError(msg)
        overrides = [parse_share_override(s) for s in set_share]
        t_overrides = [parse_t_override(s) for s in set_t]
        wgi = load_wgi_table(wgi_file) if wgi_file is not None else None
        res = eu_assessment(
            assessment,
            overrides=overrides,
            t_overrides=t_overrides,
            wgi=wgi,
            missing_wgi=missing_wgi,
            cap=cap,
            unallocated="drop" if unallocated == "drop" else "renormalise",
        )
        scores = _select(res, material)
        if plot is not None:
            from chokepoint.report.criticality_plots import criticality_scatter

            moved: dict[str, tuple[float, float]] = {}
            if res.baseline is not None:
                for m in scores.index:
                    b = res.baseline.loc[m]
                    if _num(b["sr"]) != _num(res.scores.at[m, "sr"]) and _num(b["ei"]) is not None:
                        moved[str(m)] = (float(b["sr"]), float(b["ei"]))
            criticality_scatter(
                scores,
                plot,
                title=f"EU criticality {res.inputs.year} (recomputed)",
                moved=moved,
            )
        if as_json:
            payload = _payload(res, scores, show_all, wgi_file)
            if plot is not None:
                payload["plot"] = str(plot)
            typer.echo(json.dumps(payload, ensure_ascii=False))
            return
        _render(res, scores, show_all, show_concentration, wgi_file)
        if plot is not None:
            console.print(f"plot written to {plot}")
