"""Empirical privacy audits of synthetic data: closeness to training records, and membership inference.

Distances are Euclidean in a shared feature space (tables: the downstream encoder fitted on the
training split; images: pixels in [0, 1]). ``holdout`` are real records the generator never saw
(the held-out test split); train and holdout are cut to the same size first, so that 0.5 is the
ideal share below. Which records a cut keeps moves the numbers a lot when the training split is
small (a scarce table's 30 rows against 30 of its 500 held-out ones), so every number is the mean
over ``draws`` independent cuts (once when the two parts already have the same size).

- ``share_closer_to_train``: share of synthetic samples whose nearest real record is a training
  record (0.5: the generator is no closer to its training data than to unseen data).
- ``exact_copies``: share of synthetic samples identical to a training record.
- ``near_copies``: share closer to a training record than 95% of holdout records are to their
  nearest training record (real, different records rarely sit that close).
- ``membership_auc``: ROC AUC of the attack "a record was in the training set if a synthetic
  sample lies close to it" (training vs holdout records scored by minus their distance to the
  nearest synthetic sample); 0.5 means the attack learns nothing.
- ``membership_auc_either_way``: the same attack with its direction chosen afterwards, the larger
  of the AUC and 1 - AUC. Replacing near copies (stages/curation.py) leaves a hole around every
  training record, so training records can sit *farther* from the synthetic samples than unseen
  ones (AUC well below 0.5), and an attacker who reads "far means member" learns as much.

These are audits, not guarantees: only differential privacy (privacy/) bounds what any attack
can learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import pairwise_distances_chunked, roc_auc_score
from sklearn.neighbors import NearestNeighbors

SHARE_CLOSER_TO_TRAIN = "share_closer_to_train"
EXACT_COPIES = "exact_copies"
NEAR_COPIES = "near_copies"
MEMBERSHIP_AUC = "membership_auc"
MEMBERSHIP_AUC_EITHER_WAY = "membership_auc_either_way"
EXACT = 1e-9
DRAWS = 20  # cuts averaged when one part is larger than the other
TREE_COLUMNS = 15  # up to this width NearestNeighbors(algorithm="auto") searches a tree


def _nearest(reference: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """(len(queries),) Euclidean distance of each query to its nearest reference row."""
    return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(queries)[0][:, 0]


def _nearest_in_cuts(
    reference: np.ndarray, queries: np.ndarray, cuts: np.ndarray, whole: np.ndarray | None = None
) -> np.ndarray:
    """(len(cuts), len(queries)): each query's distance to its nearest reference row among each
    cut's rows (``cuts``: (c, n) row indices). Up to TREE_COLUMNS columns scikit-learn searches a
    tree with exact distances, so each cut gets its own search and a query as far from a training
    as from an unseen row stays a tie; above, it computes every distance from dot products anyway,
    so one pass over them, in chunks, serves all cuts (20 cuts of large images cost about 2x one)."""
    if cuts.shape[1] == len(reference):  # every cut keeps every row (``whole``: known already)
        nearest = _nearest(reference, queries) if whole is None else whole
        return np.broadcast_to(nearest, (len(cuts), len(queries)))
    if reference.shape[1] <= TREE_COLUMNS:
        return np.stack([_nearest(reference[cut], queries) for cut in cuts])
    chunks = pairwise_distances_chunked(
        queries, reference, reduce_func=lambda d, _: np.stack([d[:, cut].min(axis=1) for cut in cuts], axis=1)
    )
    return np.concatenate(list(chunks)).T


def _exact_copies(train: np.ndarray, synthetic: np.ndarray, nearest: np.ndarray) -> float:
    """Share of synthetic rows identical to a training row: the same values, or a nearest distance
    of at most EXACT. The value test matters in many dimensions, where the nearest-neighbour
    search computes distances from dot products and an exact copy can come out at 1e-7.
    ``nearest``: each synthetic row's distance to its nearest training row."""
    seen = {row.tobytes() for row in np.ascontiguousarray(train, dtype=np.float64)}
    same = np.array([row.tobytes() in seen for row in np.ascontiguousarray(synthetic, dtype=np.float64)])
    return float(np.mean(same | (nearest <= EXACT)))


def audit(
    train: np.ndarray, holdout: np.ndarray, synthetic: np.ndarray, *, seed: int = 0, draws: int = DRAWS
) -> dict[str, float]:
    """The numbers above for 2-D float feature arrays of one width, each the mean over
    ``draws`` equal-size cuts of train and holdout (exact copies: against every training record)."""
    if min(len(train), len(holdout), len(synthetic)) < 2:
        raise ValueError("the audit needs at least two training, holdout and synthetic records")
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    rng = np.random.default_rng(seed)
    n = min(len(train), len(holdout))
    count = 1 if len(train) == len(holdout) else draws
    train_cuts = np.stack([rng.choice(len(train), n, replace=False) for _ in range(count)])
    holdout_cuts = np.stack([rng.choice(len(holdout), n, replace=False) for _ in range(count)])
    nearest_train = _nearest(train, synthetic)  # every training row: exact copies, and uncut cuts
    to_train = _nearest_in_cuts(train, synthetic, train_cuts, nearest_train)  # (count, synthetic)
    to_holdout = _nearest_in_cuts(holdout, synthetic, holdout_cuts)
    # a record's distance to its nearest synthetic sample does not depend on the cut
    train_member, holdout_member = _nearest(synthetic, train), _nearest(synthetic, holdout)
    is_member = np.r_[np.ones(n), np.zeros(n)]
    closer, near, aucs = np.empty(count), np.empty(count), np.empty(count)
    for k in range(count):
        # ties (a synthetic sample equally far from both) count half
        closer[k] = np.mean(to_train[k] < to_holdout[k]) + 0.5 * np.mean(to_train[k] == to_holdout[k])
        threshold = np.quantile(_nearest(train[train_cuts[k]], holdout[holdout_cuts[k]]), 0.05)
        near[k] = np.mean(to_train[k] < threshold)
        member_distance = np.r_[train_member[train_cuts[k]], holdout_member[holdout_cuts[k]]]
        aucs[k] = roc_auc_score(is_member, -member_distance)
    auc = float(aucs.mean())
    return {
        SHARE_CLOSER_TO_TRAIN: float(closer.mean()),
        EXACT_COPIES: _exact_copies(train, synthetic, nearest_train),
        NEAR_COPIES: float(near.mean()),
        MEMBERSHIP_AUC: auc,
        MEMBERSHIP_AUC_EITHER_WAY: max(auc, 1.0 - auc),
    }
