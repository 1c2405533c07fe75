"""Service settings: a validated model read from ``CHOKEPOINT_*`` environment variables.

Every limit the service enforces lives here, with its default and its meaning, so that the API
docs, the error messages and ``chokepoint serve --help`` all quote the same numbers.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chokepoint.errors import InputError, Problem

ENV_PREFIX = "CHOKEPOINT_"
"""Prefix of the environment variables read by :meth:`ServiceSettings.from_env`."""

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class ServiceSettings(BaseModel):
    """Where the service listens, who may call it, and the caps on what a request may ask for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Interface to bind (loopback by default).")
    port: int = Field(8000, ge=0, le=65535, description="TCP port (0 = any free port).")
    token: str | None = Field(
        None,
        min_length=16,
        description="Bearer token required on every API call; mandatory beyond loopback.",
    )
    store: str | None = Field(
        None,
        description="Store file (default: the user data dir); CHOKEPOINT_STORE as everywhere.",
    )
    workers: int = Field(2, ge=1, le=64, description="Worker processes that execute runs.")
    max_body_bytes: int = Field(
        5_000_000, ge=1_000, description="Largest request body accepted (bytes)."
    )
    max_horizon_days: int = Field(730, ge=1, description="Longest run horizon (days).")
    max_batch_size: int = Field(
        64, ge=1, description="Most scenarios in one run's batch (members)."
    )
    max_jobs_per_client: int = Field(
        4, ge=1, description="Most queued or running jobs one client may hold at once."
    )
    max_run_seconds: float = Field(
        600.0, gt=0, description="Wall-clock cap of one run; a run over it is stopped and failed."
    )
    max_series_points: int = Field(
        200_000, ge=100, description="Most values returned by one time-series request."
    )

    @model_validator(mode="after")
    def _token_beyond_loopback(self) -> ServiceSettings:
        if not is_loopback(self.host) and not self.token:
            msg = (
                f"binding to {self.host!r} (beyond loopback) requires a token: "
                f"pass --token or set {ENV_PREFIX}TOKEN (at least 16 characters)"
            )
            raise ValueError(msg)
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ServiceSettings:
        """Settings from ``CHOKEPOINT_<FIELD>`` variables (e.g. ``CHOKEPOINT_MAX_HORIZON_DAYS``).

        ``overrides`` that are not None win over the environment. Invalid values raise one
        :class:`~chokepoint.errors.InputError` naming each variable.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = env.get(f"{ENV_PREFIX}{name.upper()}")
            if raw is not None and raw.strip() != "":
                values[name] = raw.strip()
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                if not field:  # a rule across fields: its message says it all
                    text = str(err["msg"]).removeprefix("Value error, ")
                    problems.append(Problem("settings", text))
                    continue
                where = f"{ENV_PREFIX}{field.upper()}" if field in cls.model_fields else field
                got = "(hidden)" if field == "token" else repr(err.get("input"))
                problems.append(Problem(where, f"expected {err['msg']}, got {got}"))
            raise InputError("service settings", problems) from None

    def store_path(self) -> Path:
        """The store file the service uses (fixed when the app is created)."""
        from chokepoint.store import default_store_path

        return Path(self.store).expanduser() if self.store else default_store_path()

    @property
    def needs_token(self) -> bool:
        """Whether API calls must carry the bearer token."""
        return self.token is not None
