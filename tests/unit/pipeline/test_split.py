import math

import numpy as np
import pytest

from synthaug.pipeline.config import DatasetConfig, SplitConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import HeldOutTest, TrainSplit, split_dataset


@pytest.fixture(scope="module")
def digits():
    return load_dataset(DatasetConfig(source="bundled:digits"))


def test_held_out_part_is_stratified_disjoint_and_seeded(digits):
    train, test = split_dataset(digits, SplitConfig(), seed=0)
    assert isinstance(train, TrainSplit) and isinstance(test, HeldOutTest)
    assert len(test.indices) == int(np.ceil(0.3 * len(digits)))
    assert not set(train.indices) & set(test.indices)
    assert len(train.indices) + len(test.indices) == len(digits)
    share = np.bincount(digits.labels[test.indices]) / np.bincount(digits.labels)
    assert np.all(np.abs(share - 0.3) < 0.02)
    again, _ = split_dataset(digits, SplitConfig(), seed=0)
    other, _ = split_dataset(digits, SplitConfig(), seed=1)
    assert np.array_equal(train.indices, again.indices)
    assert not np.array_equal(train.indices, other.indices)


def test_train_data_holds_only_train_rows(digits):
    train, test = split_dataset(digits, SplitConfig(), seed=0)
    assert np.array_equal(train.data.features, digits.features[train.indices])
    assert np.array_equal(test.data.labels, digits.labels[test.indices])
    assert not hasattr(train, "test") and not any(isinstance(v, HeldOutTest) for v in vars(train).values())


def test_per_class_subsampling_happens_after_the_held_out_split(digits):
    full_train, full_test = split_dataset(digits, SplitConfig(), seed=0)
    train, test = split_dataset(digits, SplitConfig(), seed=0, per_class=20)
    assert np.array_equal(test.indices, full_test.indices)  # the test set does not depend on per_class
    assert set(train.indices) <= set(full_train.indices)
    assert train.data.class_counts() == {str(i): 20 for i in range(10)}
    assert np.array_equal(train.pool_indices, full_train.indices)


def test_small_classes_keep_all_rows_with_a_note(digits):
    train, _ = split_dataset(digits, SplitConfig(), seed=0, per_class=1000)
    assert len(train.indices) == len(train.pool_indices)
    assert len(train.notes) == 10 and "fewer than per_class=1000" in train.notes[0]


def test_unstratified_split(digits):
    train, test = split_dataset(digits, SplitConfig(stratify=False), seed=3)
    assert len(train.indices) + len(test.indices) == len(digits)
    assert not set(train.indices) & set(test.indices)
    assert len(test.indices) == math.ceil(0.3 * len(digits))  # scikit-learn rounds the test share up
    again, _ = split_dataset(digits, SplitConfig(stratify=False), seed=3)
    assert np.array_equal(train.indices, again.indices)
    # stratified splits give every class its share of the test rows (within one row); a plain
    # random split does not, for some class and seed
    counts = {}
    for stratify in (True, False):
        for seed in range(5):
            _, held = split_dataset(digits, SplitConfig(stratify=stratify), seed=seed)
            shares = np.bincount(digits.labels[held.indices], minlength=10) / np.bincount(digits.labels)
            counts[stratify, seed] = np.abs(shares - 0.3).max() * np.bincount(digits.labels).max()
    assert max(counts[True, s] for s in range(5)) <= 1.0
    assert max(counts[False, s] for s in range(5)) > 3.0


def test_a_test_fraction_too_small_for_the_classes(digits):
    tiny = digits.subset(np.concatenate([np.flatnonzero(digits.labels == k)[:2] for k in range(10)]))
    with pytest.raises(UserInputError, match="fewer than the 10 classes"):
        split_dataset(tiny, SplitConfig(test_fraction=0.1), seed=0)
