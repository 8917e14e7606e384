"""How long each stage of a run took: recorded in the manifest and shown in the report."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator


class StageClock:
    """Wall seconds per stage, in the order the stages ran::

        clock = StageClock()
        with clock.stage("train"):
            ...
        clock.seconds  # {"train": 81.4}

    A stage that raises records nothing.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter):
        self.clock = clock
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = self.clock()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0.0) + self.clock() - started, 2)


def merge_stage_seconds(earlier: dict[str, float], later: dict[str, float]) -> dict[str, float]:
    """Stage times of a resumed run: the earlier session's plus this one's (a stage both ran is
    the sum of its two times)."""
    merged = dict(earlier)
    for name, seconds in later.items():
        merged[name] = round(merged.get(name, 0.0) + seconds, 2)
    return merged
