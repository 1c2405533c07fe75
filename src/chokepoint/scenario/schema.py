"""The scenario schema: what a scenario file says (pydantic v2; every field documented).

A scenario applies instruments (:mod:`chokepoint.scenario.instruments`) on a timeline of days to
one dataset, for a batch of members: named variants (each a deep-merged ``overrides`` mapping) or a
number of stochastic draws. :func:`scenario_json_schema` exports the JSON Schema for editors and the
API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chokepoint.scenario.instruments import (
    Beta,
    ExtraterritorialLicensing,
    Instrument,
    InstrumentBase,
    Licensing,
    Triangular,
    Uniform,
    located_error,
)

DEFAULT_DATASET = "critical-chains"
"""Dataset a scenario runs on unless it names another."""


class _Model(BaseModel):
    # allow_inf_nan=False: every number must be finite (``.inf`` and ``.nan`` are rejected)
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False
    )


class Source(_Model):
    """A source the scenario's figures come from."""

    id: str
    """Short key, cited by instruments' ``source`` fields (e.g. ``events:E020``)."""
    citation: str
    """Title, publisher, date, and where found."""
    rows: str | None = None
    """Rows of a data file the figures come from (e.g. ``timing.csv:5``)."""


class Assumption(_Model):
    """An explicit, labelled assumption: a figure no source gives, with its reasoning."""

    id: str
    """Label (e.g. ``A1``), cited in reports."""
    text: str
    """What is assumed and why."""
    value: float | None = None
    """The assumed figure, if it is one number."""


class Member(_Model):
    """A named variant of the scenario: one member of the batch."""

    name: str = Field(min_length=1)
    """Member name (labels the ``member`` axis of results)."""
    description: str = ""
    """What this variant changes."""
    overrides: dict[str, Any] = Field(default_factory=dict)
    """Deep-merged onto the scenario (e.g. ``{instruments: {licence: {approval_share: 0.5}}}``);
    a ``null`` value removes a key."""


class Scenario(_Model):
    """A scenario: instruments on a timeline, run for a batch of members on one dataset."""

    name: str = Field(min_length=1)
    """Scenario name (a short slug; presets are found by it)."""
    description: str = ""
    """What the scenario represents."""
    dataset: str = DEFAULT_DATASET
    """Dataset to run on (``name`` or ``name@version``); ``--dataset`` overrides it."""
    horizon_days: int = Field(default=180, ge=1, le=3650)
    """Number of simulated days T."""
    start_date: dt.date | None = None
    """Calendar date of day 0 (labels results; instruments count days from it)."""
    seed: int | None = Field(default=None, ge=0)
    """Seed of every random draw (required when any parameter is a distribution)."""
    members: Annotated[int, Field(ge=1, le=100_000)] | list[Member] = 1
    """Batch members: a number of stochastic draws, or a list of named variants."""
    instruments: dict[str, Instrument] | list[Instrument] = Field(default_factory=dict)
    """Instruments, keyed by a short name (a mapping composes with ``overrides``) or as a list."""
    sources: list[Source | str] = Field(default_factory=list)
    """Sources of the scenario's figures."""
    assumptions: list[Assumption | str] = Field(default_factory=list)
    """Labelled assumptions (figures no source gives, with reasoning)."""
    sweep: dict[str, Any] | None = None
    """Uncertain parameters and a design for ``chokepoint sweep`` (keys ``parameters``, ``design``,
    ``batch_size``; see the sweeps page). ``chokepoint run`` ignores it."""

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        keyed: list[tuple[str | int, InstrumentBase]] = (
            list(self.instruments.items())
            if isinstance(self.instruments, dict)
            else list(enumerate(self.instruments))
        )
        if self.seed is None:
            for key, inst in keyed:
                if _draws(inst):
                    msg = (
                        "a distribution is drawn from the seed: expected an explicit seed (top-level "
                        "field 'seed'), got none"
                    )
                    problems.append((("instruments", key, "approval_share"), msg, None))
                    break
        if isinstance(self.members, list):
            first: dict[str, int] = {}
            for j, m in enumerate(self.members):
                if m.name in first:
                    msg = (
                        f"expected unique member names, got {m.name!r} again "
                        f"(first at members[{first[m.name]}])"
                    )
                    problems.append((("members", j, "name"), msg, m.name))
                first.setdefault(m.name, j)
        for key, inst in keyed:
            if inst.start_day >= self.horizon_days:
                msg = (
                    f"expected start_day < horizon_days ({self.horizon_days}), got {inst.start_day}"
                )
                problems.append((("instruments", key, "start_day"), msg, inst.start_day))
        if problems:
            raise located_error("Scenario", problems)
        return self

    def instrument_items(self) -> list[tuple[str, InstrumentBase]]:
        """``(key, instrument)`` pairs in order; list entries are keyed ``type-i``."""
        if isinstance(self.instruments, dict):
            return list(self.instruments.items())
        return [(f"{inst.type}-{i}", inst) for i, inst in enumerate(self.instruments)]

    def is_stochastic(self) -> bool:
        """Whether any parameter is drawn from a distribution."""
        return any(_draws(inst) for _, inst in self.instrument_items())

    def member_names(self) -> list[str]:
        """Names of the batch members (``name[j]`` for stochastic draws)."""
        if isinstance(self.members, list):
            return [m.name for m in self.members]
        if self.members == 1:
            return [self.name]
        return [f"{self.name}[{j}]" for j in range(self.members)]

    def assumption_texts(self) -> list[str]:
        """Assumptions as ``label: text`` strings."""
        return [a if isinstance(a, str) else f"{a.id}: {a.text}" for a in self.assumptions]

    def source_texts(self) -> list[str]:
        """Sources as ``id: citation (rows)`` strings."""
        out = []
        for s in self.sources:
            if isinstance(s, str):
                out.append(s)
            else:
                out.append(f"{s.id}: {s.citation}" + (f" ({s.rows})" if s.rows else ""))
        return out


def _draws(inst: InstrumentBase) -> bool:
    """Whether an instrument draws a parameter from a distribution."""
    return isinstance(inst, Licensing | ExtraterritorialLicensing) and isinstance(
        inst.approval_share, Uniform | Triangular | Beta
    )


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Chokepoint scenario"
    return schema


def deep_merge(base: Any, over: Any) -> Any:
    """``over`` merged onto ``base``: mappings merge key by key, anything else replaces; a ``None``
    value in ``over`` removes the key (returns new containers, never mutates the inputs)."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = deep_merge(out[key], value)
            else:
                out[key] = value
        return out
    return over


def expand_members(scenario: Scenario) -> list[tuple[str, Scenario]]:
    """One ``(member name, scenario)`` per batch member, with each named variant's ``overrides``
    applied (stochastic draws share the scenario; the compiler draws per member)."""
    if not isinstance(scenario.members, list):
        return [(name, scenario) for name in scenario.member_names()]
    body = scenario.model_dump(mode="python", exclude={"members"}, exclude_unset=True)
    body["name"] = scenario.name
    out = []
    for m in scenario.members:
        merged = deep_merge(body, m.overrides) if m.overrides else body
        out.append((m.name, Scenario.model_validate(merged)))
    return out


def _strip_wrapper(text: str, name: str, render: Any) -> str:
    """Rewrite ``name[a, b, ...]`` (bracket-aware) as ``render(args)``."""
    while (at := text.find(name + "[")) >= 0:
        depth, args, start = 0, [], at + len(name) + 1
        for pos in range(start, len(text)):
            ch = text[pos]
            if ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    args.append(text[start:pos].strip())
                    text = text[:at] + render(args) + text[pos + 1 :]
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                args.append(text[start:pos].strip())
                start = pos + 1
        else:
            break
    return text


def _type_name(annotation: Any) -> str:
    text = str(annotation)
    for prefix in (
        "typing.",
        "datetime.",
        "chokepoint.scenario.instruments.",
        "chokepoint.scenario.schema.",
    ):
        text = text.replace(prefix, "")
    text = text.replace("<class '", "").replace("'>", "").replace("NoneType", "None")
    if "discriminator='type'" in text:
        return "mapping or list of instruments"
    text = _strip_wrapper(text, "Annotated", lambda a: a[0])
    text = _strip_wrapper(text, "Optional", lambda a: f"{a[0]} | None")
    text = _strip_wrapper(text, "Union", lambda a: " | ".join(a))
    return text.replace("Uniform | Triangular | Beta", "distribution")


def fields_table(model: type[BaseModel]) -> str:
    """A Markdown table of ``model``'s fields: name, type, default, description."""
    rows = ["| field | type | default | description |", "|---|---|---|---|"]
    for name, f in model.model_fields.items():
        if f.is_required():
            default = "required"
        elif f.default_factory is not None:
            default = "`[]`" if name != "overrides" and name != "instruments" else "`{}`"
        else:
            default = f"`{f.default!r}`" if not isinstance(f.default, BaseModel) else "see below"
        desc = " ".join((f.description or "").split()).replace("|", "\\|")
        kind = _type_name(f.annotation).replace("|", "\\|")
        rows.append(f"| `{name}` | {kind} | {default} | {desc} |")
    return "\n".join(rows)


def reference_markdown() -> str:
    """The scenario reference (every model's fields), as Markdown; ``docs/scenarios.md`` embeds it."""
    from chokepoint.scenario import instruments as ins

    parts = ["### Scenario", "", fields_table(Scenario), ""]
    for model in (Member, Source, Assumption):
        parts += [
            f"### {model.__name__}",
            "",
            " ".join((model.__doc__ or "").split()),
            "",
            fields_table(model),
            "",
        ]
    parts += ["### Fields of every instrument", "", fields_table(ins.InstrumentBase), ""]
    base = set(ins.InstrumentBase.model_fields)
    for cls in ins.INSTRUMENT_TYPES:
        tag = get_args(cls.model_fields["type"].annotation)[0]
        rows = ["| field | type | default | description |", "|---|---|---|---|"]
        table = fields_table(cls).splitlines()
        rows += [r for r in table[2:] if r.split("`")[1] not in base]
        doc = " ".join((cls.__doc__ or "").split())
        parts += [f"### `{tag}`", "", doc, "", "\n".join(rows), ""]
    extra: tuple[type[BaseModel], ...] = (ins.Recovery, ins.Uniform, ins.Triangular, ins.Beta)
    for extra_model in extra:
        doc = " ".join((extra_model.__doc__ or "").split())
        parts += [f"### {extra_model.__name__}", "", doc, "", fields_table(extra_model), ""]
    return "\n".join(parts)


def write_reference(path: str) -> None:
    """Replace the text between the reference markers of ``path`` with :func:`reference_markdown`."""
    from pathlib import Path

    doc = Path(path)
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split("<!-- reference:start -->\n", 1)
    tail = rest.split("\n<!-- reference:end -->", 1)[1]
    body = reference_markdown()
    doc.write_text(
        f"{head}<!-- reference:start -->\n{body}\n<!-- reference:end -->{tail}", encoding="utf-8"
    )


if __name__ == "__main__":  # python -m chokepoint.scenario.schema docs/scenarios.md
    import sys

    # import by name so model names render as in the package, not as __main__.Member
    from chokepoint.scenario.schema import write_reference as _write_reference

    _write_reference(sys.argv[1])
