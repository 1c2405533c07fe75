"""The service's bridge to the Python API: every call into the core goes through here.

Routes turn requests into calls of these functions and their results into the models of
:mod:`chokepoint.service.schemas`; nothing here knows about HTTP.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import InputError, NotFoundError, Problem
from chokepoint.network.schema import STAGES, TABLES
from chokepoint.network.tables import NetworkTables

UPLOAD_SUFFIXES = ("csv", "parquet", "xlsx")
"""Table file formats accepted by dataset import."""

META_FILE = "dataset.yaml"


def _split(value: object) -> list[str]:
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    return [part.strip() for part in text.split(";") if part.strip()]


def _finite(value: object) -> float | None:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records of ``frame`` (NaN and infinities become None, numpy scalars Python)."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            clean[str(key)] = value
        out.append(clean)
    return out


# -- datasets -------------------------------------------------------------------------------


def ensure_packaged(store_path: Path) -> list[str]:
    """Import the shipped datasets into the store if missing or changed; names imported."""
    from chokepoint.store import open_store

    with open_store(store_path) as store:
        return store.ensure_packaged()


def list_datasets(store_path: Path) -> list[dict[str, Any]]:
    """Every dataset in the store (shipped ones are imported at server start)."""
    from chokepoint.store import open_store

    with open_store(store_path) as store:
        frame = store.list_datasets()
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                "name": str(row["name"]),
                "version": str(row["version"]),
                "origin": str(row["origin"] or ""),
                "description": str(row["description"] or ""),
                "counts": {t: int(row.get(t, 0) or 0) for t in TABLES},
            }
        )
    return out


def load_tables(name: str, store_path: Path) -> NetworkTables:
    """Tables of dataset ``name`` (``name@version``) from the package or the store."""
    from chokepoint.datasets.registry import list_packaged, load_packaged
    from chokepoint.store import open_store

    base = name.split("@", 1)[0]
    if base in list_packaged():
        return load_packaged(base)
    with open_store(store_path) as store:
        return store.load_dataset(name)


def dataset_detail(name: str, store_path: Path) -> dict[str, Any]:
    """Summary, products, regions, chains, sources and assumptions of dataset ``name``."""
    tables = load_tables(name, store_path)
    meta = dict(tables.meta)
    products: list[dict[str, Any]] = [
        {
            "product": str(r["product"]),
            "name": str(r["name"] or r["product"]),
            "stage": str(r["stage"]),
            "unit": str(r["unit"] or ""),
            "unit_value_usd": _finite(r["unit_value_usd"]) or 0.0,
            "chains": _split(r["chains"]),
        }
        for r in tables.products.to_dict(orient="records")
    ]
    regions = [
        {
            "region": str(r["region"]),
            "name": str(r["name"] or r["region"]),
            "blocs": _split(r["blocs"]),
        }
        for r in tables.regions.to_dict(orient="records")
    ]
    chains = sorted({c for p in products for c in p["chains"]})
    return {
        "name": tables.name,
        "version": tables.version,
        "origin": "package" if _is_packaged(tables.name) else "import",
        "description": str(meta.get("description", "") or "").strip(),
        "counts": tables.counts(),
        "products": products,
        "regions": regions,
        "chains": chains,
        "sources": [str(s) for s in _as_list(meta.get("sources"))],
        "assumptions": [str(s) for s in _as_list(meta.get("assumptions"))],
    }


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _is_packaged(name: str) -> bool:
    from chokepoint.datasets.registry import list_packaged

    return name in list_packaged()


def _chain_products(tables: NetworkTables, chain: str | None) -> pd.DataFrame:
    products = tables.products.copy()
    if chain:
        mask = products["chains"].map(lambda c: chain in _split(c))
        if not mask.any():
            msg = f"unknown chain {chain!r} in dataset {tables.name!r}"
            raise NotFoundError(msg)
        products = products[mask]
        from chokepoint.analysis.chains import chain_stages as ordered

        depth = ordered(tables, chain).set_index("product")["depth"]  # recipe depth, upstream first
        products = products.assign(_o=products["product"].map(depth))
        return products.sort_values(["_o", "product"], kind="stable").drop(columns="_o")
    order = {s: i for i, s in enumerate(STAGES)}
    products = products.assign(_o=products["stage"].map(order).fillna(len(order)))
    return products.sort_values(["_o", "product"]).drop(columns="_o")


def chain_stages(name: str, store_path: Path, chain: str | None = None) -> dict[str, Any]:
    """Each product (stage) of ``chain`` with its producing regions' output shares and HHI."""
    from chokepoint.analysis.concentration import concentration

    tables = load_tables(name, store_path)
    products = _chain_products(tables, chain)
    prod = tables.producers.groupby(["product", "region"], as_index=False)["output"].sum()
    prod = prod[prod["product"].isin(products["product"])]
    conc = (
        concentration(prod, "product", value="output")
        if len(prod)
        else pd.DataFrame(columns=["hhi", "top_region", "top_share"])
    )
    stages = []
    for row in products.to_dict(orient="records"):
        p = str(row["product"])
        sub = prod[prod["product"] == p].sort_values("output", ascending=False)
        total = float(sub["output"].sum())
        shares = [
            {"region": str(r), "output": float(o), "share": float(o) / total if total > 0 else 0.0}
            for r, o in zip(sub["region"], sub["output"], strict=True)
        ]
        c = conc.loc[p] if p in conc.index else None
        stages.append(
            {
                "product": p,
                "name": str(row["name"] or p),
                "stage": str(row["stage"]),
                "unit": str(row["unit"] or ""),
                "output": total,
                "hhi": (_finite(c["hhi"]) or 0.0) if c is not None else 0.0,
                "top_region": str(c["top_region"]) if c is not None else "",
                "top_share": (_finite(c["top_share"]) or 0.0) if c is not None else 0.0,
                "shares": shares,
            }
        )
    return {"dataset": tables.label, "chain": chain, "stages": stages}


def chain_flows(name: str, store_path: Path, chain: str | None = None) -> dict[str, Any]:
    """Baseline flows between (region, product) nodes of ``chain``, for a Sankey diagram."""
    tables = load_tables(name, store_path)
    products = _chain_products(tables, chain)
    keep = set(products["product"])
    stage = dict(zip(products["product"], products["stage"], strict=True))
    value = dict(zip(tables.products["product"], tables.products["unit_value_usd"], strict=True))
    node_region = dict(zip(_node_ids(tables.producers), tables.producers["region"], strict=True))
    node_product = dict(zip(_node_ids(tables.producers), tables.producers["product"], strict=True))
    links = tables.links.assign(
        s_region=tables.links["supplier"].map(node_region),
        s_product=tables.links["supplier"].map(node_product),
        b_region=tables.links["buyer"].map(node_region),
        b_product=tables.links["buyer"].map(node_product),
    )
    links = links[links["s_product"].isin(keep) & links["b_product"].isin(keep)]
    agg = links.groupby(["s_region", "s_product", "b_region", "b_product"], as_index=False)[
        "flow"
    ].sum()
    keys = sorted(
        set(zip(agg["s_region"], agg["s_product"], strict=True))
        | set(zip(agg["b_region"], agg["b_product"], strict=True)),
        key=lambda k: (STAGES.index(stage[k[1]]) if stage[k[1]] in STAGES else 99, k[1], k[0]),
    )
    index = {k: i for i, k in enumerate(keys)}
    nodes = [
        {"id": f"{r}/{p}", "region": str(r), "product": str(p), "stage": str(stage[p])}
        for r, p in keys
    ]
    flows = [
        {
            "source": index[(sr, sp)],
            "target": index[(br, bp)],
            "flow": float(f),
            "value_usd": float(f) * float(value.get(sp, 0.0) or 0.0),
        }
        for sr, sp, br, bp, f in agg.itertuples(index=False)
    ]
    return {"dataset": tables.label, "chain": chain, "nodes": nodes, "links": flows}


def _node_ids(producers: pd.DataFrame) -> pd.Series:
    from chokepoint.network.schema import node_id

    firm = producers["firm"] if "firm" in producers.columns else None
    return node_id(producers["region"], producers["product"], firm)


def table_name_of(filename: str) -> tuple[str, str] | None:
    """(table, suffix) named by an uploaded file's name, or None; the name is never a path."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    if base == META_FILE:
        return ("dataset", "yaml")
    stem, _, suffix = base.rpartition(".")
    if stem in TABLES and suffix in UPLOAD_SUFFIXES:
        return (stem, suffix)
    return None


def import_upload(
    files: Iterable[tuple[str, bytes]], store_path: Path, name: str | None = None
) -> dict[str, Any]:
    """Validate uploaded table files and store them as a dataset.

    Each upload is written to a fresh temporary folder under a fixed name chosen from the
    known table names (``links.csv``...), never under a name or path taken from the request.
    """
    from chokepoint.io.tables import read_folder
    from chokepoint.store import open_store
    from chokepoint.store.store import dataset_name_problems

    problems: list[Problem] = []
    chosen: dict[str, tuple[str, bytes]] = {}
    for filename, content in files:
        match = table_name_of(filename)
        if match is None:
            problems.append(
                Problem(
                    f"upload:{filename[:80]}",
                    f"expected a file named <table>.csv|parquet|xlsx (tables: {', '.join(TABLES)}) "
                    f"or {META_FILE}",
                )
            )
            continue
        if match[0] in chosen:
            problems.append(
                Problem(f"upload:{filename[:80]}", f"expected one file for {match[0]!r}")
            )
            continue
        chosen[match[0]] = (match[1], content)
    if not any(t in TABLES for t in chosen):
        problems.append(Problem("upload", "expected at least one table file"))
    if problems:
        raise InputError("dataset upload", problems)
    with tempfile.TemporaryDirectory(prefix="chokepoint-upload-") as tmp:
        folder = Path(tmp) / "dataset"
        folder.mkdir()
        for table, (suffix, content) in chosen.items():
            fixed = META_FILE if table == "dataset" else f"{table}.{suffix}"
            (folder / fixed).write_bytes(content)
        tables = read_folder(folder)
    if name:
        tables = NetworkTables(name, tables.frames, tables.version, tables.meta, tables.origins)
    if tables.name == "dataset":
        raise InputError(
            "dataset upload",
            [Problem(f"{META_FILE}:name", "expected a dataset name (in dataset.yaml or the form)")],
        )
    where = {"name": "name" if name else f"{META_FILE}:name", "version": f"{META_FILE}:version"}
    problems = [
        Problem(where[p.location], p.message)
        for p in dataset_name_problems(tables.name, tables.version)
    ]
    if problems:
        raise InputError("dataset upload", problems)
    with open_store(store_path) as store:  # refuses a name and version already stored
        store.import_tables(tables, origin="upload")
    return {"name": tables.name, "version": tables.version, "counts": tables.counts()}


def check_name(value: str, what: str) -> str:
    """A dataset/preset/chain name from a request: letters, digits, ``-_.@`` only."""
    ok = 0 < len(value) <= 100 and all(ch.isalnum() or ch in "-_.@" for ch in value)
    if not ok or ".." in value:
        raise InputError(
            what,
            [Problem(what, f"expected letters, digits, '-', '_', '.', '@', got {value[:40]!r}")],
        )
    return value


def dataset_exists(name: str, store_path: Path) -> None:
    """Raise :class:`NotFoundError` unless dataset ``name`` is shipped or stored."""
    from chokepoint.store import open_store

    base = name.split("@", 1)[0]
    if _is_packaged(base):
        return
    with open_store(store_path) as store:
        if not store.has_dataset(name):
            msg = f"unknown dataset {name!r}"
            raise NotFoundError(msg)


def mapping_of(frame: pd.DataFrame, key: str, value: str) -> Mapping[str, Any]:
    """``{key: value}`` from two columns of ``frame``."""
    return dict(zip(frame[key], frame[value], strict=True))


# -- scenarios ------------------------------------------------------------------------------

_PRESET_REF = r"^[A-Za-z0-9_-]{1,100}(\.ya?ml)?$"


def list_presets() -> list[dict[str, Any]]:
    """The preset scenarios shipped in the package, with their description and dataset."""
    import yaml

    from chokepoint.scenario.load import PRESETS_DIR
    from chokepoint.scenario.load import list_presets as names

    out = []
    for name in names():
        try:
            data = yaml.safe_load((PRESETS_DIR / f"{name}.yaml").read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            data = {}
        data = data if isinstance(data, dict) else {}
        out.append(
            {
                "name": name,
                "title": str(data.get("title") or data.get("name") or name),
                "description": " ".join(str(data.get("description") or "").split()),
                "dataset": str(data["dataset"]) if data.get("dataset") else None,
            }
        )
    return out


def preset_detail(name: str) -> dict[str, Any]:
    """A preset with its YAML text."""
    from chokepoint.scenario.load import PRESETS_DIR

    for preset in list_presets():
        if preset["name"] == name:
            return {**preset, "yaml": (PRESETS_DIR / f"{name}.yaml").read_text(encoding="utf-8")}
    msg = f"unknown preset {name!r}"
    raise NotFoundError(msg)


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario."""
    from chokepoint.scenario.schema import scenario_json_schema

    return scenario_json_schema()


_LABEL = "scenario.yaml"


_TMP_PATH = re.compile(r"\S*chokepoint-scenario-[^/\s]+/")


def scrub(exc: InputError) -> InputError:
    """The same problems with the temporary folder's path removed (``scenario.yaml:LINE``)."""

    def fix(text: str) -> str:
        return _TMP_PATH.sub("", text)

    return InputError(
        fix(exc.subject), [Problem(fix(p.location), fix(p.message)) for p in exc.problems]
    )


def _alias_lines(text: str) -> list[int]:
    """Lines of YAML aliases in ``text`` (refused: a few aliases can expand exponentially)."""
    import yaml

    lines = []
    try:
        for token in yaml.scan(text):
            if isinstance(token, yaml.AliasToken):
                lines.append(token.start_mark.line + 1)
    except yaml.YAMLError:
        pass  # syntax errors are reported by the loader, with their line
    return lines


def read_scenario_text(text: str) -> Any:
    """Load, compose and validate scenario YAML text sent by a client.

    The text is written under a fixed name into a fresh temporary folder. ``extends`` may name
    presets only: each is copied next to the text under the name used, so composition never
    reads any other file (a path in the request never reaches the disk).
    """
    import shutil

    import yaml

    from chokepoint.scenario.load import PRESETS_DIR, read_scenario
    from chokepoint.scenario.load import list_presets as names

    aliases = _alias_lines(text)
    if aliases:
        raise InputError(
            "scenario",
            [
                Problem(f"{_LABEL}:{line}", "expected no YAML aliases (*name); write the value out")
                for line in aliases[:10]
            ],
        )
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None  # the loader reports syntax errors with their line
    extends = data.get("extends", []) if isinstance(data, dict) else []
    extends = [extends] if isinstance(extends, str) else extends
    refs: list[str] = []
    problems: list[Problem] = []
    if isinstance(extends, list):
        for i, ref in enumerate(extends):
            stem = str(ref).removesuffix(".yaml").removesuffix(".yml")
            if not (isinstance(ref, str) and re.match(_PRESET_REF, ref) and stem in names()):
                problems.append(
                    Problem(
                        f"{_LABEL}:extends[{i}]",
                        f"expected the name of a preset ({', '.join(names())}), got {str(ref)[:60]!r}",
                    )
                )
            else:
                refs.append(ref)
    if problems:
        raise InputError("scenario", problems)
    with tempfile.TemporaryDirectory(prefix="chokepoint-scenario-") as tmp:
        folder = Path(tmp)
        (folder / _LABEL).write_text(text, encoding="utf-8")
        for ref in refs:
            stem = ref.removesuffix(".yaml").removesuffix(".yml")
            shutil.copyfile(PRESETS_DIR / f"{stem}.yaml", folder / ref)
        try:
            return read_scenario(folder / _LABEL)
        except InputError as exc:
            raise scrub(exc) from None


def check_scenario(text: str, max_horizon: int, max_batch: int, store_path: Path) -> dict[str, Any]:
    """Validate scenario text fully (schema, dataset, codes) and against the server's caps.

    Returns a summary; raises :class:`InputError` listing every problem.
    """
    from chokepoint.api import build_network
    from chokepoint.scenario.compile import compile_scenario

    loaded = read_scenario_text(text)
    scenario = loaded.scenario
    members = len(scenario.member_names())
    problems = []
    if scenario.horizon_days > max_horizon:
        problems.append(
            Problem(
                "horizon_days",
                f"expected at most {max_horizon} days (server limit), got {scenario.horizon_days}",
            )
        )
    if members > max_batch:
        problems.append(
            Problem(
                "members", f"expected at most {max_batch} members (server limit), got {members}"
            )
        )
    if problems:
        raise InputError("scenario", problems)
    dataset_exists(scenario.dataset, store_path)
    net = build_network(load_tables(scenario.dataset, store_path))
    try:
        compile_scenario(scenario, net, locate=loaded.locate)
    except InputError as exc:
        raise scrub(exc) from None
    return {
        "name": scenario.name,
        "dataset": scenario.dataset,
        "horizon_days": scenario.horizon_days,
        "members": members,
        "instruments": len(scenario.instrument_items()),
        "instrument_list": [
            {
                "key": key,
                "type": str(getattr(inst, "type", "")),
                "actor": str(getattr(inst, "actor", "")),
                "products": [str(p) for p in getattr(inst, "products", [])],
                "targets": [str(t) for t in (getattr(inst, "targets", None) or [])],
                "start_day": int(getattr(inst, "start_day", 0)),
                "end_day": getattr(inst, "end_day", None),
            }
            for key, inst in scenario.instrument_items()
        ],
        "text": loaded.text,
    }


# -- runs -----------------------------------------------------------------------------------

EXTENSIVE = ("output", "capacity", "unmet_demand", "exports")
"""Variables summed over nodes; the others (price, inventory_days) are averaged."""


def get_run(run_id: str, store_path: Path) -> dict[str, Any]:
    """Run ``run_id`` from the store (:class:`NotFoundError` if unknown)."""
    from chokepoint.store import open_store

    with open_store(store_path) as store:
        return store.get_run(run_id)


def list_runs(store_path: Path) -> list[dict[str, Any]]:
    """Every run in the store, oldest first."""
    from chokepoint.store import open_store

    with open_store(store_path) as store:
        frame = store.list_runs()
    return frame.to_dict(orient="records")


def execute_run(spec: Any, progress: Any) -> tuple[dict[str, Any], str | None]:
    """Run a job (in a worker process): simulate, write the results file, return the metrics.

    The results file is written under a temporary name and renamed when complete.
    """
    from chokepoint.api import build_network
    from chokepoint.engine import simulate
    from chokepoint.results.io import to_netcdf
    from chokepoint.scenario.compile import compile_scenario

    progress(0.0, "reading the scenario")
    loaded = read_scenario_text(spec.scenario_yaml)
    progress(0.01, f"building the network {loaded.scenario.dataset}")
    net = build_network(load_tables(loaded.scenario.dataset, Path(spec.store_path)))
    progress(0.03, "compiling the instruments")
    batch = compile_scenario(loaded.scenario, net, locate=loaded.locate)
    progress(0.05, "simulating day by day")

    def step(done: int, total: int) -> None:
        progress(0.05 + 0.85 * (done / total if total else 1.0))

    ds = simulate(net, batch, progress=step)
    progress(0.9, "computing metrics")
    metrics = ds.cp.summary()
    progress(0.95, "writing results")
    folder = Path(spec.results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{spec.run_id}.nc"
    partial = folder / f"{spec.run_id}.nc.partial"
    to_netcdf(ds, partial)
    partial.replace(final)
    return metrics, str(final)


def open_results(row: Mapping[str, Any]) -> Any:
    """The run's day-by-day results as an :class:`xarray.Dataset` (loaded into memory)."""
    from chokepoint.errors import ChokepointError
    from chokepoint.results.io import from_netcdf

    path = row.get("results_path")
    if not path or not Path(str(path)).is_file():
        msg = f"run {row['run_id']!r} has no day-by-day results stored"
        raise NotFoundError(msg)
    try:
        return from_netcdf(str(path))
    except Exception:  # a file replaced or damaged outside Chokepoint
        msg = f"the results file of run {row['run_id']!r} cannot be read"
        raise ChokepointError(msg) from None


def series(
    row: Mapping[str, Any],
    *,
    variable: str,
    by: list[str],
    region: str | None,
    product: str | None,
    member: int | None,
    start: int,
    end: int | None,
    relative: bool,
    max_points: int,
    value: bool = False,
) -> dict[str, Any]:
    """Lines of ``variable`` per ``by`` keys over days ``start..end-1`` (see the route's doc).

    Extensive variables (output, capacity, unmet demand, exports) are summed over the nodes of
    each key, in units or, with ``value``, in USD (x unit value); ``relative`` divides by the
    same sum of the baseline (``baseline_<variable>`` when recorded, else day 0). Others are
    averaged over nodes. A sum in physical units gives each line the ``unit`` of its nodes
    (``"mixed"`` when they count different units, tonnes plus vehicles: such a line has no
    values, ``null``, as in :func:`~chokepoint.results.metrics.output_lost`; ask for ``value``).
    """
    from chokepoint.results.metrics import MIXED, group_units, units_of

    ds = open_results(row)
    if variable not in ds.data_vars or "day" not in ds[variable].dims:
        known = sorted(v for v in ds.data_vars if "day" in ds[v].dims)
        raise InputError(
            "series request",
            [Problem("variable", f"expected one of {', '.join(known)}, got {variable!r}")],
        )
    da = ds[variable]
    entity = next((d for d in ("node", "market") if d in da.dims), None)
    if entity is None:
        raise InputError(
            "series request",
            [Problem("variable", f"expected a per-node or per-market variable, got {variable!r}")],
        )
    prefix = "" if entity == "node" else f"{entity}_"
    days = da.sizes["day"]
    stop = days if end is None else min(end, days)
    if start >= stop:
        raise InputError(
            "series request",
            [Problem("start", f"expected start < end <= {days}, got {start}..{stop}")],
        )
    if member is not None:
        if member >= da.sizes["scenario"]:
            raise InputError(
                "series request",
                [Problem("member", f"expected < {da.sizes['scenario']}, got {member}")],
            )
        da = da.isel(scenario=[member])
    region_of = np.asarray(ds[f"{prefix}region"].values, dtype=str)
    product_of = np.asarray(ds[f"{prefix}product"].values, dtype=str)
    problems = []
    for kind, asked in (("region", region), ("product", product)):
        # a code of the run: of its nodes, markets or final buyers (a known code without a line
        # for this variable is an empty answer, an unknown one an error)
        run_codes = {
            str(c)
            for coord in (kind, f"market_{kind}", f"final_{kind}")
            if coord in ds.coords
            for c in np.asarray(ds[coord].values).tolist()
        }
        if asked is not None and asked not in run_codes:
            where = f"run {row['run_id']}"
            problems.append(Problem(kind, _unknown_code(asked, run_codes, kind, where)))
    if problems:
        raise InputError("series request", problems)
    keep = np.ones(da.sizes[entity], dtype=bool)
    if region is not None:
        keep &= region_of == region
    if product is not None:
        keep &= product_of == product
    nodes = np.flatnonzero(keep)
    da = da.isel({entity: nodes})
    values = np.asarray(da.transpose("scenario", "day", entity).values, dtype=np.float64)
    extensive = variable in EXTENSIVE
    weights = np.ones(len(nodes))
    if value and extensive and entity == "node" and "unit_value" in ds:
        weights = np.asarray(ds["unit_value"].values, dtype=np.float64)[nodes]
    base_name = f"baseline_{variable}"
    baseline = (
        np.asarray(ds[base_name].values, dtype=np.float64)[nodes] * weights
        if base_name in ds and entity == "node"
        else values[:, 0, :].mean(axis=0) * weights
    )
    values = values * weights[None, None, :]
    members = np.asarray(da["scenario"].values, dtype=str)
    keys = [k for k in by if k != "member"]
    labels = {"region": region_of[nodes], "product": product_of[nodes]}
    node_keys = [tuple(str(labels[k][i]) for k in keys) for i in range(values.shape[2])]
    groups = sorted(set(node_keys))
    member_sets = (
        [[j] for j in range(len(members))] if "member" in by else [list(range(len(members)))]
    )
    if len(groups) * len(member_sets) * (stop - start) > max_points:
        raise InputError(
            "series request",
            [Problem("by", f"expected at most {max_points} values; filter by region or product")],
        )
    index = {k: i for i, k in enumerate(groups)}
    codes = np.array([index[k] for k in node_keys], dtype=np.int64)
    line_unit = None  # physical sums: the unit of each line's nodes, "mixed" if they differ
    if extensive and entity == "node" and not (relative or value):
        line_unit = group_units(
            units_of(ds)[nodes], codes.astype(str), np.arange(len(groups)).astype(str)
        )
    lines = []
    for mset in member_sets:
        sub = values[mset].mean(axis=0)  # (day, node)
        for g, key in enumerate(groups):
            cols = sub[:, codes == g]
            line = cols.sum(axis=1) if extensive else cols.mean(axis=1)
            if relative:
                base = baseline[codes == g].sum() if extensive else baseline[codes == g].mean()
                line = line / base if base else np.full_like(line, np.nan)
            if line_unit is not None and line_unit[g] == MIXED:
                line = np.full_like(line, np.nan)  # no sum of tonnes and vehicles: ask for value
            label = dict(zip(keys, key, strict=True))
            if "member" in by:
                label["member"] = str(members[mset[0]])
            lines.append(
                {
                    "key": label,
                    "values": [float(v) if np.isfinite(v) else None for v in line[start:stop]],
                    "unit": None if line_unit is None else str(line_unit[g]),
                }
            )
    if relative:
        units = "1"
    elif value and extensive:
        units = "USD/day"
    elif line_unit is not None and len(set(line_unit)) == 1:
        units = f"{line_unit[0]}/day"
    elif line_unit is not None and len(line_unit):
        units = "product unit/day (see each line's unit)"
    else:
        units = str(ds[variable].attrs.get("units", ""))
    return {
        "run_id": str(row["run_id"]),
        "variable": variable,
        "units": units,
        "by": by,
        "days": list(range(start, stop)),
        "lines": lines,
    }


def _unknown_code(value: str, known: Iterable[str], what: str, where: str) -> str:
    """``expected a region of run R (...), got 'X'; did you mean 'Y'?``"""
    import difflib

    codes = sorted({str(k) for k in known})
    shown = ", ".join(codes[:30]) + (f" and {len(codes) - 30} more" if len(codes) > 30 else "")
    close = difflib.get_close_matches(value, codes, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"expected a {what} of {where} ({shown}), got {value[:40]!r}{hint}"


def results_dir(store_path: Path) -> Path:
    """Folder of the service's results files, next to the store."""
    return store_path.parent / f"{store_path.stem}-results"


def report_html(row: Mapping[str, Any], store_path: Path) -> str:
    """A self-contained HTML report of a finished run.

    Rendered once and kept next to the results when they live in the service's results folder
    (runs recorded by the CLI are rendered on each request, never written into their folder).
    """
    from chokepoint.report.html import render

    path = Path(str(row["results_path"])) if row.get("results_path") else None
    owned = path is not None and path.parent.resolve() == results_dir(store_path).resolve()
    cached = path.with_suffix(".html") if owned and path is not None else None
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    ds = open_results(row)
    text = render(row["metrics"], ds, scenario_yaml=str(row.get("scenario_yaml") or ""))
    if cached is not None:
        partial = cached.with_suffix(".html.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(cached)
    return text


# -- analysis -------------------------------------------------------------------------------


def _network(name: str, store_path: Path) -> Any:
    from chokepoint.api import build_network

    dataset_exists(name, store_path)
    return build_network(load_tables(name, store_path))


def _table(
    dataset: str, title: str, frame: pd.DataFrame, notes: list[str] | None = None
) -> dict[str, Any]:
    frame = frame.reset_index(drop=True)
    return {
        "dataset": dataset,
        "title": title,
        "columns": [str(c) for c in frame.columns],
        "rows": records(frame),
        "notes": notes or [],
    }


def chokepoints(
    name: str,
    store_path: Path,
    *,
    share_threshold: float,
    stop_days: int,
    horizon_days: int,
    top: int,
) -> dict[str, Any]:
    """Chokepoint ranking by simulated damage (hypothetical extraction as one batch)."""
    from chokepoint.analysis.ranking import rank_chokepoints

    net = _network(name, store_path)
    table = rank_chokepoints(
        net,
        share_threshold=share_threshold,
        stop_days=stop_days,
        horizon_days=horizon_days,
        top=top,
    )
    return _table(
        name,
        f"Stages whose {stop_days}-day stop loses the most output value over {horizon_days} days",
        table,
        [
            f"candidates: (region, product) pairs with at least {share_threshold:.0%} of world output",
            "value lost = Σ_t Σ_n max(x̄_n − x_n(t), 0) × unit value (USD)",
        ],
    )


def exposure(name: str, store_path: Path, *, origin: str, stage: str) -> dict[str, Any]:
    """Region x product matrix: share of embodied ``stage`` that originates in ``origin``."""
    from chokepoint.analysis.tracing import exposure_matrix

    net = _network(name, store_path)
    problems = []
    if origin not in net.regions:
        problems.append(Problem("origin", f"expected a region of {name}, got {origin!r}"))
    if stage not in net.products:
        problems.append(Problem("stage", f"expected a product of {name}, got {stage!r}"))
    if problems:
        raise InputError("exposure request", problems)
    matrix = exposure_matrix(net, stage, origin)
    values = [
        [None if not np.isfinite(v) else float(v) for v in row]
        for row in matrix.to_numpy(dtype=np.float64)
    ]
    return {
        "dataset": name,
        "title": f"Share of {stage} embodied in each region's products that comes from {origin}",
        "rows": [str(r) for r in matrix.index],
        "columns": [str(c) for c in matrix.columns],
        "values": values,
        "notes": ["empty cells: the product embodies none of the traced stage"],
    }


def coercion(name: str, store_path: Path, *, actor: str, threshold: float) -> dict[str, Any]:
    """Value at risk per region if ``actor`` cut every stage it dominates."""
    from chokepoint.analysis.coercion import coercion_potential

    net = _network(name, store_path)
    if actor not in net.regions:
        raise InputError(
            "coercion request", [Problem("actor", f"expected a region of {name}, got {actor!r}")]
        )
    table = coercion_potential(net, actor, threshold=threshold)
    if "region" not in table.columns:
        table = table.reset_index()
    return _table(
        name,
        f"Value at risk if {actor} cut every stage where it holds at least {threshold:.0%}",
        table,
        ["static bound: downstream value embodying the actor's dominated stages"],
    )


def criticality(assessment: str) -> dict[str, Any]:
    """EU criticality scores (supply risk, economic importance) of a shipped assessment."""
    from chokepoint.analysis.criticality import eu_assessment

    result = eu_assessment(assessment)
    scores = result.scores.reset_index()
    return _table(
        assessment,
        f"EU criticality assessment {assessment}: SR and EI",
        scores,
        list(result.overrides),
    )


def leverage(
    name: str, store_path: Path, *, regions: list[str], horizon_days: int, share_threshold: float
) -> dict[str, Any]:
    """Leverage heat map: damage of each actor's strongest instrument against each target."""
    from chokepoint.bargaining.leverage import leverage_matrix

    net = _network(name, store_path)
    unknown = [r for r in regions if r not in net.regions]
    if unknown:
        raise InputError(
            "leverage request",
            [Problem("regions", f"expected regions of {name}, got unknown {', '.join(unknown)}")],
        )
    result = leverage_matrix(
        net, regions, horizon_days=horizon_days, share_threshold=share_threshold
    )
    cells = result.matrix.set_index(["actor", "target"])

    def grid(column: str) -> list[list[Any]]:
        out = []
        for a in regions:
            row = []
            for t in regions:
                v = cells[column].get((a, t)) if (a, t) in cells.index else None
                if isinstance(v, np.generic):
                    v = v.item()
                row.append(
                    None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v
                )
            out.append(row)
        return out

    return {
        "dataset": name,
        "regions": regions,
        "horizon_days": horizon_days,
        "damage_usd": grid("damage_usd"),
        "own_cost_usd": grid("own_cost_usd"),
        "time_to_pain_day": grid("time_to_pain_day"),
        "instrument": grid("instrument"),
        "pairs": records(result.pairs),
        "notes": [
            "rows: actor; columns: target; cell: the actor's strongest instrument (largest damage)",
            f"damage = target's output value lost over {horizon_days} days (USD); "
            "own cost = the actor's",
            "symmetry = min(D_AB, D_BA) / max(D_AB, D_BA): 1 is a negotiation between equals",
        ],
    }
