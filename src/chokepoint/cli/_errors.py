"""Map Chokepoint errors to one clear red message and exit code 2 (``--debug`` shows the traceback)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from chokepoint.errors import ChokepointError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_USER_ERROR = 2


class _State:
    debug: bool = False
    store: str | None = None
    """The global ``--store PATH`` (None: ``$CHOKEPOINT_STORE`` or the user data directory)."""


state = _State()


@contextmanager
def handle_errors() -> Iterator[None]:
    """Print expected errors as one message and exit with code 2 unless ``--debug`` is on."""
    try:
        yield
    except (ChokepointError, ValidationError, FileNotFoundError, PermissionError) as exc:
        if state.debug:
            raise
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        err_console.print("[red]interrupted[/]")
        sys.exit(130)
