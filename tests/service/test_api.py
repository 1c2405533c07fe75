"""The API over TestClient: datasets, errors as JSON, token, size cap, host check, dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from chokepoint.service import backend

TOKEN = "0123456789abcdef"


def test_health_and_limits(client: TestClient) -> None:
    assert client.get("/api/health").json() == {
        "status": "ok",
        "version": "0.1.0",
        "workers": 2,
        "auth": False,
    }
    limits = client.get("/api/limits").json()
    assert limits["max_horizon_days"] == 730
    assert limits["max_batch_size"] == 64


def test_datasets_list_has_the_toy(client: TestClient) -> None:
    rows = client.get("/api/datasets").json()
    toy = next(r for r in rows if r["name"] == "toy")
    assert toy["version"] == "1.0"
    assert toy["origin"] == "package"
    assert toy["counts"]["producers"] == 8
    assert toy["counts"]["links"] == 8


def test_dataset_detail(client: TestClient) -> None:
    d = client.get("/api/datasets/toy").json()
    assert [p["product"] for p in d["products"]] == ["ore", "refined", "component", "product"]
    assert d["chains"] == ["toy"]
    assert {r["region"] for r in d["regions"]} == {"NORTH", "SOUTH", "EAST", "WEST"}
    assert d["regions"][2]["blocs"] == ["ALLIANCE"]  # EAST
    assert d["sources"]


def test_stages_shares_and_hhi_by_hand(client: TestClient) -> None:
    out = client.get("/api/datasets/toy/stages", params={"chain": "toy"}).json()
    stages = {s["product"]: s for s in out["stages"]}
    assert [s["product"] for s in out["stages"]] == ["ore", "refined", "component", "product"]
    # ore: NORTH 12, SOUTH 4 of 16 t/day -> shares 0.75 / 0.25, HHI 0.75² + 0.25² = 0.625
    ore = stages["ore"]
    assert ore["output"] == 16.0
    assert [(s["region"], s["share"]) for s in ore["shares"]] == [("NORTH", 0.75), ("SOUTH", 0.25)]
    assert ore["hhi"] == pytest.approx(0.625)
    assert (ore["top_region"], ore["top_share"]) == ("NORTH", 0.75)
    # component: EAST 600, WEST 200 units/day
    assert stages["component"]["top_region"] == "EAST"
    assert stages["component"]["output"] == 800.0


def test_flows_aggregate_links_with_values(client: TestClient) -> None:
    out = client.get("/api/datasets/toy/flows").json()
    ids = [n["id"] for n in out["nodes"]]
    assert ids[:2] == ["NORTH/ore", "SOUTH/ore"]  # upstream first
    links = {(ids[x["source"]], ids[x["target"]]): x for x in out["links"]}
    assert len(links) == 8
    # NORTH/refined -> EAST/component: 4.5 t/day x 10 000 USD/t = 45 000 USD/day
    link = links[("NORTH/refined", "EAST/component")]
    assert link["flow"] == 4.5
    assert link["value_usd"] == pytest.approx(45_000.0)


def test_unknown_things_are_404_json(client: TestClient) -> None:
    for path in (
        "/api/datasets/nope",
        "/api/datasets/nope/stages",
        "/api/runs/r0000000000000000",
        "/api/scenarios/presets/nope",
        "/api/nothing-here",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "not_found"
    r = client.get("/api/datasets/toy/stages", params={"chain": "nochain"})
    assert r.status_code == 404
    assert "nochain" in r.json()["error"]["message"]


def test_bad_parameters_are_422_with_problems(client: TestClient) -> None:
    r = client.get("/api/datasets/toy/stages", params={"chain": "../../etc"})
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "invalid_request"
    assert body["problems"][0]["location"] == "query.chain"


def test_unexpected_errors_never_leak(make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client(raise_errors=False)

    def boom(*args: Any) -> Any:
        msg = "secret /etc/shadow"
        raise RuntimeError(msg)

    monkeypatch.setattr(backend, "list_datasets", boom)
    r = client.get("/api/datasets")
    assert r.status_code == 500
    text = r.text
    assert "secret" not in text
    assert "Traceback" not in text
    assert r.json()["error"]["code"] == "internal_error"


def test_body_size_cap(make_client: Any) -> None:
    client = make_client(max_body_bytes=2_000)
    r = client.post("/api/scenarios/validate", json={"yaml": "x" * 5_000})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"
    assert "2000 bytes" in r.json()["error"]["message"]


def test_body_size_cap_on_streamed_body(make_client: Any) -> None:
    client = make_client(max_body_bytes=2_000)

    def chunks() -> Any:
        for _ in range(10):
            yield b"y" * 500

    r = client.post(
        "/api/scenarios/validate", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413


def test_token_required_when_set(make_client: Any) -> None:
    client = make_client(token=TOKEN)
    r = client.get("/api/datasets")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/datasets", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/api/datasets", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    # the dashboard's static files need no token (the page asks for it)
    assert client.get("/ui/").status_code == 200


def test_foreign_host_header_refused_on_loopback(client: TestClient) -> None:
    r = client.get("/api/health", headers={"host": "attacker.example"})
    assert r.status_code == 400


def test_dashboard_and_local_plotly(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"
    page = client.get("/ui/")
    assert page.status_code == 200
    assert 'src="vendor/plotly.min.js"' in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")  # no CDN
    js = client.get("/ui/vendor/plotly.min.js")
    assert js.status_code == 200
    assert len(js.content) > 1_000_000
    assert client.get("/ui/app.js").status_code == 200


def test_openapi_published(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for p in (
        "/api/datasets",
        "/api/scenarios/validate",
        "/api/scenarios/schema",
        "/api/runs",
        "/api/runs/{run_id}/cancel",
        "/api/runs/{run_id}/series",
        "/api/runs/{run_id}/report",
        "/api/analysis/{dataset}/chokepoints",
    ):
        assert p in paths
