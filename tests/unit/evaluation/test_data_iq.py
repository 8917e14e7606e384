"""Data-IQ curation: the rows gradient boosting on the real rows learns confidently are kept, rows
with the wrong label or on the class boundary are dropped, and the filter rule reaches the CV."""

import numpy as np
import pandas as pd
import pytest

from synthaug.evaluation.classifiers import TABULAR_CLASSIFIERS
from synthaug.evaluation.data_iq import easy_mask, training_dynamics
from synthaug.evaluation.fits import filter_mask
from synthaug.evaluation.gain import run_protocol
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.selection import ProtocolSettings
from tests.unit.evaluation.stand_ins import blobs, plain


def two_classes(n: int, rng: np.random.Generator, *, shift: float = 4.0) -> Samples:
    return plain(blobs(n, rng, shift=shift, dims=2))


def scarce_and_mislabelled(rng: np.random.Generator, wrong: int, *, one_way: bool = False):
    """(real, test, pool): 12 real rows in 40 noisy dimensions, where more rows of the same
    distribution help a linear model; 200 test rows; a pool of 400 such rows and ``wrong`` more
    with the wrong label (``one_way``: only those of class 0, all labelled 1)."""
    real, test = blobs(12, rng, shift=0.6, dims=40), blobs(200, rng, offset=5000, shift=0.6, dims=40)
    useful = blobs(400, rng, offset=1000, shift=0.6, dims=40)
    bad = blobs(wrong, rng, offset=2000, shift=0.6, dims=40)
    if one_way:
        bad = bad.subset(np.flatnonzero(bad.y == 0))
    return real, test, useful.concat(Samples(bad.x, np.ones_like(bad.y) if one_way else 1 - bad.y, 2))


def test_rows_inside_their_class_are_easy_and_wrong_or_boundary_rows_are_not():
    rng = np.random.default_rng(0)
    real, pool = two_classes(30, rng), two_classes(400, rng)
    kept = easy_mask(real, pool, 0.8)
    assert kept.mean() > 0.7
    assert not easy_mask(real, Samples(pool.x, 1 - pool.y, 2), 0.8).any()  # every label wrong
    # where the real rows hold both labels at one point, any model of them tosses a coin
    tie = Samples(pd.DataFrame({"x0": [2.0] * 8, "x1": [2.0] * 8}), np.arange(8) % 2, 2)
    middle = Samples(tie.x.iloc[:4], tie.y[:4], 2)
    assert not easy_mask(real.concat(tie), middle, 0.8).any()
    near, near_pool = two_classes(30, rng, shift=1.5), two_classes(400, rng, shift=1.5)
    assert (
        easy_mask(near, near_pool, 0.95).sum() < easy_mask(near, near_pool, 0.8).sum()
    )  # a higher bar keeps fewer


def test_the_statistics_follow_their_definitions():
    rng = np.random.default_rng(1)
    real, pool = two_classes(20, rng, shift=1.5), two_classes(200, rng, shift=1.5)
    dynamics = training_dynamics(real, pool)
    assert ((dynamics.confidence >= 0) & (dynamics.confidence <= 1)).all()
    # mean p(1 - p) <= m(1 - m) for the mean m of p (Jensen): the confidence bounds it
    assert (dynamics.aleatoric <= dynamics.confidence * (1 - dynamics.confidence) + 1e-12).all()
    assert dynamics.aleatoric.max() > 0.1  # overlapping classes leave some rows uncertain
    # a label the real rows never showed is never learned
    unseen = Samples(pool.x.iloc[:5], np.full(5, 2), 3)
    assert (training_dynamics(Samples(real.x, real.y, 3), unseen).confidence == 0).all()
    assert easy_mask(real, pool.subset(np.zeros(0, dtype=int)), 0.8).shape == (0,)


def test_filter_mask_applies_the_named_rule():
    rng = np.random.default_rng(2)
    real, pool = two_classes(30, rng, shift=1.5), two_classes(300, rng, shift=1.5)
    make = lambda seed, classic: TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)  # noqa: E731
    contradicted = filter_mask(real, pool, make, 0.8)
    data_iq = filter_mask(real, pool, make, 0.8, "data-iq")
    assert (data_iq == easy_mask(real, pool, 0.8)).all()
    assert (
        data_iq.sum() < contradicted.sum()
    )  # keeping the easy rows is stricter than dropping contradicted ones
    with pytest.raises(ValueError, match="unknown filter rule 'nope'; known: contradicted, data-iq"):
        filter_mask(real, pool, make, 0.8, "nope")


def test_the_cross_validation_tries_the_data_iq_filter_and_the_result_records_it():
    real, test, noisy = scarce_and_mislabelled(np.random.default_rng(3), 80)
    real, test, noisy = plain(real), plain(test), plain(noisy)
    make = lambda seed, classic: TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)  # noqa: E731
    settings = ProtocolSettings(seeds=2, amounts=(0.0, 2.0), filter_rule="data-iq", rule="best")
    result = run_protocol(
        real=real,
        synthetic=noisy,
        test=test,
        classifiers={"logistic": make},
        kind="tabular",
        settings=settings,
    )
    assert result["settings"]["filter_rule"] == "data-iq"
    assert "Data-IQ's easy samples" in result["settings"]["filter_rule_text"]
    scores = result["classifiers"]["logistic"]["selection"]["synthetic"]["cv_balanced_accuracy"]
    assert set(scores) == {"x0", "x2", "x2+filter"}  # the filter was tried on the best amount
    keep = easy_mask(real, noisy, 0.8)
    assert keep[400:].mean() < keep[:400].mean()  # it keeps the wrong labels less often


def test_a_rare_class_counts_as_much_as_a_common_one():
    rng = np.random.default_rng(6)
    common, rare = two_classes(200, rng, shift=1.5), two_classes(20, rng, shift=1.5)
    # 100 rows of class 0 and 10 of class 1, overlapping
    real = common.subset(np.flatnonzero(common.y == 0)).concat(rare.subset(np.flatnonzero(rare.y == 1)))
    pool = two_classes(400, rng, shift=1.5)
    dynamics = training_dynamics(real, pool)
    mean_confidence = [dynamics.confidence[pool.y == label].mean() for label in (0, 1)]
    # unweighted, the model was sure of the common class only (0.94 against 0.25 on these rows)
    assert mean_confidence[1] > 0.5 and mean_confidence[0] - mean_confidence[1] < 0.3
