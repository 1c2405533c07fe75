"""Sweeps: same numbers in one process and on a 2-worker local Dask cluster, members re-run alone,
resume after an interruption, bad specs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chokepoint as cp
from chokepoint.errors import InputError
from chokepoint.sweep.design import sample
from chokepoint.sweep.runner import (
    SINGLE_THREAD_ENV,
    read_members,
    read_parameters,
    run_batch,
    run_sweep,
)
from chokepoint.sweep.spec import read_sweep
from chokepoint.sweep.summary import quantiles, sensitivity

SPEC = Path(__file__).parent / "data" / "toy-sweep.yaml"


@pytest.fixture(scope="module")
def net() -> cp.CompiledNetwork:
    return cp.build_network(cp.load_dataset("toy"))


@pytest.fixture(scope="module")
def local(net: cp.CompiledNetwork, tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec, base = read_sweep(SPEC)
    result = run_sweep(net, spec, base, tmp_path_factory.mktemp("sweep") / "local")
    assert (result.members, result.batches_run, result.batches_skipped) == (12, 3, 0)
    return result.out


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["member", "metric", "region", "product"]).reset_index(drop=True)


def test_in_process_equals_dask_and_member_alone(
    net: cp.CompiledNetwork, local: Path, tmp_path: Path
) -> None:
    spec, base = read_sweep(SPEC)
    before = {key: os.environ.get(key) for key in SINGLE_THREAD_ENV}
    dask = run_sweep(net, spec, base, tmp_path / "dask", workers=2)
    # the workers' single-thread settings do not leak into this process (numba refuses a thread
    # count changed after its threads started)
    assert {key: os.environ.get(key) for key in SINGLE_THREAD_ENV} == before
    a, b = _sorted(read_members(local)), _sorted(read_members(dask.out))
    pd.testing.assert_frame_equal(a, b)
    # member 7 alone, in a batch of one, gives the same numbers
    draws = sample(spec.parameters, spec.design, members=[7])
    alone, _ = run_batch(net, base, draws)
    pd.testing.assert_frame_equal(_sorted(alone), _sorted(a[a["member"] == 7]))
    # the outputs respond to the inputs: a lower approval share loses more
    params = read_parameters(local)
    rho = sensitivity(a, params, "output_lost_value_usd", "NORTH", "refined")
    assert rho.iloc[0]["parameter"] == "instruments.licence.approval_share"
    assert rho.iloc[0]["spearman_rho"] < -0.5


def test_resume_skips_finished_batches(
    net: cp.CompiledNetwork, local: Path, tmp_path: Path
) -> None:
    import shutil

    spec, base = read_sweep(SPEC)
    out = tmp_path / "sweep"
    shutil.copytree(local, out)
    files = sorted((out / "members").glob("batch-*.parquet"))
    assert len(files) == 3
    files[1].unlink()  # an interruption lost the second batch
    mtimes = {f: f.stat().st_mtime_ns for f in (files[0], files[2])}
    second = run_sweep(net, spec, base, out)
    assert (second.batches_run, second.batches_skipped) == (1, 2)
    assert all(f.stat().st_mtime_ns == t for f, t in mtimes.items())
    rows = read_members(out)
    assert sorted(rows["member"].unique()) == list(range(12))
    assert not rows.duplicated(["member", "metric", "region", "product"]).any()
    pd.testing.assert_frame_equal(_sorted(rows), _sorted(read_members(local)))


def test_quantiles_are_ordered(local: Path) -> None:
    table = quantiles(read_members(local))
    values = table[["q05", "q50", "q95"]].dropna().to_numpy()
    assert np.all(values[:, 0] <= values[:, 1]) and np.all(values[:, 1] <= values[:, 2])
    assert (table["members"] == 12).all()


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        (
            {
                "scenario": "toy-licensing",
                "parameters": {
                    "instruments.licence.approval_share": {"dist": "uniform", "low": 1, "high": 0}
                },
            },
            "high",
        ),
        (
            {
                "scenario": "toy-licensing",
                "parameters": {
                    "instruments.nothing.approval_share": {"dist": "uniform", "low": 0, "high": 1}
                },
            },
            "no field 'nothing'",
        ),
        (
            {
                "scenario": "toy-licensing",
                "parameters": {
                    "instruments.licence.approval_share": {"dist": "uniform", "low": 2, "high": 3}
                },
            },
            "rejects",
        ),
        ({"scenario": "toy-licensing", "parameters": {}}, "parameters"),
    ],
)
def test_bad_sweep_specs_are_clear(spec: dict[str, object], needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        read_sweep(spec)


def test_sweep_block_inside_a_scenario_file(net: cp.CompiledNetwork, tmp_path: Path) -> None:
    from chokepoint.scenario.load import load_scenario

    path = SPEC.parent / "toy-with-sweep.yaml"
    spec, base = read_sweep(path)
    assert base.name == "toy-licensing-uncertain" and base.sweep is None
    assert spec.design.samples == 4
    assert load_scenario(path).sweep is not None  # a plain run loads the file and ignores the block
    result = run_sweep(net, spec, base, tmp_path / "embedded")
    assert sorted(read_members(result.out)["member"].unique()) == [0, 1, 2, 3]


def test_unreadable_sweep_yaml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: toy-licensing\nparameters: {a: \x01}\n")
    with pytest.raises(InputError, match=r"bad.yaml:2 \| invalid YAML"):
        read_sweep(bad)
