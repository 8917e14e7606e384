"""Choosing the near-copy quantile of a table run on its own training split.

Dropping near copies (stages/curation.py) cuts the samples that sit on a training row, but past
some quantile it leaves a hole around every training row, and a membership attack reads the hole
instead ("far from every sample means member"). Where that happens depends on the table: on 15
rows a class of melanoma the tables' fixed 0.25 already reads 0.39 (0.61 the other way round),
while on crabs 0.25 is about right (README "Calibrated curation"). So for a synthesizer cheap to
fit, the quantile is measured per run, from the training split alone:

    for each of CALIBRATION_FITS stratified folds of the training split:
        fit the synthesizer on the fold's training rows; draw what the generate stage would draw
        for each candidate quantile: curate the draws, then attack them with the fold's
            validation rows as the unseen records (privacy/audit.py, its membership AUC)
    keep the candidate whose mean AUC over the folds is nearest 0.5 (ties: the larger quantile)

The held-out test split is never read, so the run's audit against it stays an independent check.
Measured against the fixed quantiles by benchmarks/near_copy_calibration.py (README "Calibrated
curation"). Three more copula fits and their audits (one neighbour index and feature space per
fold, every candidate's threshold read from it) take a few seconds at most: 1.2 s on melanoma's
40 rows on a quiet 2-core machine, 4.1 s on oj's 749 with two benchmarks running.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from synthaug.evaluation.columns import FeatureSpace
from synthaug.pipeline.config import CALIBRATION_FITS, NEAR_COPY_QUANTILES, SynthaugConfig
from synthaug.pipeline.layout import synthesizer_name
from synthaug.pipeline.split import TrainSplit
from synthaug.privacy.audit import MEMBERSHIP_AUC, audit
from synthaug.stages.curation import NearCopyFilter
from synthaug.stages.generate import labels_for, plan_counts
from synthaug.stages.sampling import synthesizer_class

log = logging.getLogger(__name__)

# quantiles of the training rows' neighbour distances. Up to 0.25 only, oj's samples (which curation
# barely touches below 0.5) stayed at about 0.61 read either way; with 0.75 too, breast_cancer's folds
# chose 0.75 where the test split read the hole (README "Calibrated curation")
CANDIDATES = (0.02, 0.05, 0.1, 0.15, 0.25, 0.5)
SEED_OFFSET = 3000  # the fold synthesizers' seeds: seed + SEED_OFFSET + fold
# two rows of every class in each fold: each fold's copula fits on four, validates on two
MIN_CLASS_ROWS = 2 * CALIBRATION_FITS


def calibration_folds(y: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, validation) positions of CALIBRATION_FITS stratified folds."""
    splitter = StratifiedKFold(CALIBRATION_FITS, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def too_few_rows(train: TrainSplit) -> str | None:
    """Why ``train`` cannot be calibrated on, or None."""
    counts = np.bincount(train.data.labels, minlength=len(train.data.classes))
    if counts.min() >= MIN_CLASS_ROWS:
        return None
    rarest = train.data.classes[int(counts.argmin())]
    return (
        f"class {rarest!r} has {counts.min()} training rows, fewer than the {MIN_CLASS_ROWS} "
        "calibration needs, so the tables' fixed quantile is used"
    )


def audit_against(train: Any, unseen: Any, synthetic: Any, *, seed: int) -> dict[str, float]:
    """privacy/audit.py's numbers for ``synthetic`` samples with ``train`` as the members and
    ``unseen`` rows as the others, in the feature space fitted on ``train``."""
    space = FeatureSpace.fit(train)
    return audit(space.transform(train), space.transform(unseen), space.transform(synthetic), seed=seed)


def nearest_chance(aucs: dict[float, float]) -> float:
    """The quantile whose membership AUC is nearest 0.5, read either way; of equally near ones
    the larger (more curation)."""
    return min(sorted(aucs, reverse=True), key=lambda q: abs(aucs[q] - 0.5))


def calibrate(config: SynthaugConfig, train: TrainSplit, *, seed: int) -> tuple[float, dict[str, Any]]:
    """The candidate quantile for ``train`` (see the module docstring) and the record of how it
    was chosen: each candidate's mean membership AUC over the folds; for a split with a class of
    fewer than MIN_CLASS_ROWS rows, the tables' fixed quantile and why."""
    data = train.data
    reason = too_few_rows(train)
    if reason is not None:
        log.info("near copies: %s", reason)
        return NEAR_COPY_QUANTILES[data.kind], {"calibrated": False, "reason": reason}
    name = synthesizer_name(data.kind, config.training.synthesizer)
    aucs: dict[float, list[float]] = {q: [] for q in CANDIDATES}
    folds = calibration_folds(data.labels, seed)
    with tempfile.TemporaryDirectory(prefix="synthaug-calibration-") as workdir:
        for k, (fold_train, validation) in enumerate(folds):
            part = TrainSplit(data.subset(fold_train), train.indices[fold_train], train.pool_indices)
            fold_seed = seed + SEED_OFFSET + k
            synthesizer = synthesizer_class(name)(config.training, seed=fold_seed, privacy=config.privacy)
            synthesizer.fit(part, workdir=Path(workdir) / f"fold-{k}")
            counts = plan_counts(part.data.class_counts(), config.generation)
            labels = labels_for(counts, synthesizer.classes_)
            drawn = synthesizer.sample(len(labels), labels=labels, seed=fold_seed)
            near_copies = NearCopyFilter.fit(part.data.features, CANDIDATES[0])  # one index per fold
            members = near_copies.space.transform(part.data.features)  # the audit's feature space
            unseen = near_copies.space.transform(data.subset(validation).features)
            for quantile in CANDIDATES:
                kept, _ = near_copies.at(quantile).curate(
                    synthesizer, drawn, seed=fold_seed, batch_size=config.generation.batch_size
                )
                found = audit(members, unseen, near_copies.space.transform(kept.features), seed=fold_seed)
                aucs[quantile].append(found[MEMBERSHIP_AUC])
    mean = {q: float(np.mean(a)) for q, a in aucs.items()}
    chosen = nearest_chance(mean)
    log.info(
        "near copies: quantile %g chosen on %d folds of the training split (membership AUC %s)",
        chosen,
        len(folds),
        ", ".join(f"{q:g}: {a:.3f}" for q, a in mean.items()),
    )
    by_candidate = {f"{q:g}": round(a, 4) for q, a in mean.items()}
    return chosen, {"calibrated": True, "folds": len(folds), "fold_membership_auc": by_candidate}
