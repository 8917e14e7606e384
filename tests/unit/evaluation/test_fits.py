"""Fits made once (fits.py) and the verification's planned fit count (gain.planned_fits)."""

from dataclasses import dataclass, field

import numpy as np
import pytest

from synthaug.evaluation.classifiers import TABULAR_CLASSIFIERS
from synthaug.evaluation.fits import FitMemory
from synthaug.evaluation.gain import planned_fits, run_protocol
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.selection import ProtocolSettings
from tests.unit.evaluation.stand_ins import blobs, helps_only, marked_images, plain


@dataclass(frozen=True)
class CountingFactory:
    """A factory whose models count their fits; equal settings make equal factories."""

    reuse_fits: bool
    fits: list = field(default_factory=list, compare=False, hash=False)

    def __call__(self, seed: int, classic: bool):
        factory = self

        class Model:
            def fit(self, x, y):
                factory.fits.append((seed, classic, len(y)))
                return self

        return Model()


def images(n: int, seed: int) -> Samples:
    rng = np.random.default_rng(seed)
    return Samples(rng.integers(0, 256, (n, 8, 8, 1), dtype=np.uint8), np.arange(n) % 2, 2)


def test_an_identical_fit_is_made_once_and_a_different_one_again():
    memory = FitMemory(capacity=3)
    make = CountingFactory(reuse_fits=True)
    first = memory.fit(make, 0, False, images(10, 0))
    assert memory.fit(CountingFactory(reuse_fits=True, fits=make.fits), 0, False, images(10, 0)) is first
    assert memory.hits == 1 and len(make.fits) == 1
    memory.fit(make, 1, False, images(10, 0))  # another seed
    memory.fit(make, 0, True, images(10, 0))  # classic augmentation
    memory.fit(make, 0, False, images(10, 1))  # other pixels
    assert len(make.fits) == 4
    memory.fit(make, 0, False, images(10, 0))  # the oldest was dropped (capacity 3): fitted again
    assert len(make.fits) == 5


def test_factories_that_do_not_ask_for_reuse_always_fit():
    memory, make = FitMemory(), CountingFactory(reuse_fits=False)
    memory.fit(make, 0, False, images(10, 0))
    memory.fit(make, 0, False, images(10, 0))
    assert len(make.fits) == 2 and memory.hits == 0


@pytest.mark.parametrize(
    ("flip", "amounts", "weights", "cv_seeds"),
    [
        (False, (0.0, 4.0, 16.0), (1.0,), 1),
        (True, (0.0, 1.0), (1.0,), 1),
        (False, (0.0, 4.0), (0.25, 0.5, 1.0), 1),
        (False, (0.0, 4.0, 16.0), (1.0,), 2),  # the filter once per fold, its candidate per seed
    ],
)
def test_planned_fits_match_the_fits_the_protocol_asks_for(flip, amounts, weights, cv_seeds):
    rng = np.random.default_rng(1)
    real, test = plain(blobs(12, rng, shift=0.35, dims=40)), plain(blobs(100, rng, offset=5000, dims=40))
    pool = plain(blobs(400, rng, offset=1000, shift=0.35, dims=40))
    if flip:  # useless labels: nothing is added, so filtering is never tried
        pool = Samples(pool.x, 1 - pool.y, 2)
    calls = []

    def make(seed, classic):
        calls.append(seed)
        return TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)

    settings = ProtocolSettings(seeds=3, folds=3, amounts=amounts, weights=weights, cv_seeds=cv_seeds)
    result = run_protocol(
        real=real, synthetic=pool, test=test, classifiers={"lr": make}, kind="tabular", settings=settings
    )
    planned = planned_fits(
        real_counts=real.counts(), synthetic_counts=pool.counts(), kind="tabular", settings=settings
    )
    chosen = result["classifiers"]["lr"]["selection"]["synthetic"]
    unneeded = 0 if chosen["filtered"] else 1  # the kept filter
    if chosen["amount"] == 0:
        unneeded = 3 + 3 * cv_seeds + 1  # no filtering tried at all
    if result["classifiers"]["lr"]["selection"]["classic"]["amount"] == 0:  # no SMOTE rows to add
        unneeded += 3 * cv_seeds * (1 + (len(amounts) - 1) * len(weights))  # samples on top of: no third CV
    assert (chosen["amount"] == 0) == flip
    assert len(calls) == planned - unneeded


@pytest.mark.parametrize("filtering", ["each", "always"])
def test_planned_fits_cover_the_filtered_candidates(filtering):
    rng = np.random.default_rng(1)
    real, test = plain(blobs(12, rng, shift=0.35, dims=40)), plain(blobs(100, rng, offset=5000, dims=40))
    pool = plain(blobs(400, rng, offset=1000, shift=0.35, dims=40))
    calls = []

    def make(seed, classic):
        calls.append(seed)
        return TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)

    settings = ProtocolSettings(seeds=3, folds=3, amounts=(0.0, 4.0, 16.0), filtering=filtering)
    result = run_protocol(
        real=real, synthetic=pool, test=test, classifiers={"lr": make}, kind="tabular", settings=settings
    )
    planned = planned_fits(
        real_counts=real.counts(), synthetic_counts=pool.counts(), kind="tabular", settings=settings
    )
    if result["classifiers"]["lr"]["selection"]["classic"]["amount"] == 0:  # no SMOTE rows to add
        planned -= 3 * 3  # samples on top of them: no third CV of the 3 candidates
    # each: exactly the fits made (the filters of every fold and of the run, then every candidate
    # twice); always: the filters, and each candidate once
    assert len(calls) == planned if filtering == "each" else 0 < planned - len(calls) <= 2 * 3


@pytest.mark.parametrize("cv_seeds", [1, 2])
def test_planned_fits_count_the_images_second_selection_with_the_augmentation_on(cv_seeds):
    real, test = marked_images(24, synthetic=False), marked_images(20, synthetic=False, offset=1)
    pool = marked_images(200, synthetic=True)
    inner, calls = helps_only(with_classic=True), []

    def make(seed, classic):
        calls.append(classic)
        return inner(seed, classic)

    settings = ProtocolSettings(
        seeds=2, folds=3, amounts=(0.0, 1.0, 2.0), filtering=False, replicates=100, cv_seeds=cv_seeds
    )
    run_protocol(
        real=real, synthetic=pool, test=test, classifiers={"cnn": make}, kind="image", settings=settings
    )
    planned = planned_fits(
        real_counts=real.counts(), synthetic_counts=pool.counts(), kind="image", settings=settings
    )
    selection = 3 * 3 * 2 * cv_seeds  # 3 folds x 3 amounts, without and with it, each seed
    assert len(calls) == planned == 2 * 5 + selection
    assert calls[:selection].count(True) == selection // 2
