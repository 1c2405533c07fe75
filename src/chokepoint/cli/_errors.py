"""Map Chokepoint errors to one clear red message and exit code 2 (``--debug`` shows the traceback)."""

from __future__ import annotations

import os
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


def os_error_message(exc: OSError) -> str:
    """``PATH: reason`` of an operating-system error (``PATH -> OTHER: reason`` for two paths)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return reason
    where = os.fsdecode(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {os.fsdecode(exc.filename2)}"
    return f"{where}: {reason}"


@contextmanager
def handle_errors() -> Iterator[None]:
    """Print expected errors as one message and exit with code 2 unless ``--debug`` is on.

    An :class:`OSError` that nothing else caught (a path under a file, a full disk, a folder
    where a file was expected) is the last line of defence: it is reported with its path and the
    operating system's reason, never as a traceback.
    """
    try:
        yield
    except (ChokepointError, ValidationError) as exc:
        if state.debug:
            raise
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        raise typer.Exit(EXIT_USER_ERROR) from None
    except OSError as exc:
        if state.debug:
            raise
        err_console.print(f"[bold red]error:[/] {escape(os_error_message(exc))}", markup=True)
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        err_console.print("[red]interrupted[/]")
        sys.exit(130)
