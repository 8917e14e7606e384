import contextvars
import itertools
import logging
import threading

import pytest

from synthaug.pipeline.progress import Progress, advance_current, format_duration
from synthaug.pipeline.stage_clock import StageClock, merge_stage_seconds

log = logging.getLogger("tests.progress")


def ticking(seconds_per_read: float):
    ticks = itertools.count()
    return lambda: next(ticks) * seconds_per_read


def test_progress_logs_each_tenth_with_the_time_left(caplog):
    caplog.set_level(logging.INFO, logger="tests.progress")
    fractions = []
    # the clock is read on entry and once per logged line: 10 s a read
    with Progress(
        "verification", total=20, unit="fits", logger=log, on_update=fractions.append, clock=ticking(10)
    ) as progress:
        progress.advance()  # 5%: no line yet
        progress.advance()  # 10%
        assert caplog.messages == ["verification: 2/20 fits (10%), 10s elapsed, ETA 1m 30s"]
        progress.advance(5)  # 35%: one line, not three
        assert len(caplog.messages) == 2 and caplog.messages[1].startswith("verification: 7/20 fits (35%)")
    assert progress.completed == 20 and fractions[:3] == [0.05, 0.1, 0.35] and fractions[-1] == 1.0
    assert caplog.messages[-1].startswith("verification: 20/20 fits (100%)")


def test_work_in_task_threads_reports_to_the_open_progress():
    with Progress("verification", total=10, unit="fits", logger=log) as progress:
        context = contextvars.copy_context()  # what Prefect's thread task runner does per task
        worker = threading.Thread(target=context.run, args=(lambda: [advance_current() for _ in range(3)],))
        worker.start()
        worker.join()
        assert progress.completed == 3
    advance_current()  # no progress open: nothing happens
    assert progress.completed == 10


def test_a_failed_stage_leaves_its_progress_where_it_was():
    with pytest.raises(RuntimeError), Progress("stage", total=10, unit="steps", logger=log) as progress:
        progress.advance(4)
        raise RuntimeError("boom")
    assert progress.completed == 4


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.4, "0s"), (45, "45s"), (200, "3m 20s"), (3600 * 2 + 300, "2h 05m")]
)
def test_durations_read_like_a_clock(seconds, text):
    assert format_duration(seconds) == text


def test_stage_clock_records_stages_that_finished_in_order():
    clock = StageClock(clock=ticking(1.5))
    with clock.stage("ingest"):
        pass
    with clock.stage("train"):
        pass
    with pytest.raises(ValueError), clock.stage("verify"):
        raise ValueError("bad")
    assert clock.seconds == {"ingest": 1.5, "train": 1.5}
    assert list(
        merge_stage_seconds({"ingest": 2.0, "train": 10.0}, {"train": 5.0, "report": 1.0}).items()
    ) == [
        ("ingest", 2.0),
        ("train", 15.0),
        ("report", 1.0),
    ]


def test_a_quiet_progress_says_nothing_for_a_loop_that_is_over_in_a_moment(caplog):
    caplog.set_level(logging.INFO, logger="tests.progress")
    with Progress(
        "writing images", total=100, unit="images", logger=log, quiet_seconds=5, clock=ticking(0.01)
    ) as fast:
        for _ in range(100):
            fast.advance()
    assert caplog.messages == []
    with Progress(
        "writing images", total=100, unit="images", logger=log, quiet_seconds=5, clock=ticking(1.0)
    ) as slow:
        for _ in range(100):
            slow.advance()
    # the clock, read on entry and at each tenth, moves a second a read: silent for the first 5 s
    assert caplog.messages[0] == "writing images: 50/100 images (50%), 5s elapsed, ETA 5s"
    assert len(caplog.messages) == 6 and caplog.messages[-1].startswith("writing images: 100/100")
