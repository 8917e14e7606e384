import numpy as np
import pytest

from synthaug.evaluation.fidelity import class_agreement, class_counts, class_diversity
from synthaug.evaluation.fidelity.base import FeatureSets, FidelityInputs
from synthaug.evaluation.fidelity.class_diversity import diversity_ratios, mean_pairwise_distance
from synthaug.evaluation.samples import Samples


def test_mean_pairwise_distance_against_a_hand_computed_value():
    # pairs of (0,0), (3,4), (0,4): distances 5, 4, 3
    assert mean_pairwise_distance(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]])) == pytest.approx(4.0)
    assert np.isnan(mean_pairwise_distance(np.zeros((1, 2))))


def test_a_collapsed_class_has_a_diversity_ratio_near_zero():
    rng = np.random.default_rng(0)
    real, real_y = rng.normal(size=(40, 3)), np.repeat([0, 1], 20)
    synthetic = np.concatenate(
        [rng.normal(size=(20, 3)), np.full((20, 3), 0.5) + 1e-3 * rng.normal(size=(20, 3))]
    )
    ratios = diversity_ratios(real, real_y, synthetic, real_y, 2)
    assert ratios[0] == pytest.approx(1.0, abs=0.35) and ratios[1] < 0.01


def inputs_with_features() -> FidelityInputs:
    rng = np.random.default_rng(1)
    real = Samples(np.zeros((6, 2, 2, 1), np.uint8), np.array([0, 0, 0, 1, 1, 1]), 3)
    synthetic = Samples(np.zeros((4, 2, 2, 1), np.uint8), np.array([0, 0, 1, 1]), 3)
    probabilities = np.array([[0.9, 0.1, 0], [0.2, 0.8, 0], [0.1, 0.9, 0], [0.1, 0.9, 0]])
    features = FeatureSets(
        rng.normal(size=(6, 4)), rng.normal(size=(4, 4)), rng.normal(size=(6, 4)), probabilities, 0.75
    )
    return FidelityInputs("image", ("a", "b", "c"), real, synthetic, real, features=features)


def test_class_agreement_counts_samples_assigned_to_their_own_class():
    result = class_agreement.METRIC.compute(inputs_with_features())
    assert result["value"] == pytest.approx(0.75)  # 3 of 4 argmax to their label
    assert result["per_class"] == {"a": 0.5, "b": 1.0, "c": None}  # class c has no samples
    assert result["reference"] == 0.75


def test_class_counts_name_classes_without_synthetic_samples():
    result = class_counts.METRIC.compute(inputs_with_features())
    assert result["per_class"]["a"] == {"real": 3, "synthetic": 2}
    assert result["classes_without_synthetic"] == ["c"]


def test_class_diversity_reports_missing_classes_as_none():
    result = class_diversity.METRIC.compute(inputs_with_features())
    assert result["value"]["per_class"]["c"] is None
    assert result["value"]["min"] == min(result["value"]["per_class"]["a"], result["value"]["per_class"]["b"])
