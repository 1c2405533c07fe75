"""Concentration indicators on long tables of supplier shares or volumes.

Every function takes a long table with one row per (group..., supplier region) and returns one
row per group, so the same code serves a criticality input table (material, stage, country,
share) and a network's producers table (product, stage, region, output). Shares ``s_c`` are
fractions; when a ``value`` column is given instead, ``s_c = v_c / Σ_c v_c`` within the group.

Formulas (``specs/criticality.md`` §0, §3.1):

* ``HHI = Σ_c s_c²`` in [1/N, 1]; on the DOJ/FTC scale ``Σ_c (100 s_c)²`` in [0, 10 000];
* normalised ``H* = (HHI − 1/N) / (1 − 1/N)`` (1 for a single supplier);
* ``CR_k`` = sum of the k largest shares; the top supplier and its share;
* governance-weighted ``HHI_WGI,t = Σ_c s_c² · WGI*_c · t_c`` with ``WGI*_c = 2 (2.5 − mean WGI_c)``
  clipped to [0, 10];
* import reliance ``IR = (M − X) / (P + M − X)`` clipped to [0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from chokepoint.errors import ChokepointError

__all__ = [
    "HHI_2010_BANDS",
    "HHI_2023_THRESHOLD",
    "concentration",
    "crn",
    "governance_weighted_hhi",
    "hhi",
    "hhi_band",
    "import_concentration",
    "import_reliance",
    "normalised_hhi",
    "scale_wgi",
    "shares",
    "top_supplier",
]

HHI_2010_BANDS: tuple[float, float] = (1500.0, 2500.0)
"""DOJ/FTC Horizontal Merger Guidelines (2010) §5.3, HHI points: below 1500 unconcentrated,
1500-2500 moderately concentrated, above 2500 highly concentrated."""

HHI_2023_THRESHOLD: float = 1800.0
"""DOJ/FTC Merger Guidelines (2023): markets above 1800 HHI points are highly concentrated."""

Scale = Literal["fraction", "points"]


def _by_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def _require(table: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        msg = f"table lacks column(s) {missing}; has {list(table.columns)}"
        raise ChokepointError(msg)


def shares(table: pd.DataFrame, by: str | Sequence[str], *, value: str = "value") -> pd.Series:
    """Shares ``s_c = v_c / Σ_c v_c`` of each row within its group.

    Parameters
    ----------
    table
        Long table with the group columns ``by`` and a non-negative ``value`` column.
    by
        Group columns (for example ``["product", "stage"]``).
    value
        Column holding volumes or values ``v_c``.

    Returns
    -------
    pd.Series
        Aligned with ``table``; NaN where the group total is 0.
    """
    keys = _by_list(by)
    _require(table, [*keys, value])
    v = table[value].astype(float)
    total = v.groupby([table[k] for k in keys], sort=False, dropna=False).transform("sum")
    out = v / total.where(total > 0)
    return out.rename("share")


def _share_frame(
    table: pd.DataFrame, by: str | Sequence[str], share: str, value: str | None
) -> tuple[pd.DataFrame, list[str]]:
    """Return ``table`` with a float column ``_s`` holding shares, and the group keys."""
    keys = _by_list(by)
    if value is not None:
        s = shares(table, keys, value=value)
    else:
        _require(table, [*keys, share])
        s = table[share].astype(float)
    frame = table.assign(_s=s.to_numpy())
    return frame, keys


def hhi(
    table: pd.DataFrame,
    by: str | Sequence[str],
    *,
    share: str = "share",
    value: str | None = None,
    scale: Scale = "fraction",
) -> pd.Series:
    """Herfindahl-Hirschman index ``HHI = Σ_c s_c²`` per group.

    Parameters
    ----------
    table
        Long table, one row per (group, supplier).
    by
        Group columns.
    share
        Column of fractions ``s_c`` (used when ``value`` is None).
    value
        Optional column of volumes; shares are then computed within each group.
    scale
        ``"fraction"`` gives [0, 1]; ``"points"`` gives the DOJ/FTC 0-10 000 scale.

    Returns
    -------
    pd.Series
        Indexed by the group keys.
    """
    frame, keys = _share_frame(table, by, share, value)
    sq = (frame["_s"] ** 2).groupby([frame[k] for k in keys], sort=True).sum(min_count=1)
    factor = 10_000.0 if scale == "points" else 1.0
    return (sq * factor).rename("hhi_points" if scale == "points" else "hhi")


def normalised_hhi(hhi_fraction: pd.Series | np.ndarray, n: pd.Series | np.ndarray) -> np.ndarray:
    """Normalised ``H* = (HHI − 1/N) / (1 − 1/N)``; 1 where ``N = 1`` (a single supplier).

    ``hhi_fraction`` is on the [0, 1] scale and ``n`` counts suppliers with a positive share.
    """
    h = np.asarray(hhi_fraction, dtype=float)
    nn = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / nn
        out = np.where(nn > 1, (h - inv) / (1.0 - inv), 1.0)
    return np.where(nn >= 1, out, np.nan)


def crn(
    table: pd.DataFrame,
    by: str | Sequence[str],
    n: int,
    *,
    share: str = "share",
    value: str | None = None,
) -> pd.Series:
    """Concentration ratio ``CR_n``: the sum of the ``n`` largest shares of each group."""
    if n < 1:
        msg = f"CR_n needs n >= 1, got {n}"
        raise ChokepointError(msg)
    frame, keys = _share_frame(table, by, share, value)
    ordered = frame.sort_values([*keys, "_s"], ascending=[True] * len(keys) + [False])
    rank = ordered.groupby(keys, sort=False).cumcount()
    top = ordered.loc[rank.to_numpy() < n]
    out = top.groupby(keys, sort=True)["_s"].sum()
    return out.rename(f"cr{n}")


def top_supplier(
    table: pd.DataFrame,
    by: str | Sequence[str],
    *,
    region: str = "region",
    share: str = "share",
    value: str | None = None,
) -> pd.DataFrame:
    """The largest supplier of each group and its share (columns ``top_region``, ``top_share``).

    Ties go to the first row in table order.
    """
    frame, keys = _share_frame(table, by, share, value)
    _require(frame, [region])
    ordered = frame.sort_values(
        [*keys, "_s"], ascending=[True] * len(keys) + [False], kind="stable"
    )
    first = ordered.groupby(keys, sort=True).head(1).set_index(keys)
    return pd.DataFrame({"top_region": first[region], "top_share": first["_s"]})


def hhi_band(
    hhi_points: pd.Series | np.ndarray, rules: Literal["2010", "2023"] = "2010"
) -> np.ndarray:
    """Label HHI points with the DOJ/FTC bands.

    ``rules="2010"``: ``unconcentrated`` (< 1500), ``moderately concentrated`` (1500-2500),
    ``highly concentrated`` (> 2500). ``rules="2023"``: ``highly concentrated`` above 1800,
    otherwise ``not highly concentrated``.
    """
    h = np.asarray(hhi_points, dtype=float)
    if rules == "2010":
        lo, hi = HHI_2010_BANDS
        out = np.where(
            h > hi,
            "highly concentrated",
            np.where(h >= lo, "moderately concentrated", "unconcentrated"),
        )
    else:
        out = np.where(h > HHI_2023_THRESHOLD, "highly concentrated", "not highly concentrated")
    return np.where(np.isnan(h), "", out)


def concentration(
    table: pd.DataFrame,
    by: str | Sequence[str],
    *,
    region: str = "region",
    share: str = "share",
    value: str | None = None,
    k: Sequence[int] = (1, 3),
) -> pd.DataFrame:
    """All plain concentration indicators per group in one table.

    Returns
    -------
    pd.DataFrame
        Indexed by the group keys, with ``n_suppliers`` (positive shares), ``share_total``
        (Σ s_c, which published tables round away from 1), ``hhi`` (fraction), ``hhi_points``
        (0-10 000), ``hhi_normalised``, ``cr{k}`` for each k, ``top_region``, ``top_share`` and
        ``band_2010`` (DOJ/FTC 2010 band of ``hhi_points``).
    """
    frame, keys = _share_frame(table, by, share, value)
    keyed = [frame[k] for k in keys]
    out = pd.DataFrame(
        {
            "n_suppliers": (frame["_s"] > 0).groupby(keyed, sort=True).sum().astype(int),
            "share_total": frame["_s"].groupby(keyed, sort=True).sum(),
        }
    )
    out["hhi"] = hhi(frame, keys, share="_s")
    out["hhi_points"] = out["hhi"] * 10_000.0
    out["hhi_normalised"] = normalised_hhi(out["hhi"], out["n_suppliers"])
    for kk in k:
        out[f"cr{kk}"] = crn(frame, keys, kk, share="_s")
    out = out.join(top_supplier(frame, keys, region=region, share="_s"))
    out["band_2010"] = hhi_band(out["hhi_points"], "2010")
    return out


def scale_wgi(mean_estimate: pd.Series | np.ndarray | float) -> np.ndarray:
    """Rescale a WGI mean estimate to ``WGI* = 2 (2.5 − mean)`` clipped to [0, 10] (10 = worst).

    ``mean_estimate`` is the mean of the six WGI dimension estimates (about −2.5 ... 2.5).
    """
    x = np.asarray(mean_estimate, dtype=float)
    return np.clip(2.0 * (2.5 - x), 0.0, 10.0)


def governance_weighted_hhi(
    table: pd.DataFrame,
    by: str | Sequence[str],
    wgi: Mapping[str, float] | pd.Series,
    *,
    region: str = "region",
    share: str = "share",
    value: str | None = None,
    t: str | None = None,
    cap: float | None = None,
    missing_wgi: float | None = None,
) -> pd.DataFrame:
    """Governance- and trade-weighted HHI ``Σ_c s_c² · WGI*_c · t_c`` per group (0-10).

    Parameters
    ----------
    table
        Long table, one row per (group, supplier region).
    by
        Group columns.
    wgi
        Scaled governance ``WGI*_c`` (0 best ... 10 worst) by region code; see :func:`scale_wgi`.
    region, share, value
        Column names; see :func:`hhi`.
    t
        Optional column with the trade-related factor ``t_c`` (1.0 when None or NaN).
    cap
        If given, ``WGI*_c · t_c`` is capped at this value (some implementations cap at 10).
    missing_wgi
        Value used for regions without a WGI*. ``None`` excludes them from the sum; their
        summed share is reported in ``wgi_missing_share`` and their codes in
        ``wgi_missing_regions`` so the exclusion is never silent.

    Returns
    -------
    pd.DataFrame
        Indexed by the group keys: ``hhi_wgi_t``, ``wgi_missing_share``, ``wgi_missing_regions``.
    """
    frame, keys = _share_frame(table, by, share, value)
    _require(frame, [region])
    w = pd.Series(wgi, dtype=float)
    g = frame[region].map(w).astype(float)
    missing = g.isna().to_numpy()
    if missing_wgi is not None:
        g = g.fillna(float(missing_wgi))
    tt = frame[t].astype(float).fillna(1.0) if t is not None else pd.Series(1.0, index=frame.index)
    factor = g * tt
    if cap is not None:
        factor = factor.clip(upper=cap)
    contrib = (frame["_s"] ** 2 * factor).fillna(0.0)
    keyed = [frame[k] for k in keys]
    out = pd.DataFrame({"hhi_wgi_t": contrib.groupby(keyed, sort=True).sum()})
    miss = frame.loc[missing] if missing_wgi is None else frame.iloc[0:0]
    mkeys = [miss[k] for k in keys]
    out["wgi_missing_share"] = miss["_s"].groupby(mkeys, sort=True).sum()
    out["wgi_missing_share"] = out["wgi_missing_share"].fillna(0.0)
    regions = miss[region].astype(str).groupby(mkeys, sort=True).agg(lambda s: ",".join(sorted(s)))
    out["wgi_missing_regions"] = regions.reindex(out.index).fillna("")
    return out


def import_reliance(
    production: pd.Series | np.ndarray | float,
    imports: pd.Series | np.ndarray | float,
    exports: pd.Series | np.ndarray | float,
) -> np.ndarray:
    """Net import reliance ``IR = (M − X) / (P + M − X)`` clipped to [0, 1].

    NaN where the apparent consumption ``P + M − X`` is not positive (not computable).
    """
    p = np.asarray(production, dtype=float)
    m = np.asarray(imports, dtype=float)
    x = np.asarray(exports, dtype=float)
    consumption = p + m - x
    with np.errstate(divide="ignore", invalid="ignore"):
        ir = (m - x) / consumption
    return np.where(consumption > 0, np.clip(ir, 0.0, 1.0), np.nan)


def import_concentration(
    trade: pd.DataFrame,
    *,
    importer: str = "importer",
    exporter: str = "exporter",
    product: str = "product",
    value: str = "value",
    production: pd.DataFrame | None = None,
    region: str = "region",
) -> pd.DataFrame:
    """Supplier concentration and import reliance per (importer, product).

    Parameters
    ----------
    trade
        Bilateral flows, one row per (importer, exporter, product) with a non-negative
        ``value``. Rows with ``importer == exporter`` are ignored.
    production
        Optional domestic output table with columns ``region``, ``product``, ``value``. When
        given, ``import_reliance`` is computed as ``(M − X) / (P + M − X)`` with ``X`` the
        region's exports in ``trade``.

    Returns
    -------
    pd.DataFrame
        Indexed by (importer, product): ``imports`` (M), ``n_origins``, ``hhi`` of origins,
        ``top_origin``, ``top_origin_share`` and, with production, ``exports``,
        ``production``, ``import_reliance`` and ``top_origin_reliance`` = IR × top share
        (the share of apparent consumption that the top origin supplies, net of exports).
    """
    _require(trade, [importer, exporter, product, value])
    flows = trade.loc[trade[importer] != trade[exporter]]
    keys = [importer, product]
    conc = concentration(flows, keys, region=exporter, value=value, k=(1,))
    out = pd.DataFrame(
        {
            "imports": flows.groupby(keys, sort=True)[value].sum().astype(float),
            "n_origins": conc["n_suppliers"],
            "hhi": conc["hhi"],
            "top_origin": conc["top_region"],
            "top_origin_share": conc["top_share"],
        }
    )
    if production is not None:
        _require(production, [region, product, value])
        prod = production.groupby([region, product], sort=True)[value].sum().astype(float)
        exp = flows.groupby([exporter, product], sort=True)[value].sum().astype(float)
        prod.index = prod.index.set_names(keys)
        exp.index = exp.index.set_names(keys)
        out["exports"] = exp.reindex(out.index).fillna(0.0)
        out["production"] = prod.reindex(out.index).fillna(0.0)
        out["import_reliance"] = import_reliance(out["production"], out["imports"], out["exports"])
        out["top_origin_reliance"] = out["import_reliance"] * out["top_origin_share"]
    return out
