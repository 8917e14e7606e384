"""Saving dataset parts into a run directory and reading them back exactly.

Tables are Parquet (features plus the target column, schema and provenance in the file's
key-value metadata); images are NPZ (``x`` uint8 (N, H, W, C), ``y`` class indices, ``classes``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthaug.pipeline.atomic import atomic_path
from synthaug.pipeline.dataset import Dataset, SourceInfo
from synthaug.pipeline.layout import SPLIT_DATA_SUFFIXES
from synthaug.pipeline.schema import ColumnSchema, ImageSchema, TabularSchema

SCHEMA_KEY = b"synthaug.schema"
CLASSES_KEY = b"synthaug.classes"
SOURCE_KEY = b"synthaug.source"


def dataset_filename(dataset: Dataset, stem: str) -> str:
    return f"{stem}{SPLIT_DATA_SUFFIXES[dataset.kind]}"


def write_dataset(dataset: Dataset, path: Path) -> Path:
    if isinstance(dataset.schema, TabularSchema):
        table = pa.Table.from_pandas(dataset.to_frame(), preserve_index=False)
        metadata = dict(table.schema.metadata or {})
        metadata[SCHEMA_KEY] = json.dumps(dataset.schema.to_dict()).encode()
        metadata[CLASSES_KEY] = json.dumps(list(dataset.classes)).encode()
        metadata[SOURCE_KEY] = json.dumps(dataset.source.to_dict(), default=str).encode()
        with atomic_path(path) as tmp:
            pq.write_table(table.replace_schema_metadata(metadata), tmp)
    else:
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez_compressed(
                handle,
                x=dataset.features,
                y=dataset.labels,
                classes=np.array(dataset.classes, dtype=str),
                schema=np.array(json.dumps(dataset.schema.to_dict())),
                source=np.array(json.dumps(dataset.source.to_dict(), default=str)),
            )
    return path


def read_dataset(path: Path) -> Dataset:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        metadata = table.schema.metadata or {}
        schema = _tabular_schema(json.loads(metadata[SCHEMA_KEY]))
        classes = tuple(json.loads(metadata[CLASSES_KEY]))
        frame = table.to_pandas()
        target = pd.Categorical(frame.pop(schema.target).astype(str), categories=list(classes))
        for column in schema.columns:
            if column.kind == "categorical":
                frame[column.name] = pd.Categorical(frame[column.name], categories=list(column.categories))
        source = _source(json.loads(metadata[SOURCE_KEY]))
        return Dataset(frame, np.asarray(target.codes, dtype=np.int64), classes, schema, source)
    with np.load(path, allow_pickle=False) as archive:
        schema_dict = json.loads(str(archive["schema"]))
        schema_dict.pop("kind")
        schema_dict["notes"] = tuple(schema_dict.get("notes", ()))
        return Dataset(
            archive["x"],
            archive["y"].astype(np.int64),
            tuple(str(c) for c in archive["classes"]),
            ImageSchema(**schema_dict),
            _source(json.loads(str(archive["source"]))),
        )


def _tabular_schema(data: dict[str, Any]) -> TabularSchema:
    columns = tuple(ColumnSchema(**{**c, "categories": tuple(c["categories"])}) for c in data["columns"])
    return TabularSchema(columns, target=data["target"], target_dtype=data["target_dtype"])


def _source(data: dict[str, Any]) -> SourceInfo:
    data = dict(data)
    return SourceInfo(uri=data.pop("uri"), format=data.pop("format"), sha256=data.pop("sha256"), details=data)
