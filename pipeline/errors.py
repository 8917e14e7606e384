"""The one exception type for problems a user can fix.

Anything raised as :class:`UserInputError` reaches the person at the terminal as a short
paragraph (what is wrong, where, and what to do) and exit code 2. Everything else is an
internal error (exit code 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class UserInputError(Exception):
    """A problem with the user's config or data, with a message saying what to do.

    ``where`` names the file, column, row or config key; ``hint`` says how to fix it.
    """

    def __init__(self, message: str, *, where: str | Path | None = None, hint: str | None = None):
        self.message = message
        self.where = str(where) if where is not None else None
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return text

    def __reduce__(self):  # keep the keyword arguments when pickled (Prefect may pickle it)
        return (_rebuild_user_error, (self.message, self.where, self.hint))


def _rebuild_user_error(message: str, where: str | None, hint: str | None) -> UserInputError:
    return UserInputError(message, where=where, hint=hint)


ECHO_LIMIT = 300


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters (a value from a user's file can be
    megabytes long)."""
    text = repr(value) if not isinstance(value, BaseException) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[: limit - 25]}... ({len(text):,} characters)"


def suggest(name: str, choices: Iterable[str]) -> str:
    """'Did you mean ...?' text for a misspelt name, or a list of the valid names."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    if close:
        return "Did you mean " + " or ".join(repr(c) for c in close) + "?"
    shown = ", ".join(repr(c) for c in choices[:12])
    more = f" (and {len(choices) - 12} more)" if len(choices) > 12 else ""
    return f"Known names: {shown}{more}."


class TrainingStopped(UserInputError):
    """Training had to stop (diverged, or a detector configured to stop fired).

    Still exit code 2, but the run directory is kept (marked failed) so its metrics, grids and
    checkpoints can be inspected.
    """

    keep_run = True
