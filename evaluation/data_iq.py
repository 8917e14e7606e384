"""Data-IQ curation of synthetic table rows: keep only the rows that a model trained on the real
rows learns confidently and consistently over its training.

CLLM (Seedat et al., 2024) curated generated rows this way and found that curated rows helped
every generator it tried on small tables. The model is gradient boosting on the real rows (the
same one-hot / impute / scale encoder as the downstream classifiers), each class weighted
equally; its boosting stages stand in for training epochs. For each synthetic row, with p_t the
probability stage t gives the row's label (Data-IQ, Seedat et al., 2022):

- confidence = mean_t p_t: how surely the real data's model places the row in its class;
- aleatoric uncertainty = mean_t p_t (1 - p_t): how close to a coin toss the row sits.

A row is *easy* when its confidence is at least ``confidence`` and its aleatoric uncertainty at
most ``aleatoric``; CLLM keeps the easy rows and drops the ambiguous and the hard ones. Rows a
late stage learns (low early p_t) lose confidence here, where a filter on the final model alone
would keep them. Since mean_t p_t^2 >= (mean_t p_t)^2, a confidence c bounds the aleatoric
uncertainty by c (1 - c), so above c = 0.72 (the default is 0.8) the confidence alone decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_sample_weight

from synthaug.evaluation.columns import as_objects, tabular_encoder
from synthaug.evaluation.samples import Samples

STAGES = 100  # boosting stages, each one checkpoint of the training dynamics
DEPTH = 2  # shallow trees: a few dozen real rows support few interactions
ALEATORIC = 0.2  # a cut on aleatoric uncertainty (p (1 - p) is at most 0.25); binds below c = 0.72


@dataclass(frozen=True)
class Dynamics:
    """Per synthetic row (pool size,): the two Data-IQ statistics over the boosting stages."""

    confidence: np.ndarray
    aleatoric: np.ndarray

    def easy(self, confidence: float, aleatoric: float = ALEATORIC) -> np.ndarray:
        """(pool size,) bool: the rows learned confidently and consistently."""
        return (self.confidence >= confidence) & (self.aleatoric <= aleatoric)


def training_dynamics(real: Samples, pool: Samples, *, seed: int = 0) -> Dynamics:
    """Train gradient boosting on the ``real`` rows and read, at every stage, the probability it
    gives each ``pool`` row's label."""
    x = as_objects(real.x)
    model = Pipeline(
        [
            ("encode", tabular_encoder(x)),
            (
                "boost",
                GradientBoostingClassifier(n_estimators=STAGES, max_depth=DEPTH, random_state=seed),
            ),
        ]
    )
    # every class weighs the same, as in balanced accuracy: on an imbalanced table an unweighted
    # model would rarely be confident about the rare class the rows are meant to fill up
    weight = compute_sample_weight("balanced", real.y)
    model.fit(x, real.y, boost__sample_weight=weight if real.weight is None else weight * real.weight)
    boost = model.named_steps["boost"]
    encoded = model.named_steps["encode"].transform(as_objects(pool.x))
    staged = np.stack(list(boost.staged_predict_proba(encoded)))  # (stages, pool size, classes seen)
    seen = np.isin(pool.y, boost.classes_)  # a label the real rows never showed gets 0 throughout
    p = np.zeros(staged.shape[:2])  # (stages, pool size): the probability of each row's label
    p[:, seen] = staged[:, np.flatnonzero(seen), np.searchsorted(boost.classes_, pool.y[seen])]
    return Dynamics(confidence=p.mean(axis=0), aleatoric=(p * (1 - p)).mean(axis=0))


def easy_mask(real: Samples, pool: Samples, confidence: float) -> np.ndarray:
    """(pool size,) bool: Data-IQ's easy rows of ``pool`` for a model trained on ``real``."""
    if len(pool.y) == 0:
        return np.zeros(0, dtype=bool)
    return training_dynamics(real, pool).easy(confidence)
