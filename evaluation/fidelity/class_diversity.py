"""Per-class diversity of the synthetic samples relative to the real samples of that class.

Diversity of a set is its mean pairwise Euclidean distance in the classifier feature space; the
ratio synthetic / real is near 1 when a class's samples vary as much as the real ones and near
0 under mode collapse. The held-out real samples of each class give the reference ratio.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import pairwise_distances

from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric, features_of


def mean_pairwise_distance(x: np.ndarray) -> float:
    """Mean distance over distinct pairs of rows; NaN with fewer than two rows."""
    if len(x) < 2:
        return float("nan")
    distances = pairwise_distances(np.asarray(x, dtype=np.float64))
    return float(distances.sum() / (len(x) * (len(x) - 1)))


def diversity_ratios(real, real_labels, other, other_labels, n_classes: int) -> np.ndarray:
    """(classes,) diversity of ``other``'s samples of each class over that of ``real``'s."""
    ratios = np.full(n_classes, np.nan)
    for c in range(n_classes):
        base = mean_pairwise_distance(real[real_labels == c])
        if base > 0:
            ratios[c] = mean_pairwise_distance(other[other_labels == c]) / base
    return ratios


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    features, n = features_of(inputs), len(inputs.classes)
    synthetic = diversity_ratios(features.real, inputs.real.y, features.synthetic, inputs.synthetic.y, n)
    reference = diversity_ratios(features.real, inputs.real.y, features.reference, inputs.reference.y, n)

    def summary(ratios: np.ndarray) -> dict[str, Any]:
        finite = ratios[np.isfinite(ratios)]
        return {
            "min": float(finite.min()) if finite.size else None,
            "mean": float(finite.mean()) if finite.size else None,
            "per_class": {
                name: (float(r) if np.isfinite(r) else None)
                for name, r in zip(inputs.classes, ratios, strict=True)
            },
        }

    return {VALUE: summary(synthetic), REFERENCE: summary(reference)}


METRIC = FidelityMetric(
    name="class_diversity",
    kind="image",
    description="per-class diversity of synthetic samples relative to real ones (1: as varied; "
    "near 0: mode collapse)",
    compute=_compute,
    needs_features=True,
)
