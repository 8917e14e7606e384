"""Synthetic sets written and read back: images as an ingestible class-folder set with a hashed
manifest, tables as Parquet; what is written is what is read."""

import hashlib

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthaug.pipeline.config import ImageOptions
from synthaug.pipeline.sources.image_folder import read_image_folder
from synthaug.pipeline.synthetic_set import (
    SyntheticSet,
    class_folders,
    read_synthetic_set,
    write_image_set,
    write_synthetic_set,
)


def test_image_set_is_complete_hashed_and_ingestible(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (5, 8, 8, 1), dtype=np.uint8)
    labels = np.array([0, 1, 1, 0, 1])
    manifest = write_image_set(tmp_path / "synthetic", images, labels, ("cat", "dog/wolf")).to_pandas()
    assert manifest["label"].tolist() == ["cat", "dog/wolf", "dog/wolf", "cat", "dog/wolf"]
    assert manifest["file"][1] == "images/dog_wolf/dog_wolf_000000.png"
    for file, digest in zip(manifest["file"], manifest["sha256"], strict=True):
        assert hashlib.sha256((tmp_path / "synthetic" / file).read_bytes()).hexdigest() == digest
    assert pq.read_table(tmp_path / "synthetic" / "manifest.parquet").num_rows == 5
    back = read_image_folder(tmp_path / "synthetic" / "images", ImageOptions())
    assert back.class_counts() == {"cat": 2, "dog_wolf": 3}
    assert not list(tmp_path.glob(".*tmp"))


def test_class_folder_names_are_safe_and_unique():
    assert class_folders(("a b", "a_b", "../x", "")) == ["a_b", "a_b_", "x", "class"]


def test_written_sets_read_back_the_same(tmp_path):
    rng = np.random.default_rng(1)
    images = SyntheticSet(
        "image", ("a", "b"), np.array([1, 0, 1]), images=rng.integers(0, 255, (3, 4, 4, 3), np.uint8)
    )
    assert write_synthetic_set(tmp_path / "i", images, metadata={"k": "v"}).name == "manifest.parquet"
    back = read_synthetic_set(tmp_path / "i", kind="image", classes=("a", "b"))
    order = np.argsort(images.labels, kind="stable")  # written class by class
    assert np.array_equal(np.sort(back.labels), images.labels[order])
    assert {tuple(x.ravel()) for x in back.images} == {tuple(x.ravel()) for x in images.images}
    rows = pd.DataFrame({"x": [0.5, 1.5], "y": ["b", "a"]})
    table = SyntheticSet("tabular", ("a", "b"), np.array([1, 0]), rows=rows, target="y")
    assert table.features.columns.tolist() == ["x"]
    write_synthetic_set(tmp_path / "t", table)
    again = read_synthetic_set(tmp_path / "t", kind="tabular", classes=("a", "b"), target="y")
    assert again.labels.tolist() == [1, 0] and again.rows.equals(rows)


def test_a_set_needs_one_label_per_sample():
    with pytest.raises(ValueError, match="one label per sample"):
        SyntheticSet("image", ("a",), np.array([0, 0]), images=np.zeros((1, 2, 2, 1), np.uint8))


def test_subset_and_concat_keep_labels_and_samples_together():
    rows = pd.DataFrame({"x": [0.0, 1.0, 2.0], "label": ["a", "b", "a"]})
    table = SyntheticSet("tabular", ("a", "b"), np.array([0, 1, 0]), rows=rows, target="label")
    picked = table.subset(np.array([2, 0]))
    assert list(picked.labels) == [0, 0] and picked.rows["x"].tolist() == [2.0, 0.0]
    assert list(picked.rows.index) == [0, 1]
    both = SyntheticSet.concat([picked, table.subset(np.array([1]))])
    assert list(both.labels) == [0, 0, 1] and both.rows["x"].tolist() == [2.0, 0.0, 1.0]
    images = SyntheticSet(
        "image", ("a", "b"), np.array([0, 1]), images=np.arange(8, dtype=np.uint8).reshape(2, 2, 2, 1)
    )
    again = SyntheticSet.concat([images.subset(np.array([1])), images.subset(np.array([0]))])
    assert list(again.labels) == [1, 0] and (again.images[0] == images.images[1]).all()
