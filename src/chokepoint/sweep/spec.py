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
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chokepoint.errors import InputError, Problem
from chokepoint.scenario.load import load_scenario, parse_yaml, resolve
from chokepoint.scenario.schema import Scenario
from chokepoint.sweep.design import Design, Distribution

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
                msg = f"parameter {path!r}: {'.'.join(parts[:depth]) or 'scenario'} has no field {part!r}"
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

    Every parameter path is tried on the base scenario with its distribution's median, so a wrong
    path or a value the schema rejects fails here, once, with the parameter named.
    """
    folder: Path | None = None
    label = "sweep"
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        path = Path(source)
        if not path.exists() and (PRESETS / f"{source}.yaml").exists():
            path = PRESETS / f"{source}.yaml"
        if not path.exists():
            msg = f"expected a sweep file or one of the presets {', '.join(list_sweep_presets())}"
            raise InputError("sweep", [Problem(str(source), msg)])
        label = path.name
        folder = path.parent
        # the scenario reader's YAML parser: errors (syntax, bad characters) name file and line
        data = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    if isinstance(data, dict) and "sweep" in data and "scenario" not in data:
        # a scenario file carrying its own sweep block: the file itself is the base scenario
        block = data.get("sweep")
        if not isinstance(block, dict):
            raise InputError(
                f"sweep {label}",
                [Problem(f"{label} | sweep", "expected a mapping with parameters and design")],
            )
        data = {**block, "scenario": str(source)}
        folder = None
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(f"{label} | {'.'.join(map(str, e['loc'])) or 'file'}", e["msg"])
            for e in exc.errors()
        ]
        raise InputError(f"sweep {label}", problems) from None
    scenario_ref: str | Path = spec.scenario
    if folder is not None and (folder / spec.scenario).exists():
        scenario_ref = folder / spec.scenario
    base = load_scenario(resolve(scenario_ref)).model_copy(update={"sweep": None})
    if base.is_stochastic():
        msg = "the base scenario draws parameters itself; make them sweep parameters instead (one source of randomness per sweep)"
        raise InputError(f"sweep {label}", [Problem(f"{label} | scenario", msg)])
    problems = []
    body = base.model_dump(mode="python", exclude_unset=True)
    for name, dist in spec.parameters.items():
        median = float(dist.ppf(pd.Series([0.5]).to_numpy())[0])
        try:
            Scenario.model_validate(
                set_path(body, name, round(median) if _is_integer(name) else median)
            )
        except KeyError as exc:
            problems.append(Problem(f"{label} | parameters.{name}", str(exc.args[0])))
        except ValidationError as exc:
            problems.append(
                Problem(
                    f"{label} | parameters.{name}",
                    f"the scenario rejects its values: {exc.errors()[0]['msg']}",
                )
            )
    if problems:
        raise InputError(f"sweep {label}", problems)
    return spec, base


def member_scenario(base: Scenario, values: Mapping[str, float], name: str) -> Scenario:
    """The base scenario with each parameter path set to its value (member ``name``)."""
    body: dict[str, Any] = base.model_dump(mode="python", exclude_unset=True)
    for path, value in values.items():
        body = set_path(body, path, round(value) if _is_integer(path) else float(value))
    body["name"] = name
    body.pop("members", None)
    return Scenario.model_validate(body)
