import json

import numpy as np
import pandas as pd
import pytest

from synthaug.evaluation.fidelity.base import FidelityInputs, FidelityOptions
from synthaug.evaluation.fidelity.registry import FIDELITY_METRICS, metrics_for
from synthaug.evaluation.fidelity.report import compute_fidelity, fidelity_lines, headline
from synthaug.evaluation.samples import Samples
from synthaug.pipeline.errors import UserInputError


def test_every_metric_is_registered_under_its_own_name_and_kind():
    assert {m.name for m in metrics_for("tabular")} == {
        "class_counts",
        "column_shapes",
        "correlation_difference",
        "detection_auc",
    }
    assert {m.name for m in metrics_for("image")} == {
        "class_counts",
        "frechet_distance",
        "kernel_distance",
        "precision_recall",
        "class_diversity",
        "class_agreement",
        "inception_fid",
    }
    assert all(name == metric.name for name, metric in FIDELITY_METRICS.items())


def test_an_unknown_metric_name_is_a_user_error_with_a_suggestion():
    with pytest.raises(UserInputError, match="unknown metric 'frechet'.*Did you mean 'frechet_distance'"):
        metrics_for("image", ["frechet"])


def test_names_of_the_other_kind_are_skipped():
    assert [m.name for m in metrics_for("tabular", ["frechet_distance", "column_shapes"])] == [
        "column_shapes"
    ]


def image_samples(n_per_class: int, seed: int, brightness: int) -> Samples:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), n_per_class)
    images = np.zeros((len(labels), 8, 8, 1), np.uint8)
    for i, label in enumerate(labels):  # a bar per class, in a different place
        images[i, 2 * label : 2 * label + 2, :, 0] = brightness
        images[i] += rng.integers(0, 40, size=(8, 8, 1), dtype=np.uint8)
    return Samples(images, labels, 3)


def test_image_report_on_a_tiny_set_with_json_lines():
    real, reference = image_samples(10, 0, 200), image_samples(10, 1, 200)
    good, bad = image_samples(10, 2, 200), image_samples(10, 3, 60)
    reports = {}
    for name, synthetic in (("good", good), ("bad", bad)):
        inputs = FidelityInputs("image", ("a", "b", "c"), real, synthetic, reference, FidelityOptions(k=3))
        reports[name] = compute_fidelity(inputs, metrics_for("image"), cnn_steps=60)
    good_report, bad_report = reports["good"]["metrics"], reports["bad"]["metrics"]
    assert good_report["frechet_distance"]["value"] < bad_report["frechet_distance"]["value"]
    assert good_report["inception_fid"] == {
        "description": good_report["inception_fid"]["description"],
        "computed": False,
        "reason": "no local Inception weights (evaluation.inception_weights is not set)",
        "seconds": good_report["inception_fid"]["seconds"],
    }
    lines = fidelity_lines(reports["good"])
    json.dumps(lines)  # JSON-ready
    names = {line["metric"] for line in lines}
    assert {
        "frechet_distance",
        "kernel_distance",
        "precision_recall/coverage",
        "class_diversity/min",
    } <= names
    assert {"class": "a", "metric": "class_counts", "real": 10, "synthetic": 10} in lines
    assert headline(reports["good"])["precision_recall/precision"]["value"] == pytest.approx(
        good_report["precision_recall"]["value"]["precision"], abs=1e-4
    )


def test_a_metric_that_cannot_run_on_the_data_is_reported_not_raised():
    real = image_samples(1, 0, 200)  # 3 samples: fewer than k + 1
    inputs = FidelityInputs("image", ("a", "b", "c"), real, real, real, FidelityOptions(k=5))
    report = compute_fidelity(inputs, metrics_for("image", ["precision_recall"]), cnn_steps=5)
    assert report["metrics"]["precision_recall"]["computed"] is False
    assert "more than k=5" in report["metrics"]["precision_recall"]["reason"]


def test_table_report_scores_a_copy_of_the_reference_as_perfect():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    real = Samples(frame, np.repeat([0, 1], 30), 2)
    inputs = FidelityInputs("tabular", ("x", "y"), real, real, real)
    metrics = compute_fidelity(inputs, metrics_for("tabular"), cnn_steps=1)["metrics"]
    assert metrics["column_shapes"]["value"] == 1.0 == metrics["column_shapes"]["reference"]
    assert metrics["correlation_difference"]["value"] == 0.0
    assert metrics["detection_auc"]["value"]["logistic"] < 0.7
