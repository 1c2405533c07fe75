"""Hand-checked chains: A (region X) -> B (Y) -> C (Y) -> final demand, 10 units/day, 1:1 recipes.

B holds 30 days of input a (300 units), A -> B has a lead time of 5 days, B -> C of 3 days; the
pipeline A -> B holds 5 days of shipments (arriving on days 0..4) when the ban starts on day 0.
"""

from __future__ import annotations

import numpy as np

import chokepoint as cp
from chokepoint.scenario.batch import Rule, ScenarioBatch
from chokepoint.testing.chains import chain

H = 80


def _ban(size: int = 1, severity: float = 1.0) -> Rule:
    # link 0 is X/a -> Y/b (links are sorted by supplier)
    return Rule("permit", np.array([0]), 0, np.full((size, 1), 1.0 - severity), length=H)


def _out(ds: object, node: str) -> np.ndarray:
    return ds["output"].sel(node=node).values[0]  # type: ignore[index]


def test_total_ban_stops_the_buyer_when_its_stock_runs_out() -> None:
    net = chain()
    ds = cp.simulate(net, ScenarioBatch("ban", H, ["m"], rules=[_ban()]))
    b = _out(ds, "Y/b")
    # Days 0-4: the 5 days in transit arrive (+10) and 10 is used: stock stays 300.
    # Days 5-34: 10/day from stock: 300 -> 0 at the end of day 34. Day 35: nothing left.
    np.testing.assert_allclose(b[:35], 10.0, rtol=1e-12)
    np.testing.assert_allclose(b[35:], 0.0, atol=1e-12)
    ttp = ds.cp.time_to_pain(by="node").set_index("node")["day"]
    assert ttp["Y/b"] == 35
    # C: B's last shipment (day 34) arrives on day 37; from day 38 C's 300 units last 30 days.
    assert ttp["Y/c"] == 68
    # A, unable to sell, drops to zero on day 0 (demand-bound), its market price falls.
    assert ttp["X/a"] == 0
    lost = ds.cp.output_lost(by="node").set_index("node")
    assert lost.loc["Y/b", "units"] == (H - 35) * 10
    # B could not make it (bound by its input), A was not asked for it (its orders held back)
    assert (lost.loc["Y/b", "units_supply"], lost.loc["Y/b", "units_orders"]) == ((H - 35) * 10, 0)
    assert (lost.loc["X/a", "units_supply"], lost.loc["X/a", "units_orders"]) == (0, H * 10)


def test_stockpile_release_delays_the_stop_by_its_size_in_days() -> None:
    # B holds a strategic stockpile of 10 days (100 units), released at 20/day over days 0-4.
    net = chain(strategic=10.0)
    release = Rule("stock_release", np.array([0]), 0, np.full((1, 1), 20.0), length=5)
    ds = cp.simulate(net, ScenarioBatch("ban+release", H, ["m"], rules=[_ban(), release]))
    ttp = ds.cp.time_to_pain(by="node").set_index("node")["day"]
    assert ttp["Y/b"] == 35 + 10  # 100 extra units / 10 per day
    # Releasing more than the stockpile holds moves only what is there (100 units).
    big = Rule("stock_release", np.array([0]), 0, np.full((1, 1), 1e6), length=1)
    ds2 = cp.simulate(net, ScenarioBatch("ban+big", H, ["m"], rules=[_ban(), big]))
    assert ds2.cp.time_to_pain(by="node").set_index("node")["day"]["Y/b"] == 45


def test_alternative_supplier_after_qualification_limits_the_loss() -> None:
    # B may buy from Z/a (capacity 1000, spare 990) 40 days after its first shortfall (day 0).
    # Instant switch (adaptation speed 1) and one-day gap closing (T_r = 1) keep the arithmetic
    # short: end of day 40 the shares move to Z/a; day 41 B orders its planned use 10 plus its
    # whole gap, target 300 + pipeline 5 x 10 = 350 (stock 0, nothing in transit); it arrives on day 46
    # (the alternative ships with the longest current lead time, 5 days). B is idle on days 35-45
    # (11 days, 110 units lost) and back at 10/day from day 46, stock never empty again.
    net = chain(alt_days=40)
    # (no overproduction, so B cannot run above its capacity of 10 to work off C's backlog)
    params = cp.EngineParams(
        adaptation_speed=1.0, inventory_restoration_days=1.0, overproduction_max=1.0
    )
    ds = cp.simulate(net, ScenarioBatch("ban", H, ["m"], rules=[_ban()]), params)
    b = _out(ds, "Y/b")
    np.testing.assert_allclose(b[:35], 10.0, rtol=1e-9)
    np.testing.assert_allclose(b[35:46], 0.0, atol=1e-9)
    np.testing.assert_allclose(b[46:], 10.0, rtol=1e-9)
    lost = ds.cp.output_lost(by="node").set_index("node").loc["Y/b", "units"]
    assert abs(lost - 110.0) < 1e-6
    # the alternative's exports (Z -> Y) jump on day 41 by B's 360-unit order
    ex = ds["exports"].sel(node="Z/a").values[0]
    np.testing.assert_allclose(ex[41], 360.0, rtol=1e-9)
    # without the alternative, B loses 10/day from day 35 to the end
    ds0 = cp.simulate(chain(), ScenarioBatch("ban", H, ["m"], rules=[_ban()]), params)
    assert ds0.cp.output_lost(by="node").set_index("node").loc["Y/b", "units"] == (H - 35) * 10


def test_quota_caps_exports() -> None:
    # Quota of 5/day on A -> B: B receives 5 of the 10 it uses from day 5 on, so its stock falls
    # 5/day: 300 - 5 (j + 1) after day 5 + j. On day 65 it starts with 0 + 5 arriving: output 5.
    net = chain()
    quota = Rule("quota", np.array([0]), 0, np.full((1, 1), 5.0), length=H)
    ds = cp.simulate(net, ScenarioBatch("quota", H, ["m"], rules=[quota]))
    ex = ds["exports"].sel(node="X/a").values[0]
    np.testing.assert_allclose(ex, 5.0, rtol=1e-12)
    b = _out(ds, "Y/b")
    np.testing.assert_allclose(b[:65], 10.0, rtol=1e-12)
    np.testing.assert_allclose(b[65:], 5.0, rtol=1e-9)
    assert ds.cp.time_to_pain(by="node").set_index("node")["day"]["Y/b"] == 65


def test_capacity_shock_and_monthly_exports() -> None:
    # A loses half its capacity (100 -> 50) for 10 days: still above the 10/day it sells: no loss.
    net = chain()
    shock = Rule("capacity_factor", np.array([0]), 0, np.full((1, 1), 0.5), length=10)
    ds = cp.simulate(net, ScenarioBatch("shock", H, ["m"], rules=[shock]))
    np.testing.assert_allclose(ds["output"].values[0], 10.0, rtol=1e-12)
    np.testing.assert_allclose(ds["capacity"].sel(node="X/a").values[0, :10], 50.0)
    # A deeper shock (factor 0.05 -> capacity 5) halves B's supply from day 5 on.
    deep = Rule("capacity_factor", np.array([0]), 0, np.full((1, 1), 0.05), length=H)
    flat = cp.EngineParams(overproduction_max=1.0)
    ds = cp.simulate(net, ScenarioBatch("deep", H, ["m"], rules=[deep]), flat)
    months = ds.cp.exports_monthly().set_index(["exporter", "product", "month"])
    # X exports 5/day (half of baseline) in every month (months of 30, 30 and 20 days)
    np.testing.assert_allclose(months.loc[("X", "a"), "share_of_baseline"].to_numpy(), 0.5)
    # With ARIO overproduction (α up to 1.25 over τ_α = 365 days) A slowly raises its output:
    # day 0 α = 1, then α += (1.25 - α) * scarcity / 365 with scarcity = (10 - 5) / 10 = 0.5.
    ds = cp.simulate(net, ScenarioBatch("deep", H, ["m"], rules=[deep]))
    a = ds["output"].sel(node="X/a").values[0]
    assert a[0] == 5.0
    np.testing.assert_allclose(a[1], 5.0 * (1 + 0.25 * 0.5 / 365), rtol=1e-12)
    assert np.all(np.diff(a) > 0)


def test_adaptation_weighs_spare_capacity_by_the_permitted_share() -> None:
    # Half of B's orders to A are permitted (p = 0.5) from day 0; the alternative Z/a qualifies at
    # once. Day 0: B ordered 10, got 5 (short s = 0.5). A's spare is 100 − 5 = 95, reachable only
    # at p = 0.5, so w_A = 47.5; Z's spare is 1000 − 10 = 990. With speed 1 the shares become
    # σ*_A = 5/10 + s w_A / W = 0.5 + 0.5 · 47.5 / 1037.5 and σ*_Z = 0.5 · 990 / 1037.5, and on
    # day 1 the exports of A and Z to B stand in the ratio σ*_Z / (p σ*_A).
    net = chain(alt_days=0)
    params = cp.EngineParams(adaptation_speed=1.0)
    ds = cp.simulate(net, ScenarioBatch("half", 3, ["m"], rules=[_ban(severity=0.5)]), params)
    w_a, w_z = 0.5 * 95.0, 990.0
    sigma_a = 0.5 + 0.5 * w_a / (w_a + w_z)
    sigma_z = 0.5 * w_z / (w_a + w_z)
    ex_a = ds["exports"].sel(node="X/a").values[0]
    ex_z = ds["exports"].sel(node="Z/a").values[0]
    np.testing.assert_allclose(ex_a[0], 5.0, rtol=1e-12)
    np.testing.assert_allclose(ex_z[1] / ex_a[1], sigma_z / (0.5 * sigma_a), rtol=1e-9)


def test_a_batch_runs_the_same_arithmetic_as_its_single_runs() -> None:
    # A batch (S > 1) runs the passes with the scenario innermost, one scenario the scalar passes:
    # the same expressions in the same order, so every member equals its single run bit for bit —
    # here with bans of three severities, an alternative that qualifies after 3 days, adaptation
    # and float32.
    net = chain(alt_days=3)
    severities = np.array([0.0, 0.6, 1.0])
    values = (1.0 - severities)[:, None]
    for dtype in ("float64", "float32"):
        params = cp.EngineParams(adaptation_speed=0.5, dtype=dtype)  # type: ignore[arg-type]
        rule = Rule("permit", np.array([0]), 0, values, length=H)
        batch = cp.simulate(net, ScenarioBatch("b", H, ["lo", "mid", "hi"], rules=[rule]), params)
        assert batch["output"].values.std(axis=0).max() > 0  # the members differ
        for i in range(3):
            one = Rule("permit", np.array([0]), 0, values[i : i + 1], length=H)
            single = cp.simulate(net, ScenarioBatch("s", H, ["m"], rules=[one]), params)
            for var in ("output", "exports", "inventory_days", "unmet_demand", "price"):
                np.testing.assert_array_equal(batch[var].values[i], single[var].values[0])


def test_buyers_return_to_their_supplier_once_the_ban_ends() -> None:
    # A -> B is banned on days 0-9; the alternative Z/a qualifies at once. Day 0: B is short
    # (s = 1) and, at adaptation speed 1, moves all its orders to Z (A's permitted spare is 0).
    # From day 10 A may ship again and has spare capacity, B is not short: each day A's link
    # regains ν_r of its gap to its baseline share 1, taken from Z. After n such days (days 10 ..
    # 9 + n) σ_A = 1 − (1 − ν_r)^n and σ_Z = (1 − ν_r)^n, and both serve in full, so on day 10 + n
    # A and Z ship in the ratio σ_A / σ_Z. Once every gap is ≤ 1e-6 (σ_Z = 0.5^20 after day 29)
    # the next day's step (day 30) sets the baseline shares: Z ships nothing from day 31.
    net = chain(alt_days=0)
    ban = Rule("permit", np.array([0]), 0, np.zeros((1, 1)), length=10)
    rho = 0.5
    params = cp.EngineParams(adaptation_speed=1.0, return_speed=rho)
    ds = cp.simulate(net, ScenarioBatch("ban", 40, ["m"], rules=[ban]), params)
    ex_a = ds["exports"].sel(node="X/a").values[0]
    ex_z = ds["exports"].sel(node="Z/a").values[0]
    np.testing.assert_allclose(ex_a[1:11], 0.0, atol=1e-12)  # banned, then no orders on day 10
    for n in (1, 2, 5):
        np.testing.assert_allclose(
            ex_a[10 + n] / ex_z[10 + n], (1 - (1 - rho) ** n) / (1 - rho) ** n
        )
    assert ex_z[31] == 0.0 and ex_z[30] > 0.0
    # without the return, B stays with Z for good
    stay = cp.EngineParams(adaptation_speed=1.0, return_speed=0.0)
    ds0 = cp.simulate(net, ScenarioBatch("ban", 40, ["m"], rules=[ban]), stay)
    np.testing.assert_allclose(ds0["exports"].sel(node="X/a").values[0][1:], 0.0, atol=1e-12)
