"""YAML -> :class:`Scenario`, with composition and errors that point at ``file:line | field``.

A scenario file may start from other files or presets and then change them (as Calliope composes
``scenarios`` from ``overrides``)::

    extends: [rare-earth-licensing-2025]      # files (relative to this one) or preset names
    name: my-variant
    overrides:
      instruments:
        licence: {approval_share: 0.5}

The bases are deep-merged in order, then the file's own keys, then ``overrides`` (mappings merge
key by key, other values replace, ``null`` removes a key). Every value remembers the file and line
it came from, so a problem is reported where the user wrote it; all problems are collected and
raised as one :class:`~chokepoint.errors.InputError`, never as a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from chokepoint.errors import InputError, NotFoundError, Problem
from chokepoint.io.text import read_text
from chokepoint.scenario.schema import Scenario

PRESETS_DIR = Path(__file__).parent / "presets"
"""Folder of the preset scenarios shipped in the package."""

_MAX_DEPTH = 16
_PER_BATCH = frozenset({"name", "dataset", "horizon_days", "start_date", "seed", "members"})
"""Scenario fields every member of a batch shares (a member's overrides may not change them)."""


class LDict(dict[str, Any]):
    """A mapping that remembers the file and line of each key."""

    where: tuple[str, int]
    lines: dict[str, tuple[str, int]]
    added: bool = False
    """An instrument that an ``overrides`` block adds (its key is not an instrument of the base)."""


class LList(list[Any]):
    """A sequence that remembers the file and line of each item."""

    where: tuple[str, int]
    lines: list[tuple[str, int]]


Locator = Callable[[Sequence[str | int]], str]
"""Maps a path of keys/indices in the scenario to ``file:line`` (for messages)."""


# --------------------------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------------------------


def list_presets() -> list[str]:
    """Names of the preset scenarios shipped in the package."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def resolve(ref: str | Path, relative_to: Path | None = None) -> Path:
    """The file a scenario reference names: a path (absolute, relative to ``relative_to`` or to
    the working directory) or a preset name (with or without ``.yaml``)."""
    candidates = [Path(ref)]
    if relative_to is not None and not Path(ref).is_absolute():
        candidates.insert(0, relative_to / ref)
    for c in candidates:
        if c.is_file():
            return c
    stem = Path(str(ref)).name.removesuffix(".yaml").removesuffix(".yml")
    preset = PRESETS_DIR / f"{stem}.yaml"
    if preset.is_file() and not str(ref).startswith(("/", ".")) and "/" not in str(ref):
        return preset
    close = difflib.get_close_matches(stem, list_presets(), n=1, cutoff=0.6)
    hint = f"; did you mean preset {close[0]!r}?" if close else ""
    msg = (
        f"no scenario file or preset {str(ref)!r}{hint} "
        f"(presets: {', '.join(list_presets()) or 'none'})"
    )
    raise NotFoundError(msg)


# --------------------------------------------------------------------------------------------
# Line-tracking YAML
# --------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """The safe loader, except that a timestamp that is no real date (``2025-02-30``) stays a
    string: the schema then rejects it at its line, naming the field."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)  # type: ignore[no-untyped-call]
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _build(node: yaml.Node, loader: yaml.SafeLoader, file: str, problems: list[Problem]) -> Any:
    where = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        d = LDict()
        d.where, d.lines = where, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            line = (file, key_node.start_mark.line + 1)
            if not isinstance(key, str):
                key = str(key)
            if key in d:
                problems.append(
                    Problem(
                        f"{file}:{line[1]}",
                        f"{key}: duplicate key (first on line {d.lines[key][1]})",
                    )
                )
            d[key] = _build(value_node, loader, file, problems)
            d.lines[key] = line
        return d
    if isinstance(node, yaml.SequenceNode):
        out = LList()
        out.where, out.lines = where, []
        for item in node.value:
            out.append(_build(item, loader, file, problems))
            out.lines.append((file, item.start_mark.line + 1))
        return out
    return loader.construct_object(node, deep=True)  # type: ignore[no-untyped-call]


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML ``text`` into plain containers that remember their lines (:class:`LDict`)."""
    problems: list[Problem] = []
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        message = f"invalid YAML: character #x{exc.character:04x} is not allowed"
        raise InputError(f"scenario file {file}", [Problem(f"{file}:{line}", message)]) from None
    try:
        node = loader.get_single_node()  # type: ignore[no-untyped-call]
        data = None if node is None else _build(node, loader, file, problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "syntax error"
        raise InputError(
            f"scenario file {file}", [Problem(f"{file}:{line}", f"invalid YAML: {what}")]
        ) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        # constructor errors without a mark (e.g. an out-of-range date, an unhashable key)
        raise InputError(
            f"scenario file {file}", [Problem(f"{file}:1", f"invalid YAML: {exc}")]
        ) from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
    if problems:
        raise InputError(f"scenario file {file}", problems)
    return data


def _merge_tracked(base: Any, over: Any) -> Any:
    """:func:`~chokepoint.scenario.schema.deep_merge` that carries line information along."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = LDict(base)
        out.where = getattr(over, "where", getattr(base, "where", ("scenario", 0)))
        out.lines = {**getattr(base, "lines", {})}
        for key, value in over.items():
            if value is None:
                out.pop(key, None)
                out.lines.pop(key, None)
                continue
            out[key] = _merge_tracked(out[key], value) if key in out else value
            over_lines = getattr(over, "lines", {})
            if key in over_lines:
                out.lines[key] = over_lines[key]
        return out
    return over


_DISCRIMINATORS = ("type", "distribution", "dist")
"""Fields that choose a model of a tagged union (instruments, scenario and sweep distributions)."""


def _is_tag(cur: Mapping[str, Any], path: Sequence[str | int], i: int) -> bool:
    """Whether ``path[i]`` is pydantic's union tag of the mapping ``cur`` (not a field of it).

    A field named like its own tag (``beta`` of a beta distribution) follows the tag in the path.
    """
    part = path[i]
    if i > 0 and path[i - 1] == part:
        return False
    return any(part == cur.get(d) for d in _DISCRIMINATORS)


def _locate(tree: Any, path: Sequence[str | int]) -> tuple[tuple[str, int], list[str | int]]:
    """The deepest known ``(file, line)`` along ``path`` and the part of the path that names data.

    Parts that do not name data (pydantic's union tags such as ``'licensing'`` or ``'float'``)
    are skipped, except a trailing field name (a missing or misspelt field).
    """
    where: tuple[str, int] = getattr(tree, "where", ("scenario", 0))
    cur = tree
    named: list[str | int] = []
    for i, part in enumerate(path):
        if isinstance(cur, dict) and isinstance(part, str) and part in cur:
            if _is_tag(cur, path, i):
                continue
            where = getattr(cur, "lines", {}).get(part, where)
            cur = cur[part]
            named.append(part)
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            lines = getattr(cur, "lines", [])
            where = lines[part] if part < len(lines) else where
            cur = cur[part]
            named.append(part)
        elif (
            isinstance(cur, dict)
            and i == len(path) - 1
            and isinstance(part, str)
            and part.isidentifier()
            and not part.startswith(_SCALAR_BRANCHES)
            and not _is_tag(cur, path, i)
        ):
            named.append(part)
        elif not isinstance(cur, dict | list):
            break
    return where, named


def field_path(parts: Sequence[str | int]) -> str:
    """``instruments.licence.products[1]`` from ``('instruments', 'licence', 'products', 1)``."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def locator(tree: Any) -> Locator:
    """A :data:`Locator` for a tree built by :func:`parse_yaml` (plain dicts give ``scenario:0``)."""

    def locate(path: Sequence[str | int]) -> str:
        (file, line), _ = _locate(tree, path)
        return f"{file}:{line}" if line else file

    return locate


# --------------------------------------------------------------------------------------------
# Pydantic errors -> problems
# --------------------------------------------------------------------------------------------


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict) and isinstance(part, str):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _node_at(path: Sequence[str | int], tree: Any) -> Any:
    node = tree
    for part in path:
        node = _child(node, part)
    return node


def _models_in(annotation: Any) -> tuple[list[type[BaseModel]], list[type[BaseModel]]]:
    """The models an annotation takes directly, and those it takes inside a list or mapping."""
    direct: list[type[BaseModel]] = []
    inner: list[type[BaseModel]] = []

    def walk(a: Any, inside: bool) -> None:
        if isinstance(a, type) and issubclass(a, BaseModel):
            found = inner if inside else direct
            if a not in found:
                found.append(a)
            return
        inside = inside or get_origin(a) in (list, dict)
        for arg in get_args(a):
            walk(arg, inside)

    walk(annotation, False)
    return direct, inner


def _tag_of(model: type[BaseModel]) -> tuple[str, str] | None:
    """``(discriminator, tag)`` of a model of a tagged union (``('type', 'licensing')``)."""
    for d in _DISCRIMINATORS:
        field = model.model_fields.get(d)
        if field is not None:
            tags = get_args(field.annotation)
            if len(tags) == 1 and isinstance(tags[0], str):
                return d, tags[0]
    return None


def _pick(models: Sequence[type[BaseModel]], node: Any) -> type[BaseModel] | None:
    """The model among ``models`` that validates ``node`` (by its tag when there are several)."""
    if isinstance(node, dict):
        for m in models:
            tag = _tag_of(m)
            if tag is not None and node.get(tag[0]) == tag[1]:
                return m
    return models[0] if len(models) == 1 else None


def _candidates(
    path: Sequence[str | int], tree: Any, root: type[BaseModel]
) -> list[type[BaseModel]]:
    """The models the value at ``path`` may be validated against (several for a tagged union)."""
    candidates: list[type[BaseModel]] = [root]
    container = False  # the value at the path so far is a list or mapping of the candidates
    cur = tree
    for part in path:
        nxt = _child(cur, part)
        if container:
            container = False
        else:
            model = _pick(candidates, cur)
            field = model.model_fields.get(part) if model and isinstance(part, str) else None
            if field is None:
                return []
            direct, inner = _models_in(field.annotation)
            if direct and not isinstance(nxt, list):
                candidates = direct
            elif inner:
                candidates, container = inner, True
            else:
                return []
        cur = nxt
    return [] if container else candidates


def _model_at(
    path: Sequence[str | int], tree: Any, root: type[BaseModel] = Scenario
) -> type[BaseModel] | None:
    """The schema model that the mapping at ``path`` is validated against (for did-you-mean)."""
    return _pick(_candidates(path, tree, root), _node_at(path, tree))


def _tag_options(
    path: Sequence[str | int], tree: Any, root: type[BaseModel], disc: str
) -> list[str]:
    """The tags a value at ``path`` may take for the discriminator ``disc``."""
    out = []
    for m in _candidates(path, tree, root):
        tag = _tag_of(m)
        if tag is not None and tag[0] == disc:
            out.append(tag[1])
    return out


def _missing_tag(named: Sequence[str | int], tree: Any, disc: str, listing: str) -> str:
    """The message for a mapping without its tag; an instrument that an ``overrides`` block adds
    by a key the base does not have gets a did-you-mean against the base's instruments."""
    node = _node_at(named, tree)
    insts = _node_at(("instruments",), tree)
    if not (
        disc == "type"
        and len(named) == 2
        and named[0] == "instruments"
        and getattr(node, "added", False)
        and isinstance(insts, dict)
    ):
        return f"expected a {disc!r} field, one of {listing}"
    key = str(named[1])
    base = [str(k) for k, v in insts.items() if k != key and not getattr(v, "added", False)]
    close = difflib.get_close_matches(key, base, n=1, cutoff=0.6)
    if close:
        return (
            f"the base has no instrument {key!r} to change; did you mean {close[0]!r}? "
            f"(a new instrument needs a 'type' field, one of {listing})"
        )
    return (
        f"{key!r} is not an instrument of the base (it has {', '.join(base) or 'none'}); "
        f"a new instrument needs a 'type' field, one of {listing}"
    )


def _describe(
    err: Mapping[str, Any], tree: Any, root: type[BaseModel] = Scenario
) -> tuple[str, str]:
    kind = str(err.get("type", ""))
    loc = tuple(err.get("loc", ()))
    (file, line), named = _locate(tree, loc)
    if kind == "union_tag_invalid":
        (file, line), named = _locate(tree, (*loc, "type"))
        named = named[:-1]
    field = field_path(named)
    got = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        msg = "expected a value (required field), got nothing"
    elif kind == "extra_forbidden":
        name = str(named[-1]) if named else "?"
        model = _model_at(named[:-1], tree, root)
        allowed = sorted(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listing = f" (expected one of: {', '.join(allowed)})" if allowed and not close else ""
        msg = f"unknown field {name!r}{hint}{listing}"
    elif kind == "union_tag_not_found":
        disc = str(ctx.get("discriminator", "type")).strip("'\"")
        options = _tag_options(named, tree, root, disc)
        msg = _missing_tag(named, tree, disc, ", ".join(options) or "?")
    elif kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", ""))
        tag = ctx.get("tag")
        options = [t.strip().strip("'") for t in tags.split(",") if t.strip()]
        close = difflib.get_close_matches(str(tag), options, n=1, cutoff=0.6) if tag else []
        hint = f"; did you mean {close[0]!r}?" if close else ""
        what = "type" if "type" in str(ctx.get("discriminator", "")) else "tag"
        msg = f"unknown {what} {tag!r}{hint} (expected one of {tags})"
    else:
        text = str(err.get("msg", "invalid value"))
        text = text.removeprefix("Value error, ")
        if kind == "too_short":
            text = (
                f"expected at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}"
            )
        elif kind == "too_long":
            text = (
                f"expected at most {ctx.get('max_length')} item(s), got {ctx.get('actual_length')}"
            )
        elif kind.startswith(("date_", "datetime_")):
            reason = text.split(", ", 1)[1] if ", " in text else ""
            text = "expected a valid date (YYYY-MM-DD)" + (f": {reason}" if reason else "")
        if text.startswith("Input should be "):
            text = "expected " + text.removeprefix("Input should be ")
        if not isinstance(got, dict | list) and "got" not in text:
            text = f"{text}, got {got!r}"
        msg = text
    return (f"{file}:{line}" if line else file), f"{field}: {msg}"


_SCALAR_BRANCHES = ("int", "float", "str", "bool", "date", "constrained-", "function-")


def _wrong_branch(loc: Sequence[str | int], tree: Any) -> bool:
    """Whether an error comes from a union branch that does not match the data's shape (e.g. the
    ``list`` branch of ``instruments`` when the file gives a mapping)."""
    cur = tree
    for part in loc:
        if (isinstance(cur, dict) and isinstance(part, str) and part in cur) or (
            isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        ):
            cur = cur[part]  # type: ignore[index]
        elif isinstance(part, str):
            if part.startswith("list[") and not isinstance(cur, list):
                return True
            if part.startswith("dict[") and not isinstance(cur, dict):
                return True
            if part.startswith("tagged-union[") and not isinstance(cur, dict):
                return True
            if part.startswith(_SCALAR_BRANCHES) and isinstance(cur, dict | list):
                return True
    return False


def _distribution_fields(
    errors: Sequence[Mapping[str, Any]], tree: Any, root: type[BaseModel]
) -> tuple[dict[int, Problem], set[int]]:
    """One problem per distribution given with missing or unknown parameters (``{distribution:
    beta, a: 1, b: 2}``), naming the parameters it expects, keyed by the index of its first
    error; and the indices of all the errors it stands for."""
    found: dict[tuple[str | int, ...], tuple[type[BaseModel], list[str], list[str]]] = {}
    first: dict[tuple[str | int, ...], int] = {}
    used: set[int] = set()
    for i, err in enumerate(errors):
        if err.get("type") not in ("missing", "extra_forbidden"):
            continue
        _, named = _locate(tree, tuple(err.get("loc", ())))
        if not named or _wrong_branch(tuple(err.get("loc", ())), tree):
            continue
        parent = tuple(named[:-1])
        model = _model_at(parent, tree, root)
        tag = _tag_of(model) if model is not None else None
        if model is None or tag is None or tag[0] == "type":
            continue
        _, missing, unknown = found.setdefault(parent, (model, [], []))
        first.setdefault(parent, i)
        (missing if err["type"] == "missing" else unknown).append(str(named[-1]))
        used.add(i)
    problems: dict[int, Problem] = {}
    for parent, (model, missing, unknown) in found.items():
        disc, name = _tag_of(model) or ("", "")
        required = [n for n, f in model.model_fields.items() if f.is_required() and n != disc]
        optional = [n for n, f in model.model_fields.items() if not f.is_required()]
        (file, line), _ = _locate(tree, parent)
        msg = f"expected {', '.join(required)}"
        msg += f" (and optionally {', '.join(optional)})" if optional else ""
        msg += f" for a {name} distribution"
        msg += f"; missing {', '.join(missing)}" if missing else ""
        msg += f"; unknown field(s) {', '.join(unknown)}" if unknown else ""
        where = f"{file}:{line}" if line else file
        problems[first[parent]] = Problem(where, f"{field_path(parent)}: {msg}")
    return problems, used


def problems_from(
    exc: ValidationError,
    tree: Any,
    prefix: Sequence[str | int] = (),
    *,
    root: type[BaseModel] = Scenario,
) -> list[Problem]:
    """One :class:`Problem` per distinct location of a pydantic ``ValidationError``.

    ``root`` is the model the tree was validated against (for the fields an unknown field is
    checked against).
    """
    errors: list[dict[str, Any]] = [{**err, "loc": (*prefix, *err["loc"])} for err in exc.errors()]
    distributions, used = _distribution_fields(errors, tree, root)
    groups: dict[tuple[str, str], list[tuple[bool, str]]] = {}
    for i, e in enumerate(errors):
        if i in distributions:
            groups[(distributions[i].location, distributions[i].message)] = [
                (False, distributions[i].message)
            ]
        if i in used:
            continue
        location, message = _describe(e, tree, root)
        key = (location, message.split(":", 1)[0])
        groups.setdefault(key, []).append((_wrong_branch(e["loc"], tree), message))
    kept: list[tuple[bool, Problem]] = []
    for (location, _), found in groups.items():
        right = [m for wrong, m in found if not wrong]
        kept.append((not right, Problem(location, (right or [found[0][1]])[0])))
    # a place where only wrong union branches complain is dropped when the right branch says
    # something about it or deeper down
    fields = [(fallback, p.message.split(":", 1)[0]) for fallback, p in kept]

    def covered(field: str) -> bool:
        return any(f.startswith(field) and (f != field or not fb) for fb, f in fields)

    return [p for fallback, p in kept if not (fallback and covered(p.message.split(":", 1)[0]))]


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with where it came from (for messages and the run record)."""

    scenario: Scenario
    tree: Any
    """The merged document (:class:`LDict`), each value with its file and line."""
    path: Path | None
    """The file loaded (``None`` for a mapping)."""
    text: str
    """The merged scenario as YAML (what was run; stored with the run)."""

    def locate(self, path: Sequence[str | int]) -> str:
        """``file:line`` of the value at ``path`` (keys and indices)."""
        return locator(self.tree)(path)


def _read_composed(path: Path, chain: tuple[Path, ...]) -> Any:
    label = _label(path)
    if path.resolve() in chain:
        cycle = " -> ".join(_label(p) for p in (*chain, path.resolve()))
        raise InputError(
            f"scenario file {label}", [Problem(f"{label}:1", f"extends: cycle {cycle}")]
        )
    if len(chain) > _MAX_DEPTH:
        raise InputError(
            f"scenario file {label}", [Problem(f"{label}:1", "extends: nested too deep")]
        )
    text = read_text(path, label, f"scenario file {label}")
    data = parse_yaml(text, label)
    if data is None:
        data = LDict()
        data.where, data.lines = (label, 1), {}
    if not isinstance(data, dict):
        raise InputError(
            f"scenario file {label}",
            [
                Problem(
                    f"{label}:1",
                    f"(top level): expected a mapping of fields, got {_kind(data)}",
                )
            ],
        )
    return _compose(data, path.parent, (*chain, path.resolve()))


def _compose(data: Any, folder: Path | None, chain: tuple[Path, ...]) -> Any:
    label = getattr(data, "where", ("scenario", 0))[0]
    extends = data.get("extends", [])
    if isinstance(extends, str):
        extends = [extends]
    merged: Any = LDict()
    merged.where, merged.lines = getattr(data, "where", ("scenario", 0)), {}
    problems = []
    if not isinstance(extends, list):
        line = getattr(data, "lines", {}).get("extends", ("", 0))[1]
        raise InputError(
            f"scenario file {label}",
            [
                Problem(
                    f"{label}:{line}",
                    f"extends: expected a list of files or presets, got {extends!r}",
                )
            ],
        )
    for i, ref in enumerate(extends):
        try:
            base = _read_composed(resolve(str(ref), folder), chain)
        except NotFoundError as exc:
            lines = getattr(extends, "lines", [])
            line = lines[i][1] if i < len(lines) else 0
            problems.append(Problem(f"{label}:{line}", f"extends[{i}]: {exc}"))
            continue
        merged = _merge_tracked(merged, base)
    if problems:
        raise InputError(f"scenario file {label}", problems)
    own = LDict({k: v for k, v in data.items() if k not in ("extends", "overrides")})
    own.where = getattr(data, "where", ("scenario", 0))
    own.lines = {k: v for k, v in getattr(data, "lines", {}).items() if k in own}
    merged = _merge_tracked(merged, own)
    overrides = data.get("overrides")
    if overrides is not None:
        if not isinstance(overrides, dict):
            line = getattr(data, "lines", {}).get("overrides", ("", 0))[1]
            raise InputError(
                f"scenario file {label}",
                [Problem(f"{label}:{line}", "overrides: expected a mapping of fields to change")],
            )
        _mark_added(merged, overrides)
        merged = _merge_tracked(merged, overrides)
    return merged


def _mark_added(base: Any, over: Any) -> None:
    """Mark the instruments ``over`` adds (keys the base's ``instruments`` mapping lacks)."""
    added = over.get("instruments") if isinstance(over, dict) else None
    have = base.get("instruments") if isinstance(base, dict) else None
    if not isinstance(added, dict):
        return
    for key, value in added.items():
        if isinstance(value, LDict) and not (isinstance(have, dict) and key in have):
            value.added = True


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        if path.resolve().is_relative_to(PRESETS_DIR.resolve()):
            return f"preset:{path.name}"
        return str(path)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def validate_tree(tree: Any, subject: str) -> Scenario:
    """Validate a composed document (with its members' overrides) into a :class:`Scenario`."""
    try:
        scenario = Scenario.model_validate(_plain(tree))
    except ValidationError as exc:
        raise InputError(subject, problems_from(exc, tree)) from None
    problems: list[Problem] = []
    if isinstance(scenario.members, list):
        body = {k: v for k, v in tree.items() if k != "members"}
        for j, member in enumerate(scenario.members):
            if not member.overrides:
                continue
            fixed = sorted(set(member.overrides) & _PER_BATCH)
            if fixed:
                line = tree["members"][j].lines.get("overrides", ("?", 0))
                problems.append(
                    Problem(
                        f"{line[0]}:{line[1]}",
                        f"members[{j}].overrides: {', '.join(fixed)} cannot differ between "
                        "members of one batch (make a separate scenario)",
                    )
                )
                continue
            _mark_added(body, tree["members"][j]["overrides"])
            mtree = _merge_tracked(body, tree["members"][j]["overrides"])
            try:
                Scenario.model_validate(_plain(mtree))
            except ValidationError as exc:
                for p in problems_from(exc, mtree):
                    problems.append(
                        Problem(p.location, f"members[{j}] ({member.name}): {p.message}")
                    )
    if problems:
        raise InputError(subject, problems)
    return scenario


def read_scenario(source: str | Path | Mapping[str, Any]) -> LoadedScenario:
    """Load, compose and validate a scenario from a file, a preset name, or a mapping.

    Raises :class:`~chokepoint.errors.InputError` (every problem, ``file:line | field: ...``) or
    :class:`~chokepoint.errors.NotFoundError` (no such file or preset).
    """
    if isinstance(source, Mapping):
        tree = _compose(_plain(dict(source)), None, ())
        path = None
        subject = "scenario"
    else:
        path = resolve(source)
        tree = _read_composed(path, ())
        subject = f"scenario {_label(path)}"
    scenario = validate_tree(tree, subject)
    text = yaml.safe_dump(_plain(tree), sort_keys=False, allow_unicode=True)
    return LoadedScenario(scenario=scenario, tree=tree, path=path, text=text)


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """The validated :class:`Scenario` of a file, preset name, or mapping (see :func:`read_scenario`)."""
    return read_scenario(source).scenario
