"""Sampling a fitted synthesizer, with the run's watermark: what the generate stage and the
selection folds' generators (fold_generators.py) share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import MODEL_FILES
from synthaug.pipeline.manifest import WATERMARK_DISABLED, WatermarkRecord
from synthaug.pipeline.rundir import completed_run
from synthaug.pipeline.synthetic_set import SyntheticSet
from synthaug.pipeline.watermark import apply as marking
from synthaug.stages.curation import NearCopyFilter


def synthesizer_class(name: str):
    """The synthesizer registered under ``name`` (``synthesizer_name``; imported when needed: torch
    is slow to import)."""
    from synthaug.models.synthesizers import SYNTHESIZERS

    return SYNTHESIZERS.get(name)


def load_run_model(run_path: Path):
    """The fitted synthesizer of the completed run at ``run_path`` (a clear error otherwise)."""
    run_path = completed_run(run_path)
    for name, file in MODEL_FILES.items():
        if (run_path / file).is_file():
            return synthesizer_class(name).load(run_path / file)
    raise UserInputError(
        "this run has no trained model", where=run_path, hint="Run the job again with `synthaug run`."
    )


def sample_marked(
    gan: Any,
    labels: np.ndarray,
    *,
    seed: int,
    batch_size: int,
    key: tuple | None,
    curation: NearCopyFilter | None = None,
) -> tuple[SyntheticSet, dict[str, Any], dict[str, Any] | None]:
    """``len(labels)`` samples of the given classes from ``gan``, near copies of training samples
    replaced when ``curation`` is given (stages/curation.py), watermarked with ``key`` (the key and
    where it came from, ``marking.resolve_key``; None: unmarked); returns the samples, what the
    watermark step did and what curation did (None without it)."""
    synthetic = gan.sample(len(labels), labels=labels, seed=seed, batch_size=batch_size)
    curated = None
    if curation is not None:
        synthetic, curated = curation.curate(gan, synthetic, seed=seed, batch_size=batch_size)
    if key is None:
        return synthetic, WatermarkRecord.not_applied(WATERMARK_DISABLED).details(), curated
    key, key_source = key
    if synthetic.kind == "image":
        images, params = marking.mark_images(synthetic.images, key)
        synthetic = synthetic.with_images(images)
    else:
        rows, params = marking.mark_rows(synthetic.rows, marking.table_watermark(key, gan.transformer_))
        synthetic = synthetic.with_rows(rows)
    return synthetic, {"applied": True, **params, "key_source": key_source}, curated
