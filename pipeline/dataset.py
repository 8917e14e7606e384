"""The canonical in-memory dataset that every source produces.

Features and labels are kept apart: ``labels`` are class indices into ``classes``. Tabular
features are a pandas DataFrame with the original column names (categorical columns as pandas
categoricals); image features are a ``uint8`` array of shape (N, H, W, C).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from synthaug.pipeline.schema import ImageSchema, TabularSchema


@dataclass(frozen=True)
class SourceInfo:
    """Where the data came from, and a hash that changes whenever the data does."""

    uri: str
    format: str
    sha256: str
    details: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "format": self.format, "sha256": self.sha256, **self.details}


@dataclass(frozen=True)
class Dataset:
    features: pd.DataFrame | np.ndarray
    labels: np.ndarray  # (N,) int64 indices into classes
    classes: tuple[str, ...]
    schema: TabularSchema | ImageSchema
    source: SourceInfo

    def __post_init__(self) -> None:
        if len(self.features) != len(self.labels):
            raise ValueError(f"{len(self.features)} feature rows but {len(self.labels)} labels")

    @property
    def kind(self) -> str:
        return "tabular" if isinstance(self.schema, TabularSchema) else "image"

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> dict[str, int]:
        counts = Counter(self.labels.tolist())
        return {name: counts.get(i, 0) for i, name in enumerate(self.classes)}

    def subset(self, indices: np.ndarray) -> Dataset:
        """Rows ``indices`` (positions), keeping classes, schema and provenance."""
        indices = np.asarray(indices, dtype=np.int64)
        if isinstance(self.features, pd.DataFrame):
            features = self.features.iloc[indices].reset_index(drop=True)
        else:
            features = self.features[indices]
        return replace(self, features=features, labels=self.labels[indices])

    def to_frame(self) -> pd.DataFrame:
        """Tabular data as one frame: the features plus the target column with class values."""
        if not isinstance(self.schema, TabularSchema):
            raise TypeError("to_frame is for tabular datasets")
        frame = self.features.copy()
        frame[self.schema.target] = pd.Categorical.from_codes(self.labels, categories=list(self.classes))
        return frame
