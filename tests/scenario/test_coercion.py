"""Coercion instruments on tiny hand-checked networks: the de minimis boundary, a technology or
equipment ban that delays a planned plant (and a third-country equipment maker that breaks it),
and firm control where only the firm's buyers without alternatives stop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import chokepoint as cp
from chokepoint.errors import InputError
from chokepoint.scenario.batch import ScenarioBatch
from chokepoint.scenario.coercion import content_share
from chokepoint.scenario.compile import compile_scenario
from chokepoint.scenario.load import load_scenario


def build(
    producers: list[tuple[str, str, float, float, str]],
    recipes: list[tuple[str, str, float]],
    links: list[tuple[str, str, float, int]],
    final: list[tuple[str, str, float]],
    values: dict[str, float],
    alternatives: tuple[tuple[str, str, int], ...] = (),
) -> cp.CompiledNetwork:
    """Producers (region, product, capacity, output, firm or ''); owner = the firm's first region."""
    regions = sorted({p[0] for p in producers} | {f[1] for f in final})
    owner = {}
    for r, _, _, _, f in producers:
        owner.setdefault(f, r)
    raw = {
        "regions": pd.DataFrame({"region": regions, "source": "test"}),
        "products": pd.DataFrame(
            {
                "product": list(values),
                "stage": "material",
                "unit": "t",
                "unit_value_usd": list(values.values()),
                "source": "test",
            }
        ),
        "producers": pd.DataFrame(
            [
                (r, q, f or None, owner[f] if f else None, c, o, "test")
                for r, q, c, o, f in producers
            ],
            columns=["region", "product", "firm", "owner_region", "capacity", "output", "source"],
        ),
        "recipes": pd.DataFrame(
            [(*r, "test") for r in recipes], columns=["product", "input", "amount", "source"]
        ),
        "links": pd.DataFrame(
            [(*lk, "test") for lk in links],
            columns=["supplier", "buyer", "flow", "lead_time_days", "source"],
        ),
        "final_demand": pd.DataFrame(
            [(*f, "test") for f in final], columns=["supplier", "region", "quantity", "source"]
        ),
        "stocks": pd.DataFrame(
            columns=["node", "input", "target_days", "initial_days", "strategic_days", "source"]
        ),
        "alternatives": pd.DataFrame(
            list(alternatives), columns=["buyer", "supplier", "qualification_days"]
        ).assign(source="test"),
    }
    return cp.build_network(cp.validate_tables(raw, name="tiny", meta={"default_stock_days": 30}))


def scenario(horizon: int, **instruments: dict[str, Any]) -> Any:
    return load_scenario({"name": "t", "horizon_days": horizon, "instruments": instruments})


def permitted_suppliers(net: cp.CompiledNetwork, batch: ScenarioBatch) -> set[str]:
    src = np.concatenate([net.link_src, net.alt_src])
    return {str(net.node_ids[src[i]]) for r in batch.rules_of("permit") for i in r.index}


# --------------------------------------------------------------------------------------------
# Extraterritorial licensing: the de minimis boundary
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def magnets() -> cp.CompiledNetwork:
    """C mines ``ree`` (USD 100/t). J makes two magnets (USD 100/t each): ``mag_hi`` with 0.0011 t
    of ree per t, ``mag_lo`` with 0.0009 t. Content shares: 0.0011 x 100 / 100 = 0.0011 and
    0.0009 x 100 / 100 = 0.0009. U makes ``car`` (USD 100) from one t of each magnet
    (car: 1 x 100 x 0.0011 + 1 x 100 x 0.0009 = 0.2 USD of ree per 100 USD = 0.002) and ``jet``
    (defence end use) from mag_hi."""
    return build(
        producers=[
            ("C", "ree", 100.0, 0.02, ""),
            ("J", "mag_hi", 100.0, 10.0, ""),
            ("J", "mag_lo", 100.0, 10.0, ""),
            ("U", "car", 100.0, 5.0, ""),
            ("U", "jet", 100.0, 5.0, ""),
        ],
        recipes=[
            ("mag_hi", "ree", 0.0011),
            ("mag_lo", "ree", 0.0009),
            ("car", "mag_hi", 1.0),
            ("car", "mag_lo", 1.0),
            ("jet", "mag_hi", 1.0),
        ],
        links=[
            ("C/ree", "J/mag_hi", 0.011, 10),
            ("C/ree", "J/mag_lo", 0.009, 10),
            ("J/mag_hi", "U/car", 5.0, 5),
            ("J/mag_lo", "U/car", 5.0, 5),
            ("J/mag_hi", "U/jet", 5.0, 5),
        ],
        final=[("J/mag_lo", "U", 5.0), ("U/car", "U", 5.0), ("U/jet", "U", 5.0)],
        values={"ree": 100.0, "mag_hi": 100.0, "mag_lo": 100.0, "car": 100.0, "jet": 100.0},
    )


def test_content_shares_by_hand(magnets: cp.CompiledNetwork) -> None:
    share = pd.Series(content_share(magnets, ["ree"], "C"), index=magnets.node_ids)
    assert share["J/mag_hi"] == pytest.approx(0.0011, rel=1e-9)
    assert share["J/mag_lo"] == pytest.approx(0.0009, rel=1e-9)
    assert share["U/car"] == pytest.approx(0.002, rel=1e-9)


def regime(**extra: Any) -> dict[str, Any]:
    return {
        "type": "extraterritorial_licensing",
        "actor": "C",
        "products": ["ree"],
        "de_minimis": 0.001,
        "approval_share": 0.0,
        "include_direct": False,
        **extra,
    }


def test_just_above_the_threshold_is_caught_just_below_is_not(magnets: cp.CompiledNetwork) -> None:
    batch = compile_scenario(scenario(30, rule=regime()), magnets)
    # J/mag_hi (0.0011 >= 0.001) exports to U: caught; J/mag_lo (0.0009): not; U's car and jet
    # are sold at home (not exports).
    assert permitted_suppliers(magnets, batch) == {"J/mag_hi"}
    assert not batch.rules_of("final_permit")  # mag_lo's final demand in U is not caught
    caught = batch.meta["extraterritorial"][0]["caught"]
    assert [c["node"] for c in caught] == ["J/mag_hi"]
    # lower the threshold to 0.0008: both magnets caught, and mag_lo's final demand in U too
    lower = compile_scenario(scenario(30, rule=regime(de_minimis=0.0008)), magnets)
    assert permitted_suppliers(magnets, lower) == {"J/mag_hi", "J/mag_lo"}
    assert len(lower.rules_of("final_permit")) == 1


def test_direct_exports_and_end_use_scope(magnets: cp.CompiledNetwork) -> None:
    direct = compile_scenario(scenario(30, rule=regime(include_direct=True)), magnets)
    assert permitted_suppliers(magnets, direct) == {"C/ree", "J/mag_hi"}
    defence = compile_scenario(scenario(30, rule=regime(end_uses=["jet"])), magnets)
    rule = defence.rules_of("permit")[0]
    # only the link J/mag_hi -> U/jet (link order: by supplier, then buyer)
    assert [str(magnets.node_ids[magnets.link_dst[i]]) for i in rule.index] == ["U/jet"]
    countries = compile_scenario(scenario(30, rule=regime(targets=["J"])), magnets)
    assert not countries.rules_of("permit")  # nothing caught is exported to J


def test_licence_window_and_simulated_effect(magnets: cp.CompiledNetwork) -> None:
    inst = regime(approval_share=0.5, processing_days=20)
    batch = compile_scenario(scenario(80, rule=inst), magnets)
    rule = batch.rules_of("permit")[0]
    assert rule.value_on(19)[0] == 0.0 and rule.value_on(20)[0] == 0.5
    ds = cp.simulate(magnets, batch)
    out = ds["output"].sel(scenario=ds["scenario"].values[0])
    nodes = list(magnets.node_ids)
    # U/jet loses output once its 30 days of mag_hi stock run out (no supply for 20 days, then
    # half). J/mag_lo is not caught: it still serves its final demand (5/day); it only loses the
    # orders U/car no longer places when U/car itself lacks mag_hi.
    assert float(out.isel(node=nodes.index("U/jet")).min()) < 0.95 * 5.0
    mag_lo = out.isel(node=nodes.index("J/mag_lo"))
    assert float(mag_lo.min()) >= 5.0 - 1e-9 and float(mag_lo.isel(day=0)) == pytest.approx(10.0)


# --------------------------------------------------------------------------------------------
# Technology and equipment export bans
# --------------------------------------------------------------------------------------------


def plants(third_country_maker: bool) -> cp.CompiledNetwork:
    """C makes ``mag`` (10/day to U) and ``equip``; U plans a magnet plant (U/mag, capacity 0).
    With ``third_country_maker``, J also makes ``equip``."""
    producers = [
        ("C", "ore", 20.0, 10.0, ""),
        ("C", "mag", 20.0, 10.0, ""),
        ("U", "mag", 0.0, 0.0, ""),
        ("C", "equip", 2.0, 1.0, ""),
    ]
    final = [("C/mag", "U", 10.0), ("C/equip", "C", 1.0)]
    if third_country_maker:
        producers.append(("J", "equip", 2.0, 1.0, ""))
        final.append(("J/equip", "J", 1.0))
    return build(
        producers,
        [("mag", "ore", 1.0)],
        [("C/ore", "C/mag", 10.0, 1)],
        final,
        values={"ore": 5.0, "mag": 50.0, "equip": 1000.0},
    )


INVEST = {
    "type": "capacity_investment",
    "actor": "U",
    "products": ["mag"],
    "units_per_day": 5.0,
    "lead_time_days": 10,
}


def capacity_of(net: cp.CompiledNetwork, batch: ScenarioBatch, node: str) -> np.ndarray:
    ds = cp.simulate(net, batch)
    nodes = list(net.node_ids)
    return np.asarray(ds["capacity"].isel(scenario=0, node=nodes.index(node)).values)


def test_tech_ban_delays_the_planned_plant_by_the_stated_lead_time() -> None:
    net = plants(third_country_maker=False)
    ban = {"type": "tech_export_ban", "actor": "C", "products": ["mag"]}
    free = compile_scenario(scenario(40, plant=INVEST), net)
    banned = compile_scenario(
        scenario(40, plant=INVEST, ban={**ban, "banned_lead_time_days": 30}), net
    )
    assert [r.start for r in free.rules_of("capacity_add")] == [10]
    assert [r.start for r in banned.rules_of("capacity_add")] == [30]  # day 0 + 30
    cap = capacity_of(net, banned, "U/mag")
    assert cap[29] == 0.0 and cap[30] == pytest.approx(5.0)
    # without a stated lead time, the plant is not built within the horizon
    never = compile_scenario(scenario(40, plant=INVEST, ban=ban), net)
    assert not never.rules_of("capacity_add")
    assert never.meta["warnings"] == []  # intended, so not a warning: recorded per plant
    assert [b["effective_lead_time_days"] for b in never.meta["capacity_bans"]] == [None]
    # a technology holder (J) breaks the ban: the plant proceeds with its own lead time
    held = compile_scenario(
        scenario(40, plant=INVEST, ban={**ban, "technology_holders": ["J"]}),
        plants(third_country_maker=True),
    )
    assert [r.start for r in held.rules_of("capacity_add")] == [10]
    # an investment decided before the ban starts is not affected
    late = compile_scenario(scenario(40, plant=INVEST, ban={**ban, "start_day": 10}), net)
    assert [r.start for r in late.rules_of("capacity_add")] == [10]


def test_third_country_equipment_maker_breaks_the_equipment_ban() -> None:
    ban = {
        "type": "equipment_export_ban",
        "actor": "C",
        "products": ["mag"],
        "equipment": ["equip"],
        "banned_lead_time_days": 30,
        "third_country_lead_time_days": 15,
    }
    alone = compile_scenario(scenario(40, plant=INVEST, ban=ban), plants(False))
    assert [r.start for r in alone.rules_of("capacity_add")] == [30]
    net = plants(True)
    broken = compile_scenario(scenario(40, plant=INVEST, ban=ban), net)
    assert [r.start for r in broken.rules_of("capacity_add")] == [15]  # J's lead time
    record = broken.meta["capacity_bans"][0]
    assert record["broken_by"] == ["J/equip"] and record["effective_lead_time_days"] == 15
    cap = capacity_of(net, broken, "U/mag")
    assert cap[14] == 0.0 and cap[15] == pytest.approx(5.0)


def test_equipment_ban_needs_equipment() -> None:
    with pytest.raises(InputError, match="equipment"):
        scenario(10, ban={"type": "equipment_export_ban", "actor": "C", "products": ["mag"]})


# --------------------------------------------------------------------------------------------
# Firm control
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def firm() -> cp.CompiledNetwork:
    """Firm F: wafer fab E/wafer/F (owner region E) -> packaging plant C/chip/F. C/chip/F sells
    10/day to each of U1 (its only supplier), U2 (which also buys 10/day from T/chip, a plant with
    spare capacity, with its own wafer fab T/wafer) and U3 (qualified alternative T/chip after 0
    days). Each car maker makes 10
    or 20 cars/day from one chip each; stocks 30 days."""
    return build(
        producers=[
            ("E", "wafer", 40.0, 30.0, "F"),
            ("C", "chip", 40.0, 30.0, "F"),
            ("T", "wafer", 100.0, 10.0, ""),
            ("T", "chip", 100.0, 10.0, ""),
            ("U1", "car", 20.0, 10.0, ""),
            ("U2", "car", 40.0, 20.0, ""),
            ("U3", "car", 20.0, 10.0, ""),
        ],
        recipes=[("chip", "wafer", 1.0), ("car", "chip", 1.0)],
        links=[
            ("E/wafer/F", "C/chip/F", 30.0, 5),
            ("T/wafer", "T/chip", 10.0, 1),
            ("C/chip/F", "U1/car", 10.0, 5),
            ("C/chip/F", "U2/car", 10.0, 5),
            ("C/chip/F", "U3/car", 10.0, 5),
            ("T/chip", "U2/car", 10.0, 5),
        ],
        final=[("U1/car", "U1", 10.0), ("U2/car", "U2", 20.0), ("U3/car", "U3", 10.0)],
        values={"wafer": 10.0, "chip": 20.0, "car": 100.0},
        alternatives=(("U3/car", "T/chip", 0),),
    )


def pain_days(net: cp.CompiledNetwork, batch: ScenarioBatch) -> dict[str, Any]:
    import chokepoint.results  # noqa: F401  (ds.cp)

    ds = cp.simulate(net, batch)
    ttp = ds.cp.time_to_pain(by="node")
    return dict(zip(ttp["node"], ttp["day"], strict=True))


def test_block_exports_stops_only_buyers_without_alternatives(firm: cp.CompiledNetwork) -> None:
    cut = {"type": "firm_control", "actor": "C", "products": ["chip"], "firm": "F"}
    batch = compile_scenario(scenario(120, cut=cut), firm)
    assert permitted_suppliers(firm, batch) == {"C/chip/F"}
    days = pain_days(firm, batch)
    # U1 has only F: it runs on 30 days of chips (+5 in transit) and stops; U2 shifts its orders
    # to T (spare capacity 90/day) and U3 to its qualified alternative before their stock runs out
    assert days["U1/car"] is not None and 25 <= days["U1/car"] <= 40
    assert days["U2/car"] is None and days["U3/car"] is None
    assert days["T/chip"] is None


def test_exemption_from_a_day_keeps_the_buyer_running(firm: cp.CompiledNetwork) -> None:
    cut = {
        "type": "firm_control",
        "actor": "C",
        "products": ["chip"],
        "firm": "F",
        "exempt": [{"buyers": ["U1"], "from_day": 10}],
    }
    batch = compile_scenario(scenario(120, cut=cut), firm)
    exempt = next(r for r in batch.rules_of("permit") if r.label.endswith("exempt0"))
    assert exempt.value_on(9)[0] == 0.0 and exempt.value_on(10)[0] == 1.0
    assert pain_days(firm, batch)["U1/car"] is None  # 30 days of stock bridge the 10 days


def test_owner_stops_supplying_its_plant(firm: cp.CompiledNetwork) -> None:
    stop = {
        "type": "firm_control",
        "actor": "E",
        "products": ["wafer"],
        "firm": "F",
        "action": "stop_supply",
        "targets": ["C"],
    }
    batch = compile_scenario(scenario(150, stop=stop), firm)
    assert permitted_suppliers(firm, batch) == {"E/wafer/F"}
    days = pain_days(firm, batch)
    # the packaging plant runs out of wafers first (30 days + 5 in transit), then U1 (its chips)
    assert days["C/chip/F"] is not None and days["U1/car"] is not None
    assert days["C/chip/F"] < days["U1/car"]
    assert days["U2/car"] is None


def test_unknown_firm_and_buyer_fail_with_a_message(firm: cp.CompiledNetwork) -> None:
    cut = {"type": "firm_control", "actor": "C", "products": ["chip"], "firm": "G"}
    with pytest.raises(InputError, match="expected a firm of the dataset"):
        compile_scenario(scenario(30, cut=cut), firm)
    bad = {**cut, "firm": "F", "exempt": [{"buyers": ["nowhere"], "from_day": 1}]}
    with pytest.raises(InputError, match="expected a node id or region"):
        compile_scenario(scenario(30, cut=bad), firm)
    with pytest.raises(InputError, match="stop_supply"):
        scenario(30, cut={**cut, "firm": "F", "action": "stop_supply"})
