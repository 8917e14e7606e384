"""How many real training and synthetic samples each class has."""

from __future__ import annotations

from typing import Any

from synthaug.evaluation.fidelity.base import FidelityInputs, FidelityMetric


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    real, synthetic = inputs.real.counts(), inputs.synthetic.counts()
    return {
        "per_class": {
            name: {"real": int(real[i]), "synthetic": int(synthetic[i])}
            for i, name in enumerate(inputs.classes)
        },
        "classes_without_synthetic": [name for i, name in enumerate(inputs.classes) if synthetic[i] == 0],
    }


METRIC = FidelityMetric(
    name="class_counts",
    kind="any",
    description="real training and synthetic samples per class",
    compute=_compute,
)
