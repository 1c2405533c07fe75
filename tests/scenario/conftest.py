"""Fixtures: the toy network (8 nodes, 8 links, 1 alternative) and a writer of scenario files.

Toy ids used in the hand-checked numbers (links are sorted by supplier):
nodes 0 NORTH/ore, 1 SOUTH/ore, 2 NORTH/refined, 3 SOUTH/refined, 4 EAST/component,
5 WEST/component, 6 EAST/product, 7 WEST/product; links e: 0 NORTH/ore->NORTH/refined (12/day),
1 SOUTH/ore->SOUTH/refined (4), 2 NORTH/refined->EAST/component (4.5), 3 NORTH/refined->WEST/component
(1.5), 4 SOUTH/refined->EAST/component (1.5), 5 SOUTH/refined->WEST/component (0.5),
6 EAST/component->EAST/product (600), 7 WEST/component->WEST/product (200); alternative 0
WEST/component -> EAST/product (engine link id 8); input pairs k: 0 NORTH/refined<-ore,
1 SOUTH/refined<-ore, 2 EAST/component<-refined, 3 WEST/component<-refined, 4 EAST/product<-component,
5 WEST/product<-component; final demand f: 0 EAST/product->EAST (100), 1 EAST/product->WEST (50),
2 WEST/product->WEST (50).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import chokepoint as cp
from chokepoint.network.compile import CompiledNetwork


@pytest.fixture(scope="session")
def toy() -> CompiledNetwork:
    return cp.build_network(cp.load_dataset("toy"))


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Write a file into a temp folder that is also the working directory (so messages name the
    file as ``name.yaml``)."""
    monkeypatch.chdir(tmp_path)

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
