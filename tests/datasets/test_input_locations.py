"""Bad input in user tables and import options: rows are the line numbers an editor shows (the
header is line 1), and a non-finite option is blamed on the option, not on every derived value."""

from __future__ import annotations

from pathlib import Path

import pytest

from chokepoint.datasets.criticality_loader import load_wgi_table
from chokepoint.errors import InputError
from chokepoint.io.mrio import from_pymrio, pymrio_test_system


def test_wgi_rows_are_file_lines(tmp_path: Path) -> None:
    bad = tmp_path / "wgi.csv"
    bad.write_text("region,wgi_scaled\nCHN,abc\nJPN,\nchina,5\nUSA,nan\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_wgi_table(bad)
    assert [str(p) for p in info.value.problems] == [
        "wgi.csv:2:wgi_scaled | expected a number, got 'abc'",
        "wgi.csv:3:wgi_scaled | expected a number, got ''",
        "wgi.csv:4:region | expected an ISO3 code like 'CHN', got 'china'",
        "wgi.csv:5:wgi_scaled | expected a value in [0, 10], got 'nan'",
    ]


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 0.5])
def test_mrio_alpha_max_must_be_finite_and_at_least_one(value: float) -> None:
    with pytest.raises(InputError) as info:
        from_pymrio(pymrio_test_system(), alpha_max=value)
    assert [str(p) for p in info.value.problems] == [
        f"alpha_max | expected a finite number ≥ 1, got {value!r}"
    ]


def test_mrio_usd_per_unit_must_be_finite() -> None:
    with pytest.raises(InputError) as info:
        from_pymrio(pymrio_test_system(), usd_per_unit=float("inf"))
    assert [str(p) for p in info.value.problems] == [
        "usd_per_unit | expected a finite number > 0, got inf"
    ]
