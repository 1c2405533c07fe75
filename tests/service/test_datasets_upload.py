"""Dataset import by upload: validated, stored under fixed names, never at a path from the request."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from chokepoint.datasets.registry import dataset_path

TOY = dataset_path("toy")


def _files(
    *names: str, rename: dict[str, str] | None = None, meta: str | None = None
) -> list[tuple[str, tuple[str, bytes]]]:
    """The toy's tables ``names`` as upload parts (renamed by ``rename``), plus a dataset.yaml."""
    rename = rename or {}
    files = [("files", (rename.get(n, n), (TOY / n).read_bytes())) for n in names]
    if meta is not None:
        files.append(("files", ("dataset.yaml", meta.encode())))
    return files


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


def test_upload_under_a_stored_name_and_version_is_refused(client: TestClient) -> None:
    first = client.post(
        "/api/datasets", files=_files(*TABLES, meta="version: '1'\n"), data={"name": "mine"}
    )
    assert first.status_code == 201, first.text
    before = client.get("/api/datasets/mine").json()
    again = client.post(
        "/api/datasets", files=_files(*TABLES, meta="version: '1'\n"), data={"name": "mine"}
    )
    assert again.status_code == 422, again.text
    problems = again.json()["error"]["problems"]
    assert any(
        "expected a name and version not stored yet, got mine@1" in p["message"] for p in problems
    ), problems
    assert client.get("/api/datasets/mine").json() == before  # the first import is untouched
    other = client.post(
        "/api/datasets", files=_files(*TABLES, meta="version: '2'\n"), data={"name": "mine"}
    )
    assert other.status_code == 201, other.text


def test_upload_with_an_unaddressable_name_in_dataset_yaml(client: TestClient) -> None:
    r = client.post("/api/datasets", files=_files(*TABLES, meta="name: a/b c\nversion: '1'\n"))
    assert r.status_code == 422, r.text
    problems = r.json()["error"]["problems"]
    assert problems[0]["location"] == "dataset.yaml:name"
    assert "expected a name of letters, digits" in problems[0]["message"]
    assert "a/b c" not in {d["name"] for d in client.get("/api/datasets").json()}
    r = client.post("/api/datasets", files=_files(*TABLES, meta="name: ok\nversion: 1 beta\n"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["problems"][0]["location"] == "dataset.yaml:version"
