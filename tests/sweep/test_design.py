"""Sweep designs: distributions, stratification, per-member reproducibility, bad specs."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from chokepoint.sweep.design import (
    Design,
    Discrete,
    Distribution,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    sample,
)

dist = TypeAdapter(Distribution)


def test_latin_hypercube_hits_every_stratum_once() -> None:
    params = {
        "a": Uniform(dist="uniform", low=0, high=1),
        "b": Uniform(dist="uniform", low=10, high=20),
    }
    d = sample(params, Design(method="latin_hypercube", samples=50, seed=3))
    assert sorted(np.floor(d["a"] * 50).astype(int)) == list(range(50))
    assert sorted(np.floor((d["b"] - 10) / 10 * 50).astype(int)) == list(range(50))


def test_member_alone_reproduces_its_values() -> None:
    params = {
        "a": Triangular(dist="triangular", low=0, mode=0.2, high=1),
        "b": Normal(dist="normal", mean=5, sd=1),
    }
    for method in ("monte_carlo", "latin_hypercube"):
        design = Design(method=method, samples=20, seed=11)
        full = sample(params, design)
        alone = sample(params, design, members=[7, 13])
        assert np.array_equal(full.loc[[7, 13]].to_numpy(), alone.to_numpy())


def test_grid_is_every_combination() -> None:
    params = {
        "a": Discrete(dist="discrete", values=[1, 2]),
        "b": Uniform(dist="uniform", low=0, high=3),
    }
    d = sample(params, Design(method="grid", levels=3))
    assert len(d) == 9
    assert sorted(set(d["b"])) == pytest.approx([0.5, 1.5, 2.5])


def test_distribution_quantiles_by_hand() -> None:
    q = np.array([0.5])
    assert Uniform(dist="uniform", low=2, high=4).ppf(q)[0] == 3
    assert LogNormal(dist="lognormal", median=10, sigma=0.5).ppf(q)[0] == pytest.approx(10)
    assert Normal(dist="normal", mean=1, sd=2, low=0, high=1.5).ppf(np.array([0.99]))[0] == 1.5
    assert Triangular(dist="triangular", low=0, mode=0, high=1).ppf(np.array([0.75]))[
        0
    ] == pytest.approx(0.5)
    assert Discrete(dist="discrete", values=[1, 2, 3], probabilities=[0.2, 0.3, 0.5]).ppf(
        np.array([0.1, 0.4, 0.9])
    ).tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "uniform", "low": 2, "high": 1},
        {"dist": "normal", "mean": 0, "sd": -1},
        {"dist": "lognormal", "sigma": 1},
        {"dist": "triangular", "low": 0, "mode": 2, "high": 1},
        {"dist": "discrete", "values": [1, 2], "probabilities": [0.5]},
        {"dist": "gamma", "shape": 2},
    ],
)
def test_bad_distribution_is_a_clear_error(spec: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        dist.validate_python(spec)


def test_member_out_of_range() -> None:
    with pytest.raises(ValueError, match="member ids"):
        sample(
            {"a": Uniform(dist="uniform", low=0, high=1)},
            Design(method="monte_carlo", samples=5),
            members=[5],
        )
