"""Sweep files: a base scenario, uncertain parameters with distributions, and a design.

.. code-block:: yaml

    scenario: rare-earth-licensing-2025        # preset name or path (relative to this file)
    parameters:
      instruments.licence.approval_share: {dist: uniform, low: 0.1, high: 0.6}
      instruments.licence.processing_days: {dist: triangular, low: 30, mode: 63, high: 90}
    design: {method: latin_hypercube, samples: 1000, seed: 42}
    batch_size: 64

The same keys (without ``scenario``) may instead sit in a ``sweep:`` block of a scenario file, which
is then its own base scenario (``chokepoint run`` ignores the block).

Each parameter is a dotted path into the scenario (mapping keys, or list positions as integers);
member i runs the scenario with those fields set to its draw. Parameters whose path ends in a field
that takes whole days are rounded to the nearest integer.

Before anything runs, every parameter is checked against the field it sets: its median, and the
lowest and highest values the distribution can draw, must all be values the scenario accepts (a
normal without ``low``/``high`` for a field that takes only values >= 0 is an error naming the
parameter's line; clip it with ``low``/``high`` or use a bounded distribution).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chokepoint.errors import InputError, Problem
from chokepoint.io.text import read_text
from chokepoint.scenario.load import (
    LDict,
    _describe,
    _label,
    _locate,
    load_scenario,
    parse_yaml,
    problems_from,
    resolve,
)
from chokepoint.scenario.schema import Scenario
from chokepoint.sweep.design import Design, Discrete, Distribution, LogNormal, Normal, _Dist

INTEGER_FIELDS = ("days", "day", "horizon_days", "start_day", "end_day", "announce_day")
"""Path endings whose values are whole days: draws are rounded."""


class SweepSpec(BaseModel):
    """A sweep: which scenario, which uncertain parameters, which design."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
    scenario: str
    """Base scenario: a preset name or a path (relative to the sweep file)."""
    parameters: dict[str, Distribution] = Field(min_length=1)
    """Uncertain parameters: dotted path into the scenario -> distribution."""
    design: Design = Design()
    """How members are drawn (grid, Monte Carlo, Latin hypercube) and the sweep seed."""
    batch_size: int = Field(default=64, ge=1, le=4096)
    """Members the engine runs vectorised in one batch (one Dask task)."""


def _is_integer(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    return last in INTEGER_FIELDS or last.endswith("_days")


def set_path(tree: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``tree`` with the dotted ``path`` set to ``value`` (missing keys are an error)."""
    parts = path.split(".")
    root: Any = _copy(tree)
    node = root
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                msg = f"parameter {path!r}: {'.'.join(parts[:depth]) or 'scenario'} has no item {part!r}"
                raise KeyError(msg)
            key: Any = int(part)
        elif isinstance(node, dict):
            if part not in node and not last:
                close = difflib.get_close_matches(part, [str(k) for k in node], n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                msg = f"parameter {path!r}: {'.'.join(parts[:depth]) or 'scenario'} has no field {part!r}{hint}"
                raise KeyError(msg)
            key = part
        else:
            msg = f"parameter {path!r}: {'.'.join(parts[:depth])} is a value, not a mapping"
            raise KeyError(msg)
        if last:
            node[key] = value
        else:
            node = node[key]
    return root  # type: ignore[no-any-return]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


PRESETS = Path(__file__).parent / "presets"


def list_sweep_presets() -> list[str]:
    """Names of the sweep files shipped with the package."""
    return sorted(p.stem for p in PRESETS.glob("*.yaml"))


def read_sweep(source: str | Path | Mapping[str, Any]) -> tuple[SweepSpec, Scenario]:
    """Read and check a sweep file (or mapping); returns the spec and its base scenario.

    Every parameter path is tried on the base scenario with its distribution's median and the
    ends of its range, so a wrong path or a value the schema rejects fails here, once, with the
    parameter and its line named (``file:line | parameters.PATH: ...``).
    """
    folder: Path | None = None
    label = subject = "sweep"
    if isinstance(source, Mapping):
        data: Any = LDict(source)
        data.where, data.lines = (label, 0), {}
    else:
        path = Path(source)
        if not path.exists() and (PRESETS / f"{source}.yaml").exists():
            path = PRESETS / f"{source}.yaml"
        if not path.exists():
            msg = f"expected a sweep file or one of the presets {', '.join(list_sweep_presets())}"
            raise InputError("sweep", [Problem(str(source), msg)])
        label = _label(path)
        subject = f"sweep {label}"
        folder = path.parent
        # the scenario reader's YAML parser: errors (syntax, bad characters) name file and line
        data = parse_yaml(read_text(path, label, subject), label)
    if isinstance(data, dict) and "sweep" in data and "scenario" not in data:
        # a scenario file carrying its own sweep block: the file itself is the base scenario
        block = data.get("sweep")
        if not isinstance(block, dict):
            line = getattr(data, "lines", {}).get("sweep", (label, 0))[1]
            raise InputError(
                subject,
                [
                    Problem(
                        f"{label}:{line}" if line else label,
                        "sweep: expected a mapping with parameters and design",
                    )
                ],
            )
        inner = LDict({**block, "scenario": str(source)})
        inner.where = getattr(block, "where", (label, 0))
        inner.lines = dict(getattr(block, "lines", {}))
        data, folder = inner, None
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise InputError(subject, problems_from(exc, data, root=SweepSpec)) from None
    problems = _finite_parameters(spec, data)
    if problems:
        raise InputError(subject, problems)
    scenario_ref: str | Path = spec.scenario
    if folder is not None and (folder / spec.scenario).exists():
        scenario_ref = folder / spec.scenario
    base = load_scenario(resolve(scenario_ref)).model_copy(update={"sweep": None})
    if base.is_stochastic():
        msg = "the base scenario draws parameters itself; make them sweep parameters instead (one source of randomness per sweep)"
        raise InputError(subject, [Problem(_where(data, ("scenario",)), msg)])
    body = base.model_dump(mode="python", exclude_unset=True)
    for name, dist in spec.parameters.items():
        where = _where(data, ("parameters", name))
        median = float(dist.ppf(np.array([0.5]))[0])
        try:
            _try(body, name, median)
        except KeyError as exc:
            text = str(exc.args[0]).removeprefix(f"parameter {name!r}: ")
            problems.append(Problem(where, f"parameters.{name}: {text}"))
            continue
        except ValidationError as exc:
            detail = _detail(exc, body)
            msg = f"parameters.{name}: the scenario rejects its median {median:g} ({detail})"
            problems.append(Problem(where, msg))
            continue
        for end, value in zip(("low", "high"), support(dist), strict=True):
            try:
                _try(body, name, value if math.isfinite(value) else math.copysign(1e12, value))
            except ValidationError as exc:
                problems.append(Problem(where, _support_message(name, dist, end, value, exc, body)))
                break
    if problems:
        raise InputError(subject, problems)
    return spec, base


def _where(tree: Any, path: tuple[str | int, ...]) -> str:
    (file, line), _ = _locate(tree, path)
    return f"{file}:{line}" if line else file


def _finite_parameters(spec: SweepSpec, tree: Any) -> list[Problem]:
    """Problems for distribution parameters that are not finite numbers (``.inf``, ``.nan``)."""
    problems = []
    for name, dist in spec.parameters.items():
        for field, value in dist.model_dump().items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, float) and not math.isfinite(v) for v in values):
                problems.append(
                    Problem(
                        _where(tree, ("parameters", name, field)),
                        f"parameters.{name}.{field}: expected a finite number, got {value!r}",
                    )
                )
    return problems


def support(dist: _Dist) -> tuple[float, float]:
    """The lowest and highest values ``dist`` can draw (infinite where it is unbounded; a
    log-normal's lowest value is the smallest positive number)."""
    if isinstance(dist, Normal):
        return (
            -math.inf if dist.low is None else dist.low,
            math.inf if dist.high is None else dist.high,
        )
    if isinstance(dist, LogNormal):
        return 5e-324, math.inf
    if isinstance(dist, Discrete):
        return min(dist.values), max(dist.values)
    ends = dist.ppf(np.array([0.0, 1.0]))
    return float(ends[0]), float(ends[1])


def _try(body: dict[str, Any], name: str, value: float) -> None:
    """Validate the scenario with parameter ``name`` set to ``value`` (rounded for day fields)."""
    Scenario.model_validate(set_path(body, name, round(value) if _is_integer(name) else value))


def _detail(exc: ValidationError, body: dict[str, Any], drop_got: bool = False) -> str:
    """The scenario's first complaint as ``field: message`` (without ``got ...`` if asked)."""
    _, text = _describe(exc.errors()[0], body)
    if drop_got and ", got " in text:
        text = text.rsplit(", got ", 1)[0]
    return text


def _support_message(
    name: str, dist: _Dist, end: str, value: float, exc: ValidationError, body: dict[str, Any]
) -> str:
    kind = type(dist).__name__.lower()
    if math.isfinite(value) and value != 5e-324:
        shown = round(value) if _is_integer(name) else value
        return (
            f"parameters.{name}: the {kind} distribution can draw {shown:g} (its {end}est value), "
            f"which the scenario rejects ({_detail(exc, body)}); keep the distribution within "
            "the field's range"
        )
    reach = "values just above 0" if value == 5e-324 else f"values with no {end}er bound"
    hint = (
        f"; give the normal a '{end}' to clip its draws"
        if isinstance(dist, Normal)
        else "; use a distribution within the field's range (uniform, triangular, discrete)"
    )
    return (
        f"parameters.{name}: the {kind} distribution can draw {reach}, which the scenario "
        f"rejects ({_detail(exc, body, drop_got=True)}){hint}"
    )


class MemberError(InputError):
    """Drawn values of a sweep member that the scenario rejects (it survives pickling, so it
    reaches the caller from a Dask worker too)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.subject, self.problems))


def member_scenario(base: Scenario, values: Mapping[str, float], name: str) -> Scenario:
    """The base scenario with each parameter path set to its value (member ``name``).

    Raises :class:`MemberError` naming the member, the field it rejects and the drawn values.
    """
    body: dict[str, Any] = base.model_dump(mode="python", exclude_unset=True)
    for path, value in values.items():
        body = set_path(body, path, round(value) if _is_integer(path) else float(value))
    body["name"] = name
    body.pop("members", None)
    try:
        return Scenario.model_validate(body)
    except ValidationError as exc:
        drawn = ", ".join(f"{k}={v:g}" for k, v in values.items())
        problems = [
            Problem(f"member {name}", f"{p.message} (drawn: {drawn})")
            for p in problems_from(exc, body)
        ]
        raise MemberError(f"sweep member {name}", problems) from None
