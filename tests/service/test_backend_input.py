"""Bad requests to the service's dataset import and series: a 4xx with the message, never a
silent replacement or an empty answer."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from chokepoint.datasets.registry import dataset_path

TOY = dataset_path("toy")
TABLES = (
    "regions.csv",
    "products.csv",
    "producers.csv",
    "recipes.csv",
    "links.csv",
    "final_demand.csv",
    "stocks.csv",
    "alternatives.csv",
)


def _files(meta: str | None = None) -> list[tuple[str, tuple[str, bytes]]]:
    files = [("files", (n, (TOY / n).read_bytes())) for n in TABLES]
    if meta is not None:
        files.append(("files", ("dataset.yaml", meta.encode())))
    return files


def test_upload_under_a_stored_name_and_version_is_refused(client: TestClient) -> None:
    first = client.post("/api/datasets", files=_files("version: '1'\n"), data={"name": "mine"})
    assert first.status_code == 201, first.text
    before = client.get("/api/datasets/mine").json()
    again = client.post("/api/datasets", files=_files("version: '1'\n"), data={"name": "mine"})
    assert again.status_code == 422, again.text
    problems = again.json()["error"]["problems"]
    assert any(
        "expected a name and version not stored yet, got mine@1" in p["message"] for p in problems
    ), problems
    assert client.get("/api/datasets/mine").json() == before  # the first import is untouched
    other = client.post("/api/datasets", files=_files("version: '2'\n"), data={"name": "mine"})
    assert other.status_code == 201, other.text


def test_upload_with_an_unaddressable_name_in_dataset_yaml(client: TestClient) -> None:
    r = client.post("/api/datasets", files=_files("name: a/b c\nversion: '1'\n"))
    assert r.status_code == 422, r.text
    problems = r.json()["error"]["problems"]
    assert problems[0]["location"] == "dataset.yaml:name"
    assert "expected a name of letters, digits" in problems[0]["message"]
    assert "a/b c" not in {d["name"] for d in client.get("/api/datasets").json()}
    r = client.post("/api/datasets", files=_files("name: ok\nversion: 1 beta\n"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["problems"][0]["location"] == "dataset.yaml:version"


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
