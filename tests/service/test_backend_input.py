"""Bad requests to the service's series: a 4xx with the message, never an empty answer (bad
uploads are in test_datasets_upload.py)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient


def test_series_of_an_unknown_region_or_product_is_refused(
    client: TestClient, store_path: Path, tmp_path: Path
) -> None:
    import chokepoint as cp
    import chokepoint.results  # registers ds.cp
    from chokepoint.engine import simulate
    from chokepoint.results.io import to_netcdf
    from chokepoint.scenario.batch import ScenarioBatch
    from chokepoint.store import open_store

    ds = simulate(cp.build_network(cp.load_dataset("toy")), ScenarioBatch.baseline(10))
    to_netcdf(ds, tmp_path / "results.nc")
    with open_store(store_path) as store:
        store.save_run(
            "cli-1",
            scenario="baseline",
            dataset="toy",
            scenario_yaml="name: baseline\n",
            metrics=ds.cp.summary(),
            results_path=str(tmp_path / "results.nc"),
        )
    ok = client.get("/api/runs/cli-1/series", params={"region": "EAST", "product": "product"})
    assert ok.status_code == 200 and ok.json()["lines"], ok.text
    mars = client.get("/api/runs/cli-1/series", params={"region": "MARS"})
    assert mars.status_code == 422, mars.text
    (problem,) = mars.json()["error"]["problems"]
    assert problem["location"] == "region"
    assert problem["message"].startswith(
        "expected a region of run cli-1 (EAST, NORTH, SOUTH, WEST)"
    )
    assert problem["message"].endswith("got 'MARS'")
    typo = client.get("/api/runs/cli-1/series", params={"product": "prodct", "region": "EAST"})
    assert typo.status_code == 422, typo.text
    (problem,) = typo.json()["error"]["problems"]
    assert problem["location"] == "product"
    assert "got 'prodct'; did you mean 'product'?" in problem["message"]
    market = client.get("/api/runs/cli-1/series", params={"variable": "price", "region": "MARS"})
    assert market.status_code == 422, market.text
