"""Analysis over the API on the toy: exposure, coercion potential, criticality, ranking."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chokepoint.service import backend


def test_exposure_matrix_by_hand(client: TestClient) -> None:
    m = client.get(
        "/api/analysis/toy/exposure", params={"stage": "refined", "origin": "NORTH"}
    ).json()
    assert m["rows"] == ["EAST", "NORTH", "SOUTH", "WEST"]
    assert m["columns"] == ["component", "ore", "product", "refined"]
    cell = dict(zip(m["columns"], m["values"][0], strict=True))  # EAST
    # EAST/component buys 4.5 t/day from NORTH and 1.5 from SOUTH: 4.5 / 6 = 0.75
    assert cell["component"] == pytest.approx(0.75)
    assert cell["product"] == pytest.approx(0.75)
    assert cell["ore"] is None  # ore embodies no refined metal


def test_exposure_unknown_codes(client: TestClient) -> None:
    r = client.get("/api/analysis/toy/exposure", params={"stage": "gold", "origin": "MARS"})
    assert r.status_code == 422
    assert {p["location"] for p in r.json()["error"]["problems"]} == {"origin", "stage"}


def test_coercion_potential(client: TestClient) -> None:
    t = client.get("/api/analysis/toy/coercion", params={"actor": "NORTH"}).json()
    rows = {r["region"]: r for r in t["rows"]}
    assert "NORTH" not in rows
    # EAST: baseline value 600 x 50 + 150 x 20 000 = 3 030 000 USD/day, 75% embodies NORTH's stages
    assert rows["EAST"]["value_usd_per_day"] == pytest.approx(3_030_000.0)
    assert rows["EAST"]["share_at_risk"] == pytest.approx(0.75)


def test_criticality_table(client: TestClient) -> None:
    t = client.get("/api/analysis/criticality/eu-2023").json()
    assert "sr" in t["columns"]
    assert "ei" in t["columns"]
    assert any(r["material"] == "Gallium" for r in t["rows"])
    assert client.get("/api/analysis/criticality/eu-1999").status_code == 422


def test_chokepoint_ranking(client: TestClient) -> None:
    t = client.get(
        "/api/analysis/toy/chokepoints", params={"horizon_days": 60, "stop_days": 30}
    ).json()
    assert t["rows"], t
    first = t["rows"][0]
    assert set(first) >= {"region", "product", "share", "world_value_lost_usd"}
    values = [r["world_value_lost_usd"] for r in t["rows"]]
    assert values == sorted(values, reverse=True)
    r = client.get("/api/analysis/toy/chokepoints", params={"horizon_days": 3000})
    assert r.status_code == 422  # above the server's horizon limit


def test_leverage_matrix(client: TestClient) -> None:
    out = client.get(
        "/api/analysis/toy/leverage", params={"regions": "NORTH,EAST", "horizon_days": 120}
    ).json()
    assert out["regions"] == ["NORTH", "EAST"]
    assert out["damage_usd"][0][0] is None  # no actor targets itself
    assert out["damage_usd"][1][0] is None  # EAST sells nothing to NORTH: no instrument
    # NORTH refines 75% of the metal in EAST's components: a cut must hurt EAST, and NORTH
    # loses its export sales
    assert out["damage_usd"][0][1] > 0
    assert out["own_cost_usd"][0][1] > 0
    assert out["instrument"][0][1] == "all exports"
    # EAST's component makers hold 30 days of refined metal (+10 strategic): no pain before day 30
    assert out["time_to_pain_day"][0][1] > 30
    assert len(out["pairs"]) == 1
    bad = client.get("/api/analysis/toy/leverage", params={"regions": "NORTH,MARS"})
    assert bad.status_code == 422
    assert client.get("/api/analysis/toy/leverage", params={"regions": "NORTH"}).status_code == 422
    long = client.get(
        "/api/analysis/toy/leverage", params={"regions": "NORTH,EAST", "horizon_days": 900}
    )
    assert long.status_code == 422
    assert "expected horizon_days <= 730 (server limit), got 900" in long.text


def test_simulations_in_requests_are_capped(make_client: Any, monkeypatch: Any) -> None:
    client = make_client(workers=1)
    release = threading.Event()
    entered = threading.Event()

    def slow_ranking(*args: Any, **kwargs: Any) -> dict[str, Any]:
        entered.set()
        release.wait(60)
        return {"dataset": "toy", "title": "t", "columns": [], "rows": []}

    monkeypatch.setattr(backend, "chokepoints", slow_ranking)
    first: dict[str, int] = {}
    worker = threading.Thread(
        target=lambda: first.update(code=client.get("/api/analysis/toy/chokepoints").status_code)
    )
    worker.start()
    assert entered.wait(60)
    r = client.get("/api/analysis/toy/leverage", params={"regions": "NORTH,EAST"})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "busy"
    release.set()
    worker.join(60)
    assert first["code"] == 200
