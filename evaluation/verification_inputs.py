"""What the verification step reads: the real training split, the synthetic samples exactly as
they will be exported (with their watermark) and the held-out test split, located by
``VerificationFiles`` so that each verification task can load them itself from disk."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from synthaug.evaluation.samples import Samples
from synthaug.evaluation.selection import FoldPool
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.dataset_io import read_dataset
from synthaug.pipeline.layout import (
    SELECTION_SUMMARY_FILE,
    SYNTHETIC_DIR,
    RunLayout,
    SyntheticLayout,
)
from synthaug.pipeline.rundir import split_file
from synthaug.pipeline.synthetic_set import read_synthetic_set


@dataclass(frozen=True)
class VerificationFiles:
    """Where the inputs are and where the results go (``<output>/evaluation/``)."""

    output: Path  # a run directory, or any folder holding a ``synthetic/`` set
    train: Path  # the recorded training split (NPZ or Parquet)
    test: Path  # the recorded held-out test split: read for final scores and the audit only

    @classmethod
    def of_run(cls, run_path: Path) -> VerificationFiles:
        return cls(Path(run_path), split_file(run_path, "train"), split_file(run_path, "test"))

    @property
    def kind(self) -> str:
        return "image" if self.train.suffix == ".npz" else "tabular"

    def training(self) -> tuple[Dataset, Samples, Samples]:
        """The training dataset, its samples, and the synthetic samples."""
        train = read_dataset(self.train)
        return train, samples_of(train), synthetic_samples(self.output / SYNTHETIC_DIR, train)

    def label_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-class counts of the training split and of the synthetic set (no pixels decoded)."""
        train = read_dataset(self.train)
        classes = list(train.classes)
        folder = SyntheticLayout(self.output / SYNTHETIC_DIR)
        if train.kind == "tabular":
            names = pq.read_table(folder.rows, columns=[train.schema.target]).column(0)
        else:
            names = pq.read_table(folder.image_manifest, columns=["label"]).column(0)
        index = {c: i for i, c in enumerate(classes)}
        synthetic = [index[str(name)] for name in names.to_pylist() if str(name) in index]
        n = len(classes)
        return np.bincount(train.labels, minlength=n), np.bincount(np.asarray(synthetic, int), minlength=n)

    def fold_pools(self, train: Dataset) -> list[FoldPool] | None:
        """The selection folds' synthetic samples and the rows their generators were trained on,
        in fold order; None when the run selected with its own generator."""
        summary = self.selection_summary()
        if not summary.get("cross_fitted"):
            return None
        folds = [RunLayout(self.output).fold(k) for k in range(summary["folds"])]
        return [
            FoldPool(
                synthetic_samples(fold.synthetic.root, train),
                np.asarray(json.loads(fold.trained_on.read_text(encoding="utf-8")), dtype=np.int64),
            )
            for fold in folds
        ]

    def selection_summary(self) -> dict:
        path = self.output / SELECTION_SUMMARY_FILE
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        return {"cross_fitted": False, "reason": "no selection-fold generators were trained for this run"}

    def held_out(self) -> Samples:
        return samples_of(read_dataset(self.test))


def samples_of(dataset: Dataset) -> Samples:
    return Samples(dataset.features, np.asarray(dataset.labels), len(dataset.classes))


def synthetic_samples(folder: Path, train: Dataset) -> Samples:
    """A synthetic set as the generate stage wrote it, as samples for the classifiers."""
    target = train.schema.target if train.kind == "tabular" else None
    synthetic = read_synthetic_set(folder, kind=train.kind, classes=tuple(train.classes), target=target)
    if train.kind == "tabular":
        return Samples(synthetic.rows[list(train.features.columns)], synthetic.labels, len(train.classes))
    images = synthetic.images if len(synthetic) else np.zeros((0, *train.features.shape[1:]), np.uint8)
    return Samples(images, synthetic.labels, len(train.classes))
