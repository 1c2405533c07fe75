"""An imported MRIO table survives export to a folder and import back (its meta included)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chokepoint.io.mrio import from_pymrio, pymrio_test_system
from chokepoint.io.tables import read_folder, write_folder
from chokepoint.network.compile import compile_network


def test_mrio_round_trip_through_a_folder(tmp_path: Path) -> None:
    tables = from_pymrio(pymrio_test_system(), name="pymrio-test")
    back = read_folder(write_folder(tables, tmp_path / "mrio"))
    assert back.counts() == tables.counts()
    assert back.meta["mrio"] == tables.meta["mrio"]
    a, b = compile_network(tables), compile_network(back)
    np.testing.assert_allclose(b.output, a.output, rtol=1e-12)
    np.testing.assert_allclose(b.link_flow, a.link_flow, rtol=1e-12)
