"""A run's fidelity metrics: the shared image feature space, computing the selected metrics, and
their JSON / JSONL records.

Image metrics share one feature space: the hidden layer of the downstream CNN trained (with
standard augmentation) on the real training split. It needs no downloaded weights, works for
any image size and class set, and measures what the downstream task cares about.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FeatureSets, FidelityInputs, FidelityMetric
from synthaug.evaluation.fits import fit
from synthaug.evaluation.samples import Samples

log = logging.getLogger(__name__)

FEATURE_SPACE = (
    "hidden layer (128-d) of the downstream CNN trained on the real training split, scaled so that "
    "the real split's mean squared activation is 1"
)


def image_features(
    real: Samples,
    synthetic: Samples,
    reference: Samples,
    *,
    steps: int,
    device: str,
    seed: int = 0,
    make: Callable[[int, bool], Any] | None = None,
    augment: bool = True,
) -> FeatureSets:
    """Features from the downstream CNN trained on ``real`` (``augment``: with the standard
    augmentation); ``make`` is the protocol's classifier factory (a fit it already made is reused,
    see fits.py)."""
    from synthaug.evaluation.classifiers import CNNClassifier

    if make is None:

        def make(seed: int, classic: bool) -> CNNClassifier:
            return CNNClassifier(
                n_classes=real.n_classes, seed=seed, augment=classic, steps=steps, device=device
            )

    model = fit(make, seed, augment, real)
    real_features, _ = model.features_and_probabilities(real.x)
    synthetic_features, synthetic_probabilities = model.features_and_probabilities(synthetic.x)
    reference_features, reference_probabilities = model.features_and_probabilities(reference.x)
    # one scale for every set: the real split's mean squared activation becomes 1, so distances
    # do not depend on how large this particular network's activations happen to be
    scale = float(np.sqrt(np.mean(real_features**2))) or 1.0
    return FeatureSets(
        real=real_features / scale,
        synthetic=synthetic_features / scale,
        reference=reference_features / scale,
        synthetic_probabilities=synthetic_probabilities,
        reference_accuracy=float(np.mean(reference_probabilities.argmax(axis=1) == reference.y)),
    )


def compute_fidelity(
    inputs: FidelityInputs,
    metrics: list[FidelityMetric],
    *,
    cnn_steps: int,
    make: Callable[[int, bool], Any] | None = None,
) -> dict[str, Any]:
    """Each metric's result by name; a metric that cannot be computed on these data (e.g. fewer
    samples than its neighbourhood size) is recorded as not computed, with the reason."""
    if inputs.features is None and any(m.needs_features for m in metrics):
        started = time.perf_counter()
        features = image_features(
            inputs.real,
            inputs.synthetic,
            inputs.reference,
            steps=cnn_steps,
            device=inputs.options.device,
            seed=inputs.options.seed,
            make=make,
            augment=inputs.options.augment,
        )
        inputs = replace(inputs, features=features)
        log.info("fidelity feature space trained in %.1fs", time.perf_counter() - started)
    results: dict[str, Any] = {}
    for metric in metrics:
        started = time.perf_counter()
        try:
            result = metric.compute(inputs)
        except ValueError as error:
            result = {"computed": False, "reason": str(error)}
        results[metric.name] = {
            "description": metric.description,
            **result,
            "seconds": round(time.perf_counter() - started, 3),
        }
    return {
        "compared_with": "the real training split; reference: the held-out real split against the same "
        "training split (what unseen real data scores)",
        "feature_space": FEATURE_SPACE if inputs.features is not None else None,
        "metrics": results,
    }


def fidelity_lines(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One record per metric value: ``{"metric", "value", "reference"}``, sub-values named
    ``metric/part`` (e.g. ``precision_recall/coverage``), per-class values with ``"class"``."""
    lines = []
    for name, result in report["metrics"].items():
        value, reference = result.get(VALUE), result.get(REFERENCE)
        if isinstance(value, dict) and "per_class" not in value:
            for part, v in value.items():
                ref = reference.get(part) if isinstance(reference, dict) else None
                lines.append({"metric": f"{name}/{part}", VALUE: v, REFERENCE: ref})
        elif isinstance(value, dict):
            lines.append({"metric": f"{name}/min", VALUE: value["min"], REFERENCE: reference["min"]})
            for cls, v in value["per_class"].items():
                lines.append({"metric": name, "class": cls, VALUE: v, REFERENCE: reference["per_class"][cls]})
        elif value is not None:
            lines.append({"metric": name, VALUE: value, REFERENCE: reference})
        for cls, v in (result.get("per_class") or {}).items():
            lines.append({"metric": name, "class": cls, **(v if isinstance(v, dict) else {VALUE: v})})
    return lines


def headline(report: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Metric name -> rounded value and reference, for the run summary (no per-class detail)."""

    def rounded(x: Any) -> float | None:
        return round(x, 4) if isinstance(x, float) else None

    return {
        line["metric"]: {VALUE: rounded(line[VALUE]), REFERENCE: rounded(line.get(REFERENCE))}
        for line in fidelity_lines(report)
        if "class" not in line and isinstance(line[VALUE], float)
    }
