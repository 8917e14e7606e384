"""Stand-in data and classifiers shared by the verification protocol's tests: numeric blobs with
row ids, images that carry their label and origin in pixels, and classifiers that record or
read them."""

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from synthaug.evaluation.samples import Samples


def blobs(n: int, rng: np.random.Generator, *, offset: int = 0, shift: float = 1.0, dims: int = 3) -> Samples:
    """Two noisy classes in ``dims`` numeric columns; ``row_id`` marks every row (offset keeps ids apart)."""
    y = np.arange(n) % 2
    x = rng.normal(0, 1.0, (n, dims)) + shift * y[:, None]
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(dims)])
    frame["row_id"] = np.arange(offset, offset + n, dtype=float)
    return Samples(frame, y, 2)


def plain(samples: Samples) -> Samples:
    return Samples(samples.x.drop(columns="row_id"), samples.y, samples.n_classes)


class Recorder:
    """A logistic regression that records the rows it is trained on and asked about."""

    log: ClassVar[list[tuple[str, set[int]]]] = []

    def __init__(self, seed: int):
        self.model = LogisticRegression(random_state=seed)

    def fit(self, x, y):
        Recorder.log.append(("fit", set(x["row_id"].astype(int))))
        self.model.fit(x.drop(columns="row_id"), y)
        return self

    def predict_proba(self, x):
        Recorder.log.append(("predict", set(x["row_id"].astype(int))))
        return self.model.predict_proba(x.drop(columns="row_id"))


def marked_images(n: int, *, synthetic: bool, offset: int = 0) -> Samples:
    """Two classes; pixel (0, 0) holds the label (x 100), pixel (0, 1) is 255 on synthetic images."""
    y = (np.arange(n) + offset) % 2
    x = np.zeros((n, 8, 8, 1), dtype=np.uint8)
    x[:, 0, 0, 0] = 100 * y
    x[:, 0, 1, 0] = 255 if synthetic else 0
    return Samples(x, y, 2)


def helps_only(with_classic: bool):
    """A stand-in CNN that reads the label off the image, but only when it was trained with
    synthetic images and with (or without) the classic augmentation; else it always says class 0."""

    def make(seed: int, classic: bool):
        class Model:
            def fit(self, x, y):
                self.good = classic == with_classic and bool((x[:, 0, 1, 0] == 255).any())
                return self

            def predict_proba(self, x):
                label = (x[:, 0, 0, 0] >= 100).astype(int) if self.good else np.zeros(len(x), int)
                return np.eye(2)[label]

        return Model()

    return make
