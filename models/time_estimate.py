"""How long training will take, measured on its first steps, and the refusal of a CPU job too long.

The first step after a (re)start pays one-off costs (allocations, kernel selection), so the
estimate times the steps after it: at least ``MIN_MEASURED_STEPS`` of them and at least
``MIN_MEASURED_SECONDS``, or ``MAX_MEASURED_STEPS``, whichever comes first. A few seconds of a
multi-hour job, and nothing for a job whose steps are fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.progress import format_duration

MIN_MEASURED_STEPS = 3
MAX_MEASURED_STEPS = 20
MIN_MEASURED_SECONDS = 2.0


@dataclass(frozen=True)
class TimeEstimate:
    seconds_per_step: float
    remaining_steps: int
    elapsed_seconds: float  # training time already spent, earlier sessions of a resumed run included
    later_steps: int = 0  # steps of the same network the job trains afterwards (selection folds)

    @property
    def total_seconds(self) -> float:
        """This training and the later steps."""
        return self.elapsed_seconds + self.seconds_per_step * (self.remaining_steps + self.later_steps)

    def describe(self, total_steps: int, device: str) -> str:
        this = f"{total_steps:,} steps ({self.seconds_per_step:.3g} s per step on {device})"
        if not self.later_steps:
            return f"estimated training time {format_duration(self.total_seconds)} for {this}"
        later = self.seconds_per_step * self.later_steps
        return (
            f"estimated training time {format_duration(self.total_seconds)}: "
            f"{format_duration(self.total_seconds - later)} for {this}, then {format_duration(later)} "
            f"for the selection folds' generators ({self.later_steps:,} steps)"
        )


class StepTimer:
    """Feed it the clock after every step; it returns one ``TimeEstimate``, once enough steps
    have been timed, and None before and after."""

    def __init__(
        self, *, first_step: int, total_steps: int, elapsed_seconds: float = 0.0, later_steps: int = 0
    ):
        self.first_step, self.total_steps, self.later_steps = first_step, total_steps, later_steps
        self.elapsed_seconds = elapsed_seconds
        self._start: tuple[int, float] | None = None  # (step, clock) after the warm-up step
        self.estimate: TimeEstimate | None = None

    def observe(self, step: int, now: float, elapsed_seconds: float) -> TimeEstimate | None:
        if self.estimate is not None:
            return None
        if self._start is None:
            self._start = (step, now)  # the end of the warm-up step
            return None
        measured_steps, measured_seconds = step - self._start[0], now - self._start[1]
        enough = measured_steps >= MIN_MEASURED_STEPS and measured_seconds >= MIN_MEASURED_SECONDS
        if not (enough or measured_steps >= MAX_MEASURED_STEPS or step >= self.total_steps):
            return None
        self.estimate = TimeEstimate(
            seconds_per_step=measured_seconds / measured_steps,
            remaining_steps=self.total_steps - step,
            elapsed_seconds=elapsed_seconds,
            later_steps=self.later_steps,
        )
        return self.estimate


def check_cpu_budget(estimate: TimeEstimate, *, total_steps: int, max_minutes: float | None) -> None:
    """Refuse CPU training whose estimate exceeds ``training.max_cpu_minutes``, saying what would
    make it shorter and how to run it anyway."""
    if max_minutes is None or estimate.total_seconds <= 60 * max_minutes:
        return
    raise UserInputError(
        f"training on the CPU would take about {format_duration(estimate.total_seconds)} "
        f"({estimate.seconds_per_step:.3g} s per step x {total_steps + estimate.later_steps:,} steps"
        + (
            f", {estimate.later_steps:,} of them for the selection folds' generators"
            if estimate.later_steps
            else ""
        )
        + ", timed on the first steps), "
        f"more than training.max_cpu_minutes ({max_minutes:g} minutes)",
        where="training.max_cpu_minutes",
        hint="Train on a GPU (training.device: cuda), or make each step cheaper or fewer: "
        "fewer steps (--set training.steps=...), a smaller network (--set training.width=32, or "
        "training.tabular.generator_width / discriminator_width for tables), smaller images "
        "(--set dataset.image.size=16), a smaller batch (training.batch_size) or cheaper "
        "selection folds (--set evaluation.fold_generator_share=0.1, or evaluation.selection=shared). "
        "To go ahead anyway, raise the limit (--set training.max_cpu_minutes=240) or remove it "
        "(--set training.max_cpu_minutes=null)",
    )
