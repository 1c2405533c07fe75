"""The layering of DESIGN §2: the core never imports the CLI, the service or the reports, and the
engine works on arrays only (no pandas)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "chokepoint"
CORE = ("network", "scenario", "engine", "results", "analysis", "market", "bargaining", "sweep")
OUTER = ("chokepoint.cli", "chokepoint.service", "chokepoint.report")


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", CORE)
def test_core_does_not_import_outer_layers(package: str) -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / package).rglob("*.py")
        for name in imports(path)
        if name.startswith(OUTER)
    }
    assert not offenders, sorted(offenders)


def test_engine_imports_no_pandas() -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "engine").rglob("*.py")
        for name in imports(path)
        if name.split(".")[0] == "pandas"
    }
    assert not offenders, sorted(offenders)
