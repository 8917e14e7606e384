"""Training the protocol's downstream classifiers, each distinct fit once per process.

The protocol trains some classifiers twice over: a CV fold's real-only model is both the
"add nothing" candidate and the filter of that fold's synthetic samples; the real-only model of
seed 0 on the whole training split is both the filter that selection keeps and a score of seed
0; and the real + classic model of seed 0 is also the fidelity feature space. A fit depends only
on the classifier factory, the seed, the classic-augmentation flag and the training samples, so
``fit`` hands back the model already trained for an identical request.

Only factories that declare ``reuse_fits = True`` are remembered (the image CNN, where a fit
costs seconds); a table classifier refits in milliseconds and may be large (a forest on many
rows), so it is never kept. The memory is a small LRU per process: units running in one process
(the threads task runner) share it, Dask workers each have their own, and results are the same
either way since a fit with the same inputs gives the same model.

``filter_mask`` lives here because filtering is a fit: the real-only model that judges synthetic
samples is one of the fits above.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from synthaug.evaluation.data_iq import easy_mask
from synthaug.evaluation.samples import Samples
from synthaug.pipeline.progress import advance_current

# CNNs of about 1 MB each; spans one run's selection (34 image fits by default), scores, fidelity.
# More candidates (added_weights) or cv_seeds > 1 outgrow it: a few fits are then made twice.
CAPACITY = 48


def samples_fingerprint(samples: Samples) -> str:
    """A digest of the samples' features, labels, class count and weights."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.asarray(samples.y, dtype=np.int64).tobytes())
    digest.update(str(samples.n_classes).encode())
    if samples.weight is not None:
        digest.update(b"weights" + np.asarray(samples.weight, dtype=np.float64).tobytes())
    if isinstance(samples.x, pd.DataFrame):
        digest.update("\0".join(map(str, samples.x.columns)).encode())
        digest.update(pd.util.hash_pandas_object(samples.x, index=False).to_numpy().tobytes())
    else:
        x = np.ascontiguousarray(samples.x)
        digest.update(f"{x.dtype}{x.shape}".encode())
        digest.update(x.tobytes())
    return digest.hexdigest()


class FitMemory:
    """Fitted models by (factory, seed, classic, samples), least recently used dropped first."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self._models: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def fit(self, make: Any, seed: int, classic: bool, samples: Samples) -> Any:
        if not getattr(make, "reuse_fits", False):
            return _train(make, seed, classic, samples)
        key = (make, seed, classic, samples_fingerprint(samples))
        with self._lock:
            model = self._models.get(key)
            if model is not None:
                self._models.move_to_end(key)
                self.hits += 1
                return model
        model = _train(make, seed, classic, samples)  # outside the lock: threads fit in parallel
        with self._lock:
            self._models[key] = model
            while len(self._models) > self.capacity:
                self._models.popitem(last=False)
        return model

    def clear(self) -> None:
        with self._lock:
            self._models.clear()


def _train(make: Any, seed: int, classic: bool, samples: Samples) -> Any:
    """A new ``make(seed, classic)`` fitted on the samples, with their weights when they have any
    (so a classifier without ``sample_weight`` still takes unweighted samples)."""
    options = {} if samples.weight is None else {"sample_weight": samples.weights()}
    return make(seed, classic).fit(samples.x, samples.y, **options)


FITS = FitMemory()


def fit(make: Any, seed: int, classic: bool, samples: Samples) -> Any:
    """``make(seed, classic)`` trained on ``samples``, or the same model trained earlier; one step
    of the current progress (the verification's)."""
    model = FITS.fit(make, seed, classic, samples)
    advance_current()
    return model


FILTER_RULES = {
    "contradicted": "drops a sample the real rows' classifier puts on another class with "
    "probability >= {confidence}",
    "data-iq": "keeps only samples whose label gradient boosting on the real rows learns with mean "
    "probability >= {confidence} over its stages (Data-IQ's easy samples)",
}


def filter_mask(
    real: Samples,
    pool: Samples,
    make: Callable[[int, bool], Any],
    confidence: float,
    rule: str = "contradicted",
) -> np.ndarray:
    """(pool size,) bool, the synthetic samples to keep. ``contradicted``: every sample unless the
    classifier ``make`` trained on ``real`` puts probability of at least ``confidence`` on a class
    other than its label. ``data-iq`` (tables): only the samples evaluation/data_iq.py calls easy."""
    if rule == "data-iq":
        return easy_mask(real, pool, confidence)
    if rule != "contradicted":
        raise ValueError(f"unknown filter rule {rule!r}; known: {', '.join(FILTER_RULES)}")
    model = fit(make, 0, False, real)
    proba = model.predict_proba(pool.x)
    predicted = proba.argmax(axis=1)
    return ~((predicted != pool.y) & (proba.max(axis=1) >= confidence))
