import numpy as np
import pytest

from synthaug.privacy.audit import EXACT_COPIES, MEMBERSHIP_AUC, NEAR_COPIES, SHARE_CLOSER_TO_TRAIN, audit


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
