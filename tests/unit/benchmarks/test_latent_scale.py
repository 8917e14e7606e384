"""The latent-scale benchmark's measures on hand-made rows."""

import numpy as np
import pytest

from benchmarks.latent_scale import nearer_train, spread


def test_spread_is_the_mean_over_classes_of_the_squared_distance_to_the_class_mean():
    x = np.array([[1.0, 0.0], [-1.0, 0.0], [5.0, 5.0], [5.0, 7.0]])
    y = np.array([0, 0, 1, 1])
    assert spread(x, y) == pytest.approx((1.0 + 1.0) / 2)  # class 0: 1 each; class 1: 1 each


def test_copies_of_training_rows_are_all_nearer_train_and_held_out_rows_never():
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    assert nearer_train(train + 1e-6, train, test, seed=0) == 1.0
    assert nearer_train(test + 1e-6, train, test, seed=0) == 0.0
    # more training rows than held-out ones: as many of each are compared, so rows from neither
    # set are nearer train about half the time (all 200 training rows would win far more often)
    many = rng.normal(size=(200, 3))
    fresh = rng.normal(size=(400, 3))
    assert 0.35 < nearer_train(fresh, many, test, seed=0) < 0.65
