"""``chokepoint serve``: the HTTP API and the dashboard (loopback only unless a token is given)."""

from __future__ import annotations

import json

import typer

from chokepoint.cli._errors import handle_errors


def serve(
    host: str = typer.Option(
        None,
        "--host",
        help="Interface to bind (default 127.0.0.1; beyond loopback needs --token).",
    ),
    port: int = typer.Option(None, "--port", help="TCP port (default 8000)."),
    workers: int = typer.Option(None, "--workers", help="Worker processes for runs (default 2)."),
    token: str = typer.Option(
        None,
        "--token",
        envvar="CHOKEPOINT_TOKEN",
        help="Bearer token required on every API call (at least 16 characters).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the effective settings as JSON and exit (token hidden)."
    ),
) -> None:
    """Serve the REST API (/api, OpenAPI at /docs) and the dashboard (/ui/).

    Limits come from CHOKEPOINT_* variables (e.g. CHOKEPOINT_MAX_HORIZON_DAYS); see docs/service.md.
    """
    with handle_errors():
        from chokepoint.service.settings import ServiceSettings

        settings = ServiceSettings.from_env(host=host, port=port, workers=workers, token=token)
        if as_json:
            shown = settings.model_dump()
            shown["token"] = "***" if settings.token else None
            typer.echo(json.dumps(shown))
            return
        import uvicorn

        from chokepoint.service.app import create_app

        app = create_app(settings)
        typer.echo(
            f"Chokepoint on http://{settings.host}:{settings.port}/ui/ "
            f"(API /api, docs /docs; token {'required' if settings.token else 'off'})"
        )
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    typer.run(serve)
