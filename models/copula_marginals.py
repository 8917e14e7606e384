"""Numeric marginals shared in shape between the classes (``training.copula.marginals: pooled``).

    values = pooled_marginals([class_0_values, class_1_values], low=0.0, high=9.0)

With 15 rows a class, a class's empirical quantiles hold 15 values, so every draw lands between
two of them. Where the classes' distributions of a column differ mostly in location and spread
(body sizes of two species, a lab value in two groups), their standardised values z = (v - m) / s
(m: the class's mean, s: its standard deviation) come from about one shape, and pooling them
estimates that shape from every row: class k's values become m_k + s_k z over all classes' z,
sorted and clipped to the column's range. Each class keeps its own mean and spread (and its own
ranks, so the copula's correlations are untouched) but draws from two to three times as many
quantiles. As linear discriminant analysis pools covariances, this pools shapes: it costs
nothing where the shapes agree and blurs a class-specific shape (a skew one class alone has)
where they do not.

A column is pooled only where every class has at least ``MIN_DISTINCT`` distinct values: a
binary or few-valued column's standardised values are not one shape, and its class frequencies
are what the copula should keep.
"""

from __future__ import annotations

import numpy as np

MIN_DISTINCT = 5


def poolable(values: list[np.ndarray | None]) -> bool:
    """Whether a column's per-class sorted values (None: a categorical column) can be pooled."""
    return all(v is not None and len(np.unique(v)) >= MIN_DISTINCT for v in values)


def pooled_marginals(values: list[np.ndarray], *, low: float, high: float) -> list[np.ndarray]:
    """Each class's sorted values replaced by its mean and spread applied to every class's
    standardised values (sorted, clipped to [``low``, ``high``])."""
    z = np.concatenate([(v - v.mean()) / v.std() for v in values])
    return [np.sort(np.clip(v.mean() + v.std() * z, low, high)) for v in values]
