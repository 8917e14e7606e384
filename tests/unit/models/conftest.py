import numpy as np
import pytest

from synthaug.pipeline.config import DatasetConfig, SplitConfig, TrainingConfig
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import split_dataset


@pytest.fixture(scope="session")
def digits_train():
    """A scarce digits training split: 6 images per class, 3 classes."""
    data = load_dataset(DatasetConfig(source="bundled:digits"))
    data = data.subset(np.flatnonzero(data.labels < 3))
    data = type(data)(data.features, data.labels, data.classes[:3], data.schema, data.source)
    train, _ = split_dataset(data, SplitConfig(), seed=0, per_class=6)
    return train


def tiny_config(**overrides) -> TrainingConfig:
    settings = {
        "steps": 6,
        "batch_size": 8,
        "z_dim": 8,
        "width": 8,
        "checkpoint_every": 3,
        "grid_every": 3,
        "log_every": 3,
        "device": "cpu",
        "detectors": {"check_every": 3, "window": 10},
    }
    settings.update(overrides)
    return TrainingConfig.model_validate(settings)
