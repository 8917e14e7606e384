import numpy as np
import pandas as pd
import pytest

from pipeline.evaluation.tabular_fidelity import (
    column_shapes,
    correlation_difference,
    detection_auc,
    tstr_balanced_accuracy,
)


def frame(seed: int, shift: float = 0.0, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    return pd.DataFrame(
        {
            "x": x,
            "y": x * 0.8 + rng.normal(0, 0.6, n),
            "c": pd.Categorical(rng.choice(["a", "b"], n, p=[0.3, 0.7]), categories=["a", "b"]),
            "label": np.where(x > shift, "hi", "lo"),
        }
    )


def test_identical_frames_score_perfectly():
    real = frame(0)
    assert column_shapes(real, real) == {"x": 1.0, "y": 1.0, "c": 1.0, "label": 1.0}
    assert correlation_difference(real, real) == 0.0


def test_reference_values_for_marginals():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"], "n": [0.0, 1.0, 2.0, 3.0]})
    synthetic = pd.DataFrame({"c": ["a", "b", "b", "b"], "n": [10.0, 11.0, 12.0, 13.0]})
    scores = column_shapes(real, synthetic)
    assert scores["c"] == pytest.approx(0.75)  # TV distance 0.25
    assert scores["n"] == 0.0  # disjoint supports: KS statistic 1


def test_detection_auc_is_near_half_for_the_same_distribution_and_near_one_for_a_shift():
    real = frame(0)
    assert detection_auc(real, frame(1), model="logistic") == pytest.approx(0.5, abs=0.1)
    assert detection_auc(real, frame(1, shift=3.0), model="tree") > 0.95


def test_train_on_synthetic_test_on_real():
    assert tstr_balanced_accuracy(frame(1), frame(2), "label") > 0.9
    scrambled = frame(1).assign(label=lambda f: np.random.default_rng(0).permutation(f["label"].to_numpy()))
    assert tstr_balanced_accuracy(scrambled, frame(2), "label") < 0.7
