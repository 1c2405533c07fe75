"""EU CRM supply risk / economic importance and the USGS structure, checked by hand.

Worked examples follow ``specs/criticality.md`` §5; the shipped-input checks recompute a few
materials by hand from the rows of ``datasets/criticality/inputs.csv`` (no published results).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from chokepoint.analysis.criticality import (
    ShareOverride,
    TradeFactorOverride,
    apply_share_overrides,
    assess_eu,
    economic_importance,
    effective_mode,
    eu_assessment,
    group_means,
    is_critical,
    parse_share_override,
    parse_t_override,
    recency_weighted_mean,
    rescale_stability,
    round_half_up,
    stage_hhi,
    supply_risk,
    usgs_disruption_potential,
    usgs_recommended,
    usgs_supply_risk,
)
from chokepoint.datasets.criticality_loader import (
    available_assessments,
    load_criticality_inputs,
    load_wgi_table,
)
from chokepoint.errors import ChokepointError, InputError, NotFoundError

# ----------------------------------------------------------------- spec §5 worked examples


def test_monopoly_hhi_equals_wgi() -> None:
    supply = pd.DataFrame(
        {
            "material": ["m"],
            "stage": ["P"],
            "source": ["GS"],
            "region": ["XXX"],
            "share": [1.0],
            "t": [1.0],
        }
    )
    h = stage_hhi(supply, {"XXX": 5.0})
    assert h.loc[("m", "P"), "hhi_gs"] == pytest.approx(5.0)
    assert np.isnan(h.loc[("m", "P"), "hhi_eu"])


def test_spec_worked_sr() -> None:
    # IR = 1: (5·0.5 + 3·0.5)·(1 − 0.2)·0.9 = 4·0.72 = 2.88
    assert supply_risk(5.0, 3.0, 1.0, 0.2, 0.9) == pytest.approx(2.88)


def test_ir_zero_makes_global_supply_irrelevant() -> None:
    a = supply_risk(0.0, 3.0, 0.0, 0.2, 0.9)
    b = supply_risk(9.0, 3.0, 0.0, 0.2, 0.9)
    assert a == pytest.approx(b) == pytest.approx(3.0 * 0.8 * 0.9)


def test_fallback_modes() -> None:
    modes = np.array(["GS_only", "EU_only", "GS+EU", "bogus"], dtype=object)
    sr = supply_risk(np.full(4, 4.0), np.full(4, 2.0), 0.5, 0.5, 1.0, modes)
    # GS only 4·0.5 = 2 ; EU only 2·0.5 = 1 ; combined (4·0.25 + 2·0.75)·0.5 = 1.25 ; unknown NaN
    np.testing.assert_allclose(sr[:3], [2.0, 1.0, 1.25])
    assert np.isnan(sr[3])


def test_unknown_ir_forces_gs_only() -> None:
    out = effective_mode(
        np.array(["GS+EU", "GS+EU", "EU_only"], dtype=object), [np.nan, 0.3, np.nan]
    )
    assert list(out) == ["GS_only", "GS+EU", "EU_only"]


def test_ei_one_max_sector_is_ten() -> None:
    end_uses = pd.DataFrame({"material": ["m"], "sector": ["C28"], "share": [1.0]})
    va = pd.Series({"C28": 204200.0, "C29": 194448.0})
    ei = economic_importance(end_uses, va, pd.Series({"m": 1.0}))
    assert ei.loc["m", "ei"] == pytest.approx(10.0)


def test_ei_unallocated_drop_and_renormalise() -> None:
    end_uses = pd.DataFrame(
        {
            "material": ["m"] * 4,
            "sector": ["C28", "C29", "C28", "UNALLOCATED"],
            "share": [0.3, 0.3, 0.2, 0.2],
        }
    )
    va = pd.Series({"C28": 200.0, "C29": 100.0})
    si = pd.Series({"m": 0.9})
    # C28 rows summed: 0.5. drop: (0.5·200 + 0.3·100)/200·10·0.9 = 6.5·0.9 = 5.85
    drop = economic_importance(end_uses, va, si)
    assert drop.loc["m", "ei"] == pytest.approx(5.85)
    assert drop.loc["m", "allocated_share"] == pytest.approx(0.8)
    # renormalise over the allocated 0.8: 6.5/0.8·0.9 = 7.3125
    ren = economic_importance(end_uses, va, si, unallocated="renormalise")
    assert ren.loc["m", "ei"] == pytest.approx(7.3125)


def test_critical_rule_rounds_first() -> None:
    # 0.95 -> 1.0 and 2.75 -> 2.8 are critical; 0.94 -> 0.9 is not; NaN never is
    out = is_critical(np.array([0.95, 0.94, 3.0, np.nan]), np.array([2.75, 9.0, 2.74, 5.0]))
    assert list(out) == [True, False, False, False]
    assert round_half_up(0.25) == pytest.approx(0.3)


def test_group_means() -> None:
    scores = pd.DataFrame({"sr": [1.0, 3.0, 2.0], "ei": [4.0, 6.0, np.nan]}, index=["a", "b", "c"])
    g = group_means(scores, {"G": ("a", "b"), "H": ("a", "c")})
    assert g.loc["G", "sr"] == pytest.approx(2.0)
    assert g.loc["G", "ei"] == pytest.approx(5.0)
    assert g.loc["H", "sr"] == pytest.approx(1.5)
    assert np.isnan(g.loc["H", "ei"])  # a member lacks EI -> the group mean is unknown


# ----------------------------------------------------------------- what-if shares


def test_parse_share_override() -> None:
    assert parse_share_override("gallium:chn:p=0.99") == ShareOverride("gallium", "CHN", "P", 0.99)
    ov = parse_share_override("lithium:AUS:E:EU=60%")
    assert (ov.source, ov.share) == ("EU", pytest.approx(0.6))
    for bad in ["gallium:CHN=0.9", "gallium:CHN:X=0.9", "gallium:CHN:P=1.5", "gallium:CHN:P=abc"]:
        with pytest.raises(ChokepointError):
            parse_share_override(bad)


def test_apply_share_override_rescales_others() -> None:
    supply = pd.DataFrame(
        {
            "material": ["Ga"] * 3,
            "stage": ["P"] * 3,
            "source": ["GS"] * 3,
            "country": ["China", "Japan", "Russia"],
            "region": ["CHN", "JPN", "RUS"],
            "share": [0.8, 0.15, 0.05],
            "t": [1.0, 1.0, 1.0],
            "row": [1, 2, 3],
        }
    )
    new, notes = apply_share_overrides(
        supply, [ShareOverride("ga", "CHN", "P", 0.9)], pd.Index(["Ga"])
    )
    # others (0.2) scaled by 0.1/0.2 = 0.5: JPN 0.075, RUS 0.025
    np.testing.assert_allclose(new["share"], [0.9, 0.075, 0.025])
    assert "rescaled by 0.5000" in notes[0]
    with pytest.raises(ChokepointError, match="available stage:source"):
        apply_share_overrides(supply, [ShareOverride("Ga", "CHN", "E", 0.9)], pd.Index(["Ga"]))
    with pytest.raises(NotFoundError):
        apply_share_overrides(supply, [ShareOverride("Zz", "CHN", "P", 0.9)], pd.Index(["Ga"]))
    added, notes_added = apply_share_overrides(
        supply, [ShareOverride("Ga", "USA", "P", 0.5)], pd.Index(["Ga"])
    )
    assert added["share"].sum() == pytest.approx(1.0)
    assert "USA added as a new supplier with t = 1" in notes_added[0]
    assert added.loc[added["region"] == "USA", "t"].item() == 1.0


# ----------------------------------------------------------------- USGS structure


def test_usgs_structure() -> None:
    shares = pd.DataFrame(
        {
            "commodity": ["x", "x"],
            "year": [2018, 2018],
            "region": ["A", "B"],
            "share": [0.8, 0.2],
        }
    )
    # g_A = (2.5 − (−1.5))/5 = 0.8, g_B = (2.5 − 2.5)/5 = 0 ; A imports 50% of its own use
    g = {"A": float(rescale_stability(-1.5)), "B": float(rescale_stability(2.5))}
    dp = usgs_disruption_potential(shares, g, producer_nir={"A": 0.5})
    # DP = 0.8·(0.8·0.5)² + 0 = 0.128
    assert dp[("x", 2018)] == pytest.approx(0.128)
    assert usgs_supply_risk(0.5, 1.2, 0.5) == pytest.approx(0.25)  # TE clipped to 1
    scores = pd.DataFrame(
        {
            "commodity": ["x"] * 5,
            "year": [2014, 2015, 2016, 2017, 2018],
            "sr": [9, 0.1, 0.2, 0.3, 0.6],
        }
    )
    # (0.1·1 + 0.2·2 + 0.3·3 + 0.6·4)/10 = 3.8/10 = 0.38 ; 2014 has no weight
    w = recency_weighted_mean(scores)
    assert w["x"] == pytest.approx(0.38)
    assert list(usgs_recommended(np.array([0.38, 0.40]))) == [False, True]


# ----------------------------------------------------------------- shipped inputs


def test_loader_lists_and_rejects() -> None:
    assert available_assessments() == ["eu-2017", "eu-2020", "eu-2023"]
    with pytest.raises(NotFoundError):
        load_criticality_inputs("eu-2011")


def test_loader_reports_every_malformed_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "material,assessment,year,stage,variable,country,value,unit,source,note\n"
        "Ga,EU CRM 2023,2023,P,global_supply_share,China,abc%,percent,src,\n"
        "Ga,EU CRM 2023,2023,X,global_supply_share,Japan,2%,percent,src,\n"
        "Ga,EU CRM 2023,2023,P,global_supply_share,Atlantis,2%,percent,src,\n"
        "Ga,EU CRM 2023,2023,,SI_SR,,1.7,index,src,\n"
        "Ga,EU CRM 2023,2023,,supply_used_processing,,GS and EU,category,src,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_criticality_inputs("eu-2023", path=path)
    locs = [p.location for p in info.value.problems]
    assert locs == [
        "bad.csv:4:value",
        "bad.csv:5:value",
        "bad.csv:1:value",
        "bad.csv:2:stage",
        "bad.csv:3:country",
    ]
    text = str(info.value)
    assert "expected a value in [0, 1], got 1.7" in text
    assert "got 'Atlantis'" in text


def test_loader_reports_data_caveats() -> None:
    caveats = load_criticality_inputs("eu-2023").caveats
    # rows 3638 and 3639 both give Magnesium C25 "Construction" 13% -> A_s sums to 113%
    assert any(c.startswith("Magnesium: end-use rows 3638, 3639 repeat") for c in caveats)
    assert "Magnesium: end-use shares sum to 113%" in caveats
    # the 2023 REE processing EU-sourcing rows are near copies of the global rows
    assert any(c.startswith("Lanthanum P: EU-sourcing shares mirror") for c in caveats)
    assert not any(c.startswith("Gallium P: EU-sourcing shares mirror") for c in caveats)
    assert any(c.startswith("Coking coal: rows 648-648") for c in caveats)


def test_2017_sr_by_hand() -> None:
    inputs = load_criticality_inputs("eu-2017")
    out, _ = assess_eu(inputs)
    # Antimony P: (7.1·0.5 + 5.7·0.5)·(1 − 0.28)·0.9 = 6.4·0.648 = 4.1472
    assert out.loc["Antimony", "sr_P"] == pytest.approx(4.1472)
    # Baryte E: (1.5·0.4 + 1.8·0.6)·(1 − 0.01)·0.9 = 1.68·0.891 = 1.49688
    assert out.loc["Baryte", "sr_E"] == pytest.approx(1.49688)
    # Aggregates E, EU only: 0.2·(1 − 0.08)·0.9 = 0.1656
    assert out.loc["Aggregates", "sr"] == pytest.approx(0.1656)
    # every one of the 78 materials of 2017 has the inputs SR needs, plus 3 group means
    assert out["sr"].notna().sum() == 78 + 3


def test_2023_gallium_by_hand() -> None:
    inputs = load_criticality_inputs("eu-2023")
    out, stage = assess_eu(inputs)
    # WGI* (2019 proxy): CHN 5.72 DEU 2.08 JPN 2.35 KOR 3.12 RUS 6.16 UKR 6.14 GBR 2.26 USA 2.74
    # HHI_GS = .938²·5.72 + .003²·2.08·.8 + .01²·2.35 + .009²·3.12 + .019²·6.16 + .022²·6.14
    #        = 5.032708 + 0.000015 + 0.000235 + 0.000253 + 0.002224 + 0.002972 = 5.038407
    # HHI_EU = .69²·5.72 + .02²·2.08·.8 + .01²·6.16 + .02²·6.14 + .09²·2.26 + .10²·2.74
    #        = 2.723292 + 0.000666 + 0.000616 + 0.002456 + 0.018306 + 0.0274 = 2.772736
    #          (Hong Kong 1% and Taiwan 2% have no WGI* in the proxy: excluded and reported)
    # SR = (5.038407·0.49 + 2.772736·0.51)·(1 − 0)·0.98 = 3.882914·0.98 = 3.805256
    row = stage.set_index(["material", "stage"]).loc[("Gallium", "P")]
    assert row["hhi_gs"] == pytest.approx(5.038407, abs=2e-6)
    assert row["hhi_eu"] == pytest.approx(2.772736, abs=2e-6)
    assert row["wgi_missing_share_eu"] == pytest.approx(0.03)
    assert out.loc["Gallium", "sr"] == pytest.approx(3.805256, abs=2e-6)
    # EI: C26 (5% + 70%)·77000 + C27 25%·89422 = 80105.5 ; /204200·10·0.98 = 3.844436
    assert out.loc["Gallium", "ei"] == pytest.approx(3.844436, abs=1e-6)
    assert out.loc["Gallium", "critical"] is True
    # Dysprosium P, GS only, China 100%: 5.72·(1 − 0.01)·0.99 = 5.606172
    assert out.loc["Dysprosium", "sr_P"] == pytest.approx(5.606172)
    # E stage needs EU-sourcing shares that the inputs do not have -> stated, not guessed
    assert "E: no EU-sourcing shares" in out.loc["Dysprosium", "note"]
    assert not out.loc["Dysprosium", "sr_complete"]


def test_2023_gallium_what_if() -> None:
    inputs = load_criticality_inputs("eu-2023")
    base, _ = assess_eu(inputs)
    supply, notes = apply_share_overrides(
        inputs.supply, [parse_share_override("gallium:CHN:P=0.99")], inputs.materials.index
    )
    from dataclasses import replace

    out, _ = assess_eu(replace(inputs, supply=supply))
    assert out.loc["Gallium", "sr"] > base.loc["Gallium", "sr"]
    # HHI_GS ≈ .99²·5.72 + tiny = 5.606 ; SR ≈ (5.606·.49 + 2.7727·.51)·.98 ≈ 4.08
    assert out.loc["Gallium", "sr"] == pytest.approx(4.08, abs=0.01)
    assert "Gallium P global supply: CHN share 0.938 -> 0.990" in notes[0]
    # CRMA benchmark on EU sourcing: China supplies 69% of the EU's refined gallium (> 65%)
    conc = eu_assessment("eu-2023").concentration
    assert conc.loc[("Gallium", "P", "EU"), "top_third_country"] == "CHN"
    assert conc.loc[("Gallium", "P", "EU"), "crma_65_exceeded"] is True
    assert conc.loc[("Gallium", "P", "GS"), "crma_65_exceeded"] is None
    # other materials untouched
    assert out.loc["Cobalt", "sr"] == pytest.approx(base.loc["Cobalt", "sr"])


# ----------------------------------------------------------------- CLI


def _cli() -> typer.Typer:
    from chokepoint.cli.criticality import criticality

    app = typer.Typer()
    app.command()(criticality)

    @app.callback()
    def _root() -> None:  # keeps "criticality" as a sub-command name
        """Test root."""

    return app


def test_cli_json_what_if_and_plot(tmp_path: Path) -> None:
    plot = tmp_path / "crit.png"
    result = CliRunner().invoke(
        _cli(),
        ["criticality", "--set", "gallium:CHN:P=0.99", "--plot", str(plot), "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["assessment"] == "eu-2023"
    assert data["thresholds"] == {"sr": 1.0, "ei": 2.8, "rounding": "1 decimal"}
    (ga,) = [w for w in data["what_if"] if w["material"] == "Gallium"]
    assert ga["sr_before"] == pytest.approx(3.8053, abs=1e-4)
    assert ga["sr_after"] > ga["sr_before"]
    assert "CHN share 0.938 -> 0.990" in data["overrides"][0]
    assert plot.stat().st_size > 10_000
    assert plot.read_bytes()[:4] == b"\x89PNG"
    (cu,) = [m for m in data["materials"] if m["material"] == "Copper"]
    assert cu["critical"] is False
    assert cu["policy"].startswith("listed as strategic by policy")


def test_cli_table_and_errors() -> None:
    runner = CliRunner()
    ok = runner.invoke(_cli(), ["criticality", "-a", "eu-2017", "-m", "antimony"])
    assert ok.exit_code == 0, ok.output
    assert "Antimony" in ok.stdout and "4.15" in ok.stdout
    bad = runner.invoke(_cli(), ["criticality", "--set", "gallium:CHN:E=0.99"])
    assert bad.exit_code == 2
    assert "available stage:source pairs: P:GS, P:EU" in bad.output
    unknown = runner.invoke(_cli(), ["criticality", "-a", "eu-1999"])
    assert unknown.exit_code == 2


def test_user_wgi_table(tmp_path: Path) -> None:
    good = tmp_path / "wgi.csv"
    # China WGI mean −0.5 -> WGI* = 2·(2.5 + 0.5) = 6.0 ; Japan given already scaled
    good.write_text("country,wgi_mean\nChina,-0.5\nJapan,3.1\n", encoding="utf-8")
    wgi = load_wgi_table(good)
    assert wgi["CHN"] == pytest.approx(6.0)
    assert wgi["JPN"] == pytest.approx(0.0)  # 2·(2.5 − 3.1) = −1.2, clipped to 0
    bad = tmp_path / "bad.csv"
    bad.write_text("region,wgi_scaled\nCHN,11\nchina,5\nJPN,x\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_wgi_table(bad)
    assert [p.location for p in info.value.problems] == [
        "bad.csv:2:wgi_scaled",
        "bad.csv:3:region",
        "bad.csv:4:wgi_scaled",
    ]
    # Dysprosium P is China 100%, GS only: SR = WGI*_CHN·(1 − 0.01)·0.99 = 6.0·0.9801 = 5.8806
    out, _ = assess_eu(load_criticality_inputs("eu-2023"), wgi=wgi)
    assert out.loc["Dysprosium", "sr"] == pytest.approx(5.8806)
    result = CliRunner().invoke(
        _cli(), ["criticality", "-m", "dysprosium", "--wgi", str(good), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["materials"][0]["sr"] == pytest.approx(5.8806)
    assert data["governance"].startswith("WGI* from")


def test_docs_python_blocks_run(capsys: pytest.CaptureFixture[str]) -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "criticality.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "docs/criticality.md has no python example"
    for code in blocks:
        exec(compile(code, str(doc), "exec"), {})
    assert "CHN share 0.938 -> 0.990" in capsys.readouterr().out


def test_trade_factor_override() -> None:
    assert parse_t_override("gallium:CHN:P=1.5") == TradeFactorOverride("gallium", "CHN", "P", 1.5)
    for bad in ["gallium:CHN:P=0", "gallium:CHN:P=x", "gallium:CHN=1.2"]:
        with pytest.raises(ChokepointError):
            parse_t_override(bad)
    # Dysprosium P: China 100%, GS only; t 1 -> 1.5 multiplies SR by 1.5: 5.606172·1.5 = 8.409258
    res = eu_assessment("eu-2023", t_overrides=[parse_t_override("dysprosium:CHN:P=1.5")])
    assert res.scores.loc["Dysprosium", "sr"] == pytest.approx(8.409258)
    assert res.baseline is not None
    assert res.baseline.loc["Dysprosium", "sr"] == pytest.approx(5.606172)
    assert res.overrides == ("Dysprosium P global supply: CHN trade factor t 1 -> 1.5",)
    with pytest.raises(ChokepointError, match="set a share for it first"):
        eu_assessment("eu-2023", t_overrides=[parse_t_override("dysprosium:USA:P=1.5")])
    # embargo-style what-if: a supplier's share set to 0 moves its volume to the others
    emb = eu_assessment("eu-2023", overrides=[parse_share_override("cobalt:COD:E=0")])
    assert emb.scores.loc["Cobalt", "sr_E"] < emb.baseline.loc["Cobalt", "sr_E"]
