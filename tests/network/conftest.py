"""Fixture: a writable copy of the toy dataset with helpers to change one CSV cell or line."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from chokepoint.datasets import dataset_path


@dataclass
class ToyFolder:
    """A copy of the packaged toy dataset (``path``) that tests may corrupt."""

    path: Path

    def set_cell(self, file: str, line: int, column: str, value: str) -> None:
        """Set ``column`` on ``line`` (header = line 1) of ``file`` to ``value``."""
        target = self.path / file
        with target.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        rows[line - 1][rows[0].index(column)] = value
        with target.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)

    def set_line(self, file: str, line: int, text: str) -> None:
        """Replace ``line`` (header = line 1) of ``file`` with raw ``text``."""
        target = self.path / file
        lines = target.read_text(encoding="utf-8").splitlines()
        lines[line - 1] = text
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def toy(tmp_path: Path) -> ToyFolder:
    """A writable copy of the toy dataset folder."""
    folder = tmp_path / "toy"
    shutil.copytree(dataset_path("toy"), folder)
    return ToyFolder(folder)
