"""Frechet distance between Gaussians fitted to two feature sets (FID's formula, any features).

    FD = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))

Tr((S_a S_b)^(1/2)) is computed as the sum of square roots of the eigenvalues of the symmetric
PSD matrix S_a^(1/2) S_b S_a^(1/2) (same eigenvalues as S_a S_b), which stays real and stable
when the covariances are singular (fewer samples than feature dimensions, as in scarce data).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric, features_of


def gaussian_moments(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and unbiased covariance (D, D) of (N, D) features."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"need (N >= 2, D) features, got shape {x.shape}")
    return x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance_from_moments(
    mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray
) -> float:
    root_a = _psd_sqrt(cov_a)
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = float(np.sqrt(np.clip(cross, 0, None)).sum())
    distance = float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)
    return max(distance, 0.0)  # rounding can leave a tiny negative number for identical sets


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    return frechet_distance_from_moments(*gaussian_moments(a), *gaussian_moments(b))


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    features = features_of(inputs)
    return {
        VALUE: frechet_distance(features.real, features.synthetic),
        REFERENCE: frechet_distance(features.real, features.reference),
    }


METRIC = FidelityMetric(
    name="frechet_distance",
    kind="image",
    description="Frechet distance to the real training split in the feature space of a classifier "
    "trained on it (lower is closer)",
    compute=_compute,
    needs_features=True,
)
