"""Sweep designs: uncertain parameters with distributions, sampled by grid, Monte Carlo or Latin hypercube.

An uncertain parameter names a path into the scenario (``instruments.0.approval_share``) and a
distribution. A design draws N members; member i's values depend only on the sweep seed and i
(``SeedSequence(seed).spawn``), so any member can be re-run alone and gives the same numbers.
Latin hypercube strata are drawn from the sweep seed as a whole (they couple members by design);
each member's point inside its strata is still reproducible from the seed and its index.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

FloatArray = npt.NDArray[np.float64]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def ppf(self, q: FloatArray) -> FloatArray:
        """Quantile function: values at probabilities ``q`` in [0, 1)."""
        raise NotImplementedError


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.high >= self.low:
            msg = f"expected high ≥ low, got low={self.low}, high={self.high}"
            raise ValueError(msg)
        return self

    def ppf(self, q: FloatArray) -> FloatArray:
        return self.low + q * (self.high - self.low)


class Triangular(_Dist):
    """Triangular with minimum ``low``, mode ``mode`` and maximum ``high``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            msg = f"expected low ≤ mode ≤ high and low < high, got {self.low}, {self.mode}, {self.high}"
            raise ValueError(msg)
        return self

    def ppf(self, q: FloatArray) -> FloatArray:
        width = self.high - self.low
        c = (self.mode - self.low) / width
        return np.asarray(stats.triang.ppf(q, c, loc=self.low, scale=width), dtype=np.float64)


class Normal(_Dist):
    """Normal with mean ``mean`` and standard deviation ``sd``, optionally clipped to [low, high]."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    low: float | None = None
    high: float | None = None

    def ppf(self, q: FloatArray) -> FloatArray:
        values = np.asarray(stats.norm.ppf(q, loc=self.mean, scale=self.sd), dtype=np.float64)
        return np.clip(
            values,
            self.low if self.low is not None else -np.inf,
            self.high if self.high is not None else np.inf,
        )


class LogNormal(_Dist):
    """Log-normal: log(X) ~ Normal(mu, sigma); or give the ``median`` instead of ``mu``."""

    dist: Literal["lognormal"]
    sigma: float = Field(gt=0)
    mu: float | None = None
    median: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_location(self) -> LogNormal:
        if (self.mu is None) == (self.median is None):
            msg = "expected exactly one of mu or median"
            raise ValueError(msg)
        return self

    def ppf(self, q: FloatArray) -> FloatArray:
        mu = self.mu if self.mu is not None else float(np.log(self.median or 1.0))
        return np.asarray(stats.lognorm.ppf(q, self.sigma, scale=np.exp(mu)), dtype=np.float64)


class Discrete(_Dist):
    """Discrete values with probabilities (equal if not given)."""

    dist: Literal["discrete"]
    values: list[float] = Field(min_length=1)
    probabilities: list[float] | None = None

    @model_validator(mode="after")
    def _probabilities(self) -> Discrete:
        if self.probabilities is not None:
            p = np.asarray(self.probabilities)
            if len(p) != len(self.values) or (p < 0).any() or not np.isclose(p.sum(), 1.0):
                msg = "expected one non-negative probability per value, summing to 1"
                raise ValueError(msg)
        return self

    def ppf(self, q: FloatArray) -> FloatArray:
        p = np.asarray(self.probabilities or [1.0 / len(self.values)] * len(self.values))
        edges = np.cumsum(p)
        idx = np.minimum(np.searchsorted(edges, q, side="right"), len(self.values) - 1)
        return np.asarray(self.values, dtype=np.float64)[idx]


Distribution = Annotated[
    Uniform | Triangular | Normal | LogNormal | Discrete, Field(discriminator="dist")
]


class Design(BaseModel):
    """How members are drawn: ``grid`` (every combination of ``levels`` per parameter), ``monte_carlo``
    or ``latin_hypercube`` (``samples`` members)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    method: Literal["grid", "monte_carlo", "latin_hypercube"] = "latin_hypercube"
    samples: int = Field(default=100, ge=1, le=10_000_000)
    levels: int = Field(default=3, ge=1, le=1000)
    seed: int = Field(default=0, ge=0)


def member_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """One independent SeedSequence per member (``SeedSequence(seed).spawn(n)``)."""
    return np.random.SeedSequence(seed).spawn(n)


def sample(
    parameters: Mapping[str, _Dist],
    design: Design,
    members: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Draw the design: one row per member (index ``member``), one column per parameter.

    ``members`` selects rows to draw (default all): member i's values are the same whether it is
    drawn alone or with the rest.

    >>> d = sample({"a": Uniform(dist="uniform", low=0, high=1)}, Design(method="monte_carlo", samples=4, seed=1))
    >>> bool(d.loc[2, "a"] == sample({"a": Uniform(dist="uniform", low=0, high=1)},
    ...     Design(method="monte_carlo", samples=4, seed=1), members=[2]).loc[2, "a"])
    True
    """
    names = list(parameters)
    if design.method == "grid":
        probs = (np.arange(design.levels) + 0.5) / design.levels
        grid = np.array(
            list(itertools.product(range(design.levels), repeat=len(names))), dtype=np.int64
        )
        total = len(grid)
        rows = np.arange(total) if members is None else np.asarray(members, dtype=np.int64)
        _check_members(rows, total)
        q = probs[grid[rows]] if len(names) else np.zeros((len(rows), 0))
    else:
        total = design.samples
        rows = np.arange(total) if members is None else np.asarray(members, dtype=np.int64)
        _check_members(rows, total)
        seeds = member_seeds(design.seed, total)
        u = (
            np.stack([np.random.default_rng(seeds[i]).random(len(names)) for i in rows])
            if len(rows)
            else np.zeros((0, len(names)))
        )
        if design.method == "latin_hypercube" and len(names):
            strata_rng = np.random.default_rng(np.random.SeedSequence([design.seed, 0x1A7]))
            strata = np.stack([strata_rng.permutation(total) for _ in names], axis=1)
            q = (strata[rows] + u) / total
        else:
            q = u
    values = {name: parameters[name].ppf(q[:, j]) for j, name in enumerate(names)}
    return pd.DataFrame(values, index=pd.Index(rows, name="member"))


def _check_members(rows: npt.NDArray[np.int64], total: int) -> None:
    if len(rows) and (rows.min() < 0 or rows.max() >= total):
        msg = f"member ids must lie in [0, {total - 1}], got {rows.min()}..{rows.max()}"
        raise ValueError(msg)
