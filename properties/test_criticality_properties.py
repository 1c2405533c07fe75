"""Hypothesis invariants of the concentration indicators and the EU criticality formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.analysis.concentration import (
    concentration,
    governance_weighted_hhi,
    import_concentration,
)
from chokepoint.analysis.criticality import (
    ShareOverride,
    apply_share_overrides,
    economic_importance,
    is_critical,
    supply_risk,
)

FAST = settings(max_examples=40, deadline=None)

unit = st.floats(0.0, 1.0, allow_nan=False)
hhi_w = st.floats(0.0, 10.0, allow_nan=False)


@st.composite
def share_vectors(draw: st.DrawFn, min_size: int = 1, max_size: int = 8) -> np.ndarray:
    raw = draw(st.lists(st.floats(0.01, 100.0), min_size=min_size, max_size=max_size).map(np.array))
    return raw / raw.sum()


def _table(
    s: np.ndarray, wgi: np.ndarray | None = None, t: np.ndarray | None = None
) -> pd.DataFrame:
    n = len(s)
    return pd.DataFrame(
        {
            "material": ["m"] * n,
            "stage": ["P"] * n,
            "source": ["GS"] * n,
            "country": [f"C{i}" for i in range(n)],
            "region": [f"C{i}" for i in range(n)],
            "share": s,
            "t": np.ones(n) if t is None else t,
            "row": np.arange(1, n + 1),
        }
    )


@FAST
@given(share_vectors())
def test_hhi_bounds_and_cr_order(s: np.ndarray) -> None:
    c = concentration(_table(s), "material").iloc[0]
    n = len(s)
    assert 1.0 / n - 1e-12 <= c["hhi"] <= 1.0 + 1e-12
    assert c["cr1"] ** 2 - 1e-12 <= c["hhi"] <= c["cr1"] + 1e-12
    assert c["cr1"] <= c["cr3"] + 1e-12 <= 1.0 + 2e-12
    assert -1e-9 <= c["hhi_normalised"] <= 1.0 + 1e-9
    assert np.isclose(c["hhi_points"], 10_000 * c["hhi"])


@FAST
@given(share_vectors(), st.data())
def test_weighted_hhi_at_most_ten_times_hhi(s: np.ndarray, data: st.DataObject) -> None:
    w = np.array(data.draw(st.lists(hhi_w, min_size=len(s), max_size=len(s))))
    t = np.array(data.draw(st.lists(st.floats(0.8, 1.0), min_size=len(s), max_size=len(s))))
    tab = _table(s, t=t)
    g = governance_weighted_hhi(tab, "material", dict(zip(tab["region"], w, strict=True)), t="t")
    h = concentration(tab, "material")["hhi"].iloc[0]
    assert 0.0 <= g["hhi_wgi_t"].iloc[0] <= 10.0 * h + 1e-9


@FAST
@given(hhi_w, hhi_w, unit, unit, unit, st.floats(0.0, 0.5))
def test_sr_monotone_in_recycling_and_substitution(
    gs: float, eu: float, ir: float, eol: float, si: float, d: float
) -> None:
    base = supply_risk(gs, eu, ir, eol, si)
    # more recycling (higher EoL-RIR) never raises SR
    assert supply_risk(gs, eu, ir, min(1.0, eol + d), si) <= base + 1e-12
    # more substitution (lower SI_SR) never raises SR
    assert supply_risk(gs, eu, ir, eol, max(0.0, si - d)) <= base + 1e-12
    assert base >= 0.0


@FAST
@given(hhi_w, hhi_w, unit, unit, st.floats(0.01, 1.0), st.floats(0.0, 0.5))
def test_sr_rises_with_ir_when_global_more_concentrated(
    gs: float, eu: float, ir: float, eol: float, si: float, d: float
) -> None:
    hi, lo = max(gs, eu), min(gs, eu)
    ir2 = min(1.0, ir + d)
    # HHI_GS ≥ HHI_EU: more import reliance shifts weight to the riskier global mix
    assert supply_risk(hi, lo, ir2, eol, si) >= supply_risk(hi, lo, ir, eol, si) - 1e-12
    # and the opposite when EU sourcing is the more concentrated one
    assert supply_risk(lo, hi, ir2, eol, si) <= supply_risk(lo, hi, ir, eol, si) + 1e-12


@FAST
@given(share_vectors(min_size=2), st.data())
def test_sr_rises_with_trade_factor(s: np.ndarray, data: st.DataObject) -> None:
    w = np.array(data.draw(st.lists(st.floats(0.5, 10.0), min_size=len(s), max_size=len(s))))
    k = data.draw(st.integers(0, len(s) - 1))
    bump = data.draw(st.floats(0.0, 0.7))
    t1 = np.ones(len(s))
    t2 = t1.copy()
    t2[k] += bump
    wgi = {f"C{i}": float(x) for i, x in enumerate(w)}
    h1 = governance_weighted_hhi(_table(s, t=t1), "material", wgi, t="t")["hhi_wgi_t"].iloc[0]
    h2 = governance_weighted_hhi(_table(s, t=t2), "material", wgi, t="t")["hhi_wgi_t"].iloc[0]
    assert supply_risk(h2, 0.0, 1.0, 0.1, 0.9) >= supply_risk(h1, 0.0, 1.0, 0.1, 0.9) - 1e-12


@FAST
@given(share_vectors(min_size=2), st.data())
def test_sr_rises_with_dominant_worst_governed_share(s: np.ndarray, data: st.DataObject) -> None:
    # Raising the share of the worst-governed supplier (others rescaled proportionally) raises
    # HHI_WGI,t once that supplier holds at least half the market: d/ds [w_h s² + (1−s)² K]
    # = 2 (w_h s − (1−s) K) ≥ 0 for s ≥ 1/2 because K = Σ_o w_o r_o² ≤ max w_o ≤ w_h.
    # (Below one half the derivative can be negative, so the spec's property needs this bound.)
    w = np.array(data.draw(st.lists(st.floats(0.5, 10.0), min_size=len(s), max_size=len(s))))
    h = int(np.argmax(w))
    s0 = data.draw(st.floats(0.5, 0.95))
    s1 = data.draw(st.floats(s0, 1.0))
    tab = _table(s)
    wgi = {f"C{i}": float(x) for i, x in enumerate(w)}
    idx = pd.Index(["m"])
    a, _ = apply_share_overrides(tab, [ShareOverride("m", f"C{h}", "P", s0)], idx)
    b, _ = apply_share_overrides(tab, [ShareOverride("m", f"C{h}", "P", s1)], idx)
    ha = governance_weighted_hhi(a, "material", wgi, t="t")["hhi_wgi_t"].iloc[0]
    hb = governance_weighted_hhi(b, "material", wgi, t="t")["hhi_wgi_t"].iloc[0]
    assert supply_risk(hb, 1.0, 1.0, 0.0, 1.0) >= supply_risk(ha, 1.0, 1.0, 0.0, 1.0) - 1e-9


@FAST
@given(share_vectors(min_size=2), st.data())
def test_override_keeps_shares_summing_to_one(s: np.ndarray, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(s) - 1))
    new = data.draw(unit)
    tab = _table(s)
    out, _ = apply_share_overrides(tab, [ShareOverride("m", f"C{k}", "P", new)], pd.Index(["m"]))
    assert np.isclose(out["share"].sum(), 1.0)
    assert np.isclose(out.loc[out["region"] == f"C{k}", "share"].item(), new)
    others = np.delete(np.arange(len(s)), k)
    ratio_before = s[others] / s[others].sum()
    after = out["share"].to_numpy()[others]
    if after.sum() > 0:
        np.testing.assert_allclose(after / after.sum(), ratio_before, rtol=1e-9)


@FAST
@given(st.floats(0.0, 8.0), st.floats(0.0, 10.0), st.floats(0.0, 2.0), st.floats(0.0, 2.0))
def test_critical_is_monotone(sr: float, ei: float, dsr: float, dei: float) -> None:
    if is_critical(sr, ei):
        assert is_critical(sr + dsr, ei + dei)
    if not is_critical(sr + dsr, ei + dei):
        assert not is_critical(sr, ei)


@FAST
@given(st.lists(unit, min_size=1, max_size=5), unit)
def test_ei_within_zero_and_ten(a: list[float], si: float) -> None:
    sectors = [f"C{20 + i}" for i in range(len(a))]
    shares = np.array(a) / max(1.0, sum(a))
    end_uses = pd.DataFrame({"material": "m", "sector": sectors, "share": shares})
    va = pd.Series(np.linspace(100.0, 500.0, len(a)), index=sectors)
    ei = economic_importance(end_uses, va, pd.Series({"m": si}))["ei"].iloc[0]
    assert -1e-12 <= ei <= 10.0 * si + 1e-9


@FAST
@given(
    st.lists(st.floats(0.0, 100.0), min_size=1, max_size=6),
    st.floats(0.0, 200.0),
    st.floats(0.0, 50.0),
)
def test_import_concentration_bounds(flows: list[float], prod: float, exports: float) -> None:
    n = len(flows)
    trade = pd.DataFrame(
        {
            "importer": ["A"] * n + ["B"],
            "exporter": [f"X{i}" for i in range(n)] + ["A"],
            "product": ["p"] * (n + 1),
            "value": [*flows, exports],
        }
    )
    production = pd.DataFrame({"region": ["A"], "product": ["p"], "value": [prod]})
    out = import_concentration(trade, production=production).loc[("A", "p")]
    ir = out["import_reliance"]
    assert np.isnan(ir) or 0.0 <= ir <= 1.0
    if sum(flows) > 0:
        assert 1.0 / n - 1e-12 <= out["hhi"] <= 1.0 + 1e-12
        assert np.isclose(out["imports"], sum(flows))
