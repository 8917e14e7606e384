"""The report's "Samples" section: what the synthetic data look like next to the real data.

- Images: the fixed latent bank over training, enlarged so each sample is at least 48 pixels
  wide; per class a row of real training images above a row of synthetic ones; and the synthetic
  images nearest to a training image, each above that training image with the distance, so
  memorisation is visible.
- Tables: the column distributions and correlations (figures.py), a few real and synthetic rows
  per class side by side, and the synthetic rows nearest to a training row beneath it.

Distances are those of the privacy audit and the near-copy curation (evaluation/columns.py:
pixels in [0, 1]; tables: the downstream encoder fitted on the training split), put in scale by
how far training samples sit from their nearest *other* training sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from synthaug.evaluation.columns import FeatureSpace
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.dataset_io import read_dataset
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import RunLayout
from synthaug.pipeline.rundir import split_file
from synthaug.pipeline.synthetic_set import SyntheticSet, read_synthetic_set
from synthaug.reports import figures, pixels
from synthaug.reports.document import Figure, Paragraph, Section, Table
from synthaug.reports.table_values import value_formats

MAX_GRIDS = 4
PER_CLASS = 8  # images per class and row
MAX_CLASSES = 10
ROWS_PER_CLASS = 3  # table rows per class and source
MAX_TABLE_CLASSES = 4
MAX_COLUMNS = 12
NEAREST = 8
MAX_SEARCHED = 3_000  # synthetic and training samples searched (seeded subsets beyond, so a
# report of 50,000 large images still builds in seconds)
PRIVATE_NOTE = (
    "This section shows real training samples of a private run: the report belongs to the run "
    "directory, which the privacy statement says is not covered. Do not share it."
)


def samples_section(run_path: Path, kind: str | None, *, private: bool = False) -> Section:
    section = Section("Samples")
    layout = RunLayout(run_path)
    try:
        train = read_dataset(split_file(run_path, "train"))
    except UserInputError:  # a run that stopped before its split was recorded
        return section.add(Paragraph("No training split was recorded, so there are no samples to show."))
    synthetic = _synthetic(layout, train)
    if private and synthetic is not None:
        section.add(Paragraph(PRIVATE_NOTE, css_class="warning"))
    if kind == "image":
        _grids(section, layout, train.features.shape[2])
        if synthetic is not None and len(synthetic):
            _image_rows(section, train, synthetic)
            _nearest_images(section, train, synthetic)
        return section
    if synthetic is None or not len(synthetic):
        return section.add(Paragraph("No synthetic rows to show."))
    real = train.features.assign(**{train.schema.target: np.asarray(train.classes)[train.labels]})
    rows = synthetic.rows
    columns = [c for c in real.columns if c in rows.columns][:MAX_COLUMNS]
    section.add(
        Figure(
            "column_distributions",
            figures.column_distributions(real, rows, columns),
            f"Real training rows vs synthetic rows, first {len(columns)} columns.",
        ),
    )
    numeric = [c for c in real.columns if pd.api.types.is_numeric_dtype(real[c]) and c in rows.columns]
    if len(numeric) >= 2:
        section.add(
            Figure(
                "correlations",
                figures.correlation_heatmaps(real, rows, numeric),
                "Pearson correlations of the numeric columns, real vs synthetic.",
            ),
        )
    formats = value_formats(train.features)
    _table_rows(section, train, synthetic, formats)
    _nearest_rows(section, train, synthetic, formats)
    return section


def _synthetic(layout: RunLayout, train: Dataset) -> SyntheticSet | None:
    if not layout.synthetic.root.is_dir():
        return None
    target = train.schema.target if train.kind == "tabular" else None
    try:
        return read_synthetic_set(
            layout.synthetic.root, kind=train.kind, classes=tuple(train.classes), target=target
        )
    except FileNotFoundError:
        return None


def _grids(section: Section, layout: RunLayout, sample_width: int) -> None:
    grids = sorted(layout.training.grids.glob("step_*.png"))
    if not grids:
        section.add(Paragraph("No sample grids were recorded."))
        return
    chosen = sorted({grids[round(i * (len(grids) - 1) / (MAX_GRIDS - 1))] for i in range(MAX_GRIDS)})
    section.add(
        Paragraph("The generator (EMA weights) on one fixed latent bank, one row per class, over training.")
    )
    for grid in chosen:
        step = int(grid.stem.split("_")[1])
        png = pixels.enlarge_png(grid.read_bytes(), sample_width)
        section.add(Figure(f"grid_{step:06d}", png, f"fixed latent bank at step {step}", pixelated=True))


def _image_rows(section: Section, train: Dataset, synthetic: SyntheticSet) -> None:
    rows = []
    for label, name in list(enumerate(train.classes))[:MAX_CLASSES]:
        rows.append((f"{name}: real", train.features[np.flatnonzero(train.labels == label)[:PER_CLASS]]))
        rows.append(
            (f"{name}: synthetic", synthetic.images[np.flatnonzero(synthetic.labels == label)[:PER_CLASS]])
        )
    more = (
        f" (the first {MAX_CLASSES} of {len(train.classes)} classes)"
        if len(train.classes) > MAX_CLASSES
        else ""
    )
    section.add(
        Figure(
            "real_vs_synthetic",
            pixels.labelled_rows(rows),
            f"Per class, real training images above synthetic ones{more}.",
            pixelated=True,
        )
    )


def _nearest(train: Dataset, synthetic_features) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Positions of the NEAREST synthetic samples closest to a training sample, those training
    samples, the distances, and the training samples' median distance to their nearest other one."""
    space = FeatureSpace.fit(train.features)
    kept = _searched(len(train.features))
    reference = space.transform(_rows(train.features, kept))
    index = NearestNeighbors(n_neighbors=2).fit(reference)
    typical = float(np.median(index.kneighbors(reference)[0][:, 1]))
    searched = _searched(len(synthetic_features))
    distance, neighbour = index.kneighbors(
        space.transform(_rows(synthetic_features, searched)), n_neighbors=1
    )
    order = np.argsort(distance[:, 0], kind="stable")[:NEAREST]
    return searched[order], kept[neighbour[order, 0]], distance[order, 0], typical


def _searched(n: int) -> np.ndarray:
    """Positions searched: all, or a seeded MAX_SEARCHED of them."""
    if n <= MAX_SEARCHED:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, MAX_SEARCHED, replace=False))


def _subsets(train: int, synthetic: int) -> str:
    """What the search covered, when not everything."""
    if max(train, synthetic) <= MAX_SEARCHED:
        return ""
    shown = f"{min(synthetic, MAX_SEARCHED):,} of {synthetic:,} synthetic"
    return f" (searched: {shown}, {min(train, MAX_SEARCHED):,} of {train:,} training)"


def _rows(features, positions: np.ndarray):
    return features[positions] if isinstance(features, np.ndarray) else features.iloc[positions]


def _nearest_images(section: Section, train: Dataset, synthetic: SyntheticSet) -> None:
    chosen, neighbours, distances, typical = _nearest(train, synthetic.images)
    section.add(
        Figure(
            "nearest_to_training",
            pixels.labelled_rows(
                [("synthetic", synthetic.images[chosen]), ("nearest training", train.features[neighbours])],
                notes=[[f"{d:.2f}" for d in distances], [""] * len(neighbours)],
            ),
            f"The {len(chosen)} synthetic images closest to a training image, each above that image, with "
            f"the distance (pixels in [0, 1]). Training images sit a median {typical:.2f} from their "
            "nearest other training image: a much smaller distance is a copy"
            f"{_subsets(len(train), len(synthetic))}.",
            pixelated=True,
        )
    )


def _table_rows(section: Section, train: Dataset, synthetic: SyntheticSet, formats: dict) -> None:
    columns = list(train.features.columns)[:MAX_COLUMNS]
    body = []
    for label, name in list(enumerate(train.classes))[:MAX_TABLE_CLASSES]:
        for source, frame, labels in (
            ("real", train.features, train.labels),
            ("synthetic", synthetic.rows, synthetic.labels),
        ):
            for position in np.flatnonzero(labels == label)[:ROWS_PER_CLASS]:
                row = frame.iloc[position]
                body.append((source, name, *(formats[c](row[c]) for c in columns)))
    section.add(
        Paragraph(f"A few real training rows and synthetic rows per class (first {len(columns)} columns):"),
        Table(("", train.schema.target, *columns), tuple(body)),
    )


def _nearest_rows(section: Section, train: Dataset, synthetic: SyntheticSet, formats: dict) -> None:
    features = synthetic.rows[list(train.features.columns)]
    chosen, neighbours, distances, typical = _nearest(train, features)
    columns = list(train.features.columns)[:MAX_COLUMNS]
    body = []
    for position, neighbour, distance in zip(chosen, neighbours, distances, strict=True):
        body.append(
            (f"synthetic ({distance:.2f})", *(formats[c](features.iloc[position][c]) for c in columns))
        )
        body.append(("nearest training", *(formats[c](train.features.iloc[neighbour][c]) for c in columns)))
    section.add(
        Paragraph(
            f"The {len(chosen)} synthetic rows closest to a training row, each above that row, with the "
            f"distance (standardised numbers, one-hot categories). Training rows sit a median {typical:.2f} "
            "from their nearest other training row: a much smaller distance is a copy"
            f"{_subsets(len(train), len(synthetic))}."
        ),
        Table(("", *columns), tuple(body)),
    )
