import itertools
import logging

import pytest
import torch

from synthaug.models.image_data import ImageData
from synthaug.models.image_networks import ARCHITECTURES, ImageShape
from synthaug.models.time_estimate import StepTimer
from synthaug.models.trainer import GanTrainer
from synthaug.pipeline.errors import UserInputError
from tests.unit.models.conftest import tiny_config


def fake_clock(seconds_per_call: float):
    """A clock that advances by a fixed amount every time it is read."""
    ticks = itertools.count()
    return lambda: next(ticks) * seconds_per_call


def trainer(digits_train, tmp_path, clock, **overrides) -> GanTrainer:
    config = tiny_config(**overrides).resolved("image")
    torch.manual_seed(0)
    generator, discriminator = ARCHITECTURES.get("sngan").build(
        ImageShape(8, 1), 3, z_dim=config.z_dim, width=config.width, minibatch_stddev=False
    )
    images = torch.as_tensor(digits_train.data.features).permute(0, 3, 1, 2).float() / 127.5 - 1
    labels = torch.as_tensor(digits_train.data.labels)
    return GanTrainer(
        generator=generator,
        discriminator=discriminator,
        data=ImageData(images, labels, 3, torch.device("cpu")),
        config=config,
        device=torch.device("cpu"),
        seed=0,
        workdir=tmp_path,
        clock=clock,
    )


def test_the_estimate_times_the_steps_after_the_first():
    timer = StepTimer(first_step=0, total_steps=100)
    assert timer.observe(1, now=10.0, elapsed_seconds=10.0) is None  # the warm-up step
    assert timer.observe(2, now=11.0, elapsed_seconds=11.0) is None
    assert timer.observe(3, now=12.0, elapsed_seconds=12.0) is None  # 2 s, but only 2 steps
    estimate = timer.observe(4, now=13.0, elapsed_seconds=13.0)
    assert estimate.seconds_per_step == pytest.approx(1.0)
    assert estimate.remaining_steps == 96 and estimate.total_seconds == pytest.approx(13.0 + 96)
    assert timer.observe(5, now=14.0, elapsed_seconds=14.0) is None  # said once


def test_fast_steps_are_estimated_after_at_most_twenty_steps():
    timer = StepTimer(first_step=500, total_steps=2000, elapsed_seconds=60.0)  # a resumed run
    estimates = [
        timer.observe(step, now=0.01 * step, elapsed_seconds=60 + 0.01 * step) for step in range(501, 530)
    ]
    [(index, estimate)] = [(i, e) for i, e in enumerate(estimates) if e is not None]
    assert index == 20 and estimate.seconds_per_step == pytest.approx(0.01)
    assert estimate.remaining_steps == 2000 - 521


def test_the_estimate_is_logged_and_recorded(digits_train, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="synthaug.models.trainer")
    gan_trainer = trainer(digits_train, tmp_path, fake_clock(0.5), steps=10)
    result = gan_trainer.train()
    # each step reads the clock twice: one second per step, the first 4 steps timed
    assert "estimated training time 10s for 10 steps (1 s per step on cpu)" in caplog.text
    assert result.estimated_seconds == pytest.approx(10.0) and result.steps == 10


def test_a_cpu_job_over_the_limit_stops_with_what_to_do(digits_train, tmp_path):
    slow = trainer(digits_train, tmp_path, fake_clock(2.7), steps=2000)  # 5.4 s per step
    with pytest.raises(UserInputError) as info:
        slow.train()
    message = str(info.value)
    assert "training.max_cpu_minutes" in message and "about 3h 00m" in message
    assert (
        "5.4 s per step x 2,000 steps" in message
        and "more than training.max_cpu_minutes (15 minutes)" in message
    )
    assert "training.device: cuda" in message and "training.steps" in message and "training.width" in message
    assert "dataset.image.size" in message and "--set training.max_cpu_minutes=null" in message
    assert slow.step < 10  # stopped after the few timed steps

    anyway = trainer(digits_train, tmp_path / "anyway", fake_clock(2.7), steps=6, max_cpu_minutes=None)
    assert anyway.train().steps == 6


def test_the_selection_folds_generators_count_towards_the_estimate_and_the_limit(digits_train, tmp_path):
    timer = StepTimer(first_step=0, total_steps=100, later_steps=75)
    for step in range(1, 5):
        estimate = timer.observe(step, now=float(step), elapsed_seconds=float(step))
    assert estimate.total_seconds == pytest.approx(4 + 96 + 75)
    assert estimate.describe(100, "cpu") == (
        "estimated training time 2m 55s: 1m 40s for 100 steps (1 s per step on cpu), "
        "then 1m 15s for the selection folds' generators (75 steps)"
    )
    # 1,000 steps at 0.6 s fit in 15 minutes; 750 more for the folds do not
    slow = trainer(digits_train, tmp_path, fake_clock(0.3), steps=1000)
    with pytest.raises(UserInputError) as info:
        slow.train(later_steps=750)
    assert "0.6 s per step x 1,750 steps, 750 of them for the selection folds' generators" in str(info.value)
