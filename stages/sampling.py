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
from synthaug.pipeline.watermark import apply as marking


def synthesizer_class(kind: str):
    """The GAN class for a data kind (imported lazily: torch is slow to import)."""
    if kind == "image":
        from synthaug.models.image_cgan import ImageCGAN

        return ImageCGAN
    from synthaug.models.tabular_cgan import TabularCGAN

    return TabularCGAN


def load_run_model(run_path: Path):
    """The fitted synthesizer of the completed run at ``run_path`` (a clear error otherwise)."""
    run_path = completed_run(run_path)
    for kind, name in MODEL_FILES.items():
        if (run_path / name).is_file():
            return synthesizer_class(kind).load(run_path / name)
    raise UserInputError(
        "this run has no trained model", where=run_path, hint="Run the job again with `synthaug run`."
    )


def sample_marked(gan: Any, labels: np.ndarray, *, seed: int, batch_size: int, key: tuple | None):
    """``len(labels)`` samples of the given classes from ``gan``, watermarked with ``key`` (the
    key and where it came from, ``marking.resolve_key``; None: unmarked); returns the samples,
    their labels and what the watermark step did."""
    batch = batch_size
    watermark: dict[str, Any] = WatermarkRecord.not_applied(WATERMARK_DISABLED).details()
    key, key_source = key if key is not None else (None, None)
    if isinstance(gan, synthesizer_class("image")):
        samples, labels = gan.sample(len(labels), labels=labels, seed=seed, batch_size=batch)
        if key is not None:
            samples, params = marking.mark_images(samples, key)
            watermark = {"applied": True, **params, "key_source": key_source}
    else:
        samples = gan.sample(len(labels), labels=labels, seed=seed, batch_size=batch)
        if key is not None:
            samples, params = marking.mark_rows(samples, marking.table_watermark(key, gan.transformer_))
            watermark = {"applied": True, **params, "key_source": key_source}
    return samples, labels, watermark
