"""Tiny hand-checkable networks for engine tests and examples (built through validate_tables)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

import chokepoint as cp


def network(
    producers: Sequence[tuple[str, str, float, float]],
    recipes: Sequence[tuple[str, str, float]],
    links: Sequence[tuple[str, str, float, int]],
    final: Sequence[tuple[str, str, float]],
    stocks: Sequence[tuple[str, str, float, float, float]] = (),
    alternatives: Sequence[tuple[str, str, int]] = (),
    unit_values: Mapping[str, float] | None = None,
    stages: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> cp.CompiledNetwork:
    """Build a network: producers (region, product, capacity, output), recipes (product, input,
    amount), links (supplier, buyer, flow, lead days), final demand (supplier, region, quantity),
    stocks (node, input, target, initial, strategic days), alternatives (buyer, supplier, days);
    products are worth 10 USD, at stage ``material`` and counted in tonnes (``t``) unless
    ``unit_values`` / ``stages`` / ``units`` say."""
    unit_values = unit_values or {}
    stages = stages or {}
    units = units or {}
    regions = sorted({p[0] for p in producers} | {f[1] for f in final})
    products = []
    for p in producers:
        if p[1] not in products:
            products.append(p[1])
    raw = {
        "regions": pd.DataFrame({"region": regions, "source": "test"}),
        "products": pd.DataFrame(
            {
                "product": products,
                "stage": [stages.get(q, "material") for q in products],
                "unit": [units.get(q, "t") for q in products],
                "unit_value_usd": [unit_values.get(q, 10.0) for q in products],
                "source": "test",
            }
        ),
        "producers": pd.DataFrame(
            [(r, q, c, o, "test") for r, q, c, o in producers],
            columns=["region", "product", "capacity", "output", "source"],
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
            [(*s, "test") for s in stocks],
            columns=["node", "input", "target_days", "initial_days", "strategic_days", "source"],
        ),
        "alternatives": pd.DataFrame(
            [(*a, "test") for a in alternatives],
            columns=["buyer", "supplier", "qualification_days", "source"],
        ),
    }
    return cp.build_network(cp.validate_tables(raw, name="chain", meta={"default_stock_days": 30}))


def chain(
    lead: int = 5, lead2: int = 3, cap_b: float = 10.0, strategic: float = 0.0, alt_days: int = -1
) -> cp.CompiledNetwork:
    """A (region X) -> B (Y) -> C (Y) -> final demand 10/day in Y; 1 unit of input per unit.

    Every node holds 30 days of cover. With ``alt_days`` >= 0, B may also buy from A2 (region Z,
    capacity 1000, selling 10/day to final demand) after that qualification lag.
    """
    producers = [("X", "a", 100.0, 10.0), ("Y", "b", cap_b, 10.0), ("Y", "c", 10.0, 10.0)]
    final = [("Y/c", "Y", 10.0)]
    alts: list[tuple[str, str, int]] = []
    if alt_days >= 0:
        producers.insert(1, ("Z", "a", 1000.0, 10.0))
        final.append(("Z/a", "Z", 10.0))
        alts.append(("Y/b", "Z/a", alt_days))
    return network(
        producers,
        [("b", "a", 1.0), ("c", "b", 1.0)],
        [("X/a", "Y/b", 10.0, lead), ("Y/b", "Y/c", 10.0, lead2)],
        final,
        stocks=[("Y/b", "a", 30.0, 30.0, strategic)],
        alternatives=alts,
    )


def random_network(
    seed: int, tiers: int = 3, regions: int = 3, spare: float = 0.3
) -> cp.CompiledNetwork:
    """A small balanced random layered network (for property tests).

    Tier 0 is raw; each product of tier t > 0 needs one unit-ish amount of the tier t − 1 product.
    Every node sells some final demand; flows are split among the input's suppliers by random
    shares, then outputs are summed bottom-up, so the network balances exactly.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    regs = [f"R{i}" for i in range(regions)]
    prods = [f"p{t}" for t in range(tiers)]
    # which regions produce each product (at least one)
    makers = {
        p: sorted(rng.choice(regs, size=int(rng.integers(1, regions + 1)), replace=False).tolist())
        for p in prods
    }
    amount = {p: float(rng.choice([0.5, 1.0, 2.0])) for p in prods[1:]}
    output: dict[str, float] = {}
    links: list[tuple[str, str, float, int]] = []
    final: list[tuple[str, str, float]] = []
    for t in range(tiers - 1, -1, -1):
        p = prods[t]
        for r in makers[p]:
            node = f"{r}/{p}"
            fd = float(rng.integers(1, 20))
            final.append((node, str(rng.choice(regs)), fd))
            output[node] = output.get(node, 0.0) + fd
        if t == 0:
            continue
        q = prods[t - 1]
        for r in makers[p]:
            node = f"{r}/{p}"
            need = amount[p] * output[node]
            shares = rng.dirichlet(np.ones(len(makers[q])))
            for s, share in zip(makers[q], shares, strict=True):
                sup = f"{s}/{q}"
                flow = need * float(share)
                links.append((sup, node, flow, int(rng.integers(1, 6))))
                output[sup] = output.get(sup, 0.0) + flow
    producers = [
        (n.split("/")[0], n.split("/")[1], x * (1.0 + spare * float(rng.random())), x)
        for n, x in output.items()
    ]
    stocks = [
        (f"{r}/{prods[t]}", prods[t - 1], d, d, float(rng.integers(0, 10)))
        for t in range(1, tiers)
        for r in makers[prods[t]]
        for d in [float(rng.integers(0, 40))]
    ]
    return network(
        producers,
        [(p, prods[i], amount[p]) for i, p in enumerate(prods[1:])],
        links,
        final,
        stocks=stocks,
    )


def two_countries(stock_b_of_a_part: float = 20.0) -> cp.CompiledNetwork:
    """A symmetric pair: A makes a_part, B makes b_part, each country's car needs one of each
    (20 days of stock of every input, except B's stock of a_part, which is ``stock_b_of_a_part``)."""
    return network(
        producers=[
            ("A", "a_part", 25.0, 20.0),
            ("B", "b_part", 25.0, 20.0),
            ("A", "car", 12.0, 10.0),
            ("B", "car", 12.0, 10.0),
        ],
        recipes=[("car", "a_part", 1.0), ("car", "b_part", 1.0)],
        links=[
            ("A/a_part", "A/car", 10.0, 2),
            ("A/a_part", "B/car", 10.0, 5),
            ("B/b_part", "A/car", 10.0, 5),
            ("B/b_part", "B/car", 10.0, 2),
        ],
        final=[("A/car", "A", 10.0), ("B/car", "B", 10.0)],
        stocks=[
            ("A/car", "a_part", 20.0, 20.0, 0.0),
            ("A/car", "b_part", 20.0, 20.0, 0.0),
            ("B/car", "a_part", stock_b_of_a_part, stock_b_of_a_part, 0.0),
            ("B/car", "b_part", 20.0, 20.0, 0.0),
        ],
        unit_values={"a_part": 100.0, "b_part": 100.0, "car": 1000.0},
        stages={"a_part": "component", "b_part": "component", "car": "end"},
    )
