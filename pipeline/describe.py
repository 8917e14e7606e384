"""What ``synthaug inspect`` shows: schema, class counts and provenance of any supported input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image

from pipeline.config import BUNDLED_PREFIX, DatasetConfig
from pipeline.dataset import Dataset
from pipeline.rundir import MANIFEST_FILE
from pipeline.schema import TabularSchema
from pipeline.sources import load_dataset

LIKELY_TARGETS = ("target", "label", "labels", "class", "y", "diagnosis", "outcome")


def describe(source: str, *, target: str | None = None) -> dict[str, Any]:
    """A JSON-friendly description of a dataset file, folder, bundled set or run directory."""
    path = Path(source)
    if not source.startswith(BUNDLED_PREFIX) and (path / MANIFEST_FILE).is_file():
        return {"run_directory": str(path), "manifest": json.loads((path / MANIFEST_FILE).read_text())}
    dataset = load_dataset(DatasetConfig(source=source, target=target), require_target=False)
    info = describe_dataset(dataset)
    if isinstance(dataset.schema, TabularSchema) and target is None:
        lowered = {name.lower(): name for name in dataset.schema.names}
        guess = next((lowered[name] for name in LIKELY_TARGETS if name in lowered), None)
        if guess is not None:
            counts = dataset.features[guess].astype("string").value_counts(dropna=False)
            info["target"] = f"{guess} (guessed; pass --target to choose)"
            info["class_counts"] = {str(k): int(v) for k, v in counts.sort_index().items()}
    return info


def describe_dataset(dataset: Dataset) -> dict[str, Any]:
    info: dict[str, Any] = {
        "source": dataset.source.to_dict(),
        "kind": dataset.kind,
        "rows": len(dataset),
        "schema": dataset.schema.to_dict(),
        "class_counts": dataset.class_counts(),
    }
    if isinstance(dataset.schema, TabularSchema):
        info["target"] = dataset.schema.target or None
    if dataset.source.format == "image-folder":
        info["provenance"] = _png_text_chunks(Path(dataset.source.uri))
    return info


def _png_text_chunks(root: Path, limit: int = 1) -> dict[str, str]:
    """Text chunks of the first PNG found (provenance of exported synthetic images)."""
    for path in sorted(root.rglob("*.png"))[:limit]:
        with Image.open(path) as image:
            return {str(k): str(v) for k, v in getattr(image, "text", {}).items()}
    return {}
