"""Scenarios over the API: presets, JSON Schema, validation with file:line problems, no paths."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

TOY = """\
name: my-toy
dataset: toy
horizon_days: 60
instruments:
  ban:
    type: export_ban
    actor: NORTH
    products: [refined]
    start_day: 5
"""


def test_presets_listed_with_dataset(client: TestClient) -> None:
    presets = {p["name"]: p for p in client.get("/api/scenarios/presets").json()}
    assert "toy-licensing" in presets
    assert presets["toy-licensing"]["dataset"] == "toy"
    assert presets["rare-earth-licensing-2025"]["dataset"] == "critical-chains"


def test_preset_detail_has_yaml(client: TestClient) -> None:
    p = client.get("/api/scenarios/presets/toy-licensing").json()
    assert "type: licensing" in p["yaml"]


def test_schema_is_json_schema_with_instruments(client: TestClient) -> None:
    schema = client.get("/api/scenarios/schema").json()
    assert schema["title"] == "Chokepoint scenario"
    types = {
        d["properties"]["type"].get("const")
        for d in schema["$defs"].values()
        if "type" in d.get("properties", {})
    }
    assert {"export_ban", "licensing", "quota"} <= types


def test_validate_ok(client: TestClient) -> None:
    out = client.post("/api/scenarios/validate", json={"yaml": TOY}).json()
    assert out["valid"] is True
    assert (out["name"], out["dataset"], out["horizon_days"], out["members"]) == (
        "my-toy",
        "toy",
        60,
        1,
    )
    assert out["instruments"] == 1
    assert out["instrument_list"] == [
        {
            "key": "ban",
            "type": "export_ban",
            "actor": "NORTH",
            "products": ["refined"],
            "targets": [],
            "start_day": 5,
            "end_day": None,
        }
    ]


def test_validate_reports_lines_not_temp_paths(client: TestClient) -> None:
    bad = TOY.replace("horizon_days: 60", "horizon_days: -1").replace("actor: NORTH", "actor: MARS")
    out = client.post("/api/scenarios/validate", json={"yaml": bad}).json()
    assert out["valid"] is False
    locs = [p["location"] for p in out["problems"]]
    assert "scenario.yaml:3" in locs  # horizon_days is on line 3
    assert all("/tmp" not in p["location"] and "/tmp" not in p["message"] for p in out["problems"])


def test_unknown_codes_found_against_the_dataset(client: TestClient) -> None:
    out = client.post(
        "/api/scenarios/validate", json={"yaml": TOY.replace("actor: NORTH", "actor: MARS")}
    ).json()
    assert out["valid"] is False
    assert any("MARS" in p["message"] for p in out["problems"])


def test_server_limits_on_horizon_and_batch(make_client: Any) -> None:
    client = make_client(max_horizon_days=30, max_batch_size=2)
    text = TOY + "members: 3\nseed: 1\n"
    out = client.post("/api/scenarios/validate", json={"yaml": text}).json()
    assert out["valid"] is False
    messages = {p["location"]: p["message"] for p in out["problems"]}
    assert messages["horizon_days"] == "expected at most 30 days (server limit), got 60"
    assert messages["members"] == "expected at most 2 members (server limit), got 3"


def test_extends_only_presets_never_paths(client: TestClient, tmp_path: Any) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: secret\ndataset: toy\n")
    for ref in (str(secret), "../secret.yaml", "/etc/passwd", "./x"):
        out = client.post(
            "/api/scenarios/validate", json={"yaml": f"extends: [{ref!r}]\nname: x\n"}
        ).json()
        assert out["valid"] is False, ref
        assert out["problems"][0]["location"] == "scenario.yaml:extends[0]"
        assert "expected the name of a preset" in out["problems"][0]["message"]


def test_extends_a_preset(client: TestClient) -> None:
    text = "extends: [toy-licensing]\nname: toy-variant\nhorizon_days: 90\n"
    out = client.post("/api/scenarios/validate", json={"yaml": text}).json()
    assert out["valid"] is True, out
    assert (out["name"], out["horizon_days"], out["dataset"]) == ("toy-variant", 90, "toy")


def test_yaml_syntax_error_has_a_line(client: TestClient) -> None:
    out = client.post("/api/scenarios/validate", json={"yaml": "name: x\n  bad: [\n"}).json()
    assert out["valid"] is False
    assert out["problems"][0]["location"].startswith("scenario.yaml:")


def test_yaml_aliases_refused(client: TestClient) -> None:
    # a "billion laughs" document: nine aliases per level expand to 9^5 values when built
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for prev, name in zip("abcd", "bcde", strict=True):
        bomb += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    out = client.post("/api/scenarios/validate", json={"yaml": "name: x\n" + bomb}).json()
    assert out["valid"] is False
    assert out["problems"][0] == {
        "location": "scenario.yaml:3",
        "message": "expected no YAML aliases (*name); write the value out",
    }
