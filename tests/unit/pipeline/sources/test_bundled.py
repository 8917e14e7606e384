import numpy as np

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.sources import load_dataset


def test_digits_are_8x8_grayscale_with_ten_classes():
    data = load_dataset(DatasetConfig(source="bundled:digits"))
    assert data.features.shape == (1797, 8, 8, 1) and data.features.dtype == np.uint8
    assert data.features.max() == 255 and data.features.min() == 0
    assert data.classes == tuple(str(i) for i in range(10))
    assert data.kind == "image"


def test_digits_hash_is_stable_and_resizing_keeps_it():
    a = load_dataset(DatasetConfig(source="bundled:digits"))
    b = load_dataset(DatasetConfig(source="bundled:digits", image={"size": 16}))
    assert a.source.sha256 == b.source.sha256  # the hash identifies the source, not the preprocessing
    assert b.features.shape == (1797, 16, 16, 1)


def test_breast_cancer_is_a_binary_numeric_table():
    data = load_dataset(DatasetConfig(source="bundled:breast_cancer"))
    assert data.kind == "tabular" and len(data) == 569
    assert data.schema.target == "diagnosis"
    assert data.classes == ("benign", "malignant")
    assert data.class_counts() == {"benign": 357, "malignant": 212}
    assert len(data.schema.columns) == 30
    assert all(c.kind == "numeric" for c in data.schema.columns)
