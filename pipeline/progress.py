"""Progress with an ETA for stages that take more than a few seconds.

On a terminal it is a bar (rich) with the time remaining; elsewhere (a scheduled run, a log
file) it is a log line at every tenth of the way with the same ETA. Work done in other threads
reports to the stage's progress through ``advance_current``: ``Progress`` makes itself the
current one for the code it wraps, and Prefect's thread task runner copies that context into its
task threads. Code running in another process (a Dask worker) has no current progress, so its
``advance_current`` calls do nothing.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
import time
from collections.abc import Callable

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

LOG_EVERY_FRACTION = 0.1
QUIET_SECONDS = 5.0  # per-item loops (images read or written) show progress once they run this long

_CURRENT: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("synthaug_progress", default=None)


class Progress:
    """``with Progress("verification", total=43, unit="fits", logger=log) as progress:`` then
    ``progress.advance()`` (or ``advance_current()`` from code that cannot see it).

    ``on_update`` receives the completed fraction (a Prefect progress artifact, say). With
    ``quiet_seconds``, nothing is shown until the stage has run that long: a loop that is over in
    a moment stays silent."""

    def __init__(
        self,
        description: str,
        *,
        total: float,
        unit: str,
        logger: logging.Logger,
        on_update: Callable[[float], None] | None = None,
        quiet_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.description, self.total, self.unit = description, max(float(total), 1e-9), unit
        self.logger, self.on_update, self.clock = logger, on_update, clock
        self.quiet_seconds = quiet_seconds
        self.completed = 0.0
        self._lock = threading.Lock()
        self._bar: RichProgress | None = None
        self._started = 0.0
        self._next_log = LOG_EVERY_FRACTION
        self._token: contextvars.Token | None = None

    def __enter__(self) -> Progress:
        self._started = self.clock()
        if self.quiet_seconds <= 0:
            self._show_bar()
        self._token = _CURRENT.set(self)
        return self

    def _show_bar(self) -> None:
        if self._bar is not None or not sys.stderr.isatty():
            return
        self._bar = RichProgress(
            TextColumn(f"{self.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(self.unit),
            TimeRemainingColumn(),
            transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total, completed=self.completed)

    def __exit__(self, *exc_info) -> None:
        if self._token is not None:
            _CURRENT.reset(self._token)
        if exc_info[0] is None:
            self.advance(self.total - self.completed)  # planned work that turned out unneeded
        if self._bar is not None:
            self._bar.stop()

    def eta_seconds(self, elapsed: float) -> float:
        """Seconds left at the pace so far."""
        return elapsed / max(self.completed, 1e-9) * max(self.total - self.completed, 0.0)

    def advance(self, amount: float = 1.0) -> None:
        if amount <= 0:
            return
        with self._lock:
            self.completed = min(self.total, self.completed + amount)
            fraction = self.completed / self.total
            if fraction + 1e-9 >= self._next_log:
                while self._next_log <= fraction + 1e-9:
                    self._next_log += LOG_EVERY_FRACTION
                elapsed = self.clock() - self._started
                if elapsed >= self.quiet_seconds:
                    self._show_bar()
                    self._log(fraction, elapsed)
            if self._bar is not None:
                self._bar.update(self._task, completed=self.completed)
        if self.on_update is not None:
            self.on_update(fraction)

    def _log(self, fraction: float, elapsed: float) -> None:
        self.logger.info(
            "%s: %g/%g %s (%d%%), %s elapsed, ETA %s",
            self.description,
            round(self.completed, 1),
            round(self.total, 1),
            self.unit,
            round(100 * fraction),
            format_duration(elapsed),
            format_duration(self.eta_seconds(elapsed)),
        )


def advance_current(amount: float = 1.0) -> None:
    """Report progress to the stage's current ``Progress``, if this context has one."""
    progress = _CURRENT.get()
    if progress is not None:
        progress.advance(amount)


def format_duration(seconds: float) -> str:
    """``45s``, ``3m 20s``, ``2h 05m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
