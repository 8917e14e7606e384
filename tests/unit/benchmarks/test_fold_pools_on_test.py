"""The fold-pool check: which folds it pairs with which generator, how it trains and summarises."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from benchmarks.fold_pools_on_test import (
    AUGMENTATION,
    POOLS,
    REAL,
    SHARE,
    SPLITS,
    agreement,
    fold_scores,
    gains,
    key,
    paired_folds,
)
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.selection import FoldPool, selection_folds

LABELS = np.repeat(np.arange(2), 6)


def samples(n: int, value: int = 0) -> Samples:
    return Samples(np.full((n, 2, 2, 1), value, np.uint8), np.arange(n) % 2, 2)


def test_each_fold_is_paired_with_the_generator_trained_on_its_training_rows():
    real = Samples(np.zeros((12, 2, 2, 1), np.uint8), LABELS, 2)
    folds = selection_folds(LABELS, 2, 3)
    pools = [FoldPool(samples(4), np.sort(train)) for train, _ in folds]
    paired = paired_folds(Path("run"), real, pools)
    assert [pool for _, pool in paired] == pools
    assert all(np.array_equal(a[0], b[0]) for (a, _), b in zip(paired, folds, strict=True))
    swapped = [pools[1], pools[0], pools[2]]
    with pytest.raises(SystemExit, match="fold 0's generator was not trained on the fold's training rows"):
        paired_folds(Path("run"), real, swapped)


class RecordingCNN:
    """Predicts class 0 for images whose first pixel is 0, class 1 otherwise; records its fits."""

    def __init__(self, seed: int, augment: bool, fits: list[dict]):
        self.seed, self.augment, self.fits = seed, augment, fits

    def fit(self, x, y, sample_weight=None):
        self.fits.append({"n": len(x), "weights": sample_weight, "augment": self.augment, "seed": self.seed})
        return self

    def predict_proba(self, x):
        first = x.reshape(len(x), -1)[:, 0] > 0
        return np.stack([~first, first], axis=1).astype(float)


def test_every_model_is_scored_on_the_fold_and_the_test_split_with_the_added_images_at_the_share():
    fits: list[dict] = []
    # the validation rows' class 1 images are blank, so the stub CNN gets only class 0 right (50%);
    # the test rows are marked by class, so it gets them all right
    test = Samples(
        np.repeat(np.arange(2), 2).reshape(4, 1, 1, 1).repeat(2, 1).repeat(2, 2), np.repeat([0, 1], 2), 2
    )
    bench = SimpleNamespace(k=2, test=test, cnn=lambda seed, augment: RecordingCNN(seed, augment, fits))
    pools = {name: samples(16, 1) for name in POOLS}
    scores = fold_scores(bench, 0, samples(4), samples(6), pools)
    assert set(scores) == {
        key(0, name, augment, split)
        for name in (REAL, *POOLS)
        for augment in AUGMENTATION
        for split in SPLITS
    }
    assert scores[key(0, REAL, False, "validation")] == 50.0
    assert scores[key(0, POOLS[0], True, "test")] == 100.0
    plain = [f for f in fits if f["n"] == 4]
    added = [f for f in fits if f["n"] == 20]
    assert len(plain) == 2 * 5 and len(added) == 2 * 2 * 5  # 5 CNN seeds, augmentation off and on
    assert all(f["weights"] is None for f in plain)
    for fit in added:
        weights = fit["weights"]
        assert weights[4:].sum() / weights.sum() == pytest.approx(SHARE)


def run_scores(name: str, values: dict[tuple[int, str, bool, str], float]) -> dict:
    """A run's scores: 80 for every key, then ``values``."""
    scores = {
        key(k, pool, augment, split): 80.0
        for k in range(2)
        for pool in (REAL, *POOLS)
        for augment in AUGMENTATION
        for split in SPLITS
    }
    return {"run": name, **scores, **{key(*where): value for where, value in values.items()}}


def test_gains_average_the_folds_within_a_run_then_the_runs_and_count_the_folds_that_gained():
    per_run = [
        run_scores(
            "a", {(0, "fold generator", False, "test"): 84.0, (1, "fold generator", False, "test"): 78.0}
        ),
        run_scores(
            "b", {(0, "fold generator", False, "test"): 82.0, (1, "fold generator", False, "test"): 82.0}
        ),
    ]
    rows = gains(per_run).set_index(["added", "cnn", "scored_on"])
    row = rows.loc[("fold generator", "no augmentation", "test")]
    assert row["gain_points"] == 1.5  # runs a: (4 - 2) / 2 = 1, b: 2
    assert row["ci95_low"] < 1.5 < row["ci95_high"]
    assert row["folds_gaining"] == "3 of 4"
    untouched = rows.loc[("run generator", "augmentation", "validation")]
    assert untouched["gain_points"] == 0.0 and untouched["folds_gaining"] == "0 of 4"
    table = agreement(per_run)
    assert table["fold generator, test"].tolist() == [4.0, -2.0, 2.0, 2.0]
    assert table["run generator, validation"].tolist() == [0.0] * 4
