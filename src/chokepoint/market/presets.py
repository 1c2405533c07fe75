"""Load market presets (YAML) with errors located as ``file:line | field``, and compile them to arrays."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from chokepoint.errors import InputError, NotFoundError, Problem
from chokepoint.io.text import read_text
from chokepoint.market.model import FloatArray, MarketInputs
from chokepoint.market.schema import MarketPreset

_POLICY_FIELDS = (
    "subsidy",
    "loss_coverage",
    "min_utilisation",
    "max_utilisation",
    "expand_capacity_to",
    "max_capacity_growth",
    "export_quota",
    "export_tax",
    "import_tariff",
    "tech_ban_added_lead_time",
    "price_discipline",
)


_NONE = {"expand_capacity_to": np.nan, "max_capacity_growth": np.inf, "export_quota": np.inf}


def preset_dir() -> Path:
    """Directory of the built-in presets."""
    return Path(str(resources.files("chokepoint.market") / "presets"))


def list_presets() -> list[str]:
    """Names of the built-in presets (file stems)."""
    return sorted(p.stem for p in preset_dir().glob("*.yaml"))


def resolve(name_or_path: str | Path) -> Path:
    """A path as given, or the built-in preset of that name."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    builtin = preset_dir() / f"{name_or_path}.yaml"
    if builtin.is_file():
        return builtin
    msg = f"market preset {str(name_or_path)!r} not found; built-in presets: {', '.join(list_presets())}"
    raise NotFoundError(msg)


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the YAML node at pydantic location ``loc`` (deepest node found)."""
    line = None if node is None else node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if nxt is None:
                # unknown key (extra="forbid") -> the key node itself
                knode = next((k for k, _ in node.value if getattr(k, "value", None) == key), None)
                return knode.start_mark.line + 1 if knode is not None else line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def load_preset(name_or_path: str | Path) -> MarketPreset:
    """Read and validate a preset; every problem is reported as ``file:line | field: message``."""
    path = resolve(name_or_path)
    text = read_text(path, path.name, str(path))
    try:
        node = yaml.compose(text)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(str(path), [_yaml_problem(path, exc, text)]) from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. a date that does not exist
        raise InputError(str(path), [Problem(path.name, f"invalid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise InputError(
            str(path), [Problem(f"{path.name}:1", f"expected a mapping, got {type(data).__name__}")]
        )
    try:
        return MarketPreset.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _line_of(node, loc)
            field = ".".join(str(x) for x in loc) or "(preset)"
            problems.append(Problem(f"{path.name}:{line} | {field}", _message(err)))
        raise InputError(str(path), problems) from None


def _yaml_problem(path: Path, exc: yaml.YAMLError, text: str) -> Problem:
    """One ``file:line:column | invalid YAML: what`` problem (the parser's own mark)."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        return Problem(
            f"{path.name}:{line}", f"invalid YAML: character #x{exc.character:04x} is not allowed"
        )
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    what = problem or context or "syntax error"
    cmark = getattr(exc, "context_mark", None)
    if problem and context and cmark is not None:
        what += f" ({context} at line {cmark.line + 1}, column {cmark.column + 1})"
    where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path.name
    return Problem(where, f"invalid YAML: {what}")


def _message(err: Any) -> str:
    """A pydantic error as 'expected ..., got ...'."""
    kind = err.get("type", "")
    got = err.get("input")
    if kind == "missing":
        return "expected this required field, got nothing"
    if kind == "extra_forbidden":
        return "expected no such field (unknown key), got one"
    msg = str(err.get("msg", ""))
    msg = msg.removeprefix("Value error, ").removeprefix("Input should be ")
    if not msg.startswith("expected"):
        msg = f"expected {msg}"
    if isinstance(got, dict | list) or "got" in msg:
        return msg
    return f"{msg}, got {got!r}"


def _loglinear(years: np.ndarray, pts: list[tuple[int, float]], growth_after: float) -> FloatArray:
    """log-linear interpolation of (year, value) points; first slope backwards, ``growth_after`` forwards."""
    pts = sorted(pts)
    xs = np.array([p[0] for p in pts], dtype=float)
    ys = np.log(np.array([p[1] for p in pts], dtype=float))
    g = np.log1p(growth_after)
    if len(xs) == 1:
        return np.asarray(np.exp(ys[0] + g * np.maximum(years - xs[0], 0.0)), dtype=np.float64)
    out = np.interp(years, xs, ys)
    lo = years < xs[0]
    hi = years > xs[-1]
    s0 = (ys[1] - ys[0]) / (xs[1] - xs[0])
    out = np.where(lo, ys[0] + s0 * (years - xs[0]), out)
    out = np.where(hi, ys[-1] + g * (years - xs[-1]), out)
    return np.asarray(np.exp(out), dtype=np.float64)


def compile_preset(preset: MarketPreset, end_year: int | None = None) -> MarketInputs:
    """Preset -> arrays for a batch of one (B = 1). ``end_year`` may extend the horizon."""
    last = preset.end_year if end_year is None else end_year
    years = np.arange(preset.start_year, last + 1, dtype=np.int64)
    t_n, prods = len(years), preset.producers
    p_n = len(prods)
    yf = years.astype(float)

    def row(vals: list[float]) -> FloatArray:
        return np.asarray([vals], dtype=np.float64)

    demand_ref = _loglinear(
        yf, [(pt.year, pt.quantity) for pt in preset.demand.points], preset.demand.growth_after
    )
    sp = sorted((pt.year, pt.share) for pt in preset.demand.domestic_share)
    dshare = np.interp(yf, [s[0] for s in sp], [s[1] for s in sp])

    pol: dict[str, FloatArray] = {
        "subsidy": np.zeros(t_n),
        "loss_coverage": np.zeros(t_n),
        "min_utilisation": np.zeros(t_n),
        "max_utilisation": np.ones(t_n),
        "expand_capacity_to": np.full(t_n, np.nan),
        "max_capacity_growth": np.full(t_n, np.inf),
        "export_quota": np.full(t_n, np.inf),
        "export_tax": np.zeros(t_n),
        "import_tariff": np.zeros(t_n),
        "tech_ban_added_lead_time": np.zeros(t_n),
        "price_discipline": np.zeros(t_n),
    }
    retire = np.zeros(t_n)
    for period in preset.policies:
        sel = (years >= period.start) & (years <= period.end)
        for name in _POLICY_FIELDS:
            if name in period.model_fields_set:
                val = getattr(period, name)
                pol[name][sel] = _NONE[name] if val is None else float(val)
        if "retire_capacity" in period.model_fields_set and period.start in years:
            retire[int(period.start - years[0])] = period.retire_capacity

    # beyond the preset's horizon the last year's policy stays in force
    beyond = years > preset.end_year
    if beyond.any():
        k_last = int(preset.end_year - preset.start_year)
        for arr in pol.values():
            arr[beyond] = arr[k_last]

    names = [p.name for p in prods]
    sup_sub = np.zeros((1, t_n, p_n))
    sup_floor = np.full((1, t_n, p_n), np.nan)
    for s in preset.support:
        sel = (years >= s.start) & (years <= s.end)
        j = names.index(s.producer)
        sup_sub[0, sel, j] = s.subsidy
        if s.price_floor is not None:
            sup_floor[0, sel, j] = s.price_floor

    return MarketInputs(
        years=years,
        producer_names=tuple(names),
        producer_regions=tuple(p.region for p in prods),
        state_mask=np.array([p.state for p in prods], dtype=bool),
        ban_applies=np.array([p.tech_ban_applies for p in prods], dtype=bool),
        can_reenter=np.array([[p.can_reenter for p in prods]], dtype=bool),
        capacity0=row([p.capacity for p in prods]),
        entry_capacity=row(
            [p.capacity if p.entry_capacity is None else p.entry_capacity for p in prods]
        ),
        cost0=row([p.cash_cost for p in prods]),
        cost_trend=row([p.cost_trend for p in prods]),
        fixed_cost=row([p.fixed_cost for p in prods]),
        buffer0=row([p.buffer for p in prods]),
        entry_buffer=row([p.buffer if p.entry_buffer is None else p.entry_buffer for p in prods]),
        lead_time=np.array([[p.lead_time for p in prods]], dtype=np.int64),
        capex=row([p.capex for p in prods]),
        demand_ref=demand_ref[None, :],
        domestic_share=dshare[None, :],
        elasticity=np.array([preset.demand.elasticity]),
        reference_price=np.array([preset.demand.reference_price]),
        backstop_price=np.array([preset.demand.backstop_price]),
        subsidy=pol["subsidy"][None, :],
        loss_coverage=pol["loss_coverage"][None, :],
        min_util=pol["min_utilisation"][None, :],
        max_util=pol["max_utilisation"][None, :],
        expand_to=pol["expand_capacity_to"][None, :],
        max_growth=pol["max_capacity_growth"][None, :],
        quota=pol["export_quota"][None, :],
        tax=pol["export_tax"][None, :],
        tariff=pol["import_tariff"][None, :],
        ban_lead=pol["tech_ban_added_lead_time"][None, :].astype(np.int64),
        retire=retire[None, :],
        discipline=(pol["price_discipline"][None, :] > 0),
        support_subsidy=sup_sub,
        support_floor=sup_floor,
        support_coverage=np.zeros((1, t_n, p_n)),
        scheduled=np.zeros((1, t_n, p_n)),
        hurdle=np.array([preset.entry.hurdle]),
        entry_years=np.array([preset.entry.years], dtype=np.int64),
        money=preset.money_per_quantity_price,
        state_region=preset.state_region,
        dependency_threshold=preset.dependency_threshold,
    )
