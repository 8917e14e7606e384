import hashlib

import numpy as np
import pyarrow.parquet as pq
import pytest

from synthaug.pipeline.config import GenerationConfig, ImageOptions
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources.image_folder import read_image_folder
from synthaug.stages.generate import class_folders, labels_for, plan_counts, write_image_set

TRAIN = {"a": 20, "b": 5, "c": 12}


def test_balanced_fill_and_explicit_counts():
    assert plan_counts(TRAIN, GenerationConfig(per_class=7)) == {"a": 7, "b": 7, "c": 7}
    assert plan_counts(TRAIN, GenerationConfig(strategy="fill-to-majority")) == {"a": 0, "b": 15, "c": 8}
    explicit = GenerationConfig(strategy="explicit", counts={"b": 4})
    assert plan_counts(TRAIN, explicit) == {"a": 0, "b": 4, "c": 0}
    with pytest.raises(UserInputError, match="generation.counts names class 'd'"):
        plan_counts(TRAIN, GenerationConfig(strategy="explicit", counts={"d": 1}))


def test_labels_follow_the_plan():
    assert labels_for({"a": 2, "b": 0, "c": 1}, ("a", "b", "c")).tolist() == [0, 0, 2]


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
