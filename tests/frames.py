"""Test helper: a frame as the training split the job would make of it, read by the same code
that ingests a user's Parquet file (so dtypes, categories and the schema match a real run)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import TrainSplit


def train_split(frame: pd.DataFrame, target: str) -> TrainSplit:
    """Every row of ``frame`` as training rows, ``target`` as the class column."""
    with tempfile.TemporaryDirectory(prefix="synthaug-test-frame-") as folder:
        path = Path(folder) / "frame.parquet"
        frame.to_parquet(path, index=False)
        data = load_dataset(DatasetConfig(source=str(path), target=target))
    rows = np.arange(len(data))
    return TrainSplit(data, rows, rows)
