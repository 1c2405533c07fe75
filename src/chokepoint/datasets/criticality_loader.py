"""Load the published inputs of the EU critical-raw-materials assessments (2017, 2020, 2023).

The shipped file ``datasets/criticality/inputs.csv`` is a copy of the project's
``data/criticality_inputs.csv`` (one published figure per row, each with its source); see
``datasets/criticality/README.md`` for the few cells we blanked and why. Country names are
mapped to ISO 3166-1 alpha-3 codes through ``datasets/criticality/countries.csv``.

Parsing conventions (``specs/criticality.md`` §0): percentages become fractions in [0, 1];
a published ``<x%`` becomes ``x/2`` % and ``>0%`` becomes 0 (both labelled assumptions, listed
in :attr:`CriticalityInputs.assumptions`); supply types are ``GS+EU``, ``GS_only``, ``EU_only``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from chokepoint.errors import NotFoundError, Problem, raise_if_problems

__all__ = [
    "ASSESSMENTS",
    "CriticalityInputs",
    "available_assessments",
    "load_country_codes",
    "load_criticality_inputs",
    "load_wgi_table",
]

_DIR: Final = Path(__file__).parent / "criticality"
INPUTS_FILE: Final = _DIR / "inputs.csv"
COUNTRIES_FILE: Final = _DIR / "countries.csv"

ASSESSMENTS: Final[dict[str, tuple[str, int]]] = {
    "eu-2017": ("EU CRM 2017", 2017),
    "eu-2020": ("EU CRM 2020", 2020),
    "eu-2023": ("EU CRM 2023", 2023),
}
"""Assessment id -> (label in the ``assessment`` column, year)."""

_WGI_LABEL: Final = "proxy"
_COLUMNS: Final = ("material", "assessment", "year", "stage", "variable", "country", "value")
_MODES: Final = {
    "GS+EU": "GS+EU",
    "GS + EU": "GS+EU",
    "GSonly": "GS_only",
    "GS only": "GS_only",
    "EUonly": "EU_only",
    "EU only": "EU_only",
}
_STAGE_WORD: Final = {"Extraction": "E", "Processing": "P"}
_SHARE_VARS: Final = {
    "global_supply_share": ("GS", "trade_t_global"),
    "eu_sourcing_share": ("EU", "trade_t_eu"),
}
_KNOWN_VARS: Final = {
    "IR",
    "EoL_RIR",
    "supply_used",
    "SI_EI",
    "SI_SR",
    "HHI_WGI_t_GS",
    "HHI_WGI_t_EU",
    "global_supply_share",
    "eu_sourcing_share",
    "trade_t_global",
    "trade_t_eu",
    "IR_extraction",
    "IR_processing",
    "supply_used_extraction",
    "supply_used_processing",
    "stage_selected",
    "stages_assessed",
    "end_use_share_A_s",
    "sector_value_added_Q_s",
    "WGI_scaled_proxy",
}
_PERCENT: Final = re.compile(r"^\s*([<>]?)\s*([0-9]+(?:\.[0-9]*)?)\s*%?\s*$")
_SECTOR: Final = re.compile(r"^\s*([A-Z][0-9]{2})\s*-\s*(.+)$")


@dataclass(frozen=True)
class CriticalityInputs:
    """Published inputs of one EU assessment, parsed into tidy tables.

    Attributes
    ----------
    assessment, year
        Assessment id (``"eu-2023"``) and year.
    materials
        One row per material: ``eol_rir``, ``si_sr``, ``si_ei``, ``ir_E``, ``ir_P`` (fractions),
        ``mode_E``, ``mode_P`` (``GS+EU`` | ``GS_only`` | ``EU_only`` | missing), ``stages``
        (assessed stages, e.g. ``"E+P"``) and ``published_stage`` (the stage the study selected,
        kept for comparison only).
    supply
        Country shares: ``material``, ``stage``, ``source`` (``GS`` global supply or ``EU``
        EU sourcing), ``country`` (as published), ``region`` (ISO3), ``share`` (fraction),
        ``t`` (trade factor, NaN if unpublished) and ``row`` (data row in the CSV).
    hhi
        Published concentration inputs (2017): ``material``, ``stage``, ``hhi_gs``, ``hhi_eu``.
    end_uses
        ``material``, ``sector`` (NACE code, or ``UNALLOCATED``), ``application``, ``share``.
    value_added
        Sector code -> gross value added ``Q_s`` (EUR million).
    wgi
        Region (ISO3) -> scaled governance ``WGI*`` of the 2019 proxy shipped with the data.
    sources
        Distinct source citations of the rows used.
    assumptions
        Parsing assumptions applied (``<x%`` halves, ``>0%`` zeros), with their rows.
    caveats
        Data-quality warnings found in the published rows (repeated end-use rows, share
        totals far from 100 %, rows the source file flags as suspect or that we blanked).
    """

    assessment: str
    year: int
    materials: pd.DataFrame
    supply: pd.DataFrame
    hhi: pd.DataFrame
    end_uses: pd.DataFrame
    value_added: pd.Series
    wgi: pd.Series
    sources: tuple[str, ...]
    assumptions: tuple[str, ...] = field(default_factory=tuple)
    caveats: tuple[str, ...] = field(default_factory=tuple)


def available_assessments() -> list[str]:
    """Assessment ids that :func:`load_criticality_inputs` accepts."""
    return list(ASSESSMENTS)


def load_country_codes(path: Path | None = None) -> pd.DataFrame:
    """Country name -> ISO3 and EU-27 membership table used by the loader."""
    frame = pd.read_csv(path or COUNTRIES_FILE, dtype={"name": str, "iso3": str, "eu27": int})
    return frame.set_index("name")


class _Reader:
    """Collects problems while parsing; each ``Problem`` names ``file:row:column``."""

    def __init__(self, fname: str) -> None:
        self.fname = fname
        self.problems: list[Problem] = []
        self.assumptions: list[str] = []

    def bad(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(f"{self.fname}:{row}:{column}", message))

    def number(self, raw: str, row: int, *, percent: bool, lo: float, hi: float) -> float:
        text = raw.strip()
        if text == "" or text.upper() in {"N/A", "NA", "NAN"}:
            return float("nan")
        m = _PERCENT.match(text)
        if m is None or (m.group(1) and not percent):
            kind = "a percentage like '12' or '12.5%'" if percent else "a number"
            self.bad(row, "value", f"expected {kind}, got {raw!r}")
            return float("nan")
        x = float(m.group(2))
        if m.group(1) == "<":
            self.assumptions.append(f"row {row}: published {text!r} read as {x / 2:g}%")
            x /= 2.0
        elif m.group(1) == ">":
            self.assumptions.append(f"row {row}: published {text!r} read as 0%")
            x = 0.0
        if percent:
            x /= 100.0
        if not lo <= x <= hi:
            shown = f"{x * 100:g}%" if percent else f"{x:g}"
            self.bad(row, "value", f"expected a value in [{lo:g}, {hi:g}], got {shown}")
        return x


def _read_raw(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise_if_problems(
            f"criticality inputs {path.name}",
            [
                Problem(
                    f"{path.name}:header", f"expected columns {list(_COLUMNS)}, missing {missing}"
                )
            ],
        )
    frame["row"] = np.arange(1, len(frame) + 1)
    if "source" not in frame.columns:
        frame["source"] = ""
    return frame


def load_criticality_inputs(
    assessment: str = "eu-2023", *, path: Path | str | None = None
) -> CriticalityInputs:
    """Load and validate the published inputs of one EU criticality assessment.

    Parameters
    ----------
    assessment
        ``"eu-2017"`` (published HHI_GS, HHI_EU, IR, EoL-RIR, SI per material),
        ``"eu-2020"`` (global shares of the bottleneck stage and EoL-RIR only) or
        ``"eu-2023"`` (country shares and t per stage, IR, EoL-RIR, SI, end uses, sector VA).
    path
        Optional CSV in the same long format; defaults to the shipped copy.

    Raises
    ------
    NotFoundError
        Unknown assessment id.
    InputError
        Every malformed row at once, located as ``file:row:column``.
    """
    if assessment not in ASSESSMENTS:
        msg = f"unknown assessment {assessment!r}; expected one of {available_assessments()}"
        raise NotFoundError(msg)
    label, year = ASSESSMENTS[assessment]
    file = Path(path) if path is not None else INPUTS_FILE
    raw = _read_raw(file)
    reader = _Reader(file.name)
    codes = load_country_codes()
    rows = raw.loc[raw["assessment"].isin([label, _WGI_LABEL])]
    if not (rows["assessment"] == label).any():
        msg = f"{file.name} holds no rows for assessment {assessment!r} ({label!r})"
        raise NotFoundError(msg)

    unknown = rows.loc[~rows["variable"].isin(_KNOWN_VARS)]
    for r, v in zip(unknown["row"], unknown["variable"], strict=True):
        reader.bad(int(r), "variable", f"expected one of {sorted(_KNOWN_VARS)}, got {v!r}")
    rows = rows.loc[rows["variable"].isin(_KNOWN_VARS)]

    wgi = _parse_wgi(rows.loc[rows["assessment"] == _WGI_LABEL], codes, reader)
    data = rows.loc[rows["assessment"] == label]
    materials = _parse_materials(data, reader)
    supply = _parse_supply(data, codes, reader)
    hhi = _parse_hhi(data, reader)
    end_uses, value_added = _parse_end_uses(data, reader)
    raise_if_problems(f"criticality inputs {file.name} ({assessment})", reader.problems)
    sources = tuple(sorted({s for s in rows["source"] if s}))
    caveats = _caveats(data, supply, end_uses)
    return CriticalityInputs(
        assessment=assessment,
        year=year,
        materials=materials,
        supply=supply,
        hhi=hhi,
        end_uses=end_uses,
        value_added=value_added,
        wgi=wgi,
        sources=sources,
        assumptions=tuple(reader.assumptions),
        caveats=caveats,
    )


def _caveats(data: pd.DataFrame, supply: pd.DataFrame, end_uses: pd.DataFrame) -> tuple[str, ...]:
    """Warnings about the published rows; they are reported, never silently fixed."""
    out: list[str] = []
    if not end_uses.empty:
        key = ["material", "sector", "application", "share"]
        dup = end_uses.loc[end_uses.duplicated(key, keep=False)]
        for (m, sec, app, sh), g in dup.groupby(key, sort=True):
            rows = ", ".join(str(r) for r in g["row"])
            out.append(
                f"{m}: end-use rows {rows} repeat ({sec} {app} {sh:.0%}); all are summed into A_s"
            )
        tot = end_uses.groupby("material", sort=True)["share"].sum()
        for m, v in tot.loc[(tot - 1.0).abs() > 0.02].items():
            out.append(f"{m}: end-use shares sum to {v:.0%}")
    if not supply.empty:
        tot = supply.groupby(["material", "stage", "source"], sort=True)["share"].sum()
        for (m, st, src), v in tot.loc[(tot - 1.0).abs() > 0.05].items():
            out.append(f"{m} {st} {src}: country shares sum to {v:.1%}")
        gs = supply.loc[supply["source"] == "GS", ["material", "stage", "region", "share"]]
        eu = supply.loc[supply["source"] == "EU", ["material", "stage", "region", "share"]]
        both = gs.merge(
            eu, on=["material", "stage", "region"], how="outer", suffixes=("_gs", "_eu")
        )
        both = both.loc[
            both.groupby(["material", "stage"])["share_eu"].transform("count").to_numpy() > 0
        ]
        gap = (both["share_gs"].fillna(0.0) - both["share_eu"].fillna(0.0)).abs()
        worst = gap.groupby([both["material"], both["stage"]], sort=True).max()
        for (m, st), v in worst.loc[worst <= 0.02].items():
            out.append(
                f"{m} {st}: EU-sourcing shares mirror the global shares (max gap {v:.1%}); "
                "the published EU mix may not have been transcribed"
            )
    if "note" in data.columns:
        flagged = data.loc[data["note"].str.contains("SUSPECT|chokepoint:", regex=True)]
        for (m, note), g in flagged.groupby(["material", "note"], sort=True):
            out.append(f"{m}: rows {g['row'].min()}-{g['row'].max()}: {note}")
    return tuple(out)


def _region(country: str, row: int, codes: pd.DataFrame, reader: _Reader) -> str:
    if country in codes.index:
        return str(codes.at[country, "iso3"])
    reader.bad(row, "country", f"expected a country listed in countries.csv, got {country!r}")
    return ""


def _parse_wgi(rows: pd.DataFrame, codes: pd.DataFrame, reader: _Reader) -> pd.Series:
    out: dict[str, float] = {}
    for r, country, value in zip(rows["row"], rows["country"], rows["value"], strict=True):
        region = _region(country, int(r), codes, reader)
        x = reader.number(value, int(r), percent=False, lo=0.0, hi=10.0)
        if region:
            out[region] = x
    return pd.Series(out, dtype=float, name="wgi_scaled").sort_index()


def _stage(raw: str, row: int, reader: _Reader, *, allow_blank: bool) -> str:
    if raw in {"E", "P"}:
        return raw
    if raw == "" and allow_blank:
        return "B"
    reader.bad(row, "stage", f"expected 'E' or 'P', got {raw!r}")
    return raw


def _parse_materials(data: pd.DataFrame, reader: _Reader) -> pd.DataFrame:
    cols = ["eol_rir", "si_sr", "si_ei", "ir_E", "ir_P", "mode_E", "mode_P", "stages"]
    cols.append("published_stage")
    recs: dict[str, dict[str, object]] = {}
    per_material = data.loc[~data["variable"].isin([*_SHARE_VARS, "trade_t_global", "trade_t_eu"])]
    per_material = per_material.loc[
        ~per_material["variable"].isin(["end_use_share_A_s", "sector_value_added_Q_s"])
    ]
    per_material = per_material.loc[
        ~per_material["variable"].isin(["HHI_WGI_t_GS", "HHI_WGI_t_EU"])
    ]
    for rec in per_material.itertuples(index=False):
        material, var, value, row = (
            str(rec.material),
            str(rec.variable),
            str(rec.value),
            int(rec.row),
        )
        stage_raw = str(rec.stage)
        d = recs.setdefault(material, {})
        if var == "EoL_RIR":
            d["eol_rir"] = reader.number(value, row, percent=True, lo=0.0, hi=1.0)
        elif var in {"SI_SR", "SI_EI"}:
            d[var.lower()] = reader.number(value, row, percent=False, lo=0.0, hi=1.0)
        elif var in {"IR", "IR_extraction", "IR_processing"}:
            st = (
                _stage(stage_raw, row, reader, allow_blank=False)
                if var == "IR"
                else ("E" if var == "IR_extraction" else "P")
            )
            d[f"ir_{st}"] = reader.number(value, row, percent=True, lo=0.0, hi=1.0)
        elif var.startswith("supply_used"):
            if var == "supply_used":
                st = _stage(stage_raw, row, reader, allow_blank=False)
                d["stages"] = st
            else:
                st = "E" if var.endswith("extraction") else "P"
            if value.strip() == "":
                continue
            if value not in _MODES:
                reader.bad(row, "value", f"expected one of {sorted(_MODES)}, got {value!r}")
            else:
                d[f"mode_{st}"] = _MODES[value]
        elif var == "stages_assessed":
            if value not in {"E", "P", "E+P"}:
                reader.bad(row, "value", f"expected 'E', 'P' or 'E+P', got {value!r}")
            d["stages"] = value
        elif var == "stage_selected":
            if value not in _STAGE_WORD:
                reader.bad(row, "value", f"expected 'Extraction' or 'Processing', got {value!r}")
            d["published_stage"] = _STAGE_WORD.get(value, "")
    frame = pd.DataFrame.from_dict(recs, orient="index").reindex(columns=cols)
    frame.index.name = "material"
    frame = frame.drop(index=[m for m in frame.index if m == "(all)"], errors="ignore")
    for c in ("eol_rir", "si_sr", "si_ei", "ir_E", "ir_P"):
        frame[c] = frame[c].astype(float)
    for c in ("mode_E", "mode_P", "stages", "published_stage"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame.sort_index()


def _parse_supply(data: pd.DataFrame, codes: pd.DataFrame, reader: _Reader) -> pd.DataFrame:
    cols = ["material", "stage", "source", "country", "region", "share", "t", "row"]
    blocks: list[pd.DataFrame] = []
    for var, (source, t_var) in _SHARE_VARS.items():
        sh = data.loc[data["variable"] == var]
        if sh.empty:
            continue
        allow_blank = bool((sh["stage"] == "").all())
        recs = []
        for rec in sh.itertuples(index=False):
            row = int(rec.row)
            recs.append(
                {
                    "material": str(rec.material),
                    "stage": _stage(str(rec.stage), row, reader, allow_blank=allow_blank),
                    "source": source,
                    "country": str(rec.country),
                    "region": _region(str(rec.country), row, codes, reader),
                    "share": reader.number(str(rec.value), row, percent=True, lo=0.0, hi=1.0),
                    "row": row,
                }
            )
        block = pd.DataFrame.from_records(recs)
        tt = data.loc[data["variable"] == t_var]
        t_frame = pd.DataFrame(
            {
                "material": tt["material"].to_numpy(),
                "stage": tt["stage"].replace("", "B").to_numpy(),
                "country": tt["country"].to_numpy(),
                "t": [
                    reader.number(v, int(r), percent=False, lo=0.0, hi=10.0)
                    for v, r in zip(tt["value"], tt["row"], strict=True)
                ],
            }
        ).drop_duplicates(["material", "stage", "country"], keep="first")
        block = block.merge(t_frame, on=["material", "stage", "country"], how="left")
        dup = block.duplicated(["material", "stage", "region"], keep=False) & (
            block["region"] != ""
        )
        for r, m, st, c in block.loc[dup, ["row", "material", "stage", "country"]].itertuples(
            index=False
        ):
            reader.bad(
                int(r), "country", f"expected one {var} row per country, {c!r} repeats for {m} {st}"
            )
        blocks.append(block)
    if not blocks:
        return pd.DataFrame(columns=cols)
    return pd.concat(blocks, ignore_index=True)[cols]


def _parse_hhi(data: pd.DataFrame, reader: _Reader) -> pd.DataFrame:
    h = data.loc[data["variable"].isin(["HHI_WGI_t_GS", "HHI_WGI_t_EU"])]
    cols = ["material", "stage", "hhi_gs", "hhi_eu"]
    if h.empty:
        return pd.DataFrame(columns=cols)
    values = [
        reader.number(v, int(r), percent=False, lo=0.0, hi=10.0)
        for v, r in zip(h["value"], h["row"], strict=True)
    ]
    frame = h.assign(
        x=values, key=h["variable"].map({"HHI_WGI_t_GS": "hhi_gs", "HHI_WGI_t_EU": "hhi_eu"})
    )
    wide = frame.pivot_table(
        index=["material", "stage"], columns="key", values="x", aggfunc="first"
    )
    wide = wide.reindex(columns=["hhi_gs", "hhi_eu"]).reset_index()
    wide.columns.name = None
    return wide[cols]


def _parse_end_uses(data: pd.DataFrame, reader: _Reader) -> tuple[pd.DataFrame, pd.Series]:
    cols = ["material", "sector", "application", "share", "row"]
    eu = data.loc[data["variable"] == "end_use_share_A_s"]
    recs = []
    for rec in eu.itertuples(index=False):
        row = int(rec.row)
        sector = _sector_code(str(rec.country), row, reader, allow_unallocated=True)
        note = str(getattr(rec, "note", ""))
        recs.append(
            {
                "material": str(rec.material),
                "sector": sector,
                "application": note.removeprefix("application: "),
                "share": reader.number(str(rec.value), row, percent=True, lo=0.0, hi=1.0),
                "row": row,
            }
        )
    end_uses = pd.DataFrame.from_records(recs, columns=cols)
    va = data.loc[data["variable"] == "sector_value_added_Q_s"]
    q: dict[str, float] = {}
    for r, sector, value in zip(va["row"], va["country"], va["value"], strict=True):
        code = _sector_code(sector, int(r), reader, allow_unallocated=False)
        q[code] = reader.number(value, int(r), percent=False, lo=0.0, hi=float("inf"))
    return end_uses, pd.Series(q, dtype=float, name="value_added_eur_m")


def _sector_code(text: str, row: int, reader: _Reader, *, allow_unallocated: bool) -> str:
    if allow_unallocated and text.strip().upper() == "UNALLOCATED":
        return "UNALLOCATED"
    m = _SECTOR.match(text)
    if m is None:
        reader.bad(
            row, "country", f"expected a NACE sector like 'C28 - Manufacture of ...', got {text!r}"
        )
        return ""
    return m.group(1)


def load_wgi_table(path: Path | str) -> pd.Series:
    """Read a user table of governance scores -> ``WGI*`` by ISO3 region.

    The CSV has a ``region`` (ISO3) or ``country`` (name as in ``countries.csv``) column and
    either ``wgi_scaled`` (0 best ... 10 worst) or ``wgi_mean`` (mean of the six WGI estimates,
    rescaled here as ``WGI* = 2 (2.5 − wgi_mean)`` clipped to [0, 10], spec §1.4).

    Raises
    ------
    InputError
        Every malformed row at once, located as ``file:row:column``.
    """
    file = Path(path)
    frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    reader = _Reader(file.name)
    key = "region" if "region" in frame.columns else "country" if "country" in frame.columns else ""
    value = next((c for c in ("wgi_scaled", "wgi_mean") if c in frame.columns), "")
    if not key or not value:
        raise_if_problems(
            f"WGI table {file.name}",
            [
                Problem(
                    f"{file.name}:header",
                    "expected a 'region' or 'country' column and a 'wgi_scaled' or 'wgi_mean' "
                    f"column, got {list(frame.columns)}",
                )
            ],
        )
    codes = load_country_codes()
    out: dict[str, float] = {}
    lo, hi = (0.0, 10.0) if value == "wgi_scaled" else (-5.0, 5.0)
    # i is the line number in the file: the header is line 1, the first data row line 2
    for i, (k, v) in enumerate(zip(frame[key], frame[value], strict=True), start=2):
        try:
            x = float(v)
        except ValueError:
            reader.bad(i, value, f"expected a number, got {v!r}")
            continue
        if not lo <= x <= hi:
            reader.bad(i, value, f"expected a value in [{lo:g}, {hi:g}], got {v!r}")
        if value == "wgi_mean":
            x = min(10.0, max(0.0, 2.0 * (2.5 - x)))
        if key == "country":
            region = _region(k, i, codes, reader)
        elif re.fullmatch(r"[A-Z]{3}", k.strip()):
            region = k.strip()
        else:
            reader.bad(i, "region", f"expected an ISO3 code like 'CHN', got {k!r}")
            region = ""
        if region:
            out[region] = x
    raise_if_problems(f"WGI table {file.name}", reader.problems)
    return pd.Series(out, dtype=float, name="wgi_scaled").sort_index()
