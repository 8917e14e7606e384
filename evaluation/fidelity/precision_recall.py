"""Precision, recall, density and coverage of a sample against real data (Naeem et al., 2020).

Each real sample gets a ball reaching its k-th nearest real neighbour.
- precision: share of synthetic samples inside at least one real ball (realism);
- recall: share of real samples inside at least one synthetic ball, built the same way from
  the synthetic samples (how much of the real data is covered by the generator's support);
- density: mean number of real balls holding a synthetic sample, divided by k (about 1 when the
  two sets match; (k + 1) / k for a set compared with itself);
- coverage: share of real samples whose ball holds at least one synthetic sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import pairwise_distances

from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric, features_of

PRECISION, RECALL, DENSITY, COVERAGE = "precision", "recall", "density", "coverage"


def _kth_neighbour_radius(x: np.ndarray, k: int) -> np.ndarray:
    """(N,) distance of each row to its k-th nearest other row."""
    distances = pairwise_distances(x)
    return np.sort(distances, axis=1)[:, k]  # column 0 is the row itself


def precision_recall_density_coverage(real: np.ndarray, synthetic: np.ndarray, *, k: int = 5) -> dict:
    real, synthetic = np.asarray(real, dtype=np.float64), np.asarray(synthetic, dtype=np.float64)
    if min(len(real), len(synthetic)) <= k:
        raise ValueError(f"need more than k={k} real and synthetic samples")
    real_radius = _kth_neighbour_radius(real, k)  # (N,)
    synthetic_radius = _kth_neighbour_radius(synthetic, k)  # (M,)
    distances = pairwise_distances(real, synthetic)  # (N, M)
    inside_real = distances <= real_radius[:, None]  # synthetic j inside real i's ball
    return {
        PRECISION: float(inside_real.any(axis=0).mean()),
        RECALL: float((distances <= synthetic_radius[None, :]).any(axis=1).mean()),
        DENSITY: float(inside_real.sum() / (k * len(synthetic))),
        COVERAGE: float(inside_real.any(axis=1).mean()),
    }


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    features, k = features_of(inputs), inputs.options.k
    return {
        "k": k,
        VALUE: precision_recall_density_coverage(features.real, features.synthetic, k=k),
        REFERENCE: precision_recall_density_coverage(features.real, features.reference, k=k),
    }


METRIC = FidelityMetric(
    name="precision_recall",
    kind="image",
    description="precision / recall / density / coverage (k nearest neighbours) against the real "
    "training split in the classifier feature space",
    compute=_compute,
    needs_features=True,
)
