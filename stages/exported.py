"""An export in one line (``synthaug.load_export``): every checksum first, then the data, with
where they came from and what the verification said attached.

- Tables: a pandas DataFrame of ``rows.parquet`` (the input's columns and its target);
  ``frame.attrs["synthaug"]`` holds the run id, the verification, the provenance metadata and the
  class counts.
- Images: a torch ``Dataset`` of ``(image, class index)`` pairs in the order ``manifest.parquet``
  lists them, as torchvision's ``ImageFolder`` gives them (``classes``, ``class_to_idx``,
  ``samples``, ``targets``, an optional ``transform``); images are PIL images in their stored mode
  (``L`` for grey). ``provenance``, ``verification`` and ``run_id`` are attributes.

The export needs no synthaug to read: ``pandas.read_parquet(EXPORT / "rows.parquet")`` or
``torchvision.datasets.ImageFolder(EXPORT / "images")`` work on it as it is. ImageFolder numbers
the classes by their sorted folder names (file-system-safe forms of the class names), this
Dataset by the run's class order, so with class names such as 2 and 10 the indices differ: map
through ``classes`` rather than compare indices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from PIL import Image
from torch.utils.data import Dataset

from synthaug.pipeline.layout import ExportLayout
from synthaug.stages.describe import read_verified_export

ATTRS_KEY = "synthaug"


def load_export(folder: Path, *, transform: Any = None) -> pd.DataFrame | SyntheticImages:
    """The export at ``folder``, checked (a missing, altered or added file raises
    :class:`~synthaug.pipeline.errors.UserInputError`); ``transform`` applies to each image."""
    folder = Path(folder)
    summary = read_verified_export(folder)
    layout = ExportLayout(folder)
    if summary["kind"] == "tabular":
        frame = pq.read_table(layout.synthetic.rows).to_pandas()
        frame.attrs[ATTRS_KEY] = _about(summary)
        return frame
    return SyntheticImages(layout, summary, transform=transform)


def _about(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": summary["run_id"],
        "verification": summary["verification"],
        "provenance": summary["metadata"],
        "class_counts": summary["class_counts"],
    }


class SyntheticImages(Dataset):
    """The exported images (module docstring); ``classes`` are the class names the run used."""

    def __init__(self, layout: ExportLayout, summary: dict[str, Any], *, transform: Any = None):
        listed = pq.read_table(layout.synthetic.image_manifest, columns=["file", "label"]).to_pydict()
        self.classes = list(summary["class_counts"])
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples = [
            (layout.root / file, self.class_to_idx[str(label)])
            for file, label in zip(listed["file"], listed["label"], strict=True)
        ]
        self.targets = [target for _, target in self.samples]
        self.transform = transform
        about = _about(summary)
        self.run_id, self.verification, self.provenance = (
            about["run_id"],
            about["verification"],
            about["provenance"],
        )

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        path, target = self.samples[index]
        with Image.open(path) as image:
            image.load()
        return (self.transform(image) if self.transform is not None else image), target

    def __repr__(self) -> str:
        return (
            f"SyntheticImages({len(self)} images, {len(self.classes)} classes, run {self.run_id}, "
            f"verdict {self.verification.get('verdict')})"
        )
