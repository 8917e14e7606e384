"""Small settings shared by the tests: training configs for the unit tests that fit GANs, and
``--set`` items for the integration tests; just enough of each stage to exercise it in seconds."""

from __future__ import annotations

from typing import Any

from synthaug.pipeline.config import TrainingConfig

TINY_TRAINING: dict[str, Any] = {  # a metrics line, a grid and a checkpoint every 3 of 6 steps
    "steps": 6,
    "z_dim": 8,
    "checkpoint_every": 3,
    "grid_every": 3,
    "log_every": 3,
    "device": "cpu",
    "detectors": {"check_every": 3, "window": 10},
}
TINY_BY_KIND: dict[str, dict[str, Any]] = {
    "image": {"batch_size": 8, "width": 8},
    "tabular": {
        "batch_size": 20,
        "tabular": {"pac": 10, "generator_width": 16, "discriminator_width": 16, "depth": 1},
    },
}


def tiny_settings(kind: str, **overrides: Any) -> dict[str, Any]:
    return {**TINY_TRAINING, **TINY_BY_KIND[kind], **overrides}


def tiny_training(kind: str, **overrides: Any) -> TrainingConfig:
    """The smallest training config of ``kind`` ("image" or "tabular") that exercises every part."""
    return TrainingConfig.model_validate(tiny_settings(kind, **overrides))


SMALL_TABULAR_GAN = (
    "training.batch_size=20",
    "training.tabular.generator_width=16",
    "training.tabular.discriminator_width=16",
)
QUICK_VERIFICATION = ("evaluation.seeds=2", "evaluation.folds=2")
FAST_EVALUATION = (*QUICK_VERIFICATION, "evaluation.cnn_steps=10", "evaluation.amounts=[0, 1]")


def set_args(*items: str) -> list[str]:
    return [f"--set={item}" for item in items]
