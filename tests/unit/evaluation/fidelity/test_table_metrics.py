import numpy as np
import pandas as pd
import pytest

from synthaug.evaluation.fidelity.column_shapes import column_shapes
from synthaug.evaluation.fidelity.correlation_difference import correlation_difference
from synthaug.evaluation.fidelity.detection_auc import detection_auc


def frame(seed: int, shift: float = 0.0, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    return pd.DataFrame(
        {
            "x": x,
            "y": x * 0.8 + rng.normal(0, 0.6, n),
            "c": pd.Categorical(rng.choice(["a", "b"], n, p=[0.3, 0.7]), categories=["a", "b"]),
        }
    )


def test_identical_frames_score_perfectly():
    real = frame(0)
    assert column_shapes(real, real) == {"x": 1.0, "y": 1.0, "c": 1.0}
    assert correlation_difference(real, real) == 0.0


def test_reference_values_for_marginals():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"], "n": [0.0, 1.0, 2.0, 3.0]})
    synthetic = pd.DataFrame({"c": ["a", "b", "b", "b"], "n": [10.0, 11.0, 12.0, 13.0]})
    scores = column_shapes(real, synthetic)
    assert scores["c"] == pytest.approx(0.75)  # TV distance 0.25
    assert scores["n"] == 0.0  # disjoint supports: KS statistic 1


def test_correlation_difference_against_a_hand_computed_value():
    real = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [0.0, 1.0, 2.0, 3.0]})  # correlation +1
    flipped = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0, 0.0]})  # correlation -1
    assert correlation_difference(real, flipped) == pytest.approx(2.0)


def test_detection_auc_is_near_half_for_the_same_distribution_and_near_one_for_a_shift():
    real = frame(0)
    assert detection_auc(real, frame(1), model="logistic") == pytest.approx(0.5, abs=0.1)
    assert detection_auc(real, frame(1, shift=3.0), model="tree") > 0.95
