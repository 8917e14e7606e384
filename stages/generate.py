"""How many synthetic samples of each class to make, and their labels in class order (the
samples themselves are written by pipeline/synthetic_set.py)."""

from __future__ import annotations

import logging

import numpy as np

from synthaug.pipeline.config import GenerationConfig
from synthaug.pipeline.errors import UserInputError, suggest

log = logging.getLogger(__name__)


def plan_counts(train_counts: dict[str, int], spec: GenerationConfig) -> dict[str, int]:
    """Synthetic samples to generate per class, in class order."""
    if spec.strategy == "balanced":
        return {name: spec.per_class for name in train_counts}
    if spec.strategy == "fill-to-majority":
        majority = max(train_counts.values())
        return {name: majority - count for name, count in train_counts.items()}
    unknown = [name for name in spec.counts if name not in train_counts]
    if unknown:
        raise UserInputError(
            f"generation.counts names class '{unknown[0]}', which the training data does not have",
            where="generation.counts",
            hint=suggest(unknown[0], train_counts),
        )
    return {name: spec.counts.get(name, 0) for name in train_counts}


def labels_for(counts: dict[str, int], classes: tuple[str, ...]) -> np.ndarray:
    return np.concatenate(
        [np.full(n, classes.index(name), dtype=np.int64) for name, n in counts.items()]
        or [np.empty(0, np.int64)]
    )
