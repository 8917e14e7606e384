import numpy as np
import pytest
from sklearn.covariance import LedoitWolf, ShrunkCovariance

from synthaug.models.copula_correlation import (
    MIN_ROWS_TO_CROSS_VALIDATE,
    SHRINKAGE_GRID,
    cross_validated_shrinkage,
    estimate_correlation,
    shrinkage_grid,
)


def correlated(n: int, p: int, rho: float, seed: int = 0) -> np.ndarray:
    """(n, p) standard normal rows whose columns all correlate by ``rho``."""
    cov = np.full((p, p), rho) + (1 - rho) * np.eye(p)
    return np.random.default_rng(seed).multivariate_normal(np.zeros(p), cov, size=n)


def as_correlation(covariance: np.ndarray) -> np.ndarray:
    spread = np.sqrt(np.diag(covariance))
    return covariance / np.outer(spread, spread)


def test_ledoit_wolf_and_empirical_are_the_scaled_estimates_with_their_shrinkage():
    x = correlated(15, 4, 0.6)
    correlation, shrinkage = estimate_correlation(x, method="ledoit-wolf")
    fitted = LedoitWolf().fit(x)
    np.testing.assert_allclose(correlation, as_correlation(fitted.covariance_))
    assert shrinkage == pytest.approx(fitted.shrinkage_)
    assert 0 < shrinkage < 1
    sample, none = estimate_correlation(x, method="empirical")
    np.testing.assert_allclose(sample, np.corrcoef(x, rowvar=False))
    assert none == 0.0


def test_cross_validation_keeps_strong_dependence_that_ledoit_wolf_shrinks():
    """Five columns correlated 0.97 (crabs' body measurements look like this), 15 rows: the
    held-out likelihood wants almost none of the shrinkage Ledoit-Wolf's formula applies."""
    x = correlated(15, 5, 0.97, seed=1)
    _, formula = estimate_correlation(x, method="ledoit-wolf")
    correlation, chosen = estimate_correlation(x, method="cross-validated", seed=0)
    assert chosen <= 0.05 < formula
    expected = as_correlation(ShrunkCovariance(shrinkage=chosen).fit(x).covariance_)
    np.testing.assert_allclose(correlation, expected)


def test_cross_validation_shrinks_columns_that_do_not_predict_each_other():
    x = correlated(15, 10, 0.0, seed=2)
    _, chosen = estimate_correlation(x, method="cross-validated", seed=0)
    assert chosen >= 0.5
    assert cross_validated_shrinkage(correlated(400, 3, 0.5, seed=3)) <= 0.1  # many rows: near the sample's


def test_the_sample_estimate_competes_only_where_every_training_part_has_more_rows_than_columns():
    """15 rows in 5 folds: every training part holds 12 rows; 16 rows: the smallest holds 12."""
    assert shrinkage_grid(15, 11, folds=5) == list(SHRINKAGE_GRID)
    assert shrinkage_grid(15, 12, folds=5) == [t for t in SHRINKAGE_GRID if t > 0]
    assert shrinkage_grid(16, 11, folds=5)[0] == 0.0
    assert shrinkage_grid(16, 12, folds=5)[0] > 0.0
    assert shrinkage_grid(7, 3, folds=3)[0] == 0.0  # 7 rows in 3 folds: training parts of 4 and 5


@pytest.mark.parametrize("n", [12, 16])
def test_no_more_training_rows_than_columns_never_chooses_the_singular_sample_estimate(n):
    """With 12 columns, 12 rows (and 16: 12 to 13 per training fold) make t = 0 singular."""
    x = correlated(n, 12, 0.9, seed=4)
    correlation, chosen = estimate_correlation(x, method="cross-validated", seed=0)
    assert chosen > 0
    assert np.linalg.eigvalsh(correlation).min() > 1e-6


def test_constant_columns_stay_uncorrelated_and_few_rows_take_the_formula():
    x = correlated(20, 3, 0.8, seed=5)
    x[:, 1] = 0.0  # e.g. a category that every row of the class shares
    correlation, chosen = estimate_correlation(x, method="cross-validated", seed=0)
    assert correlation[1].tolist() == [0.0, 1.0, 0.0]
    # the other two are estimated as if the constant column were not there (it would lower mu)
    alone, same = estimate_correlation(x[:, [0, 2]], method="cross-validated", seed=0)
    assert correlation[0, 2] == pytest.approx(alone[0, 1]) and chosen == same
    assert correlation[0, 2] > 0.6
    assert estimate_correlation(x[:, :2], method="cross-validated")[1] == 1.0  # nothing to correlate
    few = correlated(MIN_ROWS_TO_CROSS_VALIDATE - 1, 3, 0.8, seed=6)
    assert cross_validated_shrinkage(few) == pytest.approx(LedoitWolf().fit(few).shrinkage_)
    assert estimate_correlation(few[:1], method="cross-validated")[0].tolist() == np.eye(3).tolist()


def test_the_folds_follow_the_seed_and_an_unknown_method_is_refused():
    x = correlated(15, 6, 0.5, seed=7)
    assert cross_validated_shrinkage(x, seed=0) == cross_validated_shrinkage(x, seed=0)
    assert len({cross_validated_shrinkage(x, seed=s) for s in range(6)}) > 1  # other folds, other choice
    with pytest.raises(ValueError, match="choose one of ledoit-wolf, empirical, cross-validated"):
        estimate_correlation(x, method="graphical-lasso")
