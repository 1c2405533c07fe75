"""Build the embedded dataset ``critical-chains`` from the curated source tables in ``sources/``.

Run ``python -m chokepoint.datasets.build.critical_chains`` to rewrite
``src/chokepoint/datasets/critical-chains/``. The build is deterministic: the committed tables
are exactly what this module writes from the committed sources (a test checks it).

Method (stated as assumptions in ``dataset.yaml``):

1. End products get their sourced output per region (annual figures / 365 = units per day).
2. Walking up each chain, a stage's world output W_p is its sourced world total, or the demand of
   the modelled buyers D_p (Σ recipe amount x buyer output) where no total is sourced or where the
   total is smaller than D_p (listed in ``balancing.csv``). Producer outputs are x_s = share_s W_p,
   so each stage's country shares equal the sourced shares. W_p - D_p is final demand ("other
   uses") at each producer, in proportion to its share.
3. Who supplies whom: a buyer sources from the suppliers of its input in proportion to their world
   shares; where an importer's China share is sourced (``dependencies.csv``) that row is fixed to
   it, and the free rows are fitted by iterative proportional fitting so that every supplier's
   deliveries equal its output minus its other uses.
4. The tables are validated and passed through :func:`chokepoint.network.balance.balance`; every
   change it makes and every reconciliation of step 2 is written to ``balancing.csv``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from chokepoint.network.balance import balance
from chokepoint.network.schema import TABLES, node_id
from chokepoint.network.validate import validate_tables

NAME = "critical-chains"
VERSION = "2025.1"
DAYS = 365.0
SOURCES = Path(__file__).parent / "sources"
OUT = Path(__file__).parents[1] / NAME
FLOAT_FORMAT = "%.10g"

EU_MEMBERS = frozenset(
    [
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MLT",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
        "EUU",
    ]
)
AREAS = {
    "CHN": "asia",
    "JPN": "asia",
    "KOR": "asia",
    "TWN": "asia",
    "MYS": "asia",
    "MMR": "asia",
    "VNM": "asia",
    "THA": "asia",
    "IDN": "asia",
    "PHL": "asia",
    "IND": "south_asia",
    "DEU": "europe",
    "NLD": "europe",
    "EUR": "europe",
    "GBR": "europe",
    "RUS": "europe",
    "USA": "north_america",
    "MEX": "north_america",
    "BRA": "south_america",
    "CHL": "south_america",
    "ARG": "south_america",
    "COD": "africa",
    "ZAF": "africa",
    "GAB": "africa",
    "AUS": "oceania",
    "SAU": "middle_east",
    "ROW": "world",
}


@dataclass
class Sources:
    """The curated source tables (strings as written) and lookups into them."""

    tables: dict[str, pd.DataFrame]
    regions: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def read(cls, folder: Path = SOURCES) -> Sources:
        """Read every ``*.csv`` in ``folder`` as text."""
        tables = {
            p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
            for p in sorted(folder.glob("*.csv"))
        }
        return cls(tables, frozenset(tables["regions"]["region"]))

    def region(self, iso: pd.Series) -> pd.Series:
        """Model region of ISO3 codes: itself if modelled, EU members to EUR, else ROW."""
        iso = iso.astype(str)
        out = iso.where(iso.isin(self.regions), "ROW")
        return out.where(~iso.isin(EU_MEMBERS), "EUR")

    def shares(self, product: str, year: str) -> pd.DataFrame:
        """Country shares of ``stage_shares.csv`` (product, year), summed by model region."""
        ss = self.tables["stage_shares"]
        rows = ss[(ss["product"] == product) & (ss["year"] == year) & (ss["share"] != "")]
        if rows.empty:
            msg = f"no share rows for {product!r} {year}"
            raise KeyError(msg)
        frame = pd.DataFrame(
            {
                "region": self.region(rows["country_iso3"]).to_numpy(),
                "share": rows["share"].astype(float).to_numpy(),
            }
        )
        out = frame.groupby("region", sort=True, as_index=False)["share"].sum()
        out = out[out["share"] > 0].reset_index(drop=True)
        out["source"] = f"{rows['source'].iloc[0]} (stage_shares.csv: {product}, {year})"
        return out

    def value(self, table: str, product: str, iso: str, year: str, col: str = "value") -> float:
        """One figure of ``volumes.csv`` / ``stage_shares.csv`` (product, country, year)."""
        t = self.tables[table]
        key = "product"
        rows = t[(t[key] == product) & (t["country_iso3"] == iso) & (t["year"] == year)]
        if len(rows) != 1:
            msg = f"expected one {table} row for {product!r} {iso} {year}, got {len(rows)}"
            raise KeyError(msg)
        return float(rows[col].iloc[0])

    def source_of(self, table: str, product: str) -> str:
        """The source text of the first row of ``table`` for ``product``."""
        t = self.tables[table]
        return str(t.loc[t["product"] == product, "source"].iloc[0])

    def supp(self, key: str) -> float:
        """A figure of ``supplements.csv`` by id."""
        s = self.tables["supplements"].set_index("id")
        return float(s.loc[key, "value"])

    def supp_source(self, key: str) -> str:
        """Source of a supplements row, tagged with its id."""
        s = self.tables["supplements"].set_index("id")
        return f"{s.loc[key, 'source']} (supplements.csv: {key})"

    def assume(self, key: str) -> float:
        """A numeric assumption of ``assumptions.csv`` by id."""
        a = self.tables["assumptions"].set_index("id")
        return float(a.loc[key, "value"])

    def coef(self, output: str, input_: str) -> float:
        """A coefficient of ``coefficients.csv``."""
        c = self.tables["coefficients"]
        rows = c[(c["output_product"] == output) & (c["input_product"] == input_)]
        return float(rows["value"].iloc[0])

    def coef_source(self, output: str, input_: str) -> str:
        """Source of a coefficient, with its key."""
        c = self.tables["coefficients"]
        rows = c[(c["output_product"] == output) & (c["input_product"] == input_)]
        return f"{rows['source'].iloc[0]} (coefficients.csv: {output} / {input_})"


def _assumption(key: str, text: str = "") -> str:
    return f"ASSUMPTION: {key}" + (f" - {text}" if text else "")


# --------------------------------------------------------------------------------------------
# Recipes


def recipes(src: Sources) -> pd.DataFrame:
    """Bill of materials, each amount with its source or assumption."""
    c = src.coef
    cs = src.coef_source
    lfp = src.supp("lfp_share_cells")
    nmc = 1.0 - lfp
    bev = src.assume("bev_share_ev")
    ev_kwh = bev * c(
        "battery electric car (BEV), global sales-weighted average", "Li-ion battery capacity"
    ) + (1 - bev) * c(
        "plug-in hybrid car (PHEV incl. EREV), global average", "Li-ion battery capacity"
    )
    magnet_per_ev = c("electric car (BEV/PHEV), average", "NdFeB magnet")
    magnet_per_motor = c("EV traction motor (PMSM)", "NdFeB magnet")
    ms_share = c("wind installations 2024", "medium-speed drivetrain share")
    dd_share = 1.0 - ms_share - 0.622  # direct-drive ~8.7% (GWEC note); rest high-speed geared
    wind_kg = ms_share * c(
        "wind turbine, medium-speed PMSG (hybrid drive)", "NdFeB magnet"
    ) + round(dd_share, 3) * c("wind turbine, direct-drive PMSG", "NdFeB magnet")
    nmc_li = c("Li-ion battery NMC622", "lithium carbonate equivalent (LCE)")
    lfp_li = c("Li-ion battery LFP", "lithium carbonate equivalent (LCE)")
    lfp_src = src.supp_source("lfp_share_cells")
    rows: list[tuple[str, str, float, str, str]] = [
        (
            "traction_motor",
            "ndfeb_magnet",
            magnet_per_motor / 1000,
            cs("EV traction motor (PMSM)", "NdFeB magnet"),
            "1.5 kg per motor",
        ),
        (
            "ev",
            "traction_motor",
            magnet_per_ev / magnet_per_motor,
            cs("electric car (BEV/PHEV), average", "NdFeB magnet"),
            "DERIVED: 1.6 kg NdFeB per EV / 1.5 kg per motor",
        ),
        (
            "ev",
            "battery_cell",
            ev_kwh,
            cs(
                "battery electric car (BEV), global sales-weighted average",
                "Li-ion battery capacity",
            ),
            f"DERIVED: {bev:g} x 63.2 kWh (BEV) + {1 - bev:g} x 23.0 kWh (PHEV); BEV share is ASSUMPTION bev_share_ev",
        ),
        ("ev", "ecu", 1.0, _assumption("ecu_local"), "one vehicle set of ECUs per vehicle"),
        (
            "ice_car",
            "ndfeb_magnet",
            c("conventional (ICE) car", "NdFeB magnet") / 1000,
            cs("conventional (ICE) car", "NdFeB magnet"),
            "0.25 kg per vehicle; low reliability",
        ),
        ("ice_car", "ecu", 1.0, _assumption("ecu_local"), "one vehicle set of ECUs per vehicle"),
        (
            "wind_turbine",
            "ndfeb_magnet",
            wind_kg / 1000,
            cs("wind turbine, medium-speed PMSG (hybrid drive)", "NdFeB magnet"),
            f"DERIVED: {ms_share:g} x 160 + {round(dd_share, 3):g} x 650 kg/MW (GWEC 2024 drivetrain mix); high-speed geared taken as magnet-free (ASSUMPTION wind_non_pm_drivetrains)",
        ),
        (
            "industrial_motor",
            "ndfeb_magnet",
            1.0,
            "definition: unit is t of NdFeB content",
            "ASSUMPTION industrial_motor_residual sets the volume",
        ),
        (
            "defence_system",
            "ndfeb_magnet",
            src.assume("f35_magnet_kg") / 1000,
            "Adamas Intelligence (Apr 2026), as summarised by pulse.bot (volumes.csv: rare earth content per F-35 aircraft)",
            _assumption("f35_magnet_kg", "midpoint of 8-20 kg NdFeB"),
        ),
        (
            "ndfeb_magnet",
            "ndpr_metal",
            c("sintered NdFeB magnet", "Nd+Pr (metal)"),
            cs("sintered NdFeB magnet", "Nd+Pr (metal)"),
            "0.30 kg NdPr per kg magnet",
        ),
        (
            "ndfeb_magnet",
            "dy_tb_metal",
            c("sintered NdFeB magnet (high-temperature grades, EV/wind)", "dysprosium (metal)"),
            cs("sintered NdFeB magnet (high-temperature grades, EV/wind)", "dysprosium (metal)"),
            "central 0.02 applied to all grades (upper side for standard grades)",
        ),
        (
            "ndpr_metal",
            "ndpr_oxide",
            c("NdPr metal", "NdPr oxide"),
            cs("NdPr metal", "NdPr oxide"),
            "stoichiometric 1.17 (the 1.46 with ~20% losses is approximate and not used)",
        ),
        (
            "dy_tb_metal",
            "dy_tb_oxide",
            src.supp("dy_oxide_per_metal"),
            src.supp_source("dy_oxide_per_metal"),
            "stoichiometric",
        ),
        # rare_earth_ore amounts are calibrated in build() (ASSUMPTION ore_allocation)
        (
            "compound_chip",
            "gallium",
            1.0,
            "definition: unit is kg of Ga content",
            _assumption("gallium_to_devices", "yield losses ignored"),
        ),
        (
            "ge_optics",
            "germanium",
            1.0,
            "definition: unit is kg of Ge content",
            "yield losses ignored",
        ),
        ("defence_electronics", "compound_chip", 0.6, _assumption("end_use_recipes"), ""),
        ("defence_electronics", "ge_optics", 0.4, _assumption("end_use_recipes"), ""),
        ("telecom_equipment", "compound_chip", 0.9, _assumption("end_use_recipes"), ""),
        ("telecom_equipment", "ge_optics", 0.1, _assumption("end_use_recipes"), ""),
        (
            "battery_cell",
            "anode_material",
            c("Li-ion battery (graphite anode)", "graphite (natural+synthetic)") / 1000,
            cs("Li-ion battery (graphite anode)", "graphite (natural+synthetic)"),
            "0.88 kg graphite per kWh",
        ),
        (
            "battery_cell",
            "cathode_material",
            1.0,
            "definition: cathode material is counted in kWh of cells",
            "",
        ),
        (
            "cathode_material",
            "lithium_chemical",
            (nmc * nmc_li + lfp * lfp_li) / 1000,
            cs("Li-ion battery NMC622", "lithium carbonate equivalent (LCE)"),
            f"DERIVED: {nmc:g} x 0.63 (NMC622) + {lfp:g} x 0.50 (LFP) kg LCE/kWh; LFP share from {lfp_src}",
        ),
        (
            "cathode_material",
            "refined_cobalt",
            nmc * c("Li-ion battery NMC622", "cobalt") / 1000,
            cs("Li-ion battery NMC622", "cobalt"),
            f"DERIVED: {nmc:g} x 0.18 kg Co/kWh (LFP has none)",
        ),
        (
            "cathode_material",
            "nickel_ore",
            nmc * c("Li-ion battery NMC622", "nickel") / 1000,
            cs("Li-ion battery NMC622", "nickel"),
            f"DERIVED: {nmc:g} x 0.53 kg Ni/kWh; nickel refining not modelled (ASSUMPTION nickel_refining)",
        ),
        (
            "cathode_material",
            "manganese_sulphate",
            nmc * c("Li-ion battery NMC622", "manganese (battery share)") / 1000,
            cs("Li-ion battery NMC622", "manganese (battery share)"),
            f"DERIVED: {nmc:g} x 0.18 kg Mn/kWh",
        ),
        (
            "anode_material",
            "natural_graphite",
            src.assume("anode_graphite"),
            _assumption("anode_graphite"),
            "synthetic graphite not modelled",
        ),
        (
            "lithium_chemical",
            "lithium_ore",
            1.0 / c("lithium (Li content)", "lithium carbonate equivalent (LCE)"),
            cs("lithium (Li content)", "lithium carbonate equivalent (LCE)"),
            "1 / 5.323 t Li per t LCE",
        ),
        ("refined_cobalt", "cobalt_ore", 1.0, _assumption("content_basis"), ""),
        (
            "manganese_sulphate",
            "manganese_ore",
            0.001,
            _assumption("content_basis"),
            "0.001 kt Mn per t Mn",
        ),
        ("grid_storage", "battery_cell", 1.0, "definition: storage counted in kWh of cells", ""),
        ("pv_module", "pv_cell", 1.0, _assumption("pv_one_to_one"), ""),
        ("pv_cell", "pv_wafer", 1.0, _assumption("pv_one_to_one"), ""),
        (
            "pv_wafer",
            "polysilicon",
            c("crystalline silicon PV module", "polysilicon"),
            cs("crystalline silicon PV module", "polysilicon"),
            "2.2 g/W = 2.2 t/MW",
        ),
        (
            "packaged_chip",
            "mature_chip_wafer",
            0.0,
            _assumption("devices_per_wafer"),
            "set in build()",
        ),
        (
            "ecu",
            "packaged_chip",
            c("light vehicle, global average", "semiconductor devices") / 1000,
            cs("light vehicle, global average", "semiconductor devices"),
            "824 devices per vehicle = 0.824 thousand",
        ),
        (
            "transport_fuel",
            "crude_oil",
            src.assume("refinery_yield"),
            _assumption("refinery_yield"),
            "",
        ),
    ]
    out = pd.DataFrame(rows, columns=["product", "input", "amount", "source", "note"])
    out.insert(3, "substitution_group", "")
    return out


# --------------------------------------------------------------------------------------------
# Producers and flows


@dataclass
class Model:
    """Annual producer outputs, links and final demand as they are built."""

    producers: list[pd.DataFrame] = field(default_factory=list)
    links: list[pd.DataFrame] = field(default_factory=list)
    final: list[pd.DataFrame] = field(default_factory=list)
    reconcile: list[dict[str, object]] = field(default_factory=list)

    def nodes(self) -> pd.DataFrame:
        """All producers so far, with their node id."""
        if not self.producers:
            return pd.DataFrame(columns=["region", "product", "firm", "output", "node"])
        p = pd.concat(self.producers, ignore_index=True)
        p["node"] = node_id(p["region"], p["product"], p["firm"])
        return p


def _producers(
    product: str,
    region: Iterable[str],
    output: Iterable[float],
    source: str | Iterable[str],
    note: str | Iterable[str] = "",
    firm: str | Iterable[str] = "",
    capacity: Iterable[float] | None = None,
    owner: str | Iterable[str] = "",
) -> pd.DataFrame:
    frame = pd.DataFrame({"region": list(region), "output": list(output)})
    n = len(frame)
    frame["product"] = product
    for name, value in (
        ("firm", firm),
        ("owner_region", owner),
        ("source", source),
        ("note", note),
    ):
        frame[name] = [value] * n if isinstance(value, str) else list(value)
    frame["capacity"] = np.nan if capacity is None else list(capacity)
    return frame


def _demand(model: Model, product: str, recipe: pd.DataFrame) -> pd.DataFrame:
    """Input needs of every existing buyer of ``product``: buyer node, region, annual amount."""
    nodes = model.nodes()
    use = recipe[recipe["input"] == product][["product", "amount"]]
    need = nodes.merge(use, on="product")
    need["need"] = need["output"] * need["amount"]
    return need[need["need"] > 0][["node", "region", "product", "need"]].reset_index(drop=True)


def _ipf(prior: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Iterative proportional fitting of ``prior`` to row and column totals (vectorised)."""
    m = prior.astype(np.float64).copy()
    for _ in range(5000):
        rs = m.sum(axis=1)
        m *= np.divide(rows, rs, out=np.zeros_like(rs), where=rs > 0)[:, None]
        cs = m.sum(axis=0)
        m *= np.divide(cols, cs, out=np.zeros_like(cs), where=cs > 0)[None, :]
        err = np.abs(m.sum(axis=1) - rows).max(initial=0.0)
        if err <= 1e-10 * max(rows.max(initial=0.0), 1.0):
            break
    return m


def _allocate(
    need: pd.DataFrame,
    supply: pd.DataFrame,
    china: pd.DataFrame,
    allowed: np.ndarray | None = None,
) -> pd.DataFrame:
    """Flows from ``supply`` (node, region, target) to ``need`` (node, region, need).

    Rows of buyers listed in ``china`` (region, share, source) take that China share exactly and
    the rest in proportion to non-China targets; the remaining rows are fitted (IPF) to the
    leftover column targets, starting from world shares.
    """
    targets = supply["target"].to_numpy(np.float64)
    needs = need["need"].to_numpy(np.float64)
    mask = np.ones((len(need), len(supply)), dtype=bool) if allowed is None else allowed
    share = targets / targets.sum()
    prior = mask * share[None, :]
    is_chn = (supply["region"] == "CHN").to_numpy()
    dep = need[["region"]].merge(china, on="region", how="left")
    dep_share = pd.to_numeric(dep["share"], errors="coerce").astype(np.float64)
    fixed = dep_share.notna().to_numpy() & (mask & is_chn[None, :]).any(axis=1)
    fixed &= (mask & ~is_chn[None, :]).any(axis=1)
    c_share = dep_share.fillna(0.0).to_numpy(np.float64)
    chn_w = np.where(mask & is_chn[None, :], targets[None, :], 0.0)
    oth_w = np.where(mask & ~is_chn[None, :], targets[None, :], 0.0)
    fixed_rows = (
        c_share[:, None] * chn_w / np.maximum(chn_w.sum(axis=1, keepdims=True), 1e-300)
        + (1 - c_share[:, None]) * oth_w / np.maximum(oth_w.sum(axis=1, keepdims=True), 1e-300)
    ) * needs[:, None]
    notes = np.full(len(need), "", dtype=object)
    leftover = targets - fixed_rows[fixed].sum(axis=0)
    if fixed.any() and (leftover < -1e-9 * targets.sum()).any():
        # infeasible as fixed rows: use the sourced China share as a prior only
        prior[fixed] = fixed_rows[fixed] / needs[fixed, None]
        flows = _ipf(prior, needs, targets)
        notes[fixed] = "dependence used as prior (infeasible as a fixed share)"
    else:
        flows = np.zeros_like(prior)
        flows[fixed] = fixed_rows[fixed]
        free = ~fixed
        flows[free] = _ipf(prior[free], needs[free], np.maximum(leftover, 0.0))
        assumed = dep["source"].fillna("").str.startswith("ASSUMPTION").to_numpy()
        notes[fixed & ~assumed] = "China share fixed to the sourced import share"
        notes[fixed & assumed] = "China share fixed to the assumed share"
    realised = np.divide(
        (flows * is_chn[None, :]).sum(axis=1), needs, out=np.zeros_like(needs), where=needs > 0
    )
    bi, si = np.nonzero(flows > 0)
    dep_src = dep["source"].fillna("").to_numpy()
    out = pd.DataFrame(
        {
            "supplier": supply["node"].to_numpy()[si],
            "buyer": need["node"].to_numpy()[bi],
            "annual": flows[bi, si],
            "dep_source": dep_src[bi],
            "dep_note": notes[bi],
            "dep_share": c_share[bi],
            "realised": realised[bi],
            "fixed": fixed[bi] | (notes[bi] != ""),
        }
    )
    return out


def _dependencies(src: Sources) -> dict[str, pd.DataFrame]:
    """Sourced China shares of imports, by modelled product and buyer region."""
    d = src.tables["dependencies"]

    def pick(product: str, importer: str, regions: list[str]) -> pd.DataFrame:
        row = d[(d["product"] == product) & (d["importer_iso3"] == importer)].iloc[0]
        label = f"{row['source']} (dependencies.csv: {product}, {importer})"
        return pd.DataFrame(
            {"region": regions, "share": float(row["share_from_china"]), "source": label}
        )

    eu = ["DEU", "NLD", "EUR"]
    return {
        "ndfeb_magnet": pd.concat(
            [
                pick("NdFeB permanent magnets", "USA", ["USA"]),
                pick("NdFeB permanent magnets", "EUU", eu),
                pick("NdFeB permanent magnets", "JPN", ["JPN"]),
                pick("NdFeB permanent magnets", "KOR", ["KOR"]),
                pick("permanent magnets, metal-based (HS 8505.11)", "IND", ["IND"]),
                pd.DataFrame(
                    {
                        "region": ["CHN"],
                        "share": [1.0],
                        "source": [
                            _assumption(
                                "industrial_motor_residual",
                                "China's magnet buyers take all their magnets from Chinese makers",
                            )
                        ],
                    }
                ),
            ],
            ignore_index=True,
        ),
        "ndpr_metal": pick("rare earths (imports)", "JPN", ["JPN"]),
        "dy_tb_metal": pick("rare earths (imports)", "JPN", ["JPN"]),
        "gallium": pd.concat(
            [
                pick("gallium", "KOR", ["KOR"]),
                pick("gallium", "EUU", eu),
                pick("gallium metal", "USA", ["USA"]),
            ],
            ignore_index=True,
        ),
        "germanium": pd.concat(
            [pick("germanium metal", "USA", ["USA"]), pick("germanium", "EUU", eu)],
            ignore_index=True,
        ),
        "anode_material": pick("graphite", "KOR", ["KOR"]),
        "lithium_chemical": pick("lithium", "KOR", ["KOR"]),
    }


def _stage(
    model: Model,
    src: Sources,
    recipe: pd.DataFrame,
    product: str,
    shares: pd.DataFrame,
    world: float | None,
    world_source: str,
    china: pd.DataFrame | None = None,
    closed: frozenset[str] = frozenset(),
    allowed_fn: object = None,
) -> None:
    """Add a stage whose producers hold ``shares`` of world output (see the module docstring).

    ``shares`` has columns region, share, source and optionally firm, note, capacity_share.
    ``closed`` lists firm names whose output all goes to modelled buyers (no other uses).
    """
    need = _demand(model, product, recipe)
    d_total = float(need["need"].sum())
    if world is None:
        w = d_total
    else:
        w = max(world, d_total)
        if d_total > world * (1 + 1e-9):
            model.reconcile.append(
                {
                    "location": f"products:{product}",
                    "table": "producers",
                    "column": "output",
                    "old": world / DAYS,
                    "new": d_total / DAYS,
                    "rel_change": (d_total - world) / d_total,
                    "kind": "reconcile",
                    "note": f"world output raised from the sourced total ({world_source}) to the modelled buyers' demand",
                }
            )
    sh = shares.copy()
    for col, default in (("firm", ""), ("note", "")):
        if col not in sh:
            sh[col] = default
    share = sh["share"].to_numpy(np.float64)
    share = share / share.sum()  # published shares are rounded; they must add up to one
    sh["share"] = share
    out = share * w
    open_ = ~sh["firm"].isin(closed).to_numpy()
    other = np.zeros_like(out)
    if w > d_total:
        other[open_] = (
            (w - d_total) * sh["share"].to_numpy()[open_] / sh["share"].to_numpy()[open_].sum()
        )
    src_text = sh["source"] + ("" if world is None else f"; world total: {world_source}")
    note = sh["note"].astype(str)
    prod = _producers(product, sh["region"], out, src_text, note, firm=sh["firm"])
    if "capacity" in sh:
        prod["capacity"] = sh["capacity"].to_numpy(np.float64)
    prod["other"] = other
    model.producers.append(prod.drop(columns="other"))
    nodes = node_id(prod["region"], prod["product"], prod["firm"])
    if other.sum() > 0:
        model.final.append(
            pd.DataFrame(
                {
                    "supplier": nodes[other > 0].to_numpy(),
                    "region": prod["region"][other > 0].to_numpy(),
                    "annual": other[other > 0],
                    "source": src_text[other > 0].to_numpy(),
                    "note": "other uses: world output minus modelled buyers' demand",
                }
            )
        )
    if d_total <= 0:
        return
    supply = pd.DataFrame(
        {"node": nodes.to_numpy(), "region": prod["region"].to_numpy(), "target": out - other}
    )
    keep = supply["target"].to_numpy() > 0
    supply = supply[keep].reset_index(drop=True)
    allowed = None
    if callable(allowed_fn):
        allowed = allowed_fn(need, supply)
    empty = pd.DataFrame(columns=["region", "share", "source"])
    flows = _allocate(need, supply, china if china is not None else empty, allowed)
    flows["product"] = product
    model.links.append(flows)


def _local(model: Model, recipe: pd.DataFrame, product: str, source: str, note: str) -> None:
    """A stage made in each buyer's own region, exactly for that region's buyers."""
    need = _demand(model, product, recipe)
    per_region = need.groupby("region", sort=True, as_index=False)["need"].sum()
    model.producers.append(
        _producers(product, per_region["region"], per_region["need"], source, note)
    )
    supplier = node_id(need["region"], pd.Series(product, index=need.index))
    model.links.append(
        pd.DataFrame(
            {
                "supplier": supplier.to_numpy(),
                "buyer": need["node"].to_numpy(),
                "annual": need["need"].to_numpy(),
                "product": product,
                "dep_source": "",
                "dep_note": "",
                "dep_share": 0.0,
                "realised": 0.0,
                "fixed": False,
            }
        )
    )


def _end(model: Model, product: str, frame: pd.DataFrame, note: str = "") -> None:
    """End-product producers with given annual outputs; all output is final demand in-region."""
    prod = _producers(product, frame["region"], frame["output"], frame["source"], note)
    model.producers.append(prod)
    model.final.append(
        pd.DataFrame(
            {
                "supplier": node_id(prod["region"], prod["product"]).to_numpy(),
                "region": prod["region"].to_numpy(),
                "annual": prod["output"].to_numpy(),
                "source": prod["source"].to_numpy(),
                "note": _assumption("end_demand_local"),
            }
        )
    )


def _split(total: float, weights: pd.Series) -> pd.Series:
    return total * weights / weights.sum()


def _vehicles(src: Sources) -> pd.DataFrame:
    """Vehicle and EV output per model region (annual)."""
    vo = src.tables["volumes"]
    prod = "motor vehicle production (passenger cars + commercial vehicles)"
    rows = vo[(vo["product"] == prod) & (vo["year"] == "2024")]
    world = float(rows.loc[rows["country_iso3"] == "WLD", "value"].iloc[0])
    rows = rows[rows["country_iso3"] != "WLD"]
    frame = pd.DataFrame(
        {
            "region": src.region(rows["country_iso3"]).to_numpy(),
            "vehicles": rows["value"].astype(float).to_numpy(),
        }
    )
    frame = frame[frame["region"] != "ROW"].groupby("region", as_index=False)["vehicles"].sum()
    frame = pd.concat(
        [frame, pd.DataFrame({"region": ["ROW"], "vehicles": [world - frame["vehicles"].sum()]})],
        ignore_index=True,
    )
    veh_src = f"{src.source_of('volumes', prod)} (volumes.csv: {prod}, 2024; ROW = world total minus listed countries)"
    ev_world = src.value("volumes", "electric car sales (BEV+PHEV)", "WLD", "2024")
    chn_share = float(
        src.shares("electric car production (BEV+PHEV)", "2024")
        .set_index("region")
        .loc["CHN", "share"]
    )
    europe = src.supp("ev_prod_europe")
    usa = src.supp("ev_prod_usa")
    ev = pd.Series(0.0, index=frame["region"])
    v = frame.set_index("region")["vehicles"]
    ev["CHN"] = chn_share * ev_world
    ev["USA"] = usa
    eu_regions = ["DEU", "EUR", "GBR"]
    ev[eu_regions] = _split(europe, v[eu_regions]).to_numpy()
    rest = [r for r in v.index if r not in ("CHN", "USA", *eu_regions)]
    ev[rest] = _split(ev_world - ev.sum(), v[rest]).to_numpy()
    frame["ev"] = ev.to_numpy()
    frame["ice"] = frame["vehicles"] - frame["ev"]
    frame["veh_source"] = veh_src
    ev_src = (
        f"IEA Global EV Outlook 2025 (world 17 million; China ~70%: stage_shares.csv); "
        f"{src.supp_source('ev_prod_europe')}; {src.supp_source('ev_prod_usa')}"
    )
    frame["ev_source"] = ev_src
    return frame


def build(folder: Path = SOURCES) -> dict[str, pd.DataFrame | dict[str, object]]:
    """Build every output table from the sources in ``folder`` (pure: no files written)."""
    src = Sources.read(folder)
    recipe = recipes(src)
    deps = _dependencies(src)
    model = Model()
    util = src.assume("capacity_utilisation")

    # ---- end products ----------------------------------------------------------------------
    veh = _vehicles(src)
    _end(
        model,
        "ev",
        pd.DataFrame({"region": veh["region"], "output": veh["ev"], "source": veh["ev_source"]}),
        _assumption("ev_other_regions", "regions other than CHN, USA and Europe"),
    )
    _end(
        model,
        "ice_car",
        pd.DataFrame({"region": veh["region"], "output": veh["ice"], "source": veh["veh_source"]}),
        "DERIVED: all vehicles (OICA) minus electric cars",
    )
    wind_world = src.value(
        "volumes", "wind turbines installed by OEMs (mechanical installation)", "WLD", "2024"
    )
    nac = src.shares("wind turbine nacelles, market share", "2022").set_index("region")["share"]
    onshore = src.shares("onshore nacelle assembly capacity", "2022").set_index("region")["share"]
    others = onshore.drop("CHN")
    wind_sh = pd.concat([pd.Series({"CHN": nac["CHN"]}), nac["ROW"] * others / others.sum()])
    wind_src = (
        f"{src.source_of('stage_shares', 'wind turbine nacelles, market share')} (China 60%, rest split by onshore "
        f"nacelle capacity: stage_shares.csv); world 127 GW: {src.source_of('volumes', 'wind turbines installed by OEMs (mechanical installation)')}"
    )
    _end(
        model,
        "wind_turbine",
        pd.DataFrame(
            {
                "region": wind_sh.index,
                "output": wind_sh.to_numpy() * wind_world * 1000,
                "source": wind_src,
            }
        ),
        "EU figure placed in EUR (no country split)",
    )
    _end(
        model,
        "defence_system",
        pd.DataFrame(
            {
                "region": ["USA"],
                "output": [src.supp("f35_deliveries")],
                "source": [src.supp_source("f35_deliveries")],
            }
        ),
        "F-35 deliveries stand for all combat aircraft",
    )
    # magnets: world output and the residual "industrial motors and other uses"
    magnet_chn = src.value("volumes", "NdFeB magnet production", "CHN", "2024")
    magnet_sh = src.shares("NdFeB sintered permanent magnets, production", "2024").set_index(
        "region"
    )["share"]
    magnet_world = magnet_chn / magnet_sh["CHN"]
    magnet_src = src.source_of("volumes", "NdFeB magnet production")
    rec = recipe.set_index(["product", "input"])["amount"]
    nodes = model.nodes()
    per_unit = {
        "ev": rec[("ev", "traction_motor")] * rec[("traction_motor", "ndfeb_magnet")],
        "ice_car": rec[("ice_car", "ndfeb_magnet")],
        "wind_turbine": rec[("wind_turbine", "ndfeb_magnet")],
        "defence_system": rec[("defence_system", "ndfeb_magnet")],
    }
    uses = nodes[nodes["product"].isin(list(per_unit))]
    uses = uses["output"] * uses["product"].map(per_unit)
    used = float(uses.sum())
    used_chn = float(uses[nodes.loc[uses.index, "region"] == "CHN"].sum())
    # China keeps what it does not export (E020: ~5,100 t/month); the rest of the residual goes
    # to the other regions by manufacturing value added
    magnet_chn_out = magnet_world * magnet_sh["CHN"] / magnet_sh.sum()
    exports_chn = src.supp("china_magnet_exports") * 12
    residual = magnet_world - used
    residual_chn = magnet_chn_out - used_chn - exports_chn
    if not 0 <= residual_chn <= residual:
        msg = (
            f"industrial_motor_residual: China's residual use {residual_chn:,.0f} t/yr (output "
            f"{magnet_chn_out:,.0f} - modelled uses {used_chn:,.0f} - exports {exports_chn:,.0f}) "
            f"is outside 0..world residual {residual:,.0f} t/yr"
        )
        raise ValueError(msg)
    mva = manufacturing_share(src)
    mva_w = mva[mva["use"]].groupby("region")["share"].sum()
    residual_src = (
        f"DERIVED: world NdFeB output ({magnet_src}: China 300,000 t / 0.9) minus modelled uses"
    )
    chn_src = (
        f"{residual_src}; China: its output minus its modelled uses minus its exports "
        f"({src.supp_source('china_magnet_exports')}: 5,100 t/month x 12)"
    )
    _end(
        model,
        "industrial_motor",
        pd.DataFrame(
            {
                "region": ["CHN", *mva_w.drop("CHN").index],
                "output": [
                    residual_chn,
                    *_split(residual - residual_chn, mva_w.drop("CHN")).to_numpy(),
                ],
                "source": [chn_src]
                + [
                    f"{residual_src}, minus China's part, split by manufacturing value added "
                    "(manufacturing_share.csv)"
                ]
                * (len(mva_w) - 1),
            }
        ),
        _assumption("industrial_motor_residual"),
    )
    # gallium / germanium end uses
    ss = src.tables["stage_shares"]
    ga_rows = ss[
        (ss["product"] == "primary low-purity gallium production")
        & (ss["year"] == "2024")
        & (ss["country_iso3"] != "WLD")
    ]
    ga_world = float(ga_rows["value"].astype(float).sum())
    chips_world = ga_world * src.assume("gallium_to_devices")
    use = [
        float(v)
        for v in str(
            src.tables["assumptions"].set_index("id").loc["compound_chip_use", "value"]
        ).split(";")
    ]
    telecom_total = use[0] * chips_world / rec[("telecom_equipment", "compound_chip")]
    defence_total = use[1] * chips_world / rec[("defence_electronics", "compound_chip")]
    for product, total, key in (
        ("defence_electronics", defence_total, "defence_electronics_makers"),
        ("telecom_equipment", telecom_total, "telecom_equipment_makers"),
    ):
        split = _parse_split(src, key)
        _end(
            model,
            product,
            pd.DataFrame(
                {
                    "region": split.index,
                    "output": split.to_numpy() * total,
                    "source": _assumption(key),
                }
            ),
            _assumption("compound_chip_use", "volume from the gallium use split"),
        )
    # battery cells: EVs, grid storage, other uses
    cell_chn = src.value("volumes", "lithium-ion battery production", "CHN", "2024") * 1e6
    cell_sh = src.shares("battery production", "2024").set_index("region")["share"]
    cell_world = cell_chn / cell_sh["CHN"]
    cap = src.tables["supplements"]
    cap = cap[cap["id"].str.startswith("bnef_cell_cap_")]
    cap_reg = pd.DataFrame(
        {
            "region": src.region(cap["region"]).to_numpy(),
            "gwh": cap["value"].astype(float).to_numpy(),
        }
    )
    cap_reg = cap_reg[cap_reg["region"] != "CHN"].groupby("region")["gwh"].sum()
    cell_shares = pd.concat(
        [pd.Series({"CHN": cell_sh["CHN"]}), cell_sh["ROW"] * cap_reg / cap_reg.sum()]
    ).sort_index()
    ess_ratio = 260.0 / 1170.0
    _end(
        model,
        "grid_storage",
        pd.DataFrame(
            {
                "region": cell_shares.index,
                "output": cell_shares.to_numpy() * cell_world * ess_ratio,
                "source": "DERIVED: China's storage share of cell output (MIIT via The Metalnomist: ESS 260 of 1170 GWh, volumes.csv note) x world cells",
            }
        ),
        _assumption("grid_storage_location"),
    )
    # PV modules
    mod_chn = src.value("volumes", "module production", "CHN", "2024") * 1000
    mod_sh = src.shares("module manufacturing capacity (ACTM 2024)", "2023").set_index("region")[
        "share"
    ]
    agg = src.shares("PV cell+module manufacturing capacity (aggregate)", "2023").set_index(
        "region"
    )["share"]
    agg_rest = agg.drop("CHN")
    pv_sh = pd.concat(
        [pd.Series({"CHN": mod_sh["CHN"]}), mod_sh["ROW"] * agg_rest / agg_rest.sum()]
    )
    _end(
        model,
        "pv_module",
        pd.DataFrame(
            {
                "region": pv_sh.index,
                "output": pv_sh.to_numpy() * mod_chn / mod_sh["CHN"],
                "source": f"CPIA 2024 China output 588 GW (volumes.csv) / China share 0.83 ({src.source_of('stage_shares', 'module manufacturing capacity (ACTM 2024)')}); rest split as the cell+module aggregate (stage_shares.csv)",
            }
        ),
        "DERIVED; EU figure placed in EUR",
    )
    # oil: refineries (end) with explicit crude sourcing below
    _oil(model, src)
    # equipment (final demand only)
    for product, key_m, key_s in (
        ("battery_equipment", "battery_equipment_market", "battery_equipment_makers"),
        ("ree_processing_equipment", "ree_equipment_market", "ree_equipment_makers"),
    ):
        split = _parse_split(src, key_s)
        _end(
            model,
            product,
            pd.DataFrame(
                {
                    "region": split.index,
                    "output": split.to_numpy() * src.assume(key_m),
                    "source": f"{_assumption(key_m)}; {_assumption(key_s)}",
                }
            ),
            "buyers are new plants: final demand in the maker's region (investment)",
        )

    # ---- components made next to their buyers ---------------------------------------------
    _local(
        model,
        recipe,
        "traction_motor",
        _assumption("motor_local"),
        "output = motors needed by the region's EV plants",
    )
    _local(
        model,
        recipe,
        "ecu",
        _assumption("ecu_local"),
        "output = vehicle sets needed by the region's car plants",
    )

    # ---- rare earths ------------------------------------------------------------------------
    mag = magnet_sh.drop("ROW")
    vnm = src.value(
        "volumes", "sintered NdFeB magnet capacity (Shin-Etsu, Vietnam plant)", "VNM", "2022"
    )
    mag_shares = pd.DataFrame(
        {
            "region": ["CHN", "JPN", "VNM"],
            "share": [mag["CHN"], magnet_sh["ROW"] - vnm / magnet_world, vnm / magnet_world],
            "source": [
                f"{src.source_of('stage_shares', 'NdFeB sintered permanent magnets, production')} (stage_shares.csv: NdFeB sintered permanent magnets, production, 2024)",
                _assumption("magnet_non_china_split", "residual non-China share"),
                f"{src.source_of('volumes', 'sintered NdFeB magnet capacity (Shin-Etsu, Vietnam plant)')} (capacity, full use assumed)",
            ],
        }
    )
    _stage(
        model,
        src,
        recipe,
        "ndfeb_magnet",
        mag_shares,
        magnet_world,
        f"{magnet_src}: China 300,000 t / 0.9",
        deps["ndfeb_magnet"],
    )
    # new plants with sourced capacity and no 2024 output
    ti = src.tables["timing"]
    mp = float(
        ti.loc[
            ti["item"].str.contains("MP Materials") & (ti["metric"] == "nameplate capacity"),
            "value",
        ].iloc[0]
    )
    neo = float(ti.loc[ti["item"].str.contains("Neo Performance"), "value"].iloc[0])
    model.producers.append(
        _producers(
            "ndfeb_magnet",
            ["USA", "EUR"],
            [0.0, 0.0],
            [
                "MP Materials (2022) via timing.csv (Independence plant, Fort Worth: 1,000 t/yr)",
                "Automotive World / Argus (2025) via timing.csv (Neo Performance, Narva, Estonia: 2,000 t/yr)",
            ],
            "new plant: trial output in 2025, none in the 2024 baseline",
            capacity=[mp, neo],
        )
    )
    metal_sh = src.shares("rare earth metals and alloys", "2025")
    _stage(model, src, recipe, "ndpr_metal", metal_sh, None, "", deps["ndpr_metal"])
    dy_metal = metal_sh.copy()
    dy_metal["note"] = _assumption("metal_shares_for_dytb")
    _stage(model, src, recipe, "dy_tb_metal", dy_metal, None, "", deps["dy_tb_metal"])
    _stage(
        model,
        src,
        recipe,
        "ndpr_oxide",
        src.shares("magnet rare earth elements, refined (separated) output", "2023"),
        None,
        "",
    )
    _stage(
        model,
        src,
        recipe,
        "dy_tb_oxide",
        src.shares("heavy rare earth separation (Dy, Tb)", "2023"),
        None,
        "",
    )
    ore_rows = ss[
        (ss["product"] == "rare earth mine production (REO)")
        & (ss["year"] == "2024")
        & (ss["country_iso3"] != "WLD")
    ]
    ore_world = float(ore_rows["value"].astype(float).sum())
    nodes = model.nodes()
    oxides = float(nodes.loc[nodes["product"].isin(["ndpr_oxide", "dy_tb_oxide"]), "output"].sum())
    k = ore_world / oxides
    ore_src = "USGS MCS 2026 - Rare Earths (stage_shares.csv: sum of 2024 country rows)"
    recipe = pd.concat(
        [
            recipe,
            pd.DataFrame(
                {
                    "product": ["ndpr_oxide", "dy_tb_oxide"],
                    "input": "rare_earth_ore",
                    "amount": k,
                    "substitution_group": "",
                    "source": ore_src,
                    "note": _assumption(
                        "ore_allocation",
                        f"DERIVED: {ore_world:.0f} t REO / {oxides:.0f} t of modelled oxides",
                    ),
                }
            ),
        ],
        ignore_index=True,
    )
    _stage(
        model,
        src,
        recipe,
        "rare_earth_ore",
        src.shares("rare earth mine production (REO)", "2024"),
        ore_world,
        ore_src,
    )

    # ---- gallium / germanium ----------------------------------------------------------------
    _stage(
        model,
        src,
        recipe,
        "compound_chip",
        _split_frame(src, "compound_chip_makers"),
        chips_world,
        _assumption("gallium_to_devices"),
        None,
    )
    _stage(model, src, recipe, "ge_optics", _split_frame(src, "ge_optics_makers"), None, "")
    ga_cap = src.shares("primary low-purity gallium production capacity", "2025").set_index(
        "region"
    )
    ga_cap_rows = ss[
        (ss["product"] == "primary low-purity gallium production capacity")
        & (ss["country_iso3"] != "WLD")
    ]
    ga_cap_val = (
        pd.Series(
            ga_cap_rows["value"].astype(float).to_numpy(),
            index=src.region(ga_cap_rows["country_iso3"]).to_numpy(),
        )
        .groupby(level=0)
        .sum()
    )
    ga_sh = src.shares("primary low-purity gallium production", "2024")
    ga_sh["capacity"] = ga_sh["region"].map(ga_cap_val).to_numpy()
    ga_sh["note"] = "capacity: USGS MCS 2026 (2025 capacity rows)"
    _stage(
        model,
        src,
        recipe,
        "gallium",
        ga_sh,
        ga_world,
        "USGS MCS 2026 - Gallium (sum of 2024 country rows)",
        deps["gallium"],
    )
    del ga_cap
    ge_world = src.value("stage_shares", "refined germanium production", "WLD", "2022") * 1000
    _stage(
        model,
        src,
        recipe,
        "germanium",
        src.shares("refined germanium production", "2022"),
        ge_world,
        "USGS MCS 2023 via Graphic News: ~140 t (stage_shares.csv)",
        deps["germanium"],
    )

    # ---- batteries --------------------------------------------------------------------------
    cell_frame = pd.DataFrame(
        {
            "region": cell_shares.index,
            "share": cell_shares.to_numpy(),
            "source": [
                f"{src.source_of('stage_shares', 'battery production')} (stage_shares.csv: battery production, 2024)"
                if r == "CHN"
                else f"non-China 25% split by 2022 cell capacity: {src.supp_source('bnef_cell_cap_' + ('ROW' if r == 'ROW' else 'USA' if r == 'USA' else r if r != 'EUR' else 'POL'))}"
                for r in cell_shares.index
            ],
        }
    )
    _stage(
        model,
        src,
        recipe,
        "battery_cell",
        cell_frame,
        cell_world,
        "DERIVED: MIIT China 1170 GWh (volumes.csv) / China share 0.75",
    )
    cam = src.shares("cathode active material manufacturing capacity", "2023")
    cam = pd.DataFrame(
        {
            "region": ["CHN", "JPN", "KOR"],
            "share": [float(cam.set_index("region").loc["CHN", "share"]), 0.05, 0.05],
            "source": [
                cam["source"].iloc[0],
                _assumption("cathode_split"),
                _assumption("cathode_split"),
            ],
        }
    )
    _stage(model, src, recipe, "cathode_material", cam, None, "")
    _stage(
        model,
        src,
        recipe,
        "anode_material",
        src.shares("anode active material manufacturing capacity", "2023"),
        None,
        "",
        deps["anode_material"],
    )
    li = src.shares("lithium chemicals (refined lithium)", "2024").set_index("region")
    chl = src.assume("li_chem_chile")
    li_sh = pd.DataFrame(
        {
            "region": ["CHL", "CHN", "ROW"],
            "share": [chl, float(li.loc["CHN", "share"]), float(li.loc["ROW", "share"]) - chl],
            "source": [_assumption("li_chem_chile"), li["source"].iloc[0], li["source"].iloc[0]],
        }
    )
    _stage(model, src, recipe, "lithium_chemical", li_sh, None, "", deps["lithium_chemical"])
    co = src.shares("refined cobalt", "2024").set_index("region")
    early = src.shares("refined cobalt (earlier estimate)", "2022").set_index("region")["share"]
    non = early.drop("CHN")
    co_sh = pd.DataFrame(
        {
            "region": ["CHN", *non.index],
            "share": [
                float(co.loc["CHN", "share"]),
                *(float(co.loc["ROW", "share"]) * non / non.sum()),
            ],
            "source": [co["source"].iloc[0]] + [_assumption("cobalt_refiners")] * len(non),
        }
    )
    _stage(model, src, recipe, "refined_cobalt", co_sh, None, "")
    _stage(
        model,
        src,
        recipe,
        "manganese_sulphate",
        src.shares("high-purity manganese sulphate monohydrate (HPMSM)", "2022"),
        None,
        "",
    )
    for product, name, scale in (
        ("natural_graphite", "natural graphite mine production", 1.0),
        ("lithium_ore", "lithium mine production", 1.0),
        ("cobalt_ore", "cobalt mine production", 1.0),
        ("nickel_ore", "nickel mine production", 1.0),
        ("manganese_ore", "manganese mine production (Mn content)", 1.0),
    ):
        rows = ss[
            (ss["product"] == name)
            & (ss["year"] == "2024")
            & (ss["country_iso3"] != "WLD")
            & (ss["value"] != "")
        ]
        total = float(rows["value"].astype(float).sum()) * scale
        _stage(
            model,
            src,
            recipe,
            product,
            src.shares(name, "2024"),
            total,
            f"{rows['source'].iloc[0]} (sum of 2024 country rows)",
        )

    # ---- solar PV ---------------------------------------------------------------------------
    cell_pv = src.shares("PV cell+module manufacturing capacity (aggregate)", "2023")
    cell_pv_world = (
        src.value("volumes", "cell production", "CHN", "2024")
        * 1000
        / float(cell_pv.set_index("region").loc["CHN", "share"])
    )
    _stage(
        model,
        src,
        recipe,
        "pv_cell",
        cell_pv,
        cell_pv_world,
        "CPIA China 654 GW (volumes.csv) / China share 0.80",
    )
    wsh = src.shares("wafer manufacturing capacity (ACTM 2024)", "2023")
    wafer_world = (
        src.value("volumes", "wafer production", "CHN", "2024")
        * 1000
        / float(wsh.set_index("region").loc["CHN", "share"])
    )
    _stage(
        model,
        src,
        recipe,
        "pv_wafer",
        wsh,
        wafer_world,
        "CPIA China 753 GW (volumes.csv) / China share 0.95",
    )
    psh = src.shares("polysilicon manufacturing capacity (ACTM 2024)", "2023")
    poly_world = src.value("volumes", "polysilicon production", "CHN", "2024") / float(
        psh.set_index("region").loc["CHN", "share"]
    )
    _stage(
        model,
        src,
        recipe,
        "polysilicon",
        psh,
        poly_world,
        "CPIA China 1.82 Mt (volumes.csv) / China share 0.96",
    )

    # ---- mature chips -----------------------------------------------------------------------
    recipe = _chips(model, src, recipe, util)

    # ---- the other side's levers ------------------------------------------------------------
    recipe = _levers(model, src, recipe)

    return _assemble(model, src, recipe, util, mva)


def _parse_split(src: Sources, key: str) -> pd.Series:
    """``'CHN 0.7; KOR 0.12'`` in assumptions.csv -> Series by region."""
    a = src.tables["assumptions"].set_index("id")
    parts = [p.split() for p in str(a.loc[key, "value"]).split(";")]
    return pd.Series({r: float(v) for r, v in parts}).sort_index()


def _split_frame(src: Sources, key: str) -> pd.DataFrame:
    """Producer shares taken from a labelled assumption (the reasoning is in assumptions.csv)."""
    s = _parse_split(src, key)
    return pd.DataFrame({"region": s.index, "share": s.to_numpy(), "source": _assumption(key)})


def _oil(model: Model, src: Sources) -> None:
    """Crude oil and refineries: bilateral crude flows as sourced (mb/d -> barrels per year)."""
    cl = src.tables["counter_levers"]
    cl = cl[cl["lever"] == "energy_dependence"]
    vo = src.tables["volumes"]
    bbl = 1e6 * DAYS
    cl_src = "China customs via Reuters / econovis (counter_levers.csv: energy_dependence)"
    chn_imports = float(
        cl.loc[(cl["metric"] == "imports") & (cl["country_iso3"] == "WLD"), "value"].iloc[0]
    )
    imp_share = float(cl.loc[cl["metric"] == "import_share_of_consumption", "value"].iloc[0])
    from_ = cl[cl["metric"] == "imports_from"].set_index("country_iso3")["value"].astype(float)
    bbl_per_t = 7.33
    chn_from = (from_ * 1e6 * bbl_per_t / 366.0 / 1e6).to_dict()  # Mt/yr -> mb/d (2024: 366 days)
    chn_dom = chn_imports * (1 - imp_share) / imp_share

    def vol(product: str, iso: str, year: str) -> float:
        r = vo[(vo["product"] == product) & (vo["country_iso3"] == iso) & (vo["year"] == year)]
        return float(r["value"].iloc[0])

    ind = vol("crude oil imports (single month, Jan)", "IND", "2024")
    ind_rus = 1.6
    flows = [
        (
            "CHN",
            "CHN",
            chn_dom,
            f"DERIVED: imports 11.1 mb/d x (1 - 0.7) / 0.7; {cl_src} and MIIT via Sputnik Brasil (import share 70%)",
        ),
        ("RUS", "CHN", chn_from["RUS"], f"{cl_src}: 108.5 Mt x 7.33 bbl/t / 366 d"),
        ("SAU", "CHN", chn_from["SAU"], f"{cl_src}: 78.64 Mt x 7.33 bbl/t / 366 d"),
        (
            "MYS",
            "CHN",
            chn_from["MYS"],
            f"{cl_src}: 70.38 Mt x 7.33 bbl/t / 366 d (largely trans-shipped Iranian crude)",
        ),
        (
            "ROW",
            "CHN",
            chn_imports - sum(chn_from.values()),
            f"DERIVED: China imports 11.1 mb/d minus Russia, Saudi Arabia and Malaysia ({cl_src})",
        ),
        (
            "RUS",
            "IND",
            ind_rus,
            "Reuters/LSEG via MarketNews (volumes.csv note: Russia ~1.6 mb/d in H1 2024)",
        ),
        (
            "ROW",
            "IND",
            ind - ind_rus,
            f"Vortexa via The Hitavada, Jan 2024 monthly imports 4.91 mb/d (volumes.csv) minus Russia; {_assumption('oil_import_partners')}",
        ),
        (
            "ROW",
            "JPN",
            vol("crude oil imports (single month, May)", "JPN", "2024"),
            f"Reuters/LSEG via MarketNews, May 2024 (volumes.csv); {_assumption('oil_import_partners')}",
        ),
        (
            "ROW",
            "KOR",
            vol("crude oil imports (single month, May)", "KOR", "2024"),
            f"Reuters/LSEG via MarketNews, May 2024 (volumes.csv); {_assumption('oil_import_partners')}",
        ),
        (
            "ROW",
            "USA",
            vol("crude oil imports", "USA", "2021"),
            f"US EIA FAQ, 2021 (volumes.csv); {_assumption('oil_import_partners')}",
        ),
        (
            "USA",
            "USA",
            src.supp("us_refinery_input") - vol("crude oil imports", "USA", "2021"),
            f"DERIVED: refinery input 15.3 mb/d ({src.supp_source('us_refinery_input')}) minus imports 6.11",
        ),
        (
            "ROW",
            "EUR",
            vol("seaborne crude oil imports", "EUU", "2024"),
            f"Banchero Costa via Hellenic Shipping News (volumes.csv); {_assumption('oil_eu_at_eur')}",
        ),
    ]
    f = pd.DataFrame(flows, columns=["from", "to", "mbd", "source"])
    f["annual"] = f["mbd"] * bbl
    refin = f.groupby("to", sort=True, as_index=False).agg(annual=("annual", "sum"))
    _end(
        model,
        "transport_fuel",
        pd.DataFrame(
            {
                "region": refin["to"],
                "output": refin["annual"],
                "source": "DERIVED: sum of the refinery's sourced crude supplies (links.csv)",
            }
        ),
        _assumption("refinery_yield"),
    )
    crude = f.groupby("from", sort=True, as_index=False).agg(annual=("annual", "sum"))
    usa_prod = src.supp("us_crude_production") * bbl
    out = crude.set_index("from")["annual"]
    out["USA"] = usa_prod
    csrc = pd.Series(
        "DERIVED: sum of its sourced deliveries to the modelled importers (links.csv)",
        index=out.index,
    )
    csrc["USA"] = src.supp_source("us_crude_production")
    csrc["CHN"] = flows[0][3]
    model.producers.append(
        _producers(
            "crude_oil",
            out.index,
            out.to_numpy(),
            csrc.to_numpy(),
            "exporters' output outside the modelled importers is not modelled",
        )
    )
    exports = usa_prod - float(f.loc[(f["from"] == "USA"), "annual"].sum())
    model.final.append(
        pd.DataFrame(
            {
                "supplier": ["USA/crude_oil"],
                "region": ["USA"],
                "annual": [exports],
                "source": [
                    f"DERIVED: US production {src.supp_source('us_crude_production')} minus US refinery use of US crude"
                ],
                "note": ["crude exports and stock change"],
            }
        )
    )
    model.links.append(
        pd.DataFrame(
            {
                "supplier": (f["from"] + "/crude_oil").to_numpy(),
                "buyer": (f["to"] + "/transport_fuel").to_numpy(),
                "annual": f["annual"].to_numpy(),
                "product": "crude_oil",
                "dep_source": f["source"].to_numpy(),
                "dep_note": "sourced bilateral crude flow",
                "dep_share": 0.0,
                "realised": 0.0,
                "fixed": True,
            }
        )
    )


def _chips(model: Model, src: Sources, recipe: pd.DataFrame, util: float) -> pd.DataFrame:
    """Mature-node chips: packagers (with Nexperia's plants) and wafer fabs."""
    units = src.supp("nexperia_units") * 1e9 / 1000  # thousand devices
    ham = src.supp("nexperia_hamburg_wpm") * 12
    man = src.supp("nexperia_manchester_wpm") * 12
    per_thousand = (ham + man) / units  # wafers per thousand devices
    recipe = recipe.copy()
    sel = (recipe["product"] == "packaged_chip") & (recipe["input"] == "mature_chip_wafer")
    recipe.loc[sel, "amount"] = per_thousand
    recipe.loc[sel, "source"] = (
        f"{src.supp_source('nexperia_units')}; {src.supp_source('nexperia_hamburg_wpm')}"
    )
    recipe.loc[sel, "note"] = (
        f"DERIVED: ({src.supp('nexperia_hamburg_wpm'):.0f} + {src.supp('nexperia_manchester_wpm'):.0f}) wafers/month x 12 / 110 billion devices; "
        + _assumption("devices_per_wafer")
    )
    world = units / src.supp("nexperia_world_share")
    chn = src.supp("nexperia_china_share")
    rest = (1 - chn) / 2
    atp = pd.Series(
        {"TWN": src.supp("atp_twn"), "MYS": src.supp("atp_mys"), "CHN": src.supp("atp_chn")}
    )
    atp["ROW"] = 1 - atp.sum()
    agg_share = atp * (world - units) / world
    nex_share = pd.Series({"CHN": chn, "MYS": rest, "PHL": rest}) * units / world
    nex_src = f"{src.supp_source('nexperia_units')}; {src.supp_source('nexperia_china_share')}"
    pk = pd.DataFrame(
        {
            "region": list(agg_share.index) + list(nex_share.index),
            "firm": [""] * len(agg_share) + ["nexperia"] * len(nex_share),
            "share": list(agg_share.to_numpy()) + list(nex_share.to_numpy()),
            "source": [
                f"{src.supp_source('atp_' + r.lower())}; world = Nexperia / {src.supp('nexperia_world_share'):g} ({src.supp_source('nexperia_world_share')})"
                if r != "ROW"
                else "DERIVED: residual of the sourced assembly-and-test shares"
                for r in agg_share.index
            ]
            + [nex_src] * len(nex_share),
            "note": [_assumption("packaging_shares")] * len(agg_share)
            + [
                "Nexperia back-end plant (Dongguan)",
                _assumption("packaging_shares", "Seremban"),
                _assumption("packaging_shares", "Cabuyao"),
            ],
        }
    )
    _stage(
        model,
        src,
        recipe,
        "packaged_chip",
        pk,
        world,
        "DERIVED: Nexperia 110 billion / 0.25 share of world basic chips",
    )
    # wafers
    semi = src.tables["volumes"]
    semi = (
        semi[(semi["product"] == "wafer fab capacity (all nodes)") & (semi["year"] == "2024")]
        .set_index("country_iso3")["value"]
        .astype(float)
    )
    world_w = float(semi["WLD"]) * 1e6 * 12
    non = semi.drop(["WLD", "CHN"])
    non["ROW"] = float(semi["WLD"]) - float(semi.drop("WLD").sum())
    mature_chn = src.shares("mature-node (>=28 nm) foundry capacity", "2023").set_index("region")[
        "share"
    ]["CHN"]
    sh = (1 - mature_chn) * non / non.sum()
    eu = float(sh["EUU"]) - (ham + man) / world_w
    sh = sh.drop("EUU")
    sh["DEU"] = eu / 2
    sh["EUR"] = eu / 2
    sh["CHN"] = mature_chn
    sh = sh.sort_index()
    semi_src = f"{src.source_of('volumes', 'wafer fab capacity (all nodes)')} (volumes.csv, 2024)"
    wf = pd.DataFrame(
        {
            "region": [*list(sh.index), "DEU", "GBR"],
            "firm": [""] * len(sh) + ["nexperia", "nexperia"],
            "share": [*list(sh.to_numpy()), ham / world_w, man / world_w],
            "source": [
                f"{src.source_of('stage_shares', 'mature-node (>=28 nm) foundry capacity')} (stage_shares.csv: mature-node foundry capacity, 2023)"
                if r == "CHN"
                else f"non-China 69% split by 2024 all-node capacity: {semi_src}"
                for r in sh.index
            ]
            + [src.supp_source("nexperia_hamburg_wpm"), src.supp_source("nexperia_manchester_wpm")],
            "note": [_assumption("mature_wafer_pool")] * len(sh)
            + ["Nexperia front-end fab (Hamburg)", "Nexperia front-end fab (Manchester)"],
            "capacity": [np.nan] * len(sh) + [ham, man],
        }
    )

    def allowed(need: pd.DataFrame, supply: pd.DataFrame) -> np.ndarray:
        buyer_nex = need["node"].str.endswith("/nexperia").to_numpy()
        supp_nex = supply["node"].str.endswith("/nexperia").to_numpy()
        return np.asarray(buyer_nex[:, None] == supp_nex[None, :])

    _stage(
        model,
        src,
        recipe,
        "mature_chip_wafer",
        wf,
        world_w,
        f"{semi_src}: 31.5 million wafers/month x 12",
        closed=frozenset({"nexperia"}),
        allowed_fn=allowed,
    )
    del util
    return recipe


# --------------------------------------------------------------------------------------------
# The other side's levers: chips, tools, design software, engines, ethane, soybeans


def _lever_row(src: Sources, lever: str, metric: str, iso: str, year: str, product: str) -> float:
    cl = src.tables["counter_levers"]
    rows = cl[
        (cl["lever"] == lever)
        & (cl["metric"] == metric)
        & (cl["country_iso3"] == iso)
        & (cl["year"] == year)
        & (cl["product"] == product)
    ]
    if len(rows) != 1:
        msg = f"expected one counter_levers row for {lever} {metric} {iso} {year}, got {len(rows)}"
        raise KeyError(msg)
    return float(rows["value"].iloc[0])


def _lever_source(src: Sources, lever: str, product: str | None = None) -> str:
    cl = src.tables["counter_levers"]
    rows = cl[(cl["lever"] == lever) & ((cl["product"] == product) if product else True)]
    return f"{rows['source'].iloc[0]} (counter_levers.csv: {lever})"


def _flows(model: Model, product: str, rows: list[tuple[str, str, float, str]]) -> None:
    """Explicit annual flows (supplier node, buyer node, amount, source) of ``product``."""
    f = pd.DataFrame(rows, columns=["supplier", "buyer", "annual", "source"])
    f = f[f["annual"] > 0]
    model.links.append(
        pd.DataFrame(
            {
                "supplier": f["supplier"].to_numpy(),
                "buyer": f["buyer"].to_numpy(),
                "annual": f["annual"].to_numpy(),
                "product": product,
                "dep_source": f["source"].to_numpy(),
                "dep_note": "",
                "dep_share": 0.0,
                "realised": 0.0,
                "fixed": False,
            }
        )
    )


def _final(model: Model, rows: list[tuple[str, str, float, str, str]]) -> None:
    """Final-demand rows (supplier node, region, annual, source, note)."""
    f = pd.DataFrame(rows, columns=["supplier", "region", "annual", "source", "note"])
    model.final.append(f[f["annual"] > 0].reset_index(drop=True))


def _levers(model: Model, src: Sources, recipe: pd.DataFrame) -> pd.DataFrame:
    """Advanced chips, tools (SME), design software, C919 engines, ethane and soybeans.

    Each chain is built from the counter-lever figures (``counter_levers.csv``) with explicit
    bilateral flows; what the sources do not give is a labelled assumption (``assumptions.csv``).
    """
    a = src.assume
    split = _parse_split
    # ---- recipes ---------------------------------------------------------------------------
    new = [
        (
            "ai_compute",
            "ai_accelerator",
            1.0,
            _assumption("ai_accelerator_buyers"),
            "one accelerator per installed accelerator",
        ),
        (
            "ai_accelerator",
            "advanced_wafer",
            a("wafers_per_accelerator"),
            _assumption("wafers_per_accelerator"),
            "",
        ),
        (
            "ai_accelerator",
            "eda_software",
            a("eda_per_accelerator"),
            _assumption("eda_per_accelerator"),
            "",
        ),
        (
            "advanced_wafer",
            "sme",
            a("sme_per_advanced_wafer"),
            _assumption("sme_per_advanced_wafer"),
            "tools written off, spares and service",
        ),
        (
            "airliner",
            "aircraft_engine",
            a("engines_per_aircraft"),
            _assumption("engines_per_aircraft"),
            "",
        ),
        ("ethylene", "ethane", a("ethane_per_ethylene"), _assumption("ethane_per_ethylene"), ""),
        (
            "soy_crush",
            "soybeans",
            1.0,
            "Chokepoint product definition (crush counted in t of soybeans)",
            "one t of soybeans per t crushed",
        ),
    ]
    extra = pd.DataFrame(new, columns=["product", "input", "amount", "source", "note"])
    extra.insert(3, "substitution_group", "")
    recipe = pd.concat([recipe, extra], ignore_index=True)

    # ---- AI accelerators and advanced wafers ---------------------------------------------
    gpu_src = _lever_source(src, "advanced_chip_supply", "AI accelerators (data-centre GPUs)")
    fab_src = _lever_source(src, "advanced_chip_supply", "chip production <10nm")
    world_gpu = 3.76e6  # counter_levers note: 3.76 m data-centre GPUs shipped in 2023
    us_gpu = world_gpu  # Nvidia 0.98 and the rest (AMD, Intel) are US designs too
    chn_gpu = a("chn_ai_accelerators")
    buyers = split(src, "ai_accelerator_buyers")
    compute = buyers * us_gpu
    compute["CHN"] = compute.get("CHN", 0.0) + chn_gpu
    _end(
        model,
        "ai_compute",
        pd.DataFrame(
            {
                "region": compute.index,
                "output": compute.to_numpy(),
                "source": f"{gpu_src}: 3.76 million data-centre GPUs (2023); {_assumption('ai_accelerator_buyers')}; China adds {_assumption('chn_ai_accelerators')}",
            }
        ),
        "installed accelerators per year",
    )
    model.producers.append(
        _producers(
            "ai_accelerator",
            ["USA", "CHN"],
            [us_gpu, chn_gpu],
            [
                f"{gpu_src}: 3.76 million data-centre GPUs in 2023, Nvidia 98% (US designers)",
                _assumption("chn_ai_accelerators"),
            ],
            ["designed in the USA, wafers from TSMC/Samsung", "made on Chinese <10 nm wafers only"],
        )
    )
    _flows(
        model,
        "ai_accelerator",
        [
            (
                "USA/ai_accelerator",
                f"{r}/ai_compute",
                float(buyers[r] * us_gpu),
                _assumption("ai_accelerator_buyers"),
            )
            for r in buyers.index
        ]
        + [("CHN/ai_accelerator", "CHN/ai_compute", chn_gpu, _assumption("chn_ai_accelerators"))],
    )
    wpa = a("wafers_per_accelerator")
    world_w = a("advanced_wafer_world")
    sh = pd.Series(
        {
            r: _lever_row(
                src, "advanced_chip_supply", "capacity_share", r, "2022", "chip production <10nm"
            )
            for r in ("KOR", "TWN")
        }
    )
    chn_sh = a("chn_advanced_wafer_share")
    wafer = sh / sh.sum() * (1 - chn_sh) * world_w
    wafer["CHN"] = chn_sh * world_w
    wafer = wafer.sort_index()
    wsrc = (
        f"{_assumption('advanced_wafer_world')}; split TWN 0.69, KOR 0.31 of <10 nm (2022): {fab_src}; "
        f"{_assumption('chn_advanced_wafer_share')}"
    )
    model.producers.append(
        _producers(
            "advanced_wafer",
            wafer.index,
            wafer.to_numpy(),
            wsrc,
            "other uses (phone and PC processors) are final demand at the fab",
        )
    )
    us_need = us_gpu * wpa
    tw_kr = wafer.drop("CHN")
    _flows(
        model,
        "advanced_wafer",
        [
            (
                f"{r}/advanced_wafer",
                "USA/ai_accelerator",
                float(us_need * tw_kr[r] / tw_kr.sum()),
                f"{fab_src} (foundry split as the <10 nm shares)",
            )
            for r in tw_kr.index
        ]
        + [
            (
                "CHN/advanced_wafer",
                "CHN/ai_accelerator",
                chn_gpu * wpa,
                _assumption("chn_ai_accelerators"),
            )
        ],
    )
    used = pd.Series(us_need * tw_kr / tw_kr.sum())
    used["CHN"] = chn_gpu * wpa
    rest = wafer - used.reindex(wafer.index, fill_value=0.0)
    _final(
        model,
        [
            (
                f"{r}/advanced_wafer",
                r,
                float(rest[r]),
                wsrc,
                "other uses: phone and PC processors and other advanced logic",
            )
            for r in rest.index
        ],
    )

    # ---- chip-design software --------------------------------------------------------------
    eda_src = _lever_source(src, "eda_export_control")
    epa = a("eda_per_accelerator")
    chn_dom = a("chn_eda_domestic")
    eda_buyers = [("USA/ai_accelerator", us_gpu * epa), ("CHN/ai_accelerator", chn_gpu * epa)]
    usa_eda = us_gpu * epa + chn_gpu * epa * (1 - chn_dom)
    model.producers.append(
        _producers(
            "eda_software",
            ["USA", "CHN"],
            [usa_eda, chn_gpu * epa * chn_dom],
            [
                f"{eda_src}: US vendors over 95% of China's EDA market; {_assumption('eda_per_accelerator')}",
                _assumption("chn_eda_domestic"),
            ],
            "output = licences used by the modelled designers",
        )
    )
    _flows(
        model,
        "eda_software",
        [
            ("USA/eda_software", eda_buyers[0][0], eda_buyers[0][1], eda_src),
            (
                "USA/eda_software",
                eda_buyers[1][0],
                eda_buyers[1][1] * (1 - chn_dom),
                f"{eda_src}: share 0.95",
            ),
            (
                "CHN/eda_software",
                eda_buyers[1][0],
                eda_buyers[1][1] * chn_dom,
                _assumption("chn_eda_domestic"),
            ),
        ],
    )

    # ---- semiconductor manufacturing equipment ---------------------------------------------
    sme_src = _lever_source(src, "sme_export_control")
    pname = "semiconductor manufacturing equipment"
    world = _lever_row(src, "sme_export_control", "market_size", "WLD", "2022", pname) * 1e3
    chn_buy = (
        _lever_row(src, "sme_export_control", "share_of_world_purchases", "CHN", "2023", pname)
        * world
    )
    chn_self = _lever_row(
        src, "sme_export_control", "domestic_self_sufficiency", "CHN", "2024", pname
    )
    makers = split(src, "sme_makers")
    out = makers * (world - chn_self * chn_buy)
    out["CHN"] = chn_self * chn_buy
    out = out.sort_index()
    model.producers.append(
        _producers(
            "sme",
            out.index,
            out.to_numpy(),
            [
                f"{sme_src}: world 107.6 USD bn (2022), China buys 0.33 (2023) and makes 0.35 of its purchases (2024)"
                + ("" if r == "CHN" else f"; {_assumption('sme_makers')}")
                for r in out.index
            ],
            "",
        )
    )
    need = wafer * a("sme_per_advanced_wafer")  # N_r: tools used up by each region's fabs
    n_chn = float(need["CHN"])
    n_foreign = float(need.drop("CHN").sum())
    foreign = makers / makers.sum()
    imports = chn_buy * (1 - chn_self)
    rows: list[tuple[str, str, float, str]] = [
        ("CHN/sme", "CHN/advanced_wafer", chn_self * n_chn, f"{sme_src}: self-sufficiency 0.35"),
    ]
    use_src = f"{_assumption('sme_per_advanced_wafer')}; maker split {_assumption('sme_makers')}"
    finals: list[tuple[str, str, float, str, str]] = [
        (
            "CHN/sme",
            "CHN",
            chn_self * (chn_buy - n_chn),
            sme_src,
            "China's fab investment from Chinese makers",
        ),
    ]
    for r in foreign.index:
        w = float(foreign[r])
        rows.append((f"{r}/sme", "CHN/advanced_wafer", w * (1 - chn_self) * n_chn, use_src))
        rows += [
            (f"{r}/sme", f"{f}/advanced_wafer", w * float(need[f]), use_src)
            for f in need.index
            if f != "CHN"
        ]
        finals.append(
            (
                f"{r}/sme",
                "CHN",
                w * (imports - (1 - chn_self) * n_chn),
                sme_src,
                "China's fab investment (imports)",
            )
        )
        finals.append(
            (
                f"{r}/sme",
                r,
                float(out[r]) - w * imports - w * n_foreign,
                _assumption("sme_other_buyers"),
                "fab investment outside China",
            )
        )
    _flows(model, "sme", rows)
    _final(model, finals)

    # ---- C919 engines ----------------------------------------------------------------------
    aero_src = _lever_source(src, "aero_export_control")
    rate = a("c919_rate")
    _end(
        model,
        "airliner",
        pd.DataFrame(
            {
                "region": ["CHN"],
                "output": [rate],
                "source": [f"{_assumption('c919_rate')}; fleet 18 on 28 May 2025: {aero_src}"],
            }
        ),
    )
    engines = rate * a("engines_per_aircraft")
    model.producers.append(
        _producers(
            "aircraft_engine",
            ["USA"],
            [engines],
            f"{aero_src}: CFM LEAP-1C sole C919 engine (share 1.0)",
            "CFM = GE (USA) and Safran (FRA); output = C919 needs only",
        )
    )
    _flows(model, "aircraft_engine", [("USA/aircraft_engine", "CHN/airliner", engines, aero_src)])

    # ---- ethane ----------------------------------------------------------------------------
    eth_src = _lever_source(src, "energy_export_control")
    chn_share_imp = _lever_row(
        src, "energy_export_control", "import_share_of_consumption", "CHN", "2024", "ethane"
    )
    us_share = _lever_row(
        src, "energy_export_control", "share_of_china_imports", "USA", "2024", "ethane"
    )
    us_half = _lever_row(
        src, "energy_export_control", "share_of_us_exports_to_china", "USA", "2024", "ethane"
    )
    consumption = 6.8e6  # counter_levers note: China consumption 6.8 Mt in 2024
    imp = chn_share_imp * consumption
    eth = {"CHN": consumption - imp, "USA": imp * us_share / us_half, "ROW": imp * (1 - us_share)}
    model.producers.append(
        _producers(
            "ethane",
            list(eth),
            list(eth.values()),
            [
                f"DERIVED: China consumption 6.8 Mt x (1 - import share 0.81): {eth_src}",
                f"DERIVED: China imports 0.81 x 6.8 Mt x US share 0.98, / 0.5 (China about half of US exports): {eth_src}",
                f"DERIVED: China imports x (1 - US share 0.98): {eth_src}",
            ],
            [
                "",
                "US exporters only (domestic cracker use not modelled); US-side data give 492 kb/d to China, about twice the China-side tonnage used here",
                "",
            ],
        )
    )
    _end(
        model,
        "ethylene",
        pd.DataFrame(
            {
                "region": ["CHN"],
                "output": [consumption / a("ethane_per_ethylene")],
                "source": [
                    f"DERIVED: ethane consumption 6.8 Mt ({eth_src}) / {_assumption('ethane_per_ethylene')}"
                ],
            }
        ),
    )
    _flows(
        model,
        "ethane",
        [
            ("CHN/ethane", "CHN/ethylene", eth["CHN"], eth_src),
            ("USA/ethane", "CHN/ethylene", imp * us_share, eth_src),
            ("ROW/ethane", "CHN/ethylene", eth["ROW"], eth_src),
        ],
    )
    _final(
        model,
        [
            (
                "USA/ethane",
                "ROW",
                eth["USA"] - imp * us_share,
                _assumption("us_ethane_other_exports"),
                "US ethane exports to other countries",
            )
        ],
    )

    # ---- soybeans --------------------------------------------------------------------------
    soy_src = _lever_source(src, "agri_purchase_boycott")
    total = _lever_row(src, "agri_purchase_boycott", "imports", "WLD", "2024", "soybeans") * 1e6
    from_us = (
        _lever_row(src, "agri_purchase_boycott", "imports_from", "USA", "2024", "soybeans") * 1e6
    )
    from_br = (
        _lever_row(src, "agri_purchase_boycott", "imports_from", "BRA", "2024", "soybeans") * 1e6
    )
    soy = {"BRA": from_br, "ROW": total - from_us - from_br, "USA": 2 * from_us}
    model.producers.append(
        _producers(
            "soybeans",
            list(soy),
            list(soy.values()),
            [
                f"{soy_src}: China imports from Brazil 74.65 Mt (2024)",
                f"DERIVED: China imports 105.03 Mt minus USA and Brazil: {soy_src}",
                f"{soy_src}: China imports from USA 22.13 Mt; {_assumption('us_soybeans_other_uses')}",
            ],
            "exporters' sales to China (US: and the same again to others); domestic crush not modelled",
        )
    )
    _end(
        model,
        "soy_crush",
        pd.DataFrame(
            {
                "region": ["CHN"],
                "output": [total],
                "source": [f"China soybean imports 105.03 Mt (2024): {soy_src}"],
            }
        ),
        "China's crush of imported beans; domestic beans not modelled",
    )
    _flows(
        model,
        "soybeans",
        [
            (f"{r}/soybeans", "CHN/soy_crush", from_us if r == "USA" else v, soy_src)
            for r, v in soy.items()
        ],
    )
    _final(
        model,
        [
            (
                "USA/soybeans",
                "ROW",
                from_us,
                _assumption("us_soybeans_other_uses"),
                "US soybean exports to other countries",
            )
        ],
    )
    return recipe


# --------------------------------------------------------------------------------------------
# Side table and assembly


def manufacturing_share(src: Sources) -> pd.DataFrame:
    """Each country's share of world manufacturing value added (side table of the dataset)."""
    ss = src.tables["stage_shares"]
    rows = ss[ss["product"] == "manufacturing value added (current USD)"].copy()
    out = pd.DataFrame(
        {
            "country_iso3": rows["country_iso3"].to_numpy(),
            "region": src.region(rows["country_iso3"]).to_numpy(),
            "year": rows["year"].astype(int).to_numpy(),
            "mva_usd_bn": pd.to_numeric(rows["value"], errors="coerce").to_numpy(),
            "share": pd.to_numeric(rows["share"], errors="coerce").to_numpy(),
            "source": rows["source"].to_numpy(),
            "note": rows["note"].to_numpy(),
        }
    )
    out["use"] = out["share"].notna()
    return out.reset_index(drop=True)


def _lead_times(
    src: Sources, supplier_region: pd.Series, buyer_region: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    a = supplier_region.map(AREAS).to_numpy()
    b = buyer_region.map(AREAS).to_numpy()
    same = supplier_region.to_numpy() == buyer_region.to_numpy()
    area = (a == b) & (a != "world")
    days = np.where(
        same,
        src.assume("lead_same_region"),
        np.where(area, src.assume("lead_same_area"), src.assume("lead_far")),
    )
    label = np.where(same, "lead_same_region", np.where(area, "lead_same_area", "lead_far"))
    return days.astype(np.int64), label


def _assemble(
    model: Model, src: Sources, recipe: pd.DataFrame, util: float, mva: pd.DataFrame
) -> dict[str, pd.DataFrame | dict[str, object]]:
    prod = pd.concat(model.producers, ignore_index=True)
    prod["output"] = prod["output"] / DAYS
    sourced_cap = prod["capacity"].notna()
    prod["capacity"] = np.where(sourced_cap, prod["capacity"] / DAYS, prod["output"] / util)
    prod["capacity"] = np.maximum(prod["capacity"], prod["output"])
    prod["note"] = np.where(
        sourced_cap,
        prod["note"],
        (prod["note"].astype(str) + "; capacity: ASSUMPTION capacity_utilisation").str.lstrip("; "),
    )
    prod["owner_region"] = np.where(prod["firm"] == "nexperia", "NLD", "")
    prod["note"] = np.where(
        prod["firm"] == "nexperia",
        prod["note"]
        + "; owner: Nexperia B.V. (Nijmegen, NLD; parent Wingtech, CHN, until the Dutch state took control in Sep 2025)",
        prod["note"],
    )
    producers = prod[
        ["region", "product", "firm", "owner_region", "capacity", "output", "source", "note"]
    ]
    producers = producers.sort_values(["product", "region", "firm"], kind="stable").reset_index(
        drop=True
    )

    lk = pd.concat(model.links, ignore_index=True)
    lk["flow"] = lk["annual"] / DAYS
    sreg = lk["supplier"].str.split("/").str[0]
    breg = lk["buyer"].str.split("/").str[0]
    days, label = _lead_times(src, sreg, breg)
    lk["lead_time_days"] = days
    share_txt = np.where(
        lk["fixed"] & (lk["dep_source"] != "") & (lk["product"] != "crude_oil"),
        "; China share "
        + lk["dep_share"].map(lambda v: f"{v:.3f}")
        + np.where(lk["dep_source"].str.startswith("ASSUMPTION"), " assumed, ", " sourced, ")
        + lk["realised"].map(lambda v: f"{v:.3f}")
        + " realised ("
        + lk["dep_note"]
        + ")",
        "",
    )
    lk["source"] = np.where(
        lk["product"] == "crude_oil",
        lk["dep_source"],
        np.where(
            lk["dep_source"] != "",
            lk["dep_source"],
            "derived from the producers' sourced shares (producers.csv)",
        ),
    )
    lk["note"] = (
        np.where(
            lk["product"] == "crude_oil",
            "",
            "sourcing in proportion to world shares (ASSUMPTION dependence_as_sourcing)",
        )
        + share_txt
        + "; lead time: ASSUMPTION "
        + pd.Series(label, index=lk.index)
    )
    lk.loc[lk["product"].isin(["traction_motor", "ecu"]), "note"] = (
        "made in the buyer's region; lead time: ASSUMPTION " + pd.Series(label, index=lk.index)
    )
    links = lk[["supplier", "buyer", "flow", "lead_time_days", "source", "note"]]
    links = links.sort_values(["supplier", "buyer"], kind="stable").reset_index(drop=True)

    fd = pd.concat(model.final, ignore_index=True)
    fd["quantity"] = fd["annual"] / DAYS
    fd = fd.groupby(["supplier", "region"], sort=True, as_index=False).agg(
        quantity=("quantity", "sum"), source=("source", "first"), note=("note", "first")
    )
    final = fd[["supplier", "region", "quantity", "source", "note"]]

    stocks = _stocks(src, producers)
    alternatives = _alternatives(producers)
    products = src.tables["products"].copy()
    regions = src.tables["regions"].copy()
    recipe_out = recipe[["product", "input", "amount", "substitution_group", "source", "note"]]
    recipe_out = recipe_out.sort_values(["product", "input"], kind="stable").reset_index(drop=True)
    frames = {
        "regions": regions,
        "products": products,
        "producers": producers,
        "recipes": recipe_out,
        "links": links,
        "final_demand": final,
        "stocks": stocks,
        "alternatives": alternatives,
    }
    meta = _meta(src)
    raw = validate_tables(frames, name=NAME, version=VERSION, meta=meta, check_balance=False)
    balanced, changes = balance(raw, tolerance=1e-6)
    report = pd.concat(
        [
            pd.DataFrame(model.reconcile),
            changes.assign(
                kind="balance",
                note="network.balance.balance recomputed the value from final demand",
            ),
        ],
        ignore_index=True,
    )
    report = report.reindex(
        columns=["location", "table", "column", "old", "new", "rel_change", "kind", "note"]
    )
    out: dict[str, pd.DataFrame | dict[str, object]] = {
        name: balanced.frames[name][list(TABLES[name].column_names)] for name in TABLES
    }
    out["balancing"] = report
    out["manufacturing_share"] = mva.drop(columns="use")
    out["dataset"] = meta
    return out


def _stocks(src: Sources, producers: pd.DataFrame) -> pd.DataFrame:
    """Sourced inventory cover for some buyers (others take ``default_stock_days``)."""
    ti = src.tables["timing"].set_index("metric")
    rows: list[tuple[str, str, float, float, float, str, str]] = []
    lo = float(ti.loc["remaining industry stock cover on 21 Oct 2025 (min)", "value"])
    hi = float(ti.loc["remaining industry stock cover on 21 Oct 2025 (max)", "value"])
    nex_src = "Bloomberg (21 Oct 2025) via Trasporto Europa / Autofile (timing.csv: Nexperia stock cover 10-20 days)"
    for region in ("DEU", "EUR", "GBR"):
        rows.append(
            (
                f"{region}/ecu",
                "packaged_chip",
                (lo + hi) / 2,
                (lo + hi) / 2,
                0.0,
                nex_src,
                "DERIVED: midpoint of 10-20 days of chip cover left in European auto electronics",
            )
        )
    toyota = float(ti.loc["business-continuity chip stock (min)", "value"]) * 30
    rows.append(
        (
            "JPN/ecu",
            "packaged_chip",
            toyota,
            toyota,
            0.0,
            "Reuters (Mar 2021) (timing.csv: Toyota suppliers' business-continuity chip stock 2-6 months)",
            "lower end (2 months = 60 days)",
        )
    )
    jp = ti.loc["target cover"]
    jp_note = str(jp["note"])
    for inp in ("ndpr_metal", "dy_tb_metal"):
        rows.append(
            (
                "JPN/ndfeb_magnet",
                inp,
                18.0,
                18.0,
                42.0,
                "IEA Policies database (2023) / Argus (timing.csv: Japan national rare-metal stockpile, 60 days)",
                f"42 days national stockpile (strategic) + 18 days private stocks (target); {jp_note}",
            )
        )
    ga = float(src.tables["timing"].set_index("item").loc["US gallium consumers (2024)", "value"])
    rows.append(
        (
            "USA/compound_chip",
            "gallium",
            ga,
            ga,
            0.0,
            "derived from USGS MCS 2026 salient statistics (timing.csv: US gallium consumers 2024)",
            "consumer year-end stocks / reported consumption",
        )
    )
    for node, inp, key in (
        ("CHN/advanced_wafer", "sme", "sme_stock_days"),
        ("TWN/advanced_wafer", "sme", "sme_stock_days"),
        ("KOR/advanced_wafer", "sme", "sme_stock_days"),
        ("USA/ai_accelerator", "eda_software", "eda_stock_days"),
        ("CHN/ai_accelerator", "eda_software", "eda_stock_days"),
    ):
        days = src.assume(key)
        rows.append((node, inp, days, days, 0.0, _assumption(key), "installed base runs on"))
    out = pd.DataFrame(
        rows,
        columns=[
            "node",
            "input",
            "target_days",
            "initial_days",
            "strategic_days",
            "source",
            "note",
        ],
    )
    nodes = node_id(producers["region"], producers["product"], producers["firm"])
    return out[out["node"].isin(nodes)].reset_index(drop=True)


def _alternatives(producers: pd.DataFrame) -> pd.DataFrame:
    """Switching options outside China for buyers of magnets, chips and key materials."""
    nodes = set(node_id(producers["region"], producers["product"], producers["firm"]))
    rows: list[tuple[str, str, int, str, str]] = []
    q_mag = "ASSUMPTION: qualification_magnets"
    for buyer in (
        "DEU/ice_car",
        "EUR/ice_car",
        "USA/traction_motor",
        "DEU/traction_motor",
        "EUR/traction_motor",
        "KOR/traction_motor",
        "IND/traction_motor",
        "USA/defence_system",
        "EUR/wind_turbine",
        "USA/wind_turbine",
    ):
        for supplier in (
            "JPN/ndfeb_magnet",
            "VNM/ndfeb_magnet",
            "USA/ndfeb_magnet",
            "EUR/ndfeb_magnet",
        ):
            rows.append(
                (buyer, supplier, 180, "alternative non-China magnet makers (producers.csv)", q_mag)
            )
    for buyer in ("DEU/ecu", "EUR/ecu", "GBR/ecu", "JPN/ecu", "USA/ecu", "MEX/ecu"):
        for supplier in (
            "MYS/packaged_chip",
            "TWN/packaged_chip",
            "MYS/packaged_chip/nexperia",
            "PHL/packaged_chip/nexperia",
        ):
            rows.append(
                (
                    buyer,
                    supplier,
                    90,
                    "timing.csv: qualifying alternatives 'will take months' (Bloomberg/Automotive News, Oct 2025)",
                    "ASSUMPTION: qualification_chips",
                )
            )
    rows.append(
        (
            "CHN/packaged_chip/nexperia",
            "CHN/mature_chip_wafer",
            30,
            "news reports (Nov 2025): Nexperia China secured new wafer suppliers",
            "ASSUMPTION: qualification_wafers",
        )
    )
    for buyer in ("JPN/ndpr_metal", "ROW/ndpr_metal"):
        rows.append(
            (
                buyer,
                "MYS/ndpr_oxide",
                120,
                "Lynas separation in Malaysia (stage_shares.csv)",
                "ASSUMPTION: qualification_materials",
            )
        )
        rows.append(
            (
                buyer,
                "AUS/ndpr_oxide",
                120,
                "Lynas/Australia separation (stage_shares.csv)",
                "ASSUMPTION: qualification_materials",
            )
        )
    for buyer in ("KOR/battery_cell", "USA/battery_cell", "EUR/battery_cell", "DEU/battery_cell"):
        rows.append(
            (
                buyer,
                "ROW/anode_material",
                120,
                "non-China anode makers (stage_shares.csv residual)",
                "ASSUMPTION: qualification_materials",
            )
        )
    for buyer in ("USA/compound_chip", "DEU/compound_chip", "KOR/compound_chip"):
        rows.append(
            (
                buyer,
                "JPN/gallium",
                120,
                "USGS MCS 2026 - Gallium (Japan primary gallium)",
                "ASSUMPTION: qualification_materials",
            )
        )
    out = pd.DataFrame(rows, columns=["buyer", "supplier", "qualification_days", "source", "note"])
    keep = out["buyer"].isin(nodes) & out["supplier"].isin(nodes)
    return out[keep].reset_index(drop=True)


def _meta(src: Sources) -> dict[str, object]:
    a = src.tables["assumptions"]
    s = pd.concat(
        [
            src.tables[t]["source"]
            for t in (
                "stage_shares",
                "volumes",
                "coefficients",
                "dependencies",
                "timing",
                "counter_levers",
                "market_inputs",
                "supplements",
            )
        ]
    )
    sources = sorted(set(s[s != ""].astype(str)))
    return {
        "description": (
            "The world's chokepoint chains in 2024, sourced figure by figure: rare earths (mining, "
            "NdPr and Dy/Tb separation, metals, NdFeB magnets) to traction motors, EVs, conventional "
            "cars, wind turbines, industrial motors and combat aircraft; gallium and germanium to "
            "compound chips and optics, defence electronics and telecom; graphite, lithium, cobalt, "
            "nickel and manganese to anode and cathode materials, battery cells, EVs and grid storage; "
            "mature-node chips (front-end fabs and back-end packaging, with Nexperia at plant level: "
            "wafers in Germany and the UK, packaging in China, Malaysia and the Philippines) to ECUs "
            "and cars; solar PV from polysilicon to modules; battery and rare-earth processing "
            "equipment; crude oil to transport fuel for the large importers; and the other side's "
            "levers: semiconductor equipment (USA, Netherlands, Japan), chip-design software and "
            "advanced (<10 nm) wafers to AI accelerators and AI compute, C919 engines, ethane to "
            "ethylene and soybeans to China's crushers. Units per day. Built by "
            "chokepoint.datasets.build.critical_chains from the tables in datasets/build/sources/; "
            "manufacturing_share.csv holds each country's share of world manufacturing value added. "
            "EUR is the EU-27 without Germany and the Netherlands."
        ),
        "sources": sources,
        "assumptions": [
            f"{r.id}: {r.item} = {r.value} {r.unit}. {r.reasoning}".replace("  ", " ")
            for r in a.itertuples()
        ],
        "default_stock_days": int(src.assume("default_stock_days")),
        "balancing": {
            "file": "balancing.csv",
            "method": (
                "stage outputs = sourced world total x sourced shares, raised to the modelled buyers' "
                "demand where that is larger (kind=reconcile); flows by world-share sourcing with "
                "sourced China import shares fixed, fitted by iterative proportional fitting; then "
                "network.balance.balance (kind=balance, every change above 1e-6 relative listed)"
            ),
            "tolerance": 0.01,
        },
    }


def write(out: dict[str, pd.DataFrame | dict[str, object]], folder: Path = OUT) -> None:
    """Write the built tables, side tables and ``dataset.yaml`` to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in out.items():
        if isinstance(frame, pd.DataFrame):
            frame.to_csv(
                folder / f"{name}.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n"
            )
    meta = {"name": NAME, "version": VERSION, **dict(out["dataset"])}  # type: ignore[arg-type]
    with (folder / "dataset.yaml").open("w", encoding="utf-8", newline="\n") as fh:
        yaml.safe_dump(meta, fh, sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str] | None = None) -> int:
    """Build and write the dataset (optionally to another folder given as the only argument)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else OUT
    write(build(), folder)
    print(f"wrote {NAME}@{VERSION} to {folder}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
