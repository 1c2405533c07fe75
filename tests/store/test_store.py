"""The store: round trip, runs, schema versions and migrations, and a locked file."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import chokepoint as cp
from chokepoint.datasets import load_packaged
from chokepoint.errors import InputError, NotFoundError
from chokepoint.network.schema import TABLES
from chokepoint.store import SCHEMA_VERSION, StoreBusyError, StoreError, open_store
from chokepoint.store.migrations import migrate, table_name


def _assert_same_tables(a: cp.NetworkTables, b: cp.NetworkTables) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(
            a.frames[name].reset_index(drop=True),
            b.frames[name].reset_index(drop=True),
            check_dtype=False,
            obj=name,
        )


def test_default_path_comes_from_the_environment(_isolated_store: Path) -> None:
    with open_store() as store:
        assert store.path == _isolated_store
    assert _isolated_store.exists()


def test_round_trip_of_the_toy_dataset() -> None:
    toy = load_packaged("toy")
    renamed = cp.NetworkTables("toy-copy", toy.frames, "2", toy.meta)
    with open_store() as store:
        store.import_tables(renamed)
        back = store.load_dataset("toy-copy")
        listed = store.list_datasets().set_index("name")
    assert back.label == "toy-copy@2"
    assert dict(back.meta) == dict(toy.meta)
    _assert_same_tables(toy, back)
    assert listed.loc["toy-copy", "links"] == 8 and listed.loc["toy-copy", "origin"] == "import"


def test_packaged_dataset_is_imported_on_first_use() -> None:
    with open_store() as store:
        assert store.list_datasets().empty
    tables = cp.load_dataset("toy")
    with open_store() as store:
        assert store.list_datasets()["name"].tolist() == ["toy"]
        assert store.ensure_packaged(["toy"]) == []  # unchanged: not imported again
    _assert_same_tables(tables, load_packaged("toy"))


def test_versions_and_replacement() -> None:
    toy = load_packaged("toy")
    with open_store() as store:
        store.import_tables(cp.NetworkTables("chain", toy.frames, "1", toy.meta))
        store.import_tables(cp.NetworkTables("chain", toy.frames, "2", toy.meta))
        with pytest.raises(InputError, match=r"not stored yet, got chain@1 \(imported .*--replace"):
            store.import_tables(cp.NetworkTables("chain", toy.frames, "1", dict(toy.meta, x=1)))
        assert "x" not in store.load_dataset("chain@1").meta  # the refused import changed nothing
        store.import_tables(cp.NetworkTables("chain", toy.frames, "1", toy.meta), replace=True)
        assert sorted(store.list_datasets()["version"]) == ["1", "2"]
        assert store.load_dataset("chain@2").version == "2"
        assert store.load_dataset("chain").version == "1"  # latest import
        with duckdb.connect(str(store.path), read_only=True) as con:
            rows = con.execute(
                f"SELECT count(*) FROM {table_name('links')} WHERE dataset = 'chain'"
            ).fetchone()
        assert rows == (16,)  # 8 links in each of two versions, none left over
        store.delete_dataset("chain@1")
        assert store.list_datasets()["version"].tolist() == ["2"]


def test_unknown_dataset_names_the_known_ones() -> None:
    cp.load_dataset("toy")
    with pytest.raises(
        NotFoundError, match=re.escape("unknown dataset 'nope'; expected one of: toy@1.0")
    ):
        cp.load_dataset("nope")


def test_shipped_names_are_reserved() -> None:
    with open_store() as store, pytest.raises(InputError, match="shipped dataset"):
        store.import_tables(load_packaged("toy"))


@pytest.mark.parametrize(
    ("name", "version", "bad"),
    [
        ("a/b", "1", "name"),
        ("x@y", "1", "name"),
        ("with space", "1", "name"),
        ("", "1", "name"),
        ("..", "1", "name"),
        ("_x", "1", "name"),
        ("a" * 101, "1", "name"),
        ("ok", "1 beta", "version"),
        ("ok", "1/2", "version"),
    ],
)
def test_unaddressable_names_and_versions_are_refused(name: str, version: str, bad: str) -> None:
    toy = load_packaged("toy")
    with open_store() as store:
        with pytest.raises(InputError, match=rf"{bad} \| expected a {bad} of letters, digits"):
            store.import_tables(cp.NetworkTables(name, toy.frames, version, toy.meta))
        assert name not in set(store.list_datasets()["name"])


def test_addressable_names_are_accepted() -> None:
    toy = load_packaged("toy")
    with open_store() as store:
        for name, version in (("my-toy_2.b", "2025.1"), ("X", ""), ("a" * 100, "v-1_b")):
            store.import_tables(cp.NetworkTables(name, toy.frames, version, toy.meta))
            label = f"{name}@{version}" if version else name
            assert store.load_dataset(label).name == name


def test_read_only_store_refuses_writes() -> None:
    with open_store(read_only=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        with pytest.raises(StoreError, match="read-only"):
            store.save_run("r", scenario="s", dataset="toy", scenario_yaml="", metrics={})


def test_runs() -> None:
    with open_store() as store:
        store.save_run(
            "run-1",
            scenario="ban",
            dataset="toy@1.0",
            scenario_yaml="name: ban\n",
            metrics={"output_lost": 12.5, "days": [1, 2]},
        )
        store.save_run(
            "run-2",
            scenario="quota",
            dataset="toy@1.0",
            scenario_yaml="name: quota\n",
            metrics={},
            results_path="/tmp/run-2.nc",
            status="running",
        )
        first = store.get_run("run-1")
        store.save_run(
            "run-2",
            scenario="quota",
            dataset="toy@1.0",
            scenario_yaml="name: quota\n",
            metrics={"output_lost": 3.0},
            results_path="/tmp/run-2.nc",
        )
        runs = store.list_runs()
        second = store.get_run("run-2")
    assert first["metrics"] == {"output_lost": 12.5, "days": [1, 2]}
    assert first["scenario_yaml"] == "name: ban\n" and first["status"] == "finished"
    assert first["results_path"] is None
    assert runs["run_id"].tolist() == ["run-1", "run-2"]
    assert runs.set_index("run_id").loc["run-2", "status"] == "finished"
    assert second["metrics"] == {"output_lost": 3.0}
    assert second["created_at"] <= second["updated_at"]
    with open_store() as store, pytest.raises(NotFoundError, match="unknown run 'run-3'"):
        store.get_run("run-3")


def test_store_columns_match_the_declared_tables() -> None:
    """A change to network/schema.py needs a migration; this test notices when it is missing."""
    sql_type = {"str": "VARCHAR", "float": "DOUBLE", "int": "BIGINT"}
    with open_store() as store, duckdb.connect(str(store.path), read_only=True) as con:
        for name, spec in TABLES.items():
            described = con.execute(f"DESCRIBE {table_name(name)}").fetchall()
            columns = {row[0]: row[1] for row in described}
            for col in spec.columns:
                assert columns.get(col.name) == sql_type[col.dtype], (name, col.name)
            assert {"dataset", "version", "row_id", "source", "note"} <= set(columns)


def _make_v1_store(path: Path) -> None:
    """A store as release 1 wrote it: schema v1 and the toy dataset (no counts, no runs)."""
    toy = load_packaged("toy")
    with duckdb.connect(str(path)) as con:
        migrate(con, target=1)
        for name in TABLES:
            frame = toy.frames[name].copy()
            if name == "recipes":
                frame = frame.drop(columns=["region"], errors="ignore")  # v1 had no region
            frame.insert(0, "row_id", range(len(frame)))
            frame.insert(0, "version", "0.9")
            frame.insert(0, "dataset", "old-toy")
            con.register("frame", frame)
            con.execute(f"INSERT INTO {table_name(name)} BY NAME SELECT * FROM frame")
            con.unregister("frame")
        con.execute(
            "INSERT INTO datasets (name, version, meta, origin) "
            """VALUES ('old-toy', '0.9', '{"default_stock_days": 30}', 'import')"""
        )


def test_migration_from_v1(tmp_path: Path) -> None:
    path = tmp_path / "v1.duckdb"
    _make_v1_store(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone() == (1,)
        columns = [r[0] for r in con.execute("DESCRIBE datasets").fetchall()]
        assert "counts" not in columns
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 2
        listed = store.list_datasets().set_index("name")
        # Counts back-filled from the network tables.
        assert listed.loc["old-toy", ["producers", "links", "stocks"]].tolist() == [8, 8, 1]
        tables = store.load_dataset("old-toy")
        assert tables.recipes["region"].tolist() == ["", "", ""]
        assert cp.build_network(tables).n_links == 8
        store.save_run("r", scenario="s", dataset="old-toy", scenario_yaml="", metrics={})
        assert store.list_runs()["run_id"].tolist() == ["r"]
    with duckdb.connect(str(path), read_only=True) as con:
        versions = [
            r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
    assert versions == [1, 2]


def test_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    with open_store(path):
        pass
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO schema_version (version, description) VALUES (99, 'future')")
    with pytest.raises(StoreError, match="schema version 99, newer"), open_store(path):
        pass


def test_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "junk.duckdb"
    path.write_text("this is not a database\n")
    with pytest.raises(StoreError, match="cannot open the store"), open_store(path):
        pass


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[bytes]:
    code = textwrap.dedent(
        f"""
        import sys, time, duckdb
        con = duckdb.connect({str(path)!r})
        print("locked", flush=True)
        time.sleep({seconds})
        con.close()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"locked"
    return proc


def test_busy_store_times_out_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    with open_store(path):
        pass
    proc = _hold_lock(path, 5)
    try:
        start = time.monotonic()
        with pytest.raises(StoreBusyError, match="is busy"), open_store(path, timeout=0.3) as s:
            s.list_datasets()
        assert time.monotonic() - start < 3
    finally:
        proc.kill()
        proc.wait()


def test_reader_waits_for_a_short_write(tmp_path: Path) -> None:
    path = tmp_path / "wait.duckdb"
    with open_store(path):
        pass
    proc = _hold_lock(path, 0.5)
    try:
        with open_store(path, read_only=True, timeout=20) as store:
            assert store.list_datasets().empty
    finally:
        proc.wait()


def test_default_path_is_in_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chokepoint.store import default_store_path

    monkeypatch.delenv("CHOKEPOINT_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_store_path() == tmp_path / "chokepoint" / "store.duckdb"


def test_bad_timeout_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOKEPOINT_STORE_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="expected a number of seconds, got 'soon'"), open_store():
        pass
