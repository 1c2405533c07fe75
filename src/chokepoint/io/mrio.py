"""Multi-regional input-output (MRIO) tables through pymrio: any ``pymrio.IOSystem`` as a network.

Mapping (DESIGN §3; equations in ``docs/mrio.md``), with r, s regions and i, j sectors:

* node (r, i) = region x sector; product = sector, so the suppliers of a sector in all regions
  are substitutes for one input pair k = ((s, j), i);
* unit = the table's monetary unit per day (flows / ``days_per_year``), ``unit_value_usd`` = its
  stated conversion to USD;
* recipe of node (s, j): a_{i,(s,j)} = Σ_r Z_{(r,i),(s,j)} / x_{(s,j)}, one row per region (the
  optional ``recipes.region`` column), since MRIO coefficients differ by region;
* links from Z, final demand from Y summed over its categories, per (supplier, demand region);
* capacity K = x (1 + headroom) with headroom = α^max − 1 (ARIO's maximum overproduction);
* stocks: ARIO inventory durations s_i in days of use per input sector (``default_stock_days``
  plus rows for sectors that differ).

Real tables are not clean; :func:`from_pymrio` repairs them by the stated rules of
:data:`REPAIR_RULES` and lists every repair in ``meta["repairs"]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from chokepoint.errors import InputError, Problem
from chokepoint.network.schema import NODE_SEPARATOR
from chokepoint.network.tables import NetworkTables
from chokepoint.network.validate import validate_tables

FloatArray = npt.NDArray[np.float64]

DEFAULT_ALPHA_MAX = 1.25
"""α^max, ARIO's maximum overproduction factor (Hallegatte 2008; BoARIO's default 1.25)."""

DEFAULT_INVENTORY_DAYS = 90.0
"""s_i, inventory duration in days of use for every input (BoARIO's ``main_inv_dur`` default)."""

DAYS_PER_YEAR = 365
"""MRIO tables are annual; flows per day are annual flows / 365 (BoARIO's step factor)."""

MRIO_STAGE = "processed"
"""``products.stage`` of every MRIO sector: sectors carry no chain stage, the schema needs one."""

REPAIR_RULES: tuple[str, ...] = (
    "R1 final demand is summed over its categories per (supplier, demand region); a supplier's "
    "negative entries (inventory drawdowns) are netted against its positive ones: negatives "
    "become 0 and positives are scaled so its total final demand is unchanged; if that total "
    "is itself negative, all its entries become 0",
    "R2 negative intermediate flows (Z < 0) become 0",
    "R3 gross output x = Σ_j Z_ij + Σ final demand_i (so every node balances exactly); where "
    "this differs from the table's x by more than 1e-6 (relative) the node is listed",
    "R4 an industry with zero output gets no recipe rows and no links (a node with zero capacity)",
    "R5 an industry whose inputs exceed its output (negative value added, Σ_i a_i > 1) is kept "
    "as is and listed",
)

_CURRENCIES = {"usd", "eur", "gbp", "jpy", "cny", "chf", "cad", "aud", "inr", "krw"}
_MULTIPLIERS = {
    "m": 1e6,
    "mill": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "mio": 1e6,
    "mn": 1e6,
    "k": 1e3,
    "thousand": 1e3,
    "thousands": 1e3,
    "bn": 1e9,
    "billion": 1e9,
    "billions": 1e9,
}


def parse_unit(unit: str) -> tuple[float, str | None]:
    """(multiplier, currency) of a monetary unit label such as ``M.USD``, ``Mill USD``, ``MEUR``.

    The currency is ``None`` when the label names none of the common ISO 4217 codes.
    """
    multiplier, currency = 1.0, None
    for token in re.findall(r"[A-Za-z]+", unit):
        low = token.lower()
        if low in _CURRENCIES:
            currency = low.upper()
        elif low in _MULTIPLIERS:
            multiplier = _MULTIPLIERS[low]
        elif len(low) == 4 and low[0] == "m" and low[1:] in _CURRENCIES:
            multiplier, currency = 1e6, low[1:].upper()
    return multiplier, currency


def _code(label: object) -> str:
    """A label as a code the schema accepts (no ``/``, no surrounding blanks)."""
    return str(label).strip().replace(NODE_SEPARATOR, "-")


def _table_unit(io: Any) -> str:
    unit = getattr(io, "unit", None)
    if unit is None:
        return ""
    values = pd.unique(pd.DataFrame(unit).iloc[:, 0].astype(str))
    if len(values) > 1:
        raise InputError(
            "MRIO table",
            [Problem("unit", f"expected one monetary unit for Z, got {', '.join(values)}")],
        )
    return str(values[0]) if len(values) else ""


def from_pymrio(
    io: Any,
    *,
    name: str | None = None,
    version: str = "",
    alpha_max: float = DEFAULT_ALPHA_MAX,
    inventory_days: float | Mapping[str, float] = DEFAULT_INVENTORY_DAYS,
    usd_per_unit: float | None = None,
    days_per_year: int = DAYS_PER_YEAR,
    check_balance: bool = True,
) -> NetworkTables:
    """A ``pymrio.IOSystem`` as validated :class:`NetworkTables` (node = region x sector).

    Parameters
    ----------
    io
        The IOSystem; needs ``Z`` and ``Y`` (``x`` and ``A`` are recomputed, see rule R3). It is
        not modified.
    alpha_max
        α^max: capacity K = x α^max, the headroom ARIO's overproduction may use.
    inventory_days
        s_i: days of use held of each input sector (one number, or a mapping sector -> days
        where unlisted sectors get 90). ARIO raises durations ≤ 1 day to 2; so does this.
    usd_per_unit
        USD per table unit; derived from the unit label when it is in USD (``M.USD`` -> 1e6),
        required otherwise (no exchange rate is assumed).
    days_per_year
        Annual flows are divided by this to get flows per day.

    Returns
    -------
    NetworkTables
        Validated tables; ``meta`` records the unit, conversion, provenance, parameters and
        every repair (:data:`REPAIR_RULES`).
    """
    problems: list[Problem] = []
    if getattr(io, "Z", None) is None or getattr(io, "Y", None) is None:
        raise InputError("MRIO table", [Problem("Z/Y", "expected Z and Y to be set, got None")])
    if not (math.isfinite(alpha_max) and alpha_max >= 1.0):
        problems.append(Problem("alpha_max", f"expected a finite number ≥ 1, got {alpha_max!r}"))
    z_frame: pd.DataFrame = io.Z
    index = z_frame.index
    if not isinstance(index, pd.MultiIndex) or index.nlevels != 2:
        problems.append(Problem("Z", "expected a (region, sector) MultiIndex on Z's rows"))
    elif not index.equals(z_frame.columns):
        problems.append(Problem("Z", "expected Z's columns to equal its rows (region, sector)"))
    unit = _table_unit(io)
    multiplier, currency = parse_unit(unit)
    if usd_per_unit is None:
        if currency == "USD":
            usd_per_unit = multiplier
        else:
            problems.append(
                Problem(
                    "unit",
                    f"expected the USD value of one table unit (usd_per_unit) for unit {unit!r}, "
                    "got none (no exchange rate is assumed)",
                )
            )
    elif not (math.isfinite(usd_per_unit) and usd_per_unit > 0):
        problems.append(
            Problem("usd_per_unit", f"expected a finite number > 0, got {usd_per_unit!r}")
        )
    if problems:
        raise InputError("MRIO table", problems)
    assert usd_per_unit is not None

    region_labels = index.get_level_values(0)
    sector_labels = index.get_level_values(1)
    regions = pd.Index(pd.unique(region_labels))
    sectors = pd.Index(pd.unique(sector_labels))
    region_codes = pd.Index([_code(r) for r in regions])
    sector_codes = pd.Index([_code(s) for s in sectors])
    for what, codes in (("region", region_codes), ("sector", sector_codes)):
        dup = codes[codes.duplicated()]
        if len(dup):
            raise InputError(
                "MRIO table",
                [Problem(what, f"expected distinct codes after replacing '/', got {list(dup)}")],
            )
    node_region = regions.get_indexer(region_labels).astype(np.int64)
    node_sector = sectors.get_indexer(sector_labels).astype(np.int64)
    n = len(index)
    repairs: list[str] = []

    z = np.asarray(z_frame.to_numpy(), dtype=np.float64)
    if (z < 0).any():
        repairs.append(f"R2: {int((z < 0).sum())} negative Z entries set to 0")
        z = np.where(z < 0, 0.0, z)
    y_frame: pd.DataFrame = io.Y
    y_by_region = y_frame.T.groupby(level=0, sort=False).sum().T.reindex(index=index)
    y_regions = pd.Index(y_by_region.columns)
    y = y_by_region.to_numpy(dtype=np.float64)
    y = np.nan_to_num(y)
    neg = y < 0
    if neg.any():
        total = y.sum(axis=1)
        positive = np.where(neg, 0.0, y)
        pos_sum = positive.sum(axis=1)
        scale = np.divide(
            np.maximum(total, 0.0), pos_sum, out=np.zeros_like(total), where=pos_sum > 0
        )
        rows = neg.any(axis=1)
        y = np.where(rows[:, None], positive * scale[:, None], y)
        zeroed = int((rows & (total < 0)).sum())
        repairs.append(
            f"R1: {int(neg.sum())} negative final-demand entries in {int(rows.sum())} industries "
            f"netted ({zeroed} with negative total final demand set to 0)"
        )
    x = z.sum(axis=1) + y.sum(axis=1)
    x_table = _table_output(io, index)
    if x_table is not None:
        rel = np.abs(x - x_table) / np.maximum(np.abs(x_table), 1e-300)
        moved = np.flatnonzero((rel > 1e-6) & ((x > 0) | (x_table != 0)))
        if len(moved):
            worst = int(moved[np.argmax(rel[moved])])
            repairs.append(
                f"R3: output of {len(moved)} industries recomputed from Z and Y "
                f"(largest change {rel[worst]:.3g} at {index[worst]})"
            )
    zero = x <= 0
    if zero.any():
        repairs.append(f"R4: {int(zero.sum())} industries with zero output")
        if not z.flags.writeable:
            z = z.copy()
        z[:, zero] = 0.0
        z[zero, :] = 0.0
    coeff_sum = np.divide(z.sum(axis=0), x, out=np.zeros(n), where=~zero)
    neg_va = np.flatnonzero(coeff_sum > 1.0)
    if len(neg_va):
        repairs.append(
            f"R5: {len(neg_va)} industries with negative value added kept: "
            + ", ".join(f"{index[i]}" for i in neg_va[:10])
            + (" ..." if len(neg_va) > 10 else "")
        )

    days = float(days_per_year)
    node_ids = pd.Index(
        region_codes[node_region].astype(str)
        + NODE_SEPARATOR
        + sector_codes[node_sector].astype(str)
    )
    rc = pd.Series(region_codes[node_region], dtype=object)
    sc = pd.Series(sector_codes[node_sector], dtype=object)
    producers = pd.DataFrame(
        {
            "region": rc,
            "product": sc,
            "capacity": x / days * alpha_max,
            "output": x / days,
        }
    )
    # Recipes: a_{i,(s,j)} = Σ_r Z_{(r,i),(s,j)} / x_{(s,j)} -> (sectors x nodes), one row per > 0.
    summing = sp.csr_array((np.ones(n), (node_sector, np.arange(n))), shape=(len(sectors), n))
    z_by_input = np.asarray(summing @ z)
    a = np.divide(z_by_input, x[None, :], out=np.zeros_like(z_by_input), where=~zero[None, :])
    inp, buyer = np.nonzero(a > 0)
    recipes = pd.DataFrame(
        {
            "product": sc.to_numpy()[buyer],
            "input": sector_codes[inp].to_numpy(dtype=object),
            "amount": a[inp, buyer],
            "region": rc.to_numpy()[buyer],
        }
    )
    src, dst = np.nonzero(z > 0)
    # Categorical node ids: 8 M links share n strings instead of holding 16 M copies.
    links = pd.DataFrame(
        {
            "supplier": pd.Categorical.from_codes(src, categories=node_ids),
            "buyer": pd.Categorical.from_codes(dst, categories=node_ids),
            "flow": z[src, dst] / days,
        }
    )
    del z, z_by_input, a
    sup, reg = np.nonzero(y > 0)
    y_region_codes = pd.Index([_code(r) for r in y_regions])
    final_demand = pd.DataFrame(
        {
            "supplier": node_ids[sup].to_numpy(dtype=object),
            "region": y_region_codes[reg].to_numpy(dtype=object),
            "quantity": y[sup, reg] / days,
        }
    )
    default_days, stock_rows = _inventory(inventory_days, sectors, sector_codes, node_ids, recipes)
    if default_days <= 1.0:
        default_days = 2.0
    all_regions = region_codes.union(y_region_codes, sort=False)
    region_names = {_code(r): str(r) for r in [*regions, *y_regions]}
    frames = {
        "regions": pd.DataFrame(
            {"region": all_regions, "name": [region_names[r] for r in all_regions]}
        ),
        "products": pd.DataFrame(
            {
                "product": sector_codes,
                "name": [str(s) for s in sectors],
                "stage": MRIO_STAGE,
                "unit": f"{unit or 'table unit'}",
                "unit_value_usd": usd_per_unit,
            }
        ),
        "producers": producers,
        "recipes": recipes,
        "links": links,
        "final_demand": final_demand,
        "stocks": stock_rows,
    }
    meta_src = getattr(io, "meta", None)
    provenance = {
        "name": str(getattr(meta_src, "name", "") or ""),
        "system": str(getattr(meta_src, "system", "") or ""),
        "version": str(getattr(meta_src, "version", "") or ""),
        "description": str(getattr(meta_src, "description", "") or ""),
    }
    meta: dict[str, Any] = {
        "description": f"MRIO table {provenance['name'] or '(unnamed)'} imported through pymrio: "
        f"{len(regions)} regions x {len(sectors)} sectors, unit {unit!r} per day",
        "sources": [f"pymrio IOSystem {provenance['name']} {provenance['version']}".strip()],
        "assumptions": [
            f"flows per day = annual flows / {days_per_year}",
            f"capacity = output x alpha_max = {alpha_max:g} (ARIO maximum overproduction)",
            f"inventories: {default_days:g} days of use per input unless listed in stocks",
            f"1 {unit or 'table unit'} = {usd_per_unit:g} USD",
            f"every sector has stage {MRIO_STAGE!r} (MRIO sectors carry no chain stage)",
            *REPAIR_RULES,
        ],
        "default_stock_days": default_days,
        "mrio": {
            "unit": unit,
            "monetary_factor": multiplier,
            "currency": currency,
            "usd_per_unit": usd_per_unit,
            "days_per_year": days_per_year,
            "alpha_max": alpha_max,
            "inventory_days": default_days,
            "provenance": provenance,
            "repairs": repairs,
            "regions": [str(r) for r in regions],
            "sectors": [str(s) for s in sectors],
        },
    }
    label = name or _code(provenance["name"] or "mrio").replace(" ", "_").lower()
    return validate_tables(
        frames, name=label, version=version, meta=meta, check_balance=check_balance
    )


def _table_output(io: Any, index: pd.Index) -> FloatArray | None:
    x = getattr(io, "x", None)
    if x is None:
        return None
    frame = pd.DataFrame(x)
    return frame.reindex(index=index).iloc[:, 0].to_numpy(dtype=np.float64)


def _inventory(
    inventory_days: float | Mapping[str, float],
    sectors: pd.Index,
    sector_codes: pd.Index,
    node_ids: pd.Index,
    recipes: pd.DataFrame,
) -> tuple[float, pd.DataFrame]:
    """Default days and stock rows for the sectors whose duration differs from it."""
    columns = ["node", "input", "target_days"]
    if not isinstance(inventory_days, Mapping):
        days = float(inventory_days)
        if not np.isfinite(days) or days < 0:
            raise InputError(
                "MRIO import", [Problem("inventory_days", f"expected days ≥ 0, got {days!r}")]
            )
        return days, pd.DataFrame(columns=columns)
    known = {str(s): _code(s) for s in sectors} | {c: c for c in sector_codes}
    problems = [
        Problem(f"inventory_days:{key}", f"expected a sector of the table, got {key!r}")
        for key in inventory_days
        if str(key) not in known
    ]
    problems += [
        Problem(f"inventory_days:{key}", f"expected finite days ≥ 0, got {value!r}")
        for key, value in inventory_days.items()
        if not (np.isfinite(float(value)) and float(value) >= 0)
    ]
    if problems:
        raise InputError("MRIO import", problems)
    by_code = {
        known[str(k)]: max(float(v), 2.0) if float(v) <= 1 else float(v)
        for k, v in inventory_days.items()
    }
    default = DEFAULT_INVENTORY_DAYS
    special = recipes["input"].map(by_code)
    pick = special.notna() & (special != default)
    buyer = recipes["region"] + NODE_SEPARATOR + recipes["product"]
    rows = pd.DataFrame(
        {
            "node": buyer[pick].to_numpy(dtype=object),
            "input": recipes["input"][pick].to_numpy(dtype=object),
            "target_days": special[pick].to_numpy(dtype=np.float64),
        }
    )
    return default, rows


def load_iosystem(path: str | Path) -> Any:
    """Read a pymrio folder or zip archive (``pymrio.load_all``); a missing path is an InputError."""
    import pymrio

    p = Path(path)
    if not p.exists():
        raise InputError(
            "MRIO import", [Problem(str(p), "expected a pymrio folder or zip, got nothing")]
        )
    try:
        return pymrio.load_all(p)
    except Exception as exc:  # pymrio raises many kinds on a malformed folder
        raise InputError(
            "MRIO import", [Problem(str(p), f"expected a pymrio folder or zip: {exc}")]
        ) from exc


def pymrio_test_system() -> Any:
    """pymrio's bundled test MRIO (6 regions x 8 sectors, Mill USD)."""
    import pymrio

    return pymrio.load_test()


def synthetic_iosystem(
    n_regions: int,
    n_sectors: int,
    *,
    density: float = 0.3,
    intermediate_share: float = 0.5,
    home_bias: float = 4.0,
    n_fd_categories: int = 2,
    seed: int = 0,
    unit: str = "M.USD",
) -> Any:
    """A random balanced MRIO as a ``pymrio.IOSystem`` (for tests and benchmarks).

    Coefficients A are a random sparse pattern of the given ``density`` (domestic flows weighted
    by ``home_bias``; every node has at least one domestic input and one domestic buyer), scaled so
    every column sums to ``intermediate_share`` ± 20%; final demand y > 0 is log-normal; output is
    x = (I − A)^{-1} y (Neumann series) and Z = A diag(x), so Σ Z / Σ x ≈ ``intermediate_share``.
    """
    import pymrio

    rng = np.random.default_rng(seed)
    n = n_regions * n_sectors
    region = np.repeat(np.arange(n_regions), n_sectors)
    a = np.zeros((n, n))
    chunk = max(1, 4_000_000 // max(n, 1))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        mask = rng.random((n, stop - start)) < density
        weight = rng.lognormal(0.0, 1.0, size=(n, stop - start))
        same = region[:, None] == region[None, start:stop]
        weight = np.where(same, weight * home_bias, weight)
        a[:, start:stop] = np.where(mask, weight, 0.0)
    # A domestic ring i -> i+1 keeps every node linked.
    ring = np.arange(n)
    nxt = region * n_sectors + (ring % n_sectors + 1) % n_sectors
    a[nxt, ring] += rng.lognormal(0.0, 0.5, size=n) * home_bias
    col = a.sum(axis=0)
    target = intermediate_share * rng.uniform(0.8, 1.2, size=n)
    a *= target / col
    y_total = rng.lognormal(8.0, 1.0, size=n)
    x = y_total.copy()
    for _ in range(500):
        nxt_x = a @ x + y_total
        if np.max(np.abs(nxt_x - x) / nxt_x) < 1e-14:
            x = nxt_x
            break
        x = nxt_x
    z = a * x[None, :]
    y_total = x - z.sum(axis=1)
    regions = [f"R{r:02d}" for r in range(n_regions)]
    sectors = [f"S{s:03d}" for s in range(n_sectors)]
    idx = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    cats = [f"fd{c}" for c in range(n_fd_categories)]
    y_cols = pd.MultiIndex.from_product([regions, cats], names=["region", "category"])
    share = rng.dirichlet(np.ones(n_regions * n_fd_categories) * 0.5, size=n)
    home = region[:, None] == np.repeat(np.arange(n_regions), n_fd_categories)[None, :]
    share = np.where(home, share * home_bias, share)
    share /= share.sum(axis=1, keepdims=True)
    y = share * y_total[:, None]
    io = pymrio.IOSystem(
        Z=pd.DataFrame(z, index=idx, columns=idx),
        Y=pd.DataFrame(y, index=idx, columns=y_cols),
        unit=pd.DataFrame({"unit": unit}, index=idx),
        name=f"synthetic {n_regions}x{n_sectors} seed {seed}",
        description="random balanced MRIO generated by chokepoint.io.mrio.synthetic_iosystem",
        version="1",
        system="ixi",
    )
    return io
