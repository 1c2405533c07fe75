"""``chokepoint serve``: settings check without starting a server."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chokepoint.cli.app import app

runner = CliRunner()


def test_serve_json_shows_settings_and_hides_token() -> None:
    result = runner.invoke(
        app, ["serve", "--json", "--port", "9001", "--workers", "3", "--token", "0123456789abcdef"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["host"], out["port"], out["workers"], out["token"]) == (
        "127.0.0.1",
        9001,
        3,
        "***",
    )


def test_serve_beyond_loopback_without_token_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHOKEPOINT_TOKEN", raising=False)
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--json"])
    assert result.exit_code == 2
    assert "requires a token" in result.output


def test_serve_reads_limits_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOKEPOINT_MAX_HORIZON_DAYS", "365")
    result = runner.invoke(app, ["serve", "--json"])
    assert json.loads(result.stdout)["max_horizon_days"] == 365
    monkeypatch.setenv("CHOKEPOINT_MAX_HORIZON_DAYS", "lots")
    result = runner.invoke(app, ["serve", "--json"])
    assert result.exit_code == 2
    assert "CHOKEPOINT_MAX_HORIZON_DAYS" in result.output
