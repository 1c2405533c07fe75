"""ScenarioBatch: what a batch of S scenarios does to a network, as arrays the engine applies.

The contract between :mod:`chokepoint.scenario` (which compiles instruments against a
:class:`~chokepoint.network.CompiledNetwork`) and :mod:`chokepoint.engine` (which applies them day
by day). Every instrument compiles to one or more :class:`Rule` s of nine kinds; each rule targets
a set of integer ids and carries per-scenario, per-day values of shape (S, L) for the days
``start .. start+L-1`` (a column of width 1 broadcasts over the window when ``length`` is given).

=======================  ======================  ===============================================
kind                     index into              value (applied on active days)
=======================  ======================  ===============================================
``permit``               links e                 p_e(t) multiplier in [0, 1] on servable orders
``quota``                links e (one group)     cap on Σ shipments over the group, units/day
``capacity_factor``      nodes n                 multiplier on K_n (1 - shock)
``capacity_add``         nodes n                 units/day of capacity added (new plants)
``stock_release``        input pairs k           units/day moved from strategic stock into I_k
``requirement_factor``   input pairs k           multiplier on a_k (substitution, thrift)
``final_demand_factor``  final-demand entries f  multiplier on final demand (restraint: the
                                                 consumers want less)
``final_permit``         final-demand entries f  multiplier in [0, 1] on the final orders a
                                                 producer may serve (ban, licence: the consumers
                                                 still want the rest, which goes unmet)
``target_factor``        input pairs k           multiplier on inventory targets (front-running)
=======================  ======================  ===============================================

Several rules on the same ids multiply (factors, permits), add (capacity_add, stock_release) or
take the minimum (quota caps of the same group are separate groups: each is enforced).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

RuleKind = Literal[
    "permit",
    "quota",
    "capacity_factor",
    "capacity_add",
    "stock_release",
    "requirement_factor",
    "final_demand_factor",
    "final_permit",
    "target_factor",
]
RULE_KINDS: tuple[RuleKind, ...] = (
    "permit",
    "quota",
    "capacity_factor",
    "capacity_add",
    "stock_release",
    "requirement_factor",
    "final_demand_factor",
    "final_permit",
    "target_factor",
)


@dataclass(frozen=True, eq=False)
class Rule:
    """One compiled effect of an instrument on a set of ids over a window of days.

    ``values`` has shape (S, L) or (S, 1); the rule is active on days ``start <= t < start + length``
    (``length`` = L unless given). With ``persist`` the last value stays in force after the window
    (e.g. commissioned capacity).
    """

    kind: RuleKind
    index: npt.NDArray[np.int64]
    start: int
    values: npt.NDArray[np.float64]
    length: int | None = None
    persist: bool = False
    label: str = ""

    @property
    def days(self) -> int:
        """Number of days in the window."""
        return int(self.length if self.length is not None else self.values.shape[1])

    def active(self, day: int) -> bool:
        """Whether the rule applies on ``day``."""
        return day >= self.start and (self.persist or day < self.start + self.days)

    def value_on(self, day: int) -> npt.NDArray[np.float64]:
        """Per-scenario value on ``day`` (S,); call only when :meth:`active`."""
        col = min(day - self.start, self.days - 1)
        col = min(col, self.values.shape[1] - 1)
        return self.values[:, col]


@dataclass(frozen=True, eq=False)
class ScenarioBatch:
    """S scenarios over ``horizon`` days on one network (all share its structure).

    ``actors`` are the restricting regions (for price paths inside vs outside), ``members`` name
    each scenario of the batch, ``seed`` is the seed the stochastic draws used.
    """

    name: str
    horizon: int
    members: Sequence[str]
    rules: Sequence[Rule] = ()
    actors: Sequence[str] = ()
    seed: int | None = None
    start_date: str | None = None
    assumptions: Sequence[str] = ()
    sources: Sequence[str] = ()
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """S, the number of scenarios in the batch."""
        return len(self.members)

    def rules_of(self, kind: RuleKind) -> list[Rule]:
        """The rules of one kind."""
        return [r for r in self.rules if r.kind == kind]

    @staticmethod
    def baseline(horizon: int, size: int = 1, name: str = "baseline") -> ScenarioBatch:
        """A batch with no instruments (every member is the steady state)."""
        return ScenarioBatch(
            name=name, horizon=horizon, members=[f"{name}[{i}]" for i in range(size)]
        )
