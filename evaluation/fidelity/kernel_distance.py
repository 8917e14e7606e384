"""Kernel distance (KID): unbiased squared MMD with the cubic polynomial kernel.

    k(x, y) = (x . y / D + 1)^3

Averaged over random equal-size subsets of both sets (size ``min(subset_size, N_a, N_b)``);
unlike the Frechet distance it has no bias from the sample size, so it can be negative when two
sets come from one distribution.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric, features_of


def squared_mmd(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 of two (m, D) samples of one size under the cubic polynomial kernel."""
    m, d = x.shape
    k_xx, k_yy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3
    k_xy = (x @ y.T / d + 1) ** 3
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2 * k_xy.mean())


def kernel_distance(
    a: np.ndarray, b: np.ndarray, *, subset_size: int = 1000, subsets: int = 100, seed: int = 0
) -> tuple[float, float]:
    """Mean and standard deviation of MMD^2 over ``subsets`` random subset pairs."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise ValueError("the kernel distance needs at least two samples in each set")
    rng = np.random.default_rng(seed)
    values = [
        squared_mmd(a[rng.choice(len(a), m, replace=False)], b[rng.choice(len(b), m, replace=False)])
        for _ in range(subsets)
    ]
    return float(np.mean(values)), float(np.std(values))


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    features, options = features_of(inputs), inputs.options
    settings = {"subset_size": options.kid_subset_size, "subsets": options.kid_subsets, "seed": options.seed}
    value, spread = kernel_distance(features.real, features.synthetic, **settings)
    reference, _ = kernel_distance(features.real, features.reference, **settings)
    return {VALUE: value, "std_over_subsets": spread, REFERENCE: reference}


METRIC = FidelityMetric(
    name="kernel_distance",
    kind="image",
    description="KID (unbiased MMD^2, cubic kernel) to the real training split in the classifier "
    "feature space (0: same distribution)",
    compute=_compute,
    needs_features=True,
)
