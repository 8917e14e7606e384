"""Synthetic sets: what a synthesizer's ``sample`` returns, and the one place that writes them to
a folder and reads them back.

Tables go to ``rows.parquet`` (the original columns and the target). Images go to
``images/<class>/<class>_<n>.png`` (a class-folder layout that synthaug itself can ingest) with
``manifest.parquet`` listing file, label and sha256; the folder is staged under a temporary name
and renamed when complete (pipeline/atomic.py). The same layout serves a run's ``synthetic/``, a
selection fold's and an export's data (pipeline/layout.py).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from synthaug.pipeline.atomic import atomic_directory, atomic_path
from synthaug.pipeline.layout import IMAGE_MANIFEST_FILE, IMAGES_DIR, SyntheticLayout
from synthaug.pipeline.progress import QUIET_SECONDS, Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyntheticSet:
    """Generated samples with exactly the labels that were asked for.

    ``labels``: class indices into ``classes``, one per sample. Images: ``images`` is uint8
    (n, H, W, C). Tables: ``rows`` holds the original columns and ``target`` the class names in
    the target's original dtype (the same frame a user's training code reads).
    """

    kind: Literal["image", "tabular"]
    classes: tuple[str, ...]
    labels: np.ndarray
    images: np.ndarray | None = None
    rows: pd.DataFrame | None = None
    target: str | None = None

    def __post_init__(self) -> None:
        data = self.images if self.kind == "image" else self.rows
        if data is None or len(data) != len(self.labels):
            raise ValueError(f"a {self.kind} synthetic set needs one label per sample")

    def __len__(self) -> int:
        return len(self.labels)

    def with_images(self, images: np.ndarray) -> SyntheticSet:
        return replace(self, images=images)

    def with_rows(self, rows: pd.DataFrame) -> SyntheticSet:
        return replace(self, rows=rows)

    def subset(self, index: np.ndarray) -> SyntheticSet:
        """The samples at ``index`` (positions), in that order."""
        index = np.asarray(index, dtype=np.int64)
        if self.kind == "image":
            return replace(self, labels=self.labels[index], images=self.images[index])
        return replace(self, labels=self.labels[index], rows=self.rows.iloc[index].reset_index(drop=True))

    def in_label_order(self, wanted: np.ndarray) -> SyntheticSet:
        """The samples reordered so that their labels are exactly ``wanted`` (the same counts)."""
        order = np.empty(len(wanted), dtype=np.int64)
        for label in np.unique(wanted):
            order[wanted == label] = np.flatnonzero(self.labels == label)
        return self.subset(order)

    @staticmethod
    def concat(sets: list[SyntheticSet]) -> SyntheticSet:
        """One set of the samples of ``sets`` (of one kind and classes), in order."""
        first = sets[0]
        labels = np.concatenate([s.labels for s in sets])
        if first.kind == "image":
            return replace(first, labels=labels, images=np.concatenate([s.images for s in sets]))
        return replace(first, labels=labels, rows=pd.concat([s.rows for s in sets], ignore_index=True))

    @property
    def features(self) -> np.ndarray | pd.DataFrame:
        """Images, or the rows without the target column: what a classifier trains on."""
        if self.kind == "image":
            return self.images
        return self.rows.drop(columns=[self.target])


def write_synthetic_set(
    folder: Path, synthetic: SyntheticSet, *, metadata: dict[str, str] | None = None
) -> Path:
    """``synthetic`` under ``folder`` (images: the whole folder is replaced atomically); returns
    the data file (``rows.parquet`` or ``manifest.parquet``). ``metadata`` joins the Parquet
    key-value metadata (and each PNG's text chunks)."""
    layout = SyntheticLayout(Path(folder))
    if synthetic.kind == "tabular":
        return write_rows(layout.rows, synthetic.rows, metadata=metadata)
    write_image_set(layout.root, synthetic.images, synthetic.labels, synthetic.classes, metadata=metadata)
    return layout.image_manifest


def read_synthetic_set(
    folder: Path, *, kind: str, classes: tuple[str, ...], target: str | None = None
) -> SyntheticSet:
    """A synthetic set as :func:`write_synthetic_set` wrote it (labels outside ``classes`` are
    dropped for tables)."""
    layout = SyntheticLayout(Path(folder))
    index = {c: i for i, c in enumerate(classes)}
    if kind == "tabular":
        frame = pq.read_table(layout.rows).to_pandas()
        labels = frame[target].astype(str).map(index).to_numpy()
        return SyntheticSet("tabular", tuple(classes), labels.astype(np.int64), rows=frame, target=target)
    manifest = pq.read_table(layout.image_manifest, columns=["file", "label"]).to_pydict()
    images = []
    for name in manifest["file"]:
        with Image.open(layout.root / name) as image:
            pixels = np.asarray(image)
        images.append(pixels[..., None] if pixels.ndim == 2 else pixels)
    labels = np.array([index[label] for label in manifest["label"]], dtype=np.int64)
    stacked = np.stack(images) if images else np.zeros((0, 1, 1, 1), np.uint8)
    return SyntheticSet("image", tuple(classes), labels, images=stacked)


def write_rows(path: Path, rows: pd.DataFrame, *, metadata: dict[str, str] | None = None) -> Path:
    """Synthetic rows as Parquet, same columns as the input (features and target); ``metadata``
    joins the schema's key-value metadata."""
    table = pa.Table.from_pandas(rows, preserve_index=False)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return path


def write_image_set(
    directory: Path,
    images: np.ndarray,
    labels: np.ndarray,
    classes: tuple[str, ...],
    *,
    metadata: dict[str, str] | None = None,
) -> pa.Table:
    """PNG files plus manifest under ``directory`` (replaced atomically); returns the manifest.
    ``metadata`` goes into the manifest's Parquet key-value metadata."""
    with atomic_directory(directory, overwrite=True) as staging:
        return _write_image_set(staging, images, labels, classes, metadata)


def _write_image_set(
    staging: Path,
    images: np.ndarray,
    labels: np.ndarray,
    classes: tuple[str, ...],
    metadata: dict[str, str] | None,
) -> pa.Table:
    folders = class_folders(classes)
    counters = dict.fromkeys(range(len(classes)), 0)
    files, names, digests = [], [], []
    writing = Progress(
        "writing images", total=len(labels), unit="images", logger=log, quiet_seconds=QUIET_SECONDS
    )
    with writing:
        for pixels, label in zip(images, labels.tolist(), strict=True):
            relative = f"{IMAGES_DIR}/{folders[label]}/{folders[label]}_{counters[label]:06d}.png"
            counters[label] += 1
            data = png_bytes(pixels, metadata)
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files.append(relative)
            names.append(classes[label])
            digests.append(hashlib.sha256(data).hexdigest())
            writing.advance()
    manifest = pa.table(
        {
            "file": pa.array(files, pa.string()),
            "label": pa.array(names, pa.string()),
            "sha256": pa.array(digests, pa.string()),
        }
    )
    if metadata:
        manifest = manifest.replace_schema_metadata(metadata)
    pq.write_table(manifest, staging / IMAGE_MANIFEST_FILE)
    return manifest


def png_bytes(pixels: np.ndarray, metadata: dict[str, str] | None = None) -> bytes:
    """(H, W, C) uint8 -> PNG (grayscale for C = 1), ``metadata`` as text chunks."""
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    info = PngInfo()
    for key, value in (metadata or {}).items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def class_folders(classes: tuple[str, ...]) -> list[str]:
    """File-system-safe, unique folder names for class names."""
    folders: list[str] = []
    for name in classes:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "class"
        while safe in folders:
            safe = f"{safe}_"
        folders.append(safe)
    return folders
