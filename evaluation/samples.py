"""Labelled samples for the verification protocol, and the ways extra samples are added to them.

``Samples`` holds a table (DataFrame) or images (uint8 array) with integer labels. Extra samples
come from the synthetic pool (``draw_per_class``, optionally after fits.filter_mask) or from the
classic baseline for tables (``classic_oversample``: SMOTE, or SMOTENC with categorical columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTENC

from synthaug.evaluation.columns import numeric_columns


@dataclass(frozen=True)
class Samples:
    x: pd.DataFrame | np.ndarray
    y: np.ndarray  # (N,) int class indices
    n_classes: int

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index: np.ndarray) -> Samples:
        index = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        x = self.x.iloc[index].reset_index(drop=True) if isinstance(self.x, pd.DataFrame) else self.x[index]
        return Samples(x, self.y[index], self.n_classes)

    def concat(self, other: Samples) -> Samples:
        if len(other) == 0:
            return self
        if isinstance(self.x, pd.DataFrame):
            x = pd.concat([self.x, other.x[self.x.columns]], ignore_index=True)
        else:
            x = np.concatenate([self.x, other.x])
        return Samples(x, np.concatenate([self.y, other.y]), self.n_classes)

    def counts(self) -> np.ndarray:
        return np.bincount(self.y, minlength=self.n_classes)

    def available_for(self, reference: Samples, amount: float) -> bool:
        """Whether this pool holds ``amount`` times each class's count in ``reference``."""
        return bool(np.all(self.counts() >= np.round(amount * reference.counts())))


def draw_per_class(pool: Samples, reference: Samples, amount: float, rng: np.random.Generator) -> Samples:
    """``amount`` x each class's count in ``reference`` samples of that class from ``pool``
    (without replacement; fewer when the pool runs out)."""
    wanted = np.round(amount * reference.counts()).astype(int)
    picks = []
    for label, k in enumerate(wanted):
        members = np.flatnonzero(pool.y == label)
        if k > 0 and len(members):
            picks.append(rng.choice(members, size=min(k, len(members)), replace=False))
    return pool.subset(np.concatenate(picks) if picks else np.zeros(0, dtype=int))


def classic_oversample(real: Samples, amount: float, rng: np.random.Generator) -> Samples:
    """``amount`` x each class's count of new SMOTE samples (SMOTENC when there are categorical
    columns); empty for amount 0 or a class too small to have a neighbour."""
    counts = real.counts()
    if amount <= 0 or counts.min() < 2 or not isinstance(real.x, pd.DataFrame):
        return real.subset(np.zeros(0, dtype=int))
    frame = real.x.copy()
    numeric = numeric_columns(frame)
    categorical = [c for c in frame.columns if c not in numeric]
    for column in numeric:
        frame[column] = frame[column].astype(float).fillna(frame[column].astype(float).median())
    for column in categorical:
        values = frame[column].astype(object)
        frame[column] = values.where(
            values.notna(), values.mode().iloc[0] if values.notna().any() else "missing"
        )
    targets = {label: int(n + round(amount * n)) for label, n in enumerate(counts)}
    options = {
        "sampling_strategy": targets,
        "k_neighbors": int(min(5, counts.min() - 1)),
        "random_state": int(rng.integers(2**31 - 1)),
    }
    sampler = SMOTENC(categorical_features=categorical, **options) if categorical else SMOTE(**options)
    x, y = sampler.fit_resample(frame, real.y)
    new = slice(len(frame), None)  # imbalanced-learn appends the new samples after the originals
    return Samples(pd.DataFrame(x).iloc[new].reset_index(drop=True), np.asarray(y)[new], real.n_classes)
