"""Datasets shipped inside installed packages (scikit-learn); nothing is downloaded."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.dataset import Dataset, SourceInfo
from synthaug.pipeline.files import sha256_arrays
from synthaug.pipeline.schema import ImageSchema
from synthaug.pipeline.sources.image_shape import conform_array
from synthaug.pipeline.sources.table_assembly import ColumnRules, assemble

BREAST_CANCER_TARGET = "diagnosis"


def load_bundled(spec: DatasetConfig, rules: ColumnRules, *, require_target: bool = True) -> Dataset:
    if spec.bundled_name == "digits":
        return _digits(spec)
    return _breast_cancer(spec, rules, require_target=require_target)


def _digits(spec: DatasetConfig) -> Dataset:
    """8x8 grayscale digits, 10 classes; pixel values 0..16 scaled to 0..255."""
    bunch = load_digits()
    raw = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]  # (N, 8, 8, 1)
    labels = bunch.target.astype(np.int64)
    source = SourceInfo(
        uri=spec.source,
        format="bundled",
        sha256=sha256_arrays(raw.tobytes(), labels.tobytes()),
        details={"package": f"scikit-learn {sklearn.__version__}", "loader": "load_digits"},
    )
    images = conform_array(raw, spec.image, where=spec.source)
    side, channels = images.shape[1], images.shape[3]
    schema = ImageSchema(side, side, channels, resize_policy=spec.image.resize if spec.image.size else "none")
    return Dataset(images, labels, tuple(str(int(c)) for c in bunch.target_names), schema, source)


def _breast_cancer(spec: DatasetConfig, rules: ColumnRules, *, require_target: bool) -> Dataset:
    """Wisconsin diagnostic breast cancer: 30 numeric features, target 'diagnosis'."""
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns={"target": BREAST_CANCER_TARGET})
    frame[BREAST_CANCER_TARGET] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if rules.target is None:
        rules = ColumnRules(BREAST_CANCER_TARGET, rules.numeric, rules.categorical, rules.drop)
    features, labels, classes, schema = assemble(
        table.to_batches(),
        table.schema,
        table.num_rows,
        rules,
        where=spec.source,
        require_target=require_target,
    )
    source = SourceInfo(
        uri=spec.source,
        format="bundled",
        sha256=sha256_arrays(frame.to_csv(index=False)),
        details={"package": f"scikit-learn {sklearn.__version__}", "loader": "load_breast_cancer"},
    )
    return Dataset(features, labels, classes, schema, source)
