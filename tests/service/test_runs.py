"""Runs as jobs: submit -> id at once, progress, metrics, series, report, cancel, caps, time limit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

SLOW_RUNNER = "service_runners:slow"
"""Worker function in ``service_runners.py`` that takes ~30 s (tests cancel or time it out)."""

TOY_BAN = """\
name: toy-ban
dataset: toy
horizon_days: 40
instruments:
  ban:
    type: export_ban
    actor: NORTH
    products: [refined]
    start_day: 0
"""


def test_preset_run_end_to_end(shared_client: TestClient, wait_for: Any) -> None:
    client = shared_client
    r = client.post("/api/runs", json={"preset": "toy-licensing"})
    assert r.status_code == 202
    run = r.json()
    # accepted: queued, or already running when a warm worker took it at once (a race)
    assert run["status"] in ("queued", "running")
    assert run["run_id"].startswith("r")
    done = wait_for(client, run["run_id"], ("finished", "failed"))
    assert done["status"] == "finished", done
    assert done["progress"] == 1.0
    assert set(done["links"]) == {"self", "metrics", "series", "report"}
    assert "type: licensing" in done["scenario_yaml"]

    m = client.get(f"/api/runs/{run['run_id']}/metrics").json()
    assert m["scenario"] == "toy-licensing"
    assert m["dataset"].startswith("toy")
    assert set(m["metrics"]) >= {"time_to_pain", "output_lost", "prices"}
    pain = {(x["region"], x["product"]): x["day"] for x in m["metrics"]["time_to_pain"]}
    assert len(pain) == 8  # one record per (region, product) node of the toy

    listed = client.get("/api/runs").json()
    assert run["run_id"] in [r["run_id"] for r in listed]


def test_series_and_report(shared_client: TestClient, wait_for: Any) -> None:
    client = shared_client
    run_id = client.post("/api/runs", json={"scenario_yaml": TOY_BAN}).json()["run_id"]
    assert wait_for(client, run_id, ("finished", "failed"))["status"] == "finished"
    s = client.get(
        f"/api/runs/{run_id}/series", params={"by": "region,product", "relative": "true"}
    ).json()
    assert s["days"] == list(range(40))
    assert len(s["lines"]) == 8
    lines = {(ln["key"]["region"], ln["key"]["product"]): ln["values"] for ln in s["lines"]}
    # relative to baseline: EAST's end product is untouched on day 0 (its stocks cover 30 days)
    assert lines[("EAST", "product")][0] == pytest.approx(1.0)
    # the ban strands NORTH's refined metal: its output must fall below 95% at some point
    assert min(lines[("NORTH", "refined")]) < 0.95
    # value weighting: EAST component 600/day x 50 USD = 30 000 USD/day at baseline
    v = client.get(
        f"/api/runs/{run_id}/series",
        params={"by": "region,product", "region": "EAST", "product": "component", "value": "true"},
    ).json()
    assert v["units"] == "USD/day"
    assert v["lines"][0]["values"][0] == pytest.approx(30_000.0)
    # slices: one region, days 10..19
    s2 = client.get(
        f"/api/runs/{run_id}/series",
        params={"by": "product", "region": "EAST", "start": 10, "end": 20},
    ).json()
    assert s2["days"] == list(range(10, 20))
    assert {ln["key"]["product"] for ln in s2["lines"]} == {"component", "product"}
    # physical sums carry their unit: the toy counts ore and refined metal in t, the rest in units
    assert s2["units"] == "unit/day" and {ln["unit"] for ln in s2["lines"]} == {"unit"}
    s3 = client.get(f"/api/runs/{run_id}/series", params={"by": "region"}).json()
    assert {ln["key"]["region"]: ln["unit"] for ln in s3["lines"]} == {
        "NORTH": "t",
        "SOUTH": "t",
        "EAST": "unit",
        "WEST": "unit",
    }
    assert s3["units"] == "product unit/day (see each line's unit)"
    # one line over every node adds tonnes to units: no values, as in output_lost; USD works
    everything = client.get(f"/api/runs/{run_id}/series", params={"by": "member"}).json()
    [line] = everything["lines"]
    assert line["unit"] == "mixed" and set(line["values"]) == {None}
    in_usd = client.get(
        f"/api/runs/{run_id}/series", params={"by": "member", "value": "true"}
    ).json()
    assert in_usd["units"] == "USD/day" and None not in in_usd["lines"][0]["values"]
    assert s["units"] == "1" and s["lines"][0]["unit"] is None
    bad = client.get(f"/api/runs/{run_id}/series", params={"variable": "nothing"})
    assert bad.status_code == 422
    report = client.get(f"/api/runs/{run_id}/report")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert "attachment" in report.headers["content-disposition"]
    assert "toy-ban" in report.text
    assert "<script src=" not in report.text  # self-contained


def test_submit_validates_first(shared_client: TestClient) -> None:
    client = shared_client
    r = client.post("/api/runs", json={"scenario_yaml": TOY_BAN.replace("NORTH", "MARS")})
    assert r.status_code == 422
    assert any("MARS" in p["message"] for p in r.json()["error"]["problems"])
    r = client.post("/api/runs", json={})
    assert r.status_code == 422
    r = client.post("/api/runs", json={"preset": "nope"})
    assert r.status_code == 404


def test_horizon_cap_on_submit(make_client: Any) -> None:
    client = make_client(max_horizon_days=10)
    r = client.post("/api/runs", json={"scenario_yaml": TOY_BAN})
    assert r.status_code == 422
    assert r.json()["error"]["problems"][0] == {
        "location": "horizon_days",
        "message": "expected at most 10 days (server limit), got 40",
    }


def test_results_of_unfinished_run_are_409(make_client: Any) -> None:
    client = make_client(runner=SLOW_RUNNER)
    run_id = client.post("/api/runs", json={"scenario_yaml": TOY_BAN}).json()["run_id"]
    for path in ("metrics", "series", "report"):
        r = client.get(f"/api/runs/{run_id}/{path}")
        assert r.status_code == 409, path
    client.post(f"/api/runs/{run_id}/cancel")


def test_progress_visible_then_cancel(make_client: Any, wait_for: Any) -> None:
    client = make_client(runner=SLOW_RUNNER)
    run_id = client.post("/api/runs", json={"scenario_yaml": TOY_BAN}).json()["run_id"]
    wait_for(client, run_id, ("running",))
    import time

    deadline = time.monotonic() + 240
    while client.get(f"/api/runs/{run_id}").json()["progress"] <= 0.0:
        assert time.monotonic() < deadline, "no progress reported"
        time.sleep(0.1)
    r = client.post(f"/api/runs/{run_id}/cancel")
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    run = client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "cancelled"
    assert run["error"] == "cancelled on request"
    again = client.post(f"/api/runs/{run_id}/cancel")
    assert again.status_code == 409


def test_queued_run_cancel(make_client: Any) -> None:
    client = make_client(runner=SLOW_RUNNER, workers=1)
    first = client.post("/api/runs", json={"scenario_yaml": TOY_BAN}).json()["run_id"]
    second = client.post("/api/runs", json={"scenario_yaml": TOY_BAN}).json()["run_id"]
    assert client.get(f"/api/runs/{second}").json()["status"] == "queued"
    assert client.post(f"/api/runs/{second}/cancel").json()["status"] == "cancelled"
    client.post(f"/api/runs/{first}/cancel")


def test_jobs_per_client_cap(make_client: Any) -> None:
    client = make_client(runner=SLOW_RUNNER, max_jobs_per_client=2, workers=1)
    ids = [client.post("/api/runs", json={"scenario_yaml": TOY_BAN}).json()["run_id"] for _ in "ab"]
    r = client.post("/api/runs", json={"scenario_yaml": TOY_BAN})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "too_many_jobs"
    assert "at most 2" in r.json()["error"]["message"]
    for run_id in ids:
        client.post(f"/api/runs/{run_id}/cancel")


def test_run_time_cap(make_client: Any, wait_for: Any) -> None:
    client = make_client(runner=SLOW_RUNNER, max_run_seconds=1.0)
    run_id = client.post("/api/runs", json={"scenario_yaml": TOY_BAN}).json()["run_id"]
    run = wait_for(client, run_id, ("failed", "finished"), timeout=240)
    assert run["status"] == "failed"
    assert run["error"] == "stopped: the run exceeded the run-time limit of 1 s"


def test_worker_errors_do_not_leak(make_client: Any, wait_for: Any) -> None:
    client = make_client(runner="service_runners:crash")
    run_id = client.post("/api/runs", json={"scenario_yaml": TOY_BAN}).json()["run_id"]
    run = wait_for(client, run_id, ("failed", "finished"), timeout=240)
    assert run["status"] == "failed"
    assert run["error"] == "internal error in the run (RuntimeError)"


def test_runs_recorded_elsewhere_are_served(
    client: TestClient, store_path: Any, tmp_path: Any
) -> None:
    """A run saved by the CLI (results in its own folder) is listed, sliced and reported; the
    service writes nothing into that folder; a damaged results file is a 400, not a 500."""
    import chokepoint as cp
    from chokepoint.engine import simulate
    from chokepoint.results.io import to_netcdf
    from chokepoint.scenario.batch import ScenarioBatch
    from chokepoint.store import open_store

    ds = simulate(cp.build_network(cp.load_dataset("toy")), ScenarioBatch.baseline(10))
    folder = tmp_path / "cli-run"
    folder.mkdir()
    to_netcdf(ds, folder / "results.nc")
    with open_store(store_path) as store:
        for run_id, path in (("cli-1", folder / "results.nc"), ("cli-2", tmp_path / "bad.nc")):
            store.save_run(
                run_id,
                scenario="baseline",
                dataset="toy",
                scenario_yaml="name: baseline\n",
                metrics=ds.cp.summary(),
                results_path=str(path),
            )
    (tmp_path / "bad.nc").write_bytes(b"not a netCDF file")
    assert "cli-1" in [r["run_id"] for r in client.get("/api/runs").json()]
    s = client.get("/api/runs/cli-1/series", params={"relative": "true"}).json()
    # the baseline is a steady state: every region's output stays at 100%
    assert all(v == pytest.approx(1.0) for line in s["lines"] for v in line["values"])
    assert client.get("/api/runs/cli-1/report").status_code == 200
    assert sorted(p.name for p in folder.iterdir()) == ["results.nc"]
    bad = client.get("/api/runs/cli-2/series")
    assert bad.status_code == 400
    assert "cannot be read" in bad.json()["error"]["message"]
