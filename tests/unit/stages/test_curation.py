"""Near-copy curation: copies of training samples are replaced by other draws of the generator."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.dataset import Dataset, SourceInfo
from synthaug.pipeline.schema import ImageSchema
from synthaug.pipeline.split import TrainSplit
from synthaug.pipeline.synthetic_set import SyntheticSet
from synthaug.stages.curation import MAX_ROUNDS, NOT_PRIVATE, NearCopyFilter, near_copy_filter
from tests.frames import train_split

CLASSES = ("a", "b")


def images(values: np.ndarray) -> np.ndarray:
    """(n, 2, 2, 1) uint8 images from (n,) grey levels, one level per image."""
    return np.repeat(np.asarray(values, dtype=np.uint8)[:, None], 4, axis=1).reshape(-1, 2, 2, 1)


TRAIN = images(np.arange(0, 200, 10))  # grey levels 0, 10, ..., 190: neighbours 10 apart


class FakeGan:
    """Draws images at given grey levels, class by class, in the order asked for."""

    def __init__(self, levels_per_draw: list[np.ndarray]):
        self.draws = iter(levels_per_draw)
        self.asked: list[np.ndarray] = []

    def sample(self, n, *, labels, seed, batch_size):
        self.asked.append(np.asarray(labels))
        levels = np.resize(next(self.draws), n)  # the levels given, repeated to n
        return SyntheticSet("image", CLASSES, np.asarray(labels), images=images(levels))


def test_the_threshold_is_a_quantile_of_the_training_samples_own_neighbour_distances():
    curation = NearCopyFilter.fit(TRAIN, 0.05)
    # every training image is 10 grey levels (4 pixels of 10/255) from its nearest other one
    assert curation.threshold == pytest.approx(np.sqrt(4) * 10 / 255)
    assert curation.distances(images([10, 15, 255])) == pytest.approx(
        np.array([0.0, np.sqrt(4) * 5 / 255, np.sqrt(4) * 65 / 255])
    )


def test_near_copies_are_replaced_and_the_labels_stay_as_asked():
    curation = NearCopyFilter.fit(TRAIN, 0.05)
    wanted = np.array([0, 1, 0, 1])
    first = SyntheticSet("image", CLASSES, wanted, images=images([10, 205, 20, 215]))  # 10, 20: copies
    gan = FakeGan([np.array([225, 235, 245])])
    result, record = curation.curate(gan, first, seed=0, batch_size=8)
    assert list(result.labels) == list(wanted)
    assert (curation.distances(result.images) > curation.threshold).all()
    assert [int(level) for level in result.images[:, 0, 0, 0]] == [225, 205, 235, 215]
    # only class a was short, and none of its draws had been kept: 2 x 1.5 / MIN_RATE more
    assert list(gan.asked[0]) == [0] * 60
    assert record == {
        "applied": True,
        "quantile": 0.05,
        "threshold": round(curation.threshold, 6),
        "drawn": 64,
        "near_copies_found": 2,
        "near_copies_kept": 0,
    }


def test_a_generator_that_only_copies_keeps_its_least_close_samples_and_says_so(caplog):
    curation = NearCopyFilter.fit(TRAIN, 0.05)
    first = SyntheticSet("image", CLASSES, np.array([0, 0]), images=images([10, 20]))
    gan = FakeGan([np.array([30, 42, 50])] * MAX_ROUNDS)  # 42 is 2 levels off a training image
    with caplog.at_level(logging.WARNING):
        result, record = curation.curate(gan, first, seed=0, batch_size=8)
    assert len(gan.asked) == MAX_ROUNDS and list(result.labels) == [0, 0]
    assert record["near_copies_kept"] == 2 and record["near_copies_found"] == 2 + 60 * MAX_ROUNDS
    assert sorted(int(v) for v in result.images[:, 0, 0, 0]) == [42, 42]  # the least close ones
    assert "near copies of training samples kept" in caplog.text


def test_tables_are_compared_in_the_encoded_feature_space():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(size=50), "colour": rng.choice(["red", "blue"], size=50)})
    curation = NearCopyFilter.fit(train, 0.05)
    copy = train.iloc[[3]].assign(label="a")
    other = pd.DataFrame({"x": [8.0], "colour": ["red"], "label": ["a"]})
    rows = pd.concat([copy, other], ignore_index=True)
    assert curation.distances(rows.drop(columns="label")).tolist()[0] == pytest.approx(0.0)
    assert curation.distances(rows.drop(columns="label"))[1] > curation.threshold


def image_split(features: np.ndarray) -> TrainSplit:
    """``features`` (n, H, W, C) as a training split, classes alternating."""
    labels = np.arange(len(features)) % len(CLASSES)
    source = SourceInfo("memory", "npz", "0" * 64, {})
    data = Dataset(features, labels, CLASSES, ImageSchema(*features.shape[1:]), source)
    rows = np.arange(len(features))
    return TrainSplit(data, rows, rows)


IMAGE_SPLIT = image_split(TRAIN)
TABLE = pd.DataFrame({"x": np.arange(20.0), "label": ["a", "b"] * 10})


def test_private_runs_and_null_quantiles_keep_every_sample():
    private = SynthaugConfig.model_validate(
        {"dataset": {"source": "bundled:digits"}, "privacy": {"enabled": True}}
    )
    assert near_copy_filter(private, IMAGE_SPLIT, seed=0) == (None, {"applied": False, "reason": NOT_PRIVATE})
    off = SynthaugConfig.model_validate(
        {"dataset": {"source": "bundled:digits"}, "generation": {"near_copy_quantile": None}}
    )
    assert near_copy_filter(off, IMAGE_SPLIT, seed=0)[1]["reason"] == "generation.near_copy_quantile: null"


def test_the_default_quantile_follows_the_kind_of_data_and_the_synthesizer_and_a_set_one_wins():
    auto = SynthaugConfig.model_validate({"dataset": {"source": "bundled:digits"}})
    assert auto.generation.near_copy_quantile == "auto"
    curation, record = near_copy_filter(auto, IMAGE_SPLIT, seed=0)
    assert curation.quantile == 0.5 and curation.calibration is None and record == {}
    table = train_split(TABLE, "label")
    assert near_copy_filter(auto, table, seed=0)[0].quantile == 0.25  # the tabular GAN
    copula = SynthaugConfig.model_validate(
        {"dataset": {"source": "t.csv", "target": "y"}, "training": {"synthesizer": "copula"}}
    )
    assert copula.generation.near_copy_quantile_for("tabular") == "calibrated"  # filled in for the copula
    # a copy made past the validators: the GAN keeps its fixed quantile, and refuses calibration
    gan = copula.model_copy(update={"training": auto.training})
    with pytest.raises(ValueError, match="calibrated needs training.synthesizer: copula, not gan"):
        near_copy_filter(gan, table, seed=0)
    unset = copula.model_copy(update={"generation": auto.generation})
    assert (
        near_copy_filter(unset.model_copy(update={"training": auto.training}), table, seed=0)[0].quantile
        == 0.25
    )
    set_ = SynthaugConfig.model_validate(
        {"dataset": {"source": "bundled:digits"}, "generation": {"near_copy_quantile": 0.1}}
    )
    assert near_copy_filter(set_, IMAGE_SPLIT, seed=0)[0].quantile == 0.1
    assert set_.generation.near_copy_quantile_for("tabular") == 0.1
    with pytest.raises(ValueError, match="near_copy_quantile"):
        SynthaugConfig.model_validate(
            {"dataset": {"source": "bundled:digits"}, "generation": {"near_copy_quantile": "half"}}
        )


def test_further_draws_follow_the_class_acceptance_rate():
    curation = NearCopyFilter.fit(TRAIN, 0.05)
    first = SyntheticSet("image", CLASSES, np.array([0, 0, 0, 0]), images=images([10, 205, 20, 215]))
    gan = FakeGan([np.array([225])])
    result, record = curation.curate(gan, first, seed=0, batch_size=8)
    assert len(gan.asked[0]) == 6  # 2 short, half the draws kept so far: 1.5 x 2 / 0.5
    assert record["drawn"] == 10 and sorted(int(v) for v in result.images[:, 0, 0, 0]) == [205, 215, 225, 225]
