"""The downstream metrics of downstream_metrics.py for many resamples of the test rows at once.

A bootstrap resample of the test rows is a vector of row weights (how often each row was drawn),
so every metric is computed from weighted counts: ``weights`` (B, N) against the predictions of
S seeds (S, N, C) gives (B, S) values in a few matrix products instead of B x S calls to
scikit-learn. With unit weights the values equal downstream_metrics.py's (tests check this).

- balanced accuracy: the mean over the classes present of the weighted recall;
- macro-F1: per class 2 TP / (2 TP + FP + FN) from weighted counts (0 when undefined), averaged
  over all classes as scikit-learn does with ``labels=range(C)`` and ``zero_division=0``;
- AUROC: the weighted Mann-Whitney statistic (ties count one half), one-vs-rest per class and
  averaged for more than two classes (class 1's probability for two).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from synthaug.evaluation.downstream_metrics import AUROC, BALANCED_ACCURACY, MACRO_F1


def _balanced_accuracy(y: np.ndarray, proba: np.ndarray, weights: np.ndarray) -> np.ndarray:
    correct = (proba.argmax(axis=2) == y).astype(np.float64)  # (S, N)
    recalls = []
    for label in np.unique(y):
        rows = y == label
        recalls.append((weights[:, rows] @ correct[:, rows].T) / weights[:, rows].sum(axis=1, keepdims=True))
    return np.mean(recalls, axis=0)


def _macro_f1(y: np.ndarray, proba: np.ndarray, weights: np.ndarray) -> np.ndarray:
    predicted = proba.argmax(axis=2)  # (S, N)
    scores = []
    for label in range(proba.shape[2]):
        said = (predicted == label).astype(np.float64)  # (S, N)
        true_positive = weights @ (said * (y == label)).T  # (B, S)
        denominator = weights @ said.T + weights[:, y == label].sum(axis=1, keepdims=True)
        scores.append(
            np.divide(2 * true_positive, denominator, out=np.zeros_like(true_positive), where=denominator > 0)
        )
    return np.mean(scores, axis=0)


def _auroc(y: np.ndarray, proba: np.ndarray, weights: np.ndarray) -> np.ndarray:
    n_classes = proba.shape[2]
    if n_classes == 2:
        return np.stack([_weighted_auc(y == 1, p[:, 1], weights) for p in proba], axis=1)
    total = proba.sum(axis=2, keepdims=True)
    normalised = np.divide(proba, total, out=np.full_like(proba, 1 / n_classes), where=total > 0)
    per_class = [
        np.stack([_weighted_auc(y == label, p[:, label], weights) for p in normalised], axis=1)
        for label in range(n_classes)
    ]
    return np.mean(per_class, axis=0)


def _weighted_auc(positive: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """P(score of a positive > score of a negative) + half the ties, rows weighted; (B,)."""
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])  # tie groups
    group = np.cumsum(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]) - 1  # (N,) in sorted order
    w = weights[:, order]
    is_positive = positive[order]
    negative_per_group = np.add.reduceat(np.where(is_positive, 0.0, w), starts, axis=1)  # (B, G)
    below = np.cumsum(negative_per_group, axis=1) - negative_per_group  # negatives strictly lower
    credit = below + 0.5 * negative_per_group  # (B, G)
    numerator = (w[:, is_positive] * credit[:, group[is_positive]]).sum(axis=1)
    pairs = w[:, is_positive].sum(axis=1) * w[:, ~is_positive].sum(axis=1)
    return numerator / pairs


WEIGHTED_METRICS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    BALANCED_ACCURACY: _balanced_accuracy,
    MACRO_F1: _macro_f1,
    AUROC: _auroc,
}


def weighted_scores(y: np.ndarray, proba: np.ndarray, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric of ``proba`` (S seeds, N rows, C classes) against labels ``y`` (N,) under each
    row-weight vector of ``weights`` (B, N): metric -> (B, S)."""
    y = np.asarray(y)
    proba = np.asarray(proba, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if proba.ndim != 3 or proba.shape[1] != len(y) or weights.shape[1] != len(y):
        raise ValueError(f"shapes do not match: y {y.shape}, proba {proba.shape}, weights {weights.shape}")
    return {name: metric(y, proba, weights) for name, metric in WEIGHTED_METRICS.items()}
