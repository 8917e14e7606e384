"""Selection on rows the generator never saw: a smaller generator per selection fold.

The inner cross-validation that chooses how much synthetic data to add, and whether to filter it
(evaluation/gain.py), validates on training rows. Drawing its samples from the run's generator,
which was trained on those rows too, flatters synthetic data: in a demo run the CV saw +3.1
points for 1x synthetic where the held-out test gave +0.1. So each selection fold k gets its own
generator, trained only on fold k's training rows for ``evaluation.fold_generator_share`` of
``training.steps``, and sampled (with the run's watermark): what the largest candidate amount
adds to fold k's class counts (``evaluation.allocation``), for tables also on top of each SMOTE
candidate's rows (``samples.most_drawn``). Those samples serve fold k's selection
only; scores on the held-out test and the export use the run's generator as before.

``evaluation/selection/summary.json`` says whether the run cross-fitted, or why not. Written
under ``evaluation/selection/fold-<k>/``: ``synthetic/`` (as the generate stage writes a
set) and ``trained_on.json`` (the generator's rows, as positions in the training split), which the
verification checks against the fold's validation rows before it uses the samples.

Under differential privacy the fold generators are trained the way the run's generator is:
DP-SGD with the run's privacy settings and target epsilon (its noise calibrated to the fold's
rows and steps), so the selection sees what private samples can do, not what a non-private
generator would. They are part of the verification, which reads real records anyway: their
samples stay in the run directory, which the privacy statement already says is private, and
never reach the model or the export, so the reported epsilon (the generator and everything
generated from it) is unchanged. The statement says the verification is not covered.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from synthaug.evaluation.samples import most_drawn
from synthaug.evaluation.selection import NO_CROSS_VALIDATION, selection_folds
from synthaug.pipeline.atomic import write_json
from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.layout import SELECTION_SUMMARY_FILE, RunLayout, synthesizer_name
from synthaug.pipeline.rundir import RunDirectory
from synthaug.pipeline.split import TrainSplit
from synthaug.pipeline.synthetic_set import write_synthetic_set
from synthaug.pipeline.watermark import apply as marking
from synthaug.stages.curation import near_copy_filter
from synthaug.stages.generate import labels_for
from synthaug.stages.job import load_train_split
from synthaug.stages.sampling import sample_marked, synthesizer_class

log = logging.getLogger(__name__)


def skipped_because(config: SynthaugConfig) -> str | None:
    """Why a run selects with its own generator instead, or None when it cross-fits."""
    if not config.evaluation.enabled:
        return "evaluation.enabled: false"
    if config.evaluation.selection == "shared":
        return "evaluation.selection: shared"
    if max(config.evaluation.amounts) == 0:
        return "evaluation.amounts holds only 0: there is no amount to choose"
    return None


def fold_steps(config: SynthaugConfig) -> int:
    return max(1, round(config.evaluation.fold_generator_share * config.training.steps))


def later_steps(config: SynthaugConfig) -> int:
    """Generator steps the cross-fit stage will train after the run's generator (for the time
    estimate); 0 when it will not cross-fit."""
    if skipped_because(config):
        return 0
    return config.evaluation.folds * config.evaluation.cv_repeats * fold_steps(config)


def train_fold_generators(
    run: RunDirectory, config: SynthaugConfig, *, on_step: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """One generator per selection fold and its samples (see the module docstring); ``on_step``
    is called after every generator step of every fold. A fold whose ``trained_on.json`` is
    already there (written last) is kept, so a resumed run continues with the next fold."""
    from synthaug.models.synthesizer import FIT_LOCK

    reason = skipped_because(config)
    train = load_train_split(run)
    labels = np.asarray(train.data.labels)
    n_classes = len(train.data.classes)
    if reason is None and np.bincount(labels, minlength=n_classes).min() < 2:
        reason = NO_CROSS_VALIDATION
    if reason is not None:
        log.info("selection uses the run's generator: %s", reason)
        summary = {"cross_fitted": False, "reason": reason}
        write_json(run.file(SELECTION_SUMMARY_FILE), summary)
        return summary
    kind = train.data.kind
    steps = fold_steps(config)
    training = config.training.model_copy(update={"steps": steps})
    key = marking.resolve_key(config.watermark, run.path) if config.watermark.enabled else None
    folds = selection_folds(labels, n_classes, config.evaluation.folds, config.evaluation.cv_repeats)
    started = time.perf_counter()
    for k, (fold_train, _) in enumerate(folds):
        fold = RunLayout(run.path).fold(k)
        if fold.trained_on.is_file():
            log.info("selection fold %d: kept from before the run was resumed", k)
            continue
        part = TrainSplit(train.data.subset(fold_train), train.indices[fold_train], train.pool_indices)
        gan = synthesizer_class(synthesizer_name(kind, config.training.synthesizer))(
            training, seed=config.seed + 1000 + k, privacy=config.privacy
        )
        with FIT_LOCK:  # several datasets' jobs may run in threads of one process
            gan.fit(part, workdir=fold.training.root, on_step=on_step)
        shutil.rmtree(fold.training.checkpoint.parent, ignore_errors=True)  # no resume: keep runs small
        # the most any candidate draws, class by class
        real_counts = part.data.class_counts()
        drawn = most_drawn(
            np.array(list(real_counts.values())),
            list(config.evaluation.amounts),
            list(config.evaluation.added_weights),
            config.evaluation.allocation,
            on_classic=kind == "tabular" and config.evaluation.classic_baseline,
        )
        counts = {name: int(n) for name, n in zip(real_counts, drawn, strict=True)}
        wanted = labels_for(counts, gan.classes_)
        curation, _ = near_copy_filter(config, part, seed=config.seed + 1000 + k)  # as the run's are
        synthetic, _, _ = sample_marked(
            gan,
            wanted,
            seed=config.seed + 2000 + k,
            batch_size=config.generation.batch_size,
            key=key,
            curation=curation,
        )
        write_synthetic_set(fold.synthetic.root, synthetic)
        write_json(fold.trained_on, [int(i) for i in fold_train])
        log.info(
            "selection fold %d: a generator on %d of %d training rows, %d steps%s",
            k,
            len(fold_train),
            len(labels),
            gan.training_.steps,
            f", DP-SGD at epsilon {gan.privacy_['epsilon']}" if gan.privacy_ else "",
        )
    summary = {
        "cross_fitted": True,
        "folds": len(folds),
        "steps": steps if config.training.synthesizer == "gan" else 0,
        "private": config.privacy.enabled,
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_json(run.file(SELECTION_SUMMARY_FILE), summary)
    return summary
