"""Dataset import by upload: validated, stored under fixed names, never at a path from the request."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from chokepoint.datasets.registry import dataset_path

TOY = dataset_path("toy")


def _files(
    *names: str, rename: dict[str, str] | None = None
) -> list[tuple[str, tuple[str, bytes]]]:
    rename = rename or {}
    return [("files", (rename.get(n, n), (TOY / n).read_bytes())) for n in names]


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


def test_upload_then_list_and_show(client: TestClient) -> None:
    r = client.post("/api/datasets", files=_files(*TABLES), data={"name": "mytoy"})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "mytoy"
    assert r.json()["counts"]["links"] == 8
    names = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert names["mytoy"]["origin"] == "upload"
    stages = client.get("/api/datasets/mytoy/stages").json()
    assert stages["stages"][0]["shares"][0] == {"region": "NORTH", "output": 12.0, "share": 0.75}


def test_upload_with_path_like_names_writes_nowhere_else(
    client: TestClient, tmp_path: Path
) -> None:
    evil = {n: f"../../../../{tmp_path}/{n}" for n in TABLES}
    r = client.post("/api/datasets", files=_files(*TABLES, rename=evil), data={"name": "evil"})
    # the base name selects the table; the directories are ignored
    assert r.status_code == 201, r.text
    assert not any(tmp_path.glob("*.csv"))


def test_upload_rejects_unknown_files_and_bad_rows(client: TestClient) -> None:
    r = client.post(
        "/api/datasets", files=[("files", ("notes.txt", b"hello"))], data={"name": "bad"}
    )
    assert r.status_code == 422
    locs = [p["location"] for p in r.json()["error"]["problems"]]
    assert "upload:notes.txt" in locs
    broken = (
        (TOY / "links.csv")
        .read_text()
        .replace("NORTH/ore,NORTH/refined,12,2", "NORTH/ore,NORTH/refined,12,-2")
    )
    files = [f for f in _files(*TABLES) if f[1][0] != "links.csv"]
    files.append(("files", ("links.csv", broken.encode())))
    r = client.post("/api/datasets", files=files, data={"name": "bad"})
    assert r.status_code == 422
    problems = r.json()["error"]["problems"]
    assert any(p["location"].startswith("links.csv:2") for p in problems), problems


def test_upload_may_not_take_a_shipped_name(client: TestClient) -> None:
    r = client.post("/api/datasets", files=_files(*TABLES), data={"name": "toy"})
    assert r.status_code == 422
