"""Exceptions. Every user-facing failure is a :class:`ChokepointError`.

Bad input is collected, not raised at the first problem: :class:`InputError` carries every
:class:`Problem` found, each with its location (``file:row:column``) and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class ChokepointError(Exception):
    """Base class of all errors Chokepoint raises on purpose (the CLI maps it to exit code 2)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in the input: where it is and what was expected.

    ``location`` is ``file:row:column`` where known (row = the line number an editor or a
    spreadsheet shows: the header is line 1, the first data row line 2), or a short tag such as
    ``balance``.
    """

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location} | {self.message}"


class InputError(ChokepointError, ValueError):
    """One or more problems in user input, listed together."""

    def __init__(self, subject: str, problems: Iterable[Problem], limit: int = 50) -> None:
        self.subject = subject
        self.problems = list(problems)
        shown = self.problems[:limit]
        lines = [
            f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} in {subject}"
        ]
        lines += [f" * {p}" for p in shown]
        if len(self.problems) > limit:
            lines.append(f" * ... and {len(self.problems) - limit} more")
        super().__init__("\n".join(lines))


class NotFoundError(ChokepointError, KeyError):
    """A named thing (dataset, run, scenario preset, chain) does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


def raise_if_problems(subject: str, problems: list[Problem]) -> None:
    """Raise one :class:`InputError` listing ``problems`` if there are any."""
    if problems:
        raise InputError(subject, problems)
