import numpy as np
import pytest

from synthaug.privacy.audit import (
    EXACT_COPIES,
    MEMBERSHIP_AUC,
    MEMBERSHIP_AUC_EITHER_WAY,
    NEAR_COPIES,
    SHARE_CLOSER_TO_TRAIN,
    audit,
)


@pytest.fixture
def population():
    rng = np.random.default_rng(0)
    return rng.normal(size=(200, 5)), rng.normal(size=(200, 5)), rng


def test_fresh_samples_from_the_population_look_private(population):
    train, holdout, rng = population
    result = audit(train, holdout, rng.normal(size=(300, 5)))
    assert result[SHARE_CLOSER_TO_TRAIN] == pytest.approx(0.5, abs=0.08)
    assert result[EXACT_COPIES] == 0.0 and result[NEAR_COPIES] < 0.15
    assert result[MEMBERSHIP_AUC] == pytest.approx(0.5, abs=0.08)


def test_copied_training_records_are_caught(population):
    train, holdout, rng = population
    result = audit(train, holdout, train + rng.normal(scale=1e-3, size=train.shape))
    assert result[SHARE_CLOSER_TO_TRAIN] == 1.0 and result[NEAR_COPIES] == 1.0
    assert result[MEMBERSHIP_AUC] > 0.99
    assert audit(train, holdout, train.copy())[EXACT_COPIES] == 1.0


def test_too_few_records_are_refused(population):
    train, holdout, _ = population
    with pytest.raises(ValueError, match="at least two"):
        audit(train, holdout, train[:1])


def test_one_cut_is_the_audit_of_equal_size_parts_drawn_by_the_seed(population):
    train, holdout, rng = population
    small, synthetic = train[:30], rng.normal(size=(120, 5))
    cut = np.random.default_rng(4)
    kept_train = small[cut.choice(30, 30, replace=False)]
    kept_holdout = holdout[cut.choice(200, 30, replace=False)]
    assert audit(small, holdout, synthetic, seed=4, draws=1) == pytest.approx(
        audit(kept_train, kept_holdout, synthetic)  # equal sizes: one cut, whatever draws says
    )


def test_averaging_cuts_steadies_the_numbers_of_a_small_training_split(population):
    """30 training records against 200 held-out ones: which 30 a single cut keeps moves the share
    and the attack's AUC; the mean over 20 cuts moves several times less."""
    train, holdout, rng = population
    small, synthetic = (
        train[:30],
        np.r_[train[:30] + rng.normal(scale=0.5, size=(30, 5)), rng.normal(size=(90, 5))],
    )
    for key in (SHARE_CLOSER_TO_TRAIN, MEMBERSHIP_AUC):
        one = [audit(small, holdout, synthetic, seed=s, draws=1)[key] for s in range(12)]
        many = [audit(small, holdout, synthetic, seed=s, draws=20)[key] for s in range(12)]
        assert np.std(many) < 0.5 * np.std(one)
        assert np.mean(many) == pytest.approx(np.mean(one), abs=0.05)  # the same quantity


def test_exact_copies_count_every_training_record_when_the_training_part_is_cut(population):
    train, holdout, _ = population
    result = audit(train, holdout[:20], train[:50].copy(), draws=5)  # 20 of 200 training records per cut
    assert result[EXACT_COPIES] == 1.0
    with pytest.raises(ValueError, match="draws"):
        audit(train, holdout, train, draws=0)


def test_synthetic_samples_that_keep_away_from_training_records_reveal_them_the_other_way(population):
    """A hole around every training record (what replacing near copies can leave) turns the attack
    round: training records sit farther from the synthetic samples than unseen ones."""
    train, holdout, rng = population
    candidates = rng.normal(size=(3000, 5))
    to_train = np.min(np.linalg.norm(candidates[:, None] - train[None], axis=2), axis=1)
    synthetic = candidates[to_train > np.quantile(to_train, 0.5)][:300]  # the half farthest from train
    result = audit(train, holdout, synthetic)
    assert result[MEMBERSHIP_AUC] < 0.4 and result[SHARE_CLOSER_TO_TRAIN] < 0.4
    assert result[MEMBERSHIP_AUC_EITHER_WAY] == pytest.approx(1 - result[MEMBERSHIP_AUC])


def test_exact_copies_are_found_in_many_dimensions_too():
    """Above 15 columns the nearest-neighbour search computes distances from dot products, where an
    exact copy can come out at 1e-7; the audit still calls it a copy (64 columns: 8x8 digits)."""
    rng = np.random.default_rng(3)
    train, holdout = rng.random((150, 64)) * 16, rng.random((150, 64)) * 16
    synthetic = np.r_[train[:50], rng.random((50, 64)) * 16]
    assert audit(train, holdout, synthetic)[EXACT_COPIES] == 0.5


def test_a_sample_as_far_from_both_parts_counts_half():
    train = np.array([[0.0, 0.0], [10.0, 0.0]])
    holdout = np.array([[0.0, 2.0]] * 4)  # every cut of two keeps a row at (0, 2)
    synthetic = np.array([[0.0, 1.0], [0.0, 1.0]])  # halfway between (0, 0) and (0, 2)
    assert audit(train, holdout, synthetic, draws=5)[SHARE_CLOSER_TO_TRAIN] == 0.5
