"""Request-validation errors of the API: plain messages for missing and unknown fields, invalid
JSON at its line and column, and patterns; the response shape stays ``{"error": {code, message,
problems: [{location, message}]}}``."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def problems(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == "the request does not match the API"
    return list(error["problems"])


def test_misspelt_field_is_missing_and_unknown_with_a_suggestion(client: TestClient) -> None:
    r = client.post("/api/scenarios/validate", json={"yml": "name: x"})
    assert problems(r) == [
        {"location": "body.yaml", "message": "expected a value (required field), got nothing"},
        {"location": "body.yml", "message": "unknown field 'yml'; did you mean 'yaml'?"},
    ]


def test_invalid_json_names_line_and_column(client: TestClient) -> None:
    body = b'{\n  "yaml": "name: x",\n  not json\n}'
    r = client.post(
        "/api/scenarios/validate", content=body, headers={"content-type": "application/json"}
    )
    assert problems(r) == [
        {
            "location": "body:3:3",
            "message": "invalid JSON: Expecting property name enclosed in double quotes",
        }
    ]


def test_wrong_types_say_what_was_given(client: TestClient) -> None:
    r = client.post("/api/scenarios/validate", json={"yaml": {"name": "x"}})
    assert problems(r) == [
        {"location": "body.yaml", "message": "expected a valid string, got a JSON object"}
    ]
    r = client.post("/api/scenarios/validate", json=["name: x"])
    assert problems(r) == [
        {"location": "body", "message": "expected a JSON object of fields, got a JSON array"}
    ]


def test_pattern_and_bounds(client: TestClient) -> None:
    r = client.get("/api/datasets/toy/stages", params={"chain": "../../etc"})
    [problem] = problems(r)
    assert problem["location"] == "query.chain"
    assert problem["message"].startswith("expected text matching ^")
    assert problem["message"].endswith(", got '../../etc'")
    assert "got dict" not in problem["message"]
