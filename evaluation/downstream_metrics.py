"""The scores of a downstream classifier on real test samples, registered by name."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score

BALANCED_ACCURACY = "balanced_accuracy"
MACRO_F1 = "macro_f1"
AUROC = "auroc"
PRIMARY_METRIC = BALANCED_ACCURACY  # the verdict reads this one


def _balanced_accuracy(y: np.ndarray, proba: np.ndarray, n_classes: int) -> float:
    return float(balanced_accuracy_score(y, proba.argmax(axis=1)))


def _macro_f1(y: np.ndarray, proba: np.ndarray, n_classes: int) -> float:
    return float(
        f1_score(y, proba.argmax(axis=1), average="macro", labels=np.arange(n_classes), zero_division=0)
    )


def _auroc(y: np.ndarray, proba: np.ndarray, n_classes: int) -> float:
    """ROC AUC; one-vs-rest averaged over classes for more than two."""
    if n_classes == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    total = proba.sum(axis=1, keepdims=True)
    normalised = np.divide(proba, total, out=np.full_like(proba, 1 / n_classes), where=total > 0)
    return float(roc_auc_score(y, normalised, multi_class="ovr", labels=np.arange(n_classes)))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray, int], float]] = {
    BALANCED_ACCURACY: _balanced_accuracy,
    MACRO_F1: _macro_f1,
    AUROC: _auroc,
}


def score(y: np.ndarray, proba: np.ndarray, n_classes: int) -> dict[str, float]:
    """Every registered metric of class probabilities ``proba`` (N, n_classes) against ``y``, in [0, 1]."""
    return {name: metric(np.asarray(y), proba, n_classes) for name, metric in METRICS.items()}
