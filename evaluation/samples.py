"""Labelled samples for the verification protocol, and the ways extra samples are added to them.

``Samples`` holds a table (DataFrame) or images (uint8 array) with integer labels. Extra samples
come from the synthetic pool (``draw_per_class``, optionally after fits.filter_mask) or from the
classic baseline for tables (``classic_oversample``: SMOTE, or SMOTENC with categorical columns).

An *amount* ``a`` adds ``a`` x the real count; ``extra_counts`` shares it between the classes by
an allocation (ALLOCATIONS), the same for synthetic and classic samples:

- ``rarest-first``: ``a`` x the total real count, given to the rarest classes first (water
  filling: every class that receives samples ends at the same count). At 1x classes of 20 and
  10 rows receive 10 and 20 and end at 30 each; a class already above that level receives nothing.
  This is what a team with a rare class wants, and what balanced accuracy rewards.
- ``proportional``: ``a`` x each class's own count, which keeps the real class ratio.

On a split with equal class counts both give every class ``a`` x its count.

Under rarest-first, synthetic rows on top of SMOTE's (tables' real+classic+synthetic) fill the
classes from what the set already holds, real rows plus the SMOTE rows counted by their loss
weight (``present``): on top of SMOTE rows that balanced the classes they are spread evenly
instead of going to the real minority class a second time. The amount still means ``a`` x the
real count (give or take rounding). Proportional ignores what was added before.
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
    # (N,) each sample's weight in a downstream classifier's loss; None: all 1 (see ``weighted``)
    weight: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index: np.ndarray) -> Samples:
        index = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        x = self.x.iloc[index].reset_index(drop=True) if isinstance(self.x, pd.DataFrame) else self.x[index]
        weight = None if self.weight is None else self.weight[index]
        return Samples(x, self.y[index], self.n_classes, weight)

    def concat(self, other: Samples) -> Samples:
        if len(other) == 0:
            return self
        if isinstance(self.x, pd.DataFrame):
            x = pd.concat([self.x, other.x[self.x.columns]], ignore_index=True)
        else:
            x = np.concatenate([self.x, other.x])
        weight = None
        if self.weight is not None or other.weight is not None:
            weight = np.concatenate([self.weights(), other.weights()])
        return Samples(x, np.concatenate([self.y, other.y]), self.n_classes, weight)

    def weighted(self, weight: float) -> Samples:
        """The same samples, each of weight ``weight`` in a classifier's loss (1: unweighted)."""
        if weight == 1 and self.weight is None:
            return self
        return Samples(self.x, self.y, self.n_classes, np.full(len(self), float(weight)))

    def weights(self) -> np.ndarray:
        """(N,) every sample's weight (1 where none was given)."""
        return np.ones(len(self)) if self.weight is None else np.asarray(self.weight, dtype=np.float64)

    def counts(self) -> np.ndarray:
        return np.bincount(self.y, minlength=self.n_classes)

    def held(self) -> np.ndarray:
        """(classes,) each class's summed sample weights: how much of it a classifier sees."""
        return np.bincount(self.y, weights=self.weights(), minlength=self.n_classes)

    def available_for(
        self, reference: Samples, amount: float, *, allocation: str, present: np.ndarray | None = None
    ) -> bool:
        """Whether this pool holds the samples of each class that ``amount`` adds to ``reference``
        (``present``: see ``extra_counts``)."""
        wanted = extra_counts(reference.counts(), amount, allocation, present=present)
        return bool(np.all(self.counts() >= wanted))


RAREST_FIRST, PROPORTIONAL = "rarest-first", "proportional"
# allocation -> what an amount means, in words for the report
ALLOCATIONS = {
    RAREST_FIRST: "an amount of Nx adds N x the real training count, given to the rarest classes first "
    "(tables, on top of SMOTE rows: the classes rarest after them, counted by weight)",
    PROPORTIONAL: "an amount of Nx adds N x each class's real training count to that class",
}


def extra_counts(
    counts: np.ndarray, amount: float, allocation: str, *, present: np.ndarray | None = None
) -> np.ndarray:
    """(classes,) how many samples of each class ``amount`` adds to a set with these real class
    ``counts``, by ``allocation`` (see the module docstring). ``present``: (classes,) what the set
    already holds when rows were added before (``Samples.held``); rarest-first fills the classes
    from there, proportional ignores it."""
    counts = np.asarray(counts, dtype=np.float64)
    if allocation == PROPORTIONAL:
        return np.round(amount * counts).astype(int)
    if allocation != RAREST_FIRST:
        raise ValueError(f"unknown allocation {allocation!r}; known: {', '.join(ALLOCATIONS)}")
    if amount <= 0:
        return np.zeros(len(counts), dtype=int)
    total = amount * counts.sum()
    base = counts if present is None else np.asarray(present, dtype=np.float64)
    # the level L with sum(max(0, L - n_c)) = total: fill the rarest classes first
    ordered = np.sort(base)
    for m in range(1, len(ordered) + 1):  # m: how many of the rarest classes end at the level
        level = (total + ordered[:m].sum()) / m
        if m == len(ordered) or level <= ordered[m]:
            break
    # rounded to 9 decimals first, so equal counts give exactly what proportional gives
    return np.round(np.round(np.maximum(level - base, 0.0), 9)).astype(int)


def after_classic(counts: np.ndarray, amount: float, weight: float, allocation: str) -> np.ndarray:
    """(classes,) what a set with these real class ``counts`` holds once a classic (SMOTE)
    candidate added its rows at ``weight``: the ``present`` of draws on top of them."""
    counts = np.asarray(counts, dtype=np.float64)
    return counts + weight * extra_counts(counts, amount, allocation)


def most_drawn(
    counts: np.ndarray, amounts: list[float], weights: list[float], allocation: str, *, on_classic: bool
) -> np.ndarray:
    """(classes,) the most samples of each class any candidate draws from a synthetic pool for a
    set with these real class ``counts``: the largest amount on the real rows and, for tables
    (``on_classic``), on top of the rows of each SMOTE candidate (amount x weight), which can ask
    more of a common class than the real rows alone do."""
    counts = np.asarray(counts, dtype=np.float64)
    most = max(amounts)
    wanted = extra_counts(counts, most, allocation)
    for amount in amounts if on_classic else ():
        for weight in weights:
            present = after_classic(counts, amount, weight, allocation)
            wanted = np.maximum(wanted, extra_counts(counts, most, allocation, present=present))
    return wanted


def extra_counts_of(counts: dict[str, int], amount: float, allocation: str) -> dict[str, int]:
    """``extra_counts`` for class counts keyed by class name."""
    added = extra_counts(np.array(list(counts.values())), amount, allocation)
    return {name: int(n) for name, n in zip(counts, added, strict=True)}


def draw_per_class(
    pool: Samples,
    reference: Samples,
    amount: float,
    rng: np.random.Generator,
    *,
    allocation: str,
    present: np.ndarray | None = None,
) -> Samples:
    """The samples ``amount`` adds to ``reference`` (``extra_counts``, with ``present``), drawn
    class by class from ``pool`` (without replacement; fewer when the pool runs out)."""
    wanted = extra_counts(reference.counts(), amount, allocation, present=present)
    picks = []
    for label, k in enumerate(wanted):
        members = np.flatnonzero(pool.y == label)
        if k > 0 and len(members):
            picks.append(rng.choice(members, size=min(k, len(members)), replace=False))
    return pool.subset(np.concatenate(picks) if picks else np.zeros(0, dtype=int))


def classic_oversample(real: Samples, amount: float, rng: np.random.Generator, *, allocation: str) -> Samples:
    """The samples ``amount`` adds (``extra_counts``), made by SMOTE (SMOTENC when there are
    categorical columns); empty for amount 0 or a class too small to have a neighbour."""
    counts = real.counts()
    added = extra_counts(counts, amount, allocation)
    if not added.any() or counts.min() < 2 or not isinstance(real.x, pd.DataFrame):
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
    targets = {label: int(n + k) for label, (n, k) in enumerate(zip(counts, added, strict=True))}
    options = {
        "sampling_strategy": targets,
        "k_neighbors": int(min(5, counts.min() - 1)),
        "random_state": int(rng.integers(2**31 - 1)),
    }
    sampler = SMOTENC(categorical_features=categorical, **options) if categorical else SMOTE(**options)
    x, y = sampler.fit_resample(frame, real.y)
    new = slice(len(frame), None)  # imbalanced-learn appends the new samples after the originals
    return Samples(pd.DataFrame(x).iloc[new].reset_index(drop=True), np.asarray(y)[new], real.n_classes)
