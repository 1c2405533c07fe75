"""Bad sweep files: every problem names the file, line and parameter, in the scenario's wording
(no pydantic 'Value error, ...' or 'Input should be ...'), and a distribution that can draw values
the field rejects is refused before anything runs."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

from chokepoint.errors import InputError
from chokepoint.scenario.load import load_scenario
from chokepoint.sweep.runner import batch_scenario, run_sweep
from chokepoint.sweep.spec import MemberError, read_sweep


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "sw.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_sweep(path)
    return [str(p).replace(f"{path}", "sw.yaml") for p in info.value.problems]


HEAD = "scenario: toy-licensing\nparameters:\n"


def test_normal_that_can_go_negative_for_a_day_field(tmp_path: Path) -> None:
    text = (
        HEAD
        + "  instruments.licence.processing_days: {dist: normal, mean: 30, sd: 50}\n"
        + "design: {method: monte_carlo, samples: 6, seed: 1}\n"
    )
    assert problems(tmp_path, text) == [
        "sw.yaml:3 | parameters.instruments.licence.processing_days: the normal distribution can "
        "draw values with no lower bound, which the scenario rejects "
        "(instruments.licence.processing_days: expected greater than or equal to 0); "
        "give the normal a 'low' to clip its draws"
    ]


def test_clipped_normal_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(
        HEAD + "  instruments.licence.processing_days: {dist: normal, mean: 30, sd: 50, low: 0}\n"
    )
    spec, _ = read_sweep(path)
    assert list(spec.parameters) == ["instruments.licence.processing_days"]


def test_range_end_outside_the_field(tmp_path: Path) -> None:
    text = (
        HEAD
        + "  instruments.licence.approval_share: {dist: uniform, low: 0.2, high: 0.6}\n"
        + "  instruments.licence.processing_days: {dist: triangular, low: -10, mode: 30, high: 60}\n"
        + "  instruments.licence.front_running: {dist: lognormal, median: 1.5, sigma: 0.2}\n"
    )
    found = problems(tmp_path, text)
    assert found[0] == (
        "sw.yaml:4 | parameters.instruments.licence.processing_days: the triangular distribution "
        "can draw -10 (its lowest value), which the scenario rejects "
        "(instruments.licence.processing_days: expected greater than or equal to 0, got -10); "
        "keep the distribution within the field's range"
    )
    assert found[1].startswith(
        "sw.yaml:5 | parameters.instruments.licence.front_running: the lognormal distribution can "
        "draw values just above 0, which the scenario rejects"
    )
    assert len(found) == 2


def test_spec_errors_have_lines_and_plain_wording(tmp_path: Path) -> None:
    text = (
        HEAD
        + "  instruments.licence.approval_share: {dist: uniform, low: 0.9, high: 0.1}\n"
        + "  instruments.licnce.processing_days: {dist: uniform, low: 1, hi: 2}\n"
        + "design: {method: sobol, samples: 4}\n"
        + "colour: red\n"
    )
    found = problems(tmp_path, text)
    assert found == [
        "sw.yaml:3 | parameters.instruments.licence.approval_share: expected high ≥ low, "
        "got low=0.9, high=0.1",
        "sw.yaml:4 | parameters.instruments.licnce.processing_days: expected low, high for a "
        "uniform distribution; missing high; unknown field(s) hi",
        "sw.yaml:5 | design.method: expected 'grid', 'monte_carlo' or 'latin_hypercube', "
        "got 'sobol'",
        "sw.yaml:6 | colour: unknown field 'colour' (expected one of: batch_size, design, "
        "parameters, scenario)",
    ]
    assert not any("Value error" in p or "Input should be" in p for p in found)


def test_wrong_path_has_its_line_and_a_suggestion(tmp_path: Path) -> None:
    text = HEAD + "  instruments.licnce.approval_share: {dist: uniform, low: 0.1, high: 0.7}\n"
    assert problems(tmp_path, text) == [
        "sw.yaml:3 | parameters.instruments.licnce.approval_share: instruments has no field "
        "'licnce'; did you mean 'licence'?"
    ]


def test_non_finite_distribution_parameters(tmp_path: Path) -> None:
    text = (
        HEAD
        + "  instruments.licence.approval_share: {dist: uniform, low: 0.1, high: .inf}\n"
        + "  instruments.licence.processing_days: {dist: normal, mean: .nan, sd: 3, low: 0}\n"
    )
    assert problems(tmp_path, text) == [
        "sw.yaml:3 | parameters.instruments.licence.approval_share.high: expected a finite "
        "number, got inf",
        "sw.yaml:4 | parameters.instruments.licence.processing_days.mean: expected a finite "
        "number, got nan",
    ]


def test_sweep_block_in_a_scenario_file_is_located(tmp_path: Path) -> None:
    text = (
        "extends: [toy-licensing]\nname: y\nsweep:\n  parameters:\n"
        "    instruments.licence.approval_share: {dist: uniform, low: 0.5, high: 3}\n"
    )
    assert problems(tmp_path, text)[0].startswith(
        "sw.yaml:5 | parameters.instruments.licence.approval_share: the scenario rejects its "
        "median 1.75"
    )


def test_member_whose_draw_the_scenario_rejects_is_named() -> None:
    base = load_scenario("toy-licensing")
    draws = pd.DataFrame(
        {"instruments.licence.processing_days": [3.0, -20.0]},
        index=pd.Index([4, 5], name="member"),
    )
    with pytest.raises(MemberError) as info:
        batch_scenario(base, draws)
    assert [str(p) for p in info.value.problems] == [
        "member toy-licensing#5 | instruments.licence.processing_days: expected greater than or "
        "equal to 0, got -20 (drawn: instruments.licence.processing_days=-20)"
    ]
    again = pickle.loads(pickle.dumps(info.value))  # crosses from a Dask worker intact
    assert again.problems == info.value.problems


def test_samples_override_is_checked(tmp_path: Path) -> None:
    spec, base = read_sweep(Path(__file__).parent / "data" / "toy-sweep.yaml")
    with pytest.raises(InputError, match=r"samples \| expected a whole number of members"):
        run_sweep(None, spec, base, tmp_path / "out", samples=-6)  # type: ignore[arg-type]
