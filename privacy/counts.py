"""Differentially private category counts: the Gaussian mechanism on a (class x value) histogram.

A tabular GAN samples the categorical part of its conditions from per-class category
frequencies. Under privacy those frequencies come from this release. Each record adds 1 to one
cell per categorical column, so adding or removing a record moves the histogram by sqrt(J) in
L2 for J categorical columns; Gaussian noise of std ``noise_multiplier * sqrt(J)`` on every cell
is the Gaussian mechanism, which the accountant composes as one step at sample rate 1.
"""

from __future__ import annotations

import math

import numpy as np

from synthaug.privacy.accounting import Release, gaussian_noise

CATEGORY_COUNTS = "category counts (Gaussian)"
COUNT_FLOOR = 1e-3  # a cell never goes to zero weight, so every declared value stays possible


def noisy_category_counts(
    counts: np.ndarray,
    *,
    columns: int,
    noise_multiplier: float,
    seed: int,
    secure: bool = False,
) -> tuple[np.ndarray, Release]:
    """The exact (K, slots) counts of class k having each value of ``columns`` categorical columns,
    noised and clamped at a small floor."""
    std = noise_multiplier * math.sqrt(columns)
    noise = gaussian_noise(counts.shape, std=std, seed=seed, stream=19, secure=secure)
    noisy = np.maximum(counts.astype(np.float64) + noise, COUNT_FLOOR)
    return noisy, Release(CATEGORY_COUNTS, noise_multiplier, 1.0, 1)
