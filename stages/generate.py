"""Deciding how many synthetic samples of each class to make, and writing generated images.

Images go to ``synthetic/images/<class>/<class>_<n>.png`` (a class-folder layout that synthaug
itself can ingest) with ``synthetic/manifest.parquet`` listing file, label and sha256. The folder
is staged under a temporary name and renamed when complete (pipeline/atomic.py).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from synthaug.pipeline.atomic import atomic_directory
from synthaug.pipeline.config import GenerationConfig
from synthaug.pipeline.errors import UserInputError, suggest
from synthaug.pipeline.layout import IMAGE_MANIFEST_FILE, IMAGES_DIR
from synthaug.pipeline.progress import QUIET_SECONDS, Progress

log = logging.getLogger(__name__)


def plan_counts(train_counts: dict[str, int], spec: GenerationConfig) -> dict[str, int]:
    """Synthetic samples to generate per class, in class order."""
    if spec.strategy == "balanced":
        return {name: spec.per_class for name in train_counts}
    if spec.strategy == "fill-to-majority":
        majority = max(train_counts.values())
        return {name: majority - count for name, count in train_counts.items()}
    unknown = [name for name in spec.counts if name not in train_counts]
    if unknown:
        raise UserInputError(
            f"generation.counts names class '{unknown[0]}', which the training data does not have",
            where="generation.counts",
            hint=suggest(unknown[0], train_counts),
        )
    return {name: spec.counts.get(name, 0) for name in train_counts}


def labels_for(counts: dict[str, int], classes: tuple[str, ...]) -> np.ndarray:
    return np.concatenate(
        [np.full(n, classes.index(name), dtype=np.int64) for name, n in counts.items()]
        or [np.empty(0, np.int64)]
    )


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
