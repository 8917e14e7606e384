"""The interval's coverage on simulated classifiers whose true accuracies are known, and its parts."""

import numpy as np
import pytest

from synthaug.evaluation.bootstrap import (
    combined_replicates,
    interval,
    paired_difference,
    stratified_row_weights,
)
from synthaug.evaluation.downstream_metrics import BALANCED_ACCURACY
from synthaug.evaluation.weighted_metrics import WEIGHTED_METRICS

SEEDS = 5
ROWS_PER_CLASS = (90, 60)
TREATMENT = (0.86, 0.78)  # true per-class accuracies: balanced accuracy 0.82
BASELINE = (0.84, 0.74)  # 0.79: the true difference is 0.03


def _as_proba(correct: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(S, N) correctness of a two-class classifier as (S, N, 2) probabilities."""
    predicted = np.where(correct, y, 1 - y)
    return np.stack([np.where(predicted == 0, 0.9, 0.1), np.where(predicted == 1, 0.9, 0.1)], axis=2)


def _simulated_run(rng, *, shared_rows: float, seed_sd: float):
    """Correctness of both conditions for S seeds on freshly drawn test rows. A row is hard or easy
    for both conditions alike (a shared uniform draw, reused by a seed with probability
    ``shared_rows``); the treatment's accuracy also moves from seed to seed by ``seed_sd``."""
    y = np.repeat([0, 1], ROWS_PER_CLASS)
    row = rng.random(y.size)
    draws = np.where(rng.random((SEEDS, y.size)) < shared_rows, row, rng.random((SEEDS, y.size)))
    accuracy_t = np.asarray(TREATMENT)[y] + rng.normal(0, seed_sd, (SEEDS, 1))
    treatment = draws < accuracy_t
    baseline = draws < np.asarray(BASELINE)[y]
    return y, _as_proba(treatment, y), _as_proba(baseline, y)


def _paired(y, treatment, baseline, rng, replicates=2000):
    metric = WEIGHTED_METRICS[BALANCED_ACCURACY]
    weights = stratified_row_weights(y, replicates, rng)
    ones = np.ones((1, y.size))
    return paired_difference(
        metric(y, treatment, weights),
        metric(y, baseline, weights),
        metric(y, treatment, ones)[0],
        metric(y, baseline, ones)[0],
        rng,
    )


@pytest.mark.slow
def test_the_95_percent_interval_covers_the_true_difference_in_93_to_97_percent():
    # Bernoulli correctness with known accuracies, independent across seeds and rows
    rng = np.random.default_rng(2026)
    truth = np.mean(TREATMENT) - np.mean(BASELINE)
    covered = []
    for _ in range(1000):
        y, treatment, baseline = _simulated_run(rng, shared_rows=0.0, seed_sd=0.0)
        comparison = _paired(y, treatment, baseline, rng)
        covered.append(comparison.low <= truth <= comparison.high)
    assert 0.93 <= np.mean(covered) <= 0.97


@pytest.mark.slow
def test_conditions_that_differ_on_a_few_rows_by_chance_get_gain_or_harm_at_most_5_percent():
    # equally good conditions that disagree on about 4 of 150 rows, the same rows for every seed
    rng = np.random.default_rng(7)
    y = np.repeat([0, 1], ROWS_PER_CLASS)
    verdicts = []
    for _ in range(1000):
        draws = rng.random(y.size)
        other = np.where(rng.random(y.size) < 0.03, rng.random(y.size), draws)
        accuracy = np.asarray(BASELINE)[y]
        treatment = _as_proba(np.tile(draws < accuracy, (SEEDS, 1)), y)
        baseline = _as_proba(np.tile(other < accuracy, (SEEDS, 1)), y)
        comparison = _paired(y, treatment, baseline, rng, replicates=1000)
        verdicts.append(comparison.verdict)
    assert np.mean(np.asarray(verdicts) == "gain") <= 0.05 and np.mean(np.asarray(verdicts) == "harm") <= 0.05


def test_row_weights_keep_each_class_count():
    y = np.array([0, 0, 0, 1, 1, 2])
    weights = stratified_row_weights(y, 500, np.random.default_rng(0))
    assert weights.shape == (500, 6)
    for label, count in ((0, 3), (1, 2), (2, 1)):
        assert np.all(weights[:, y == label].sum(axis=1) == count)
    assert weights[:, :3].std() > 0  # rows are redrawn


def test_each_rows_weight_is_its_binomial_share_of_its_classes_redraws():
    y = np.repeat([0, 1], [40, 10])
    weights = stratified_row_weights(y, 20_000, np.random.default_rng(3))
    for label, n in ((0, 40), (1, 10)):
        rows = weights[:, y == label]  # each row: Binomial(n, 1/n), mean 1, variance 1 - 1/n
        assert rows.mean(axis=0) == pytest.approx(np.ones(n), abs=0.03)
        assert rows.var(axis=0).mean() == pytest.approx(1 - 1 / n, abs=0.02)
        # two rows of a class compete for the same draws: covariance -1/n
        assert np.cov(rows[:, 0], rows[:, 1])[0, 1] == pytest.approx(-1 / n, abs=0.02)


def test_identical_conditions_give_a_zero_interval_and_no_gain():
    rng = np.random.default_rng(1)
    replicates = rng.random((200, 3))
    same = paired_difference(replicates, replicates, np.full(3, 0.8), np.full(3, 0.8), rng)
    assert (same.mean_difference, same.low, same.high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert same.verdict == "no-gain"


def test_seed_spread_is_added_once_and_widened_to_the_t_interval():
    rng = np.random.default_rng(3)
    # no row-sampling error at all: every replicate equals the value on all rows
    on_all_rows = np.array([0.01, 0.03, 0.05, 0.02, 0.04])
    replicates = np.tile(on_all_rows, (20_000, 1))
    result = interval(replicates, on_all_rows, rng)
    # Student-t interval of the five values: mean 0.03, sd 0.015811, t(0.975, 4) = 2.776445
    half = 2.776445 * 0.015811 / np.sqrt(5)
    assert result.mean == pytest.approx(0.03)
    assert result.low == pytest.approx(0.03 - half, abs=5e-4) and result.high == pytest.approx(
        0.03 + half, abs=5e-4
    )


def test_seed_values_explained_by_row_noise_add_nothing():
    rng = np.random.default_rng(4)
    # each seed's replicates are independent noise around the seed's value: the seed values differ
    # only as much as row sampling makes them, so no seed component is added
    noise = rng.normal(0, 0.02, (4000, 5))
    on_all_rows = np.array([0.0, 0.001, -0.001, 0.0005, -0.0005])
    point, values = combined_replicates(noise + on_all_rows, on_all_rows, rng)
    assert point == pytest.approx(0.0)
    assert values.std() == pytest.approx(0.02 / np.sqrt(5), rel=0.05)


@pytest.mark.slow
def test_a_true_difference_of_the_detectable_effect_is_called_gain_about_80_percent_of_the_time():
    # the claim the report makes ("a true difference of about 1.43 x the half-width is called 80%
    # of the time"), checked: size the difference from the half-widths a pilot gives, then count
    from synthaug.evaluation.verdict import DETECTABLE_FACTOR

    rng = np.random.default_rng(11)
    y = np.repeat([0, 1], ROWS_PER_CLASS)
    baseline_accuracy = np.asarray(BASELINE)[y]

    def comparison_at(difference: float):
        draws = rng.random((SEEDS, y.size))
        treatment = _as_proba(rng.random((SEEDS, y.size)) < baseline_accuracy + difference, y)
        return _paired(y, treatment, _as_proba(draws < baseline_accuracy, y), rng, replicates=1000)

    pilot = [comparison_at(0.03) for _ in range(100)]
    detectable = DETECTABLE_FACTOR * np.mean([(c.high - c.low) / 2 for c in pilot])
    called = [comparison_at(detectable).verdict == "gain" for _ in range(400)]
    assert 0.72 <= np.mean(called) <= 0.88
