"""Numeric marginals shared in shape between the classes (``training.copula.marginals: pooled``).

    values = pooled_marginals([class_0_values, class_1_values], low=0.0, high=9.0)
    pool_columns(copulas, encodings, smoothing=0.0)   # every poolable numeric column of a fit

With 15 rows a class, a class's empirical quantiles hold 15 values, so every draw lands between
two of them. Where the classes' distributions of a column differ mostly in location and spread
(body sizes of two species, a lab value in two groups), their standardised values z = (v - m) / s
(m: the class's mean, s: its standard deviation) come from about one shape, and pooling them
estimates that shape from every row: class k's values become m_k + s_k z over all classes' z,
sorted and clipped to the column's range. Each class keeps its own mean and spread (and its own
ranks, so the copula's correlations are untouched) but draws from as many quantiles as the column
has rows, k times its own count with k equal classes. As linear discriminant analysis pools
covariances, this pools shapes: it costs nothing where the shapes agree and blurs a
class-specific shape (a skew one class alone has) where they do not.

A column is pooled only where every class has at least ``MIN_DISTINCT`` distinct values: a
binary or few-valued column's standardised values are not one shape, and its class frequencies
are what the copula should keep.

The kernel-density marginals of ``training.copula.smoothing`` live here too: ``silverman_bandwidth``
and ``kernel_quantiles``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import norm

if TYPE_CHECKING:
    from synthaug.models.tabular_copula import ClassCopula

MIN_DISTINCT = 5


def varied(values: np.ndarray | None) -> bool:
    """Whether one class's values of a column (None: a categorical column) are numbers with at
    least ``MIN_DISTINCT`` distinct values: a shape, not a flag's or small count's frequencies."""
    return values is not None and len(np.unique(values)) >= MIN_DISTINCT


def poolable(values: list[np.ndarray | None]) -> bool:
    """Whether a column's per-class sorted values (None: a categorical column) can be pooled."""
    return all(varied(v) for v in values)


def pooled_marginals(values: list[np.ndarray], *, low: float, high: float) -> list[np.ndarray]:
    """Each class's sorted values replaced by its mean and spread applied to every class's
    standardised values (sorted, clipped to [``low``, ``high``])."""
    z = np.concatenate([(v - v.mean()) / v.std() for v in values])
    return [np.sort(np.clip(v.mean() + v.std() * z, low, high)) for v in values]


def pool_columns(copulas: Sequence[ClassCopula], encodings: Sequence, *, smoothing: float) -> None:
    """Pool every poolable numeric column of the fitted class ``copulas`` in place (a smoothed
    column's bandwidth follows its pooled values)."""
    for j, encoding in enumerate(encodings):
        values = [copula.values[j] for copula in copulas]
        if not poolable(values):
            continue
        pooled = pooled_marginals(values, low=encoding.low, high=encoding.high)
        for copula, shared in zip(copulas, pooled, strict=True):
            copula.values[j] = shared
            copula.bandwidth[j] = smoothing * silverman_bandwidth(shared)


def silverman_bandwidth(values: np.ndarray) -> float:
    """Silverman's rule of thumb for a Gaussian kernel on ``values`` (1-D): 0.9 min(sd, IQR / 1.34)
    n^(-1/5), the sd alone where the IQR is 0 (mostly tied values); 0 for fewer than two values or
    a constant column."""
    if len(values) < 2:
        return 0.0
    sd = float(np.std(values, ddof=1))
    iqr = float(np.subtract(*np.percentile(values, [75, 25]))) / 1.34
    spread = min(sd, iqr) if iqr > 0 else sd
    return 0.9 * spread * len(values) ** -0.2


def kernel_quantiles(values: np.ndarray, bandwidth: float, u: np.ndarray, grid: int = 2048) -> np.ndarray:
    """The ``u`` quantiles of the Gaussian kernel density on ``values`` with ``bandwidth``, by
    inverting its CDF on a grid spanning 5 bandwidths beyond the extreme values."""
    points = np.linspace(values[0] - 5 * bandwidth, values[-1] + 5 * bandwidth, grid)  # values sorted
    cdf = norm.cdf((points[:, None] - values[None, :]) / bandwidth).mean(axis=1)  # (grid,)
    return np.interp(u, cdf, points)
