import numpy as np
import pytest

from synthaug.pipeline.config import DatasetConfig, SplitConfig, TrainingConfig
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import split_dataset
from tests.settings import tiny_training


@pytest.fixture(scope="session")
def digits_train():
    """A scarce digits training split: 6 images per class, 3 classes."""
    data = load_dataset(DatasetConfig(source="bundled:digits"))
    data = data.subset(np.flatnonzero(data.labels < 3))
    data = type(data)(data.features, data.labels, data.classes[:3], data.schema, data.source)
    train, _ = split_dataset(data, SplitConfig(), seed=0, per_class=6)
    return train


def tiny_config(**overrides) -> TrainingConfig:
    return tiny_training("image", **overrides)
