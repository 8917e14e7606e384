"""What private training needs of the training split, checked before a run directory is written:
delta below 1/N, a batch smaller than N, and (tables) public declarations covering every column
and value. Each failure is a :class:`~synthaug.pipeline.errors.UserInputError` naming the key."""

from __future__ import annotations

from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.split import TrainSplit
from synthaug.privacy.compatibility import check_batch_size
from synthaug.privacy.public_schema import conform, public_transformer
from synthaug.privacy.training import PrivateTraining


def check_private_split(train: TrainSplit, config: SynthaugConfig) -> None:
    PrivateTraining.start(config.privacy, num_records=len(train.data))
    kind = train.data.kind
    check_batch_size(config.training.resolved(kind, private=True).batch_size or 0, len(train.data))
    if kind == "tabular":
        public_transformer(
            train.data.schema, config.privacy.public_columns, modes=config.privacy.numeric_modes
        )
        conform(train.data.features, config.privacy.public_columns)
