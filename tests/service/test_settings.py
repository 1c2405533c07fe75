"""Settings: loopback by default, a token beyond loopback, limits from CHOKEPOINT_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chokepoint.errors import InputError
from chokepoint.service.settings import ServiceSettings, is_loopback

TOKEN = "0123456789abcdef"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_defaults_bind_loopback_without_token() -> None:
    s = ServiceSettings()
    assert s.host == "127.0.0.1"
    assert s.token is None
    assert not s.needs_token


def test_beyond_loopback_requires_a_token() -> None:
    with pytest.raises(ValidationError, match="requires a token"):
        ServiceSettings(host="0.0.0.0")
    assert ServiceSettings(host="0.0.0.0", token=TOKEN).needs_token


def test_short_token_is_refused() -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(token="short")


def test_from_env_reads_prefixed_variables() -> None:
    env = {"CHOKEPOINT_MAX_HORIZON_DAYS": "90", "CHOKEPOINT_WORKERS": "3", "OTHER": "x"}
    s = ServiceSettings.from_env(env)
    assert (s.max_horizon_days, s.workers) == (90, 3)
    # explicit overrides win over the environment; None means "not given"
    s = ServiceSettings.from_env(env, workers=5, port=None)
    assert (s.workers, s.port) == (5, 8000)


def test_from_env_reports_every_bad_variable_and_hides_the_token() -> None:
    env = {
        "CHOKEPOINT_MAX_HORIZON_DAYS": "many",
        "CHOKEPOINT_WORKERS": "0",
        "CHOKEPOINT_TOKEN": "tiny",
    }
    with pytest.raises(InputError) as info:
        ServiceSettings.from_env(env)
    locations = {p.location for p in info.value.problems}
    assert locations == {"CHOKEPOINT_MAX_HORIZON_DAYS", "CHOKEPOINT_WORKERS", "CHOKEPOINT_TOKEN"}
    assert "tiny" not in str(info.value)
