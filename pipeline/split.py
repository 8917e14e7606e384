"""Held-out real test split and scarce subsampling.

The split returns two different types. Training code takes a :class:`TrainSplit`, which holds no
reference to the test rows; the :class:`HeldOutTest` goes only to final scoring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from synthaug.pipeline.config import SplitConfig
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.errors import UserInputError


@dataclass(frozen=True)
class TrainSplit:
    """The real rows the GAN, ratio tuning and model selection may see."""

    data: Dataset
    indices: np.ndarray  # positions in the ingested dataset
    pool_indices: np.ndarray  # the train part before scarce subsampling
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeldOutTest:
    """Real rows reserved for final scoring; never passed to training code."""

    data: Dataset
    indices: np.ndarray


def split_dataset(
    dataset: Dataset, spec: SplitConfig, *, seed: int, per_class: int | None = None
) -> tuple[TrainSplit, HeldOutTest]:
    n, n_classes = len(dataset), len(dataset.classes)
    n_test = int(np.ceil(spec.test_fraction * n))
    if spec.stratify and (n_test < n_classes or n - n_test < n_classes):
        raise UserInputError(
            f"a stratified split of {n} rows with test_fraction {spec.test_fraction} leaves {n_test} test "
            f"and {n - n_test} training rows, fewer than the {n_classes} classes",
            where="split.test_fraction",
            hint="Use a test_fraction that leaves at least one row per class on each side, or add data.",
        )
    positions = np.arange(n)
    train_pool, test = train_test_split(
        positions,
        test_size=n_test,
        random_state=seed,
        stratify=dataset.labels if spec.stratify else None,
    )
    train_pool, test = np.sort(train_pool), np.sort(test)
    train, notes = (
        (train_pool, ())
        if per_class is None
        else subsample_per_class(
            train_pool, dataset.labels[train_pool], dataset.classes, per_class=per_class, seed=seed
        )
    )
    return (
        TrainSplit(dataset.subset(train), train, train_pool, notes),
        HeldOutTest(dataset.subset(test), test),
    )


def subsample_per_class(
    positions: np.ndarray, labels: np.ndarray, classes: tuple[str, ...], *, per_class: int, seed: int
) -> tuple[np.ndarray, tuple[str, ...]]:
    """At most ``per_class`` positions of each class, drawn without replacement, seeded."""
    rng = np.random.default_rng(seed)
    kept, notes = [], []
    for label, name in enumerate(classes):
        members = positions[labels == label]
        if len(members) < per_class:
            notes.append(
                f"class '{name}' has {len(members)} training rows, fewer than per_class={per_class}; kept all"
            )
            kept.append(members)
        else:
            kept.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(kept)), tuple(notes)
