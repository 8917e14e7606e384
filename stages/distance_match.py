"""Choosing synthetic samples whose closeness to the training data looks like a new real record's.

Dropping every sample within a fixed distance of a training sample (curation.py's threshold rule)
leaves an empty ball around each training record; where samples are dense, training records then
sit *farther* from the samples than unseen records do, and the membership attack works the other
way round (privacy/audit.py, ``membership_auc_either_way``). This rule has no fixed distance.

A new real record of class c lies at some distance from its nearest training record; the training
records of class c, each against the others (leave one out), show how that distance is
distributed. For each sample a class needs, one such distance is drawn as a target, and of a pool
of ``POOL`` x as many draws of the generator the unused sample whose own distance to its nearest
training sample is closest to the target is kept (targets taken from the farthest down, since far
samples are the scarce ones). The kept samples are then as close to the training data as real
records of their class are: close samples stay where real records are close, and the excess a
copying generator makes is left out. Where the pool holds too few far samples, the farthest are
kept and the record says how far the kept samples fall short (``median_distance`` against
``median_target``). Exact copies (distance at most ``EXACT``) are kept only where a class has no
other samples left.

Only the training split is read, never the held-out test split.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors

from synthaug.evaluation.columns import FeatureSpace
from synthaug.pipeline.synthetic_set import SyntheticSet

log = logging.getLogger(__name__)

POOL = 4  # draws per kept sample
EXACT = 1e-9  # at or below: a copy of a training sample, never kept


@dataclass
class DistanceMatch:
    """The training samples' nearest-neighbour index and, per class, their distances to their
    nearest other training sample (the targets)."""

    space: FeatureSpace
    index: NearestNeighbors
    targets: dict[int, np.ndarray]  # class index -> (n_c,) leave-one-out nearest distances

    @classmethod
    def fit(cls, train_features: Any, train_labels: np.ndarray) -> DistanceMatch:
        space = FeatureSpace.fit(train_features)
        points = space.transform(train_features)
        index = NearestNeighbors(n_neighbors=2).fit(points)
        nearest_other = index.kneighbors(points)[0][:, 1]  # (N,) column 0 is the sample itself
        labels = np.asarray(train_labels)
        return cls(space, index, {int(c): nearest_other[labels == c] for c in np.unique(labels)})

    def distances(self, features: Any) -> np.ndarray:
        """(n,) each sample's distance to its nearest training sample."""
        if len(features) == 0:
            return np.zeros(0)
        return self.index.kneighbors(self.space.transform(features), n_neighbors=1)[0][:, 0]

    def curate(
        self, gan: Any, synthetic: SyntheticSet, *, seed: int, batch_size: int
    ) -> tuple[SyntheticSet, dict[str, Any]]:
        """As many samples of each class as ``synthetic`` holds, chosen from it and further draws
        of ``gan`` by distance (the module's docstring), in the order of ``synthetic``'s labels;
        and what was done."""
        wanted = synthetic.labels
        more = np.repeat(wanted, POOL - 1)
        pool = SyntheticSet.concat(
            [synthetic, gan.sample(len(more), labels=more, seed=seed + 7919, batch_size=batch_size)]
        )
        distance = self.distances(pool.features)
        rng = np.random.default_rng(seed)
        chosen, targets, copies, copies_kept = [], [], 0, 0
        for label in np.unique(wanted):
            need = int((wanted == label).sum())
            members = np.flatnonzero(pool.labels == label)
            copy = distance[members] <= EXACT
            copies += int(copy.sum())
            reference = self.targets.get(int(label), np.concatenate(list(self.targets.values())))
            target = np.sort(rng.choice(reference, size=need))[::-1]  # (need,) farthest first
            others = members[~copy]
            picked = others[_match(distance[others], target)]
            if len(picked) < need:  # only exact copies left to fill the class
                picked = np.concatenate([picked, members[copy][: need - len(picked)]])
                copies_kept += need - len(others)
            chosen.append(picked)
            targets.append(target)
        picked = np.concatenate(chosen)
        kept, target = distance[picked], np.concatenate(targets)
        record = {
            "applied": True,
            "rule": "match",
            "drawn": len(pool),
            "kept": len(picked),
            "exact_copies_found": copies,
            "exact_copies_kept": copies_kept,
            "median_target": round(float(np.median(target)), 6),
            "median_distance": round(float(np.median(kept)), 6),
            "median_drawn_distance": round(float(np.median(distance)), 6),
        }
        if copies_kept:
            log.warning(
                "%d exact copies of training samples kept: the generator gave too few others", copies_kept
            )
        log.info(
            "distance match: %d of %d drawn samples kept; median distance to the training data "
            "%.4g (all draws %.4g, real records %.4g)",
            len(picked),
            len(pool),
            record["median_distance"],
            record["median_drawn_distance"],
            record["median_target"],
        )
        return pool.subset(picked).in_label_order(wanted), record


def _match(distance: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Positions in ``distance`` of distinct candidates, one per ``target`` in order, each the
    unused candidate nearest its target (all candidates when there are fewer than targets)."""
    free = np.ones(len(distance), dtype=bool)
    picked = []
    for t in target[: len(distance)]:
        gap = np.where(free, np.abs(distance - t), np.inf)
        best = int(np.argmin(gap))
        free[best] = False
        picked.append(best)
    return np.asarray(picked, dtype=np.int64)
