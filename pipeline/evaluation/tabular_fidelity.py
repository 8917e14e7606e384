"""How close synthetic rows are to real rows, column by column and jointly.

- column shape: 1 - KS statistic (numeric) or 1 - total-variation distance (categorical); 1 is
  a perfect match of the marginal;
- correlation difference: mean absolute difference of the off-diagonal Pearson correlations of
  the numeric columns; 0 is a perfect match;
- detection AUC: how well a classifier tells real from synthetic rows (5-fold cross-validated
  ROC AUC); 0.5 means indistinguishable;
- train-on-synthetic, test-on-real: balanced accuracy on real held-out rows of a classifier
  trained only on synthetic rows.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from models.classifiers import as_objects, numeric_columns, tabular_encoder

COLUMN_SHAPE = "column_shape"
CORRELATION_DIFFERENCE = "correlation_difference"
DETECTION_AUC_LOGISTIC = "detection_auc_logistic"
DETECTION_AUC_TREE = "detection_auc_tree"
TSTR_BALANCED_ACCURACY = "tstr_balanced_accuracy"


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    """Per column: 1 - KS statistic (numeric) or 1 - total variation distance (categorical)."""
    numeric = set(numeric_columns(real))
    scores = {}
    for column in real.columns:
        r, s = real[column].dropna(), synthetic[column].dropna()
        if len(r) == 0 or len(s) == 0:
            scores[column] = 0.0
        elif column in numeric:
            scores[column] = 1.0 - float(ks_2samp(r.to_numpy(float), s.to_numpy(float)).statistic)
        else:
            p = r.astype(str).value_counts(normalize=True)
            q = s.astype(str).value_counts(normalize=True)
            scores[column] = 1.0 - 0.5 * float(p.subtract(q, fill_value=0).abs().sum())
    return scores


def correlation_difference(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    columns = numeric_columns(real)
    if len(columns) < 2:
        return 0.0
    a = real[columns].astype(float).corr().to_numpy()
    b = synthetic[columns].astype(float).corr().to_numpy()
    off_diagonal = ~np.eye(len(columns), dtype=bool)
    return float(np.nanmean(np.abs(a - b)[off_diagonal]))


def detection_auc(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    model: Literal["logistic", "tree"] = "logistic",
    seed: int = 0,
) -> float:
    """Cross-validated ROC AUC of a classifier separating real (1) from synthetic (0) rows."""
    frame = as_objects(pd.concat([real, synthetic], ignore_index=True))
    is_real = np.r_[np.ones(len(real), dtype=int), np.zeros(len(synthetic), dtype=int)]
    classifier = (
        LogisticRegression(max_iter=2000)
        if model == "logistic"
        else HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    )
    pipeline = make_pipeline(tabular_encoder(frame), classifier)
    folds = StratifiedKFold(
        n_splits=min(5, int(min(len(real), len(synthetic)))), shuffle=True, random_state=seed
    )
    return float(np.mean(cross_val_score(pipeline, frame, is_real, cv=folds, scoring="roc_auc")))


def tstr_balanced_accuracy(synthetic: pd.DataFrame, real_test: pd.DataFrame, target: str) -> float:
    """Train a standardised logistic regression on synthetic rows; balanced accuracy on real rows."""
    train_x, test_x = (
        as_objects(synthetic.drop(columns=[target])),
        as_objects(real_test.drop(columns=[target])),
    )
    pipeline = make_pipeline(tabular_encoder(train_x), LogisticRegression(max_iter=2000))
    pipeline.fit(train_x, synthetic[target].astype(str))
    return float(balanced_accuracy_score(real_test[target].astype(str), pipeline.predict(test_x)))


def fidelity_report(real: pd.DataFrame, synthetic: pd.DataFrame, *, seed: int = 0) -> dict[str, float]:
    shapes = column_shapes(real, synthetic)
    return {
        COLUMN_SHAPE: float(np.mean(list(shapes.values()))),
        CORRELATION_DIFFERENCE: correlation_difference(real, synthetic),
        DETECTION_AUC_LOGISTIC: detection_auc(real, synthetic, model="logistic", seed=seed),
        DETECTION_AUC_TREE: detection_auc(real, synthetic, model="tree", seed=seed),
    }
