import pytest

from synthaug.pipeline.config import GenerationConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.stages.generate import labels_for, plan_counts

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
