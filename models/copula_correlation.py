"""One class's correlation of normal scores for the Gaussian copula (``training.copula.correlation``).

    correlation, shrinkage = estimate_correlation(scores, method="cross-validated", seed=0)

Every estimate is the sample covariance S of the (n, p) scores moved toward mu I (mu: S's mean
variance) by a shrinkage t in [0, 1], (1 - t) S + t mu I, then scaled to unit diagonal:

- ``ledoit-wolf``: t from Ledoit and Wolf's (2004) formula, which minimises the expected squared
  error of the matrix as a whole; on a few dozen rows it shrinks a few strongly correlated columns
  (crabs' body measurements) as much as many weakly correlated ones.
- ``empirical``: t = 0, the sample correlation; singular with no more rows than columns.
- ``cross-validated``: the t of a grid whose Gaussian model gives the highest log-likelihood to
  rows it was not estimated on (K-fold over the class's rows, K = min(5, n // 2); scikit-learn's
  ``ShrunkCovariance`` scores it). One t shrinks every correlation of the class alike, but the
  likelihood chooses it by what predicts unseen rows: little where a few strong correlations
  carry the class (crabs: 0.02-0.05 at 15 rows, where the formula gives 0.15), much where weak
  ones are mostly noise. t = 0 competes only where every fold's training part has more rows than
  columns; a class of fewer than ``MIN_ROWS_TO_CROSS_VALIDATE`` rows takes the formula's t.

Columns without variation, and classes of fewer than two rows, are uncorrelated (their shrinkage
is reported as 1 where nothing was estimated).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.covariance import LedoitWolf, ShrunkCovariance
from sklearn.model_selection import GridSearchCV, KFold

METHODS = ("ledoit-wolf", "empirical", "cross-validated")
SHRINKAGE_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)  # t = 0 only when nonsingular
MAX_FOLDS = 5
MIN_ROWS_TO_CROSS_VALIDATE = 6  # fewer: Ledoit-Wolf's formula (two rows per validation fold at least)


def estimate_correlation(scores: np.ndarray, *, method: str, seed: int = 0) -> tuple[np.ndarray, float]:
    """((p, p) correlation, shrinkage t) of the normal ``scores`` (n, p) by ``method`` (``METHODS``)."""
    if method not in METHODS:
        raise ValueError(f"unknown correlation estimate {method!r}; choose one of {', '.join(METHODS)}")
    n, p = scores.shape
    if n < 2:
        return np.eye(p), 1.0
    if method == "ledoit-wolf":
        fitted = LedoitWolf().fit(scores)
        covariance, shrinkage = fitted.covariance_, float(fitted.shrinkage_)
    elif method == "empirical":
        covariance, shrinkage = np.atleast_2d(np.cov(scores, rowvar=False)), 0.0  # cov of one column: 0-d
    else:
        varies = scores.std(axis=0) > 1e-12  # a constant column would make t = 0 singular
        if varies.sum() < 2:  # nothing to correlate
            return np.eye(p), 1.0
        x = scores[:, varies]
        shrinkage = cross_validated_shrinkage(x, seed=seed)
        covariance = np.zeros((p, p))
        covariance[np.ix_(varies, varies)] = ShrunkCovariance(shrinkage=shrinkage).fit(x).covariance_
    return unit_diagonal(covariance), shrinkage


def unit_diagonal(covariance: np.ndarray) -> np.ndarray:
    """``covariance`` scaled to a correlation; a column without variance is uncorrelated."""
    p = len(covariance)
    spread = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    varies = spread > 1e-12
    correlation = np.eye(p)
    inner = covariance[np.ix_(varies, varies)] / np.outer(spread[varies], spread[varies])
    correlation[np.ix_(varies, varies)] = inner
    np.fill_diagonal(correlation, 1.0)
    return correlation


def cross_validated_shrinkage(x: np.ndarray, *, seed: int = 0) -> float:
    """The grid's shrinkage with the highest mean held-out Gaussian log-likelihood of ``x`` (n, p)
    over K folds (Ledoit-Wolf's on fewer than ``MIN_ROWS_TO_CROSS_VALIDATE`` rows)."""
    n, p = x.shape
    if n < MIN_ROWS_TO_CROSS_VALIDATE:
        return float(LedoitWolf().fit(x).shrinkage_)
    folds = min(MAX_FOLDS, n // 2)
    search = GridSearchCV(
        ShrunkCovariance(),
        {"shrinkage": shrinkage_grid(n, p, folds=folds)},
        cv=KFold(folds, shuffle=True, random_state=seed),
        refit=False,  # the caller fits the chosen t on every row
    )
    with warnings.catch_warnings():
        # a fold whose training part is singular (a column constant in it) scores -inf at t = 0, so t = 0
        # loses there, as it should; scikit-learn warns about the non-finite score
        warnings.filterwarnings("ignore", "One or more of the test scores are non-finite", UserWarning)
        # (the spread of the -inf scores, in the same search)
        warnings.filterwarnings("ignore", "invalid value encountered in subtract", RuntimeWarning, "sklearn")
        search.fit(x)
    return float(search.best_params_["shrinkage"])


def shrinkage_grid(n: int, p: int, *, folds: int) -> list[float]:
    """``SHRINKAGE_GRID``, without t = 0 where a training part of ``folds``-fold CV over ``n`` rows
    has no more rows than the ``p`` columns (its sample covariance is singular)."""
    smallest_training_part = n - -(-n // folds)  # n minus the largest validation fold
    return [t for t in SHRINKAGE_GRID if t > 0 or smallest_training_part > p]
