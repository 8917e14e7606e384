"""Dropping near copies of training samples before they are marked and written.

A GAN trained on a few hundred samples can reproduce some of them almost exactly. A copy adds no
information to a classifier and leaks the record it copies. So each synthetic sample's distance
to its nearest training sample is compared with how close *different* real samples sit: the
``generation.near_copy_quantile`` quantile (by default 50% for images, 25% for tables) of every
training sample's distance to its nearest other training sample. A synthetic sample at or below
that distance is dropped and the class is topped up from further draws of the generator, sized
by the share of that class's draws that were kept so far (``MAX_ROUNDS`` at most; if a class
still falls short, its least close dropped samples fill the gap, and the record says how many).

Only the training split is read, never the held-out test split, so the privacy audit's numbers
(which use the test split) stay an independent check. Distances are Euclidean in the audit's
feature space (evaluation/columns.py: pixels in [0, 1]; tables: the downstream encoder fitted on
the training split). Not under differential privacy: the distances would read the private rows
outside the privacy ledger, so a private run skips this step and its record says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors

from synthaug.evaluation.columns import FeatureSpace
from synthaug.pipeline.config import CALIBRATED_SYNTHESIZERS, DatasetKind, SynthaugConfig
from synthaug.pipeline.split import TrainSplit
from synthaug.pipeline.synthetic_set import SyntheticSet

log = logging.getLogger(__name__)

MAX_ROUNDS = 4  # further draws per shortfall
OVERDRAW = 1.5  # each draws OVERDRAW x shortfall / the class's acceptance rate so far
MIN_RATE = 0.05  # (at most 30x the shortfall per draw)
NOT_PRIVATE = "not under differential privacy: the distances would read the private rows outside the ledger"


def skipped_because(config: SynthaugConfig, kind: DatasetKind) -> str | None:
    """Why the generate stage keeps every sample, or None when it drops near copies."""
    if config.generation.near_copy_quantile_for(kind) is None:
        return "generation.near_copy_quantile: null"
    if config.privacy.enabled:
        return NOT_PRIVATE
    return None


def near_copy_filter(
    config: SynthaugConfig, train: TrainSplit, *, seed: int
) -> tuple[NearCopyFilter | None, dict]:
    """The filter for samples of a generator trained on ``train`` and, when there is none, the
    record that says why. A calibrated quantile is chosen on ``train`` with ``seed``."""
    kind = train.data.kind
    reason = skipped_because(config, kind)
    if reason is not None:
        return None, {"applied": False, "reason": reason}
    quantile = config.generation.near_copy_quantile_for(kind)
    calibration = None
    if quantile == "calibrated":
        if config.training.synthesizer not in CALIBRATED_SYNTHESIZERS:  # a copy past the validators
            raise ValueError(
                "generation.near_copy_quantile: calibrated needs training.synthesizer: "
                f"{' or '.join(CALIBRATED_SYNTHESIZERS)}, not {config.training.synthesizer}: set a number "
                "or auto"
            )
        # near_copy_calibration builds on this module's NearCopyFilter: imported where it is used
        from synthaug.stages.near_copy_calibration import calibrate

        quantile, calibration = calibrate(config, train, seed=seed)
    return NearCopyFilter.fit(train.data.features, quantile, calibration=calibration), {}


@dataclass
class NearCopyFilter:
    """The training samples' nearest-neighbour index and the distance below which a synthetic
    sample counts as a near copy."""

    space: FeatureSpace
    index: NearestNeighbors
    nearest_other: np.ndarray  # (N,) each training sample's distance to its nearest other one
    quantile: float
    calibration: dict[str, Any] | None = None  # how a calibrated quantile was chosen

    @property
    def threshold(self) -> float:
        """The ``quantile`` of the training samples' distances to their nearest other one."""
        return float(np.quantile(self.nearest_other, self.quantile))

    @classmethod
    def fit(
        cls, train_features: Any, quantile: float, *, calibration: dict[str, Any] | None = None
    ) -> NearCopyFilter:
        space = FeatureSpace.fit(train_features)
        points = space.transform(train_features)
        index = NearestNeighbors(n_neighbors=2).fit(points)
        nearest_other = index.kneighbors(points)[0][:, 1]  # column 0 is the sample itself
        return cls(space, index, nearest_other, quantile, calibration)

    def at(self, quantile: float) -> NearCopyFilter:
        """The same index at another ``quantile`` (no refit)."""
        return replace(self, quantile=quantile)

    def distances(self, features: Any) -> np.ndarray:
        """(n,) each sample's distance to its nearest training sample."""
        if len(features) == 0:
            return np.zeros(0)
        return self.index.kneighbors(self.space.transform(features), n_neighbors=1)[0][:, 0]

    def curate(
        self, gan: Any, synthetic: SyntheticSet, *, seed: int, batch_size: int
    ) -> tuple[SyntheticSet, dict[str, Any]]:
        """``synthetic`` with its near copies replaced by further draws of ``gan``, with the labels
        in the order asked for; and what was done."""
        wanted = synthetic.labels
        short = np.bincount(wanted, minlength=len(synthetic.classes))
        kept: list[SyntheticSet] = []
        close: list[tuple[SyntheticSet, np.ndarray]] = []  # the near copies and their distances
        drawn, batch = 0, synthetic
        seen = np.zeros_like(short)  # per class: samples drawn so far, and of those not near copies
        accepted = np.zeros_like(short)
        threshold = self.threshold
        for attempt in range(MAX_ROUNDS + 1):
            drawn += len(batch)
            distance = self.distances(batch.features)
            far = distance > threshold
            for label in np.flatnonzero(short):
                mine = batch.labels == label
                seen[label] += mine.sum()
                accepted[label] += (mine & far).sum()
                members = np.flatnonzero(mine & far)[: short[label]]
                kept.append(batch.subset(members))
                short[label] -= len(members)
                near = np.flatnonzero(mine & ~far)
                close.append((batch.subset(near), distance[near]))
            if not short.any() or attempt == MAX_ROUNDS:
                break
            # draw as many as this class's acceptance so far says it needs, with a margin
            rate = np.maximum(accepted / np.maximum(seen, 1), MIN_RATE)
            more = np.repeat(np.arange(len(short)), np.ceil(OVERDRAW * short / rate).astype(int))
            batch = gan.sample(
                len(more), labels=more, seed=seed + 7919 * (attempt + 1), batch_size=batch_size
            )
        found = sum(len(s) for s, _ in close)
        filled = int(short.sum())
        if filled:  # a class still short: its least close near copies fill the gap
            pool = SyntheticSet.concat([s for s, _ in close])
            distance = np.concatenate([d for _, d in close])
            for label in np.flatnonzero(short):
                members = np.flatnonzero(pool.labels == label)
                kept.append(pool.subset(members[np.argsort(-distance[members])[: short[label]]]))
            log.warning(
                "%d near copies of training samples kept: the generator gave too few other samples "
                "after %d extra draws",
                filled,
                MAX_ROUNDS,
            )
        result = SyntheticSet.concat(kept).in_label_order(wanted)
        record = {
            "applied": True,
            "quantile": self.quantile,
            "threshold": round(threshold, 6),
            "drawn": drawn,
            "near_copies_found": found,
            "near_copies_kept": filled,
        }
        if self.calibration is not None:
            record["calibration"] = self.calibration
        log.info(
            "near copies: %d of %d drawn samples dropped (%d kept to fill)", found - filled, drawn, filled
        )
        return result, record


def curation_text(record: dict[str, Any] | None) -> str:
    """What curation did, in one sentence for the report and the dataset card."""
    if not record:
        return "Near copies of training samples: not recorded."
    if not record.get("applied"):
        return f"Near copies of training samples were not removed ({record.get('reason')})."
    kept = record["near_copies_kept"]
    calibration = record.get("calibration") or {}
    if calibration.get("calibrated"):
        chosen = (
            f" (chosen from {len(calibration['fold_membership_auc'])} candidates on {calibration['folds']} "
            "folds of the training split, where a membership attack read its samples nearest chance)"
        )
    else:
        chosen = f" (not calibrated: {calibration['reason']})" if calibration else ""
    return (
        f"Near copies of training samples: {record['near_copies_found'] - kept} of {record['drawn']} drawn "
        f"samples lay within the {record['quantile']:.0%} quantile{chosen} of the training samples' "
        f"distances to their nearest other training sample ({record['threshold']:.4g}) and were replaced by "
        "other draws" + (f"; {kept} had to be kept, the generator gave too few others" if kept else "") + "."
    )
