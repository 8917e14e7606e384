"""Empirical privacy audits of synthetic data: closeness to training records, and membership inference.

Distances are Euclidean in a shared feature space (tables: the downstream encoder fitted on the
training split; images: pixels in [0, 1]). ``holdout`` are real records the generator never saw
(the held-out test split); train and holdout are cut to the same size first, so that 0.5 is the
ideal share below.

- ``share_closer_to_train``: share of synthetic samples whose nearest real record is a training
  record (0.5: the generator is no closer to its training data than to unseen data).
- ``exact_copies``: share of synthetic samples identical to a training record.
- ``near_copies``: share closer to a training record than 95% of holdout records are to their
  nearest training record (real, different records rarely sit that close).
- ``membership_auc``: ROC AUC of the attack "a record was in the training set if a synthetic
  sample lies close to it" (training vs holdout records scored by minus their distance to the
  nearest synthetic sample); 0.5 means the attack learns nothing.

These are audits, not guarantees: only differential privacy (privacy/) bounds what any attack
can learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

SHARE_CLOSER_TO_TRAIN = "share_closer_to_train"
EXACT_COPIES = "exact_copies"
NEAR_COPIES = "near_copies"
MEMBERSHIP_AUC = "membership_auc"
EXACT = 1e-9


def _nearest(reference: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """(len(queries),) Euclidean distance of each query to its nearest reference row."""
    return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(queries)[0][:, 0]


def audit(
    train: np.ndarray, holdout: np.ndarray, synthetic: np.ndarray, *, seed: int = 0
) -> dict[str, float]:
    """The four numbers above for 2-D float feature arrays of one width."""
    if min(len(train), len(holdout), len(synthetic)) < 2:
        raise ValueError("the audit needs at least two training, holdout and synthetic records")
    rng = np.random.default_rng(seed)
    n = min(len(train), len(holdout))
    train = train[rng.choice(len(train), n, replace=False)]
    holdout = holdout[rng.choice(len(holdout), n, replace=False)]
    to_train, to_holdout = _nearest(train, synthetic), _nearest(holdout, synthetic)
    # ties (a synthetic sample equally far from both) count half
    closer = np.mean(to_train < to_holdout) + 0.5 * np.mean(to_train == to_holdout)
    threshold = np.quantile(_nearest(train, holdout), 0.05)
    member_distance = _nearest(synthetic, np.concatenate([train, holdout]))
    is_member = np.r_[np.ones(n), np.zeros(n)]
    return {
        SHARE_CLOSER_TO_TRAIN: float(closer),
        EXACT_COPIES: float(np.mean(to_train <= EXACT)),
        NEAR_COPIES: float(np.mean(to_train < threshold)),
        MEMBERSHIP_AUC: float(roc_auc_score(is_member, -member_distance)),
    }
