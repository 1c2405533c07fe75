"""Text files read as UTF-8, with one located error when they cannot be."""

from __future__ import annotations

from pathlib import Path

from chokepoint.errors import InputError, Problem


def read_text(path: Path, label: str, subject: str, *, encoding: str = "utf-8") -> str:
    """The text of ``path``; a file that cannot be read or is not UTF-8 is one
    :class:`~chokepoint.errors.InputError` naming ``label`` (and the line of the first bad byte).

    ``encoding`` is ``"utf-8"`` or ``"utf-8-sig"`` (a byte-order mark, as spreadsheets write,
    is dropped)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(subject, [Problem(label, f"cannot read: {exc.strerror or exc}")]) from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = (
            f"cannot read: expected UTF-8 text, got byte 0x{raw[exc.start]:02x} at column {column} "
            "(save the file as UTF-8)"
        )
        raise InputError(subject, [Problem(f"{label}:{line}", message)]) from None
