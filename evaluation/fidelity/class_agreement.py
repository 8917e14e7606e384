"""Do synthetic samples look like their class? Agreement of a real-trained classifier.

The share of synthetic samples of each class that the classifier trained on the real training
split (the one whose features the image metrics use) assigns to that class. Its accuracy on the
held-out real split is the reference: synthetic samples that agree more than real ones do are
easy, prototypical examples; much less means the conditioning is weak.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric, features_of


def per_class_agreement(probabilities: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """(classes,) share of each class's samples whose most probable class is their label."""
    hits = np.asarray(probabilities).argmax(axis=1) == np.asarray(labels)
    return np.array([hits[labels == c].mean() if np.any(labels == c) else np.nan for c in range(n_classes)])


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    features, n = features_of(inputs), len(inputs.classes)
    per_class = per_class_agreement(features.synthetic_probabilities, inputs.synthetic.y, n)
    hits = features.synthetic_probabilities.argmax(axis=1) == inputs.synthetic.y
    return {
        VALUE: float(hits.mean()),
        "per_class": {
            name: (float(a) if np.isfinite(a) else None)
            for name, a in zip(inputs.classes, per_class, strict=True)
        },
        REFERENCE: features.reference_accuracy,
    }


METRIC = FidelityMetric(
    name="class_agreement",
    kind="image",
    description="share of synthetic samples a classifier trained on the real training split assigns "
    "to their own class (reference: its accuracy on held-out real data)",
    compute=_compute,
    needs_features=True,
)
