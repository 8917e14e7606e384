"""Can a classifier tell synthetic rows from real ones? Cross-validated real-vs-synthetic ROC AUC.

0.5 means indistinguishable, 1 means every synthetic row is recognisable. Two detectors, both
behind the downstream encoder: a logistic regression (differences in means and linear
relationships) and histogram gradient boosting (anything a tree ensemble can find).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from synthaug.evaluation.columns import as_objects, tabular_encoder
from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric

DETECTORS = ("logistic", "tree")


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


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    real, seed = inputs.real.x, inputs.options.seed
    return {
        VALUE: {m: detection_auc(real, inputs.synthetic.x, model=m, seed=seed) for m in DETECTORS},
        REFERENCE: {m: detection_auc(real, inputs.reference.x, model=m, seed=seed) for m in DETECTORS},
    }


METRIC = FidelityMetric(
    name="detection_auc",
    kind="tabular",
    description="cross-validated ROC AUC of classifiers telling real training rows from synthetic "
    "ones (0.5: indistinguishable)",
    compute=_compute,
)
