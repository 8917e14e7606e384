"""The verification protocol end to end on stand-ins: no test row reaches training, selection or
filtering; what each condition adds; the cross-fitted selection and its folds."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from synthaug.evaluation.classifiers import TABULAR_CLASSIFIERS, CNNClassifier
from synthaug.evaluation.downstream_metrics import score
from synthaug.evaluation.fits import filter_mask
from synthaug.evaluation.gain import (
    REAL,
    REAL_CLASSIC,
    REAL_CLASSIC_SYNTHETIC,
    REAL_SYNTHETIC,
    SYNTHETIC_ONLY,
    planned_fits,
    run_protocol,
)
from synthaug.evaluation.run_verification import cross_validation_words
from synthaug.evaluation.samples import (
    PROPORTIONAL,
    RAREST_FIRST,
    Samples,
    classic_oversample,
    draw_per_class,
    extra_counts,
    most_drawn,
)
from synthaug.evaluation.selection import (
    FoldPool,
    ProtocolSettings,
    _cv_folds,
    check_unseen,
    select_settings,
    selection_folds,
)
from tests.unit.evaluation.stand_ins import Recorder, blobs, plain


def test_no_test_row_reaches_training_selection_or_filtering():
    rng = np.random.default_rng(0)
    real, synthetic, test = blobs(40, rng), blobs(200, rng, offset=1000), blobs(100, rng, offset=5000)
    test_ids = set(test.x["row_id"].astype(int))
    Recorder.log = []
    result = run_protocol(
        real=real,
        synthetic=synthetic,
        test=test,
        classifiers={"recorder": lambda seed, classic: Recorder(seed)},
        kind="tabular",
        settings=ProtocolSettings(seeds=3, folds=3, amounts=(0.0, 1.0, 2.0)),
    )
    assert all(not (ids & test_ids) for kind, ids in Recorder.log if kind == "fit")
    first_test = next(i for i, (kind, ids) in enumerate(Recorder.log) if ids & test_ids)
    assert all(
        kind == "predict" and ids == test_ids for kind, ids in Recorder.log[first_test:] if ids & test_ids
    )
    # every fit after the first test prediction is a final condition, never selection on test scores
    selection_fits = sum(1 for kind, _ in Recorder.log[:first_test] if kind == "fit")
    assert selection_fits >= 3 * 3  # folds x candidates at least
    assert set(result["classifiers"]["recorder"]["conditions"]) == {
        REAL,
        REAL_SYNTHETIC,
        REAL_CLASSIC,
        REAL_CLASSIC_SYNTHETIC,
        SYNTHETIC_ONLY,
    }
    assert result["sizes"] == {"real_train": 40, "synthetic_pool": 200, "test": 100}


def test_useful_synthetic_data_gain_and_mislabelled_data_are_not_added():
    rng = np.random.default_rng(1)
    # 40 noisy dimensions and 12 real rows: a linear model overfits, and more rows from the same
    # distribution help it a lot
    real, test = blobs(12, rng, shift=0.35, dims=40), blobs(400, rng, offset=5000, shift=0.35, dims=40)
    useful = blobs(400, rng, offset=1000, shift=0.35, dims=40)
    real, test, useful = plain(real), plain(test), plain(useful)
    flipped = Samples(useful.x, 1 - useful.y, 2)  # every label wrong: adding these can only hurt
    classifiers = {"logistic": lambda seed, classic: TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)}
    settings = ProtocolSettings(seeds=5, folds=3, amounts=(0.0, 4.0, 16.0))
    good = run_protocol(
        real=real, synthetic=useful, test=test, classifiers=classifiers, kind="tabular", settings=settings
    )
    bad = run_protocol(
        real=real, synthetic=flipped, test=test, classifiers=classifiers, kind="tabular", settings=settings
    )
    assert good["classifiers"]["logistic"]["selection"]["synthetic"]["amount"] > 0
    assert good["verdict"] == "gain"
    tstr_spread = good["classifiers"]["logistic"]["conditions"][SYNTHETIC_ONLY]["balanced_accuracy"]
    assert (
        tstr_spread["high"] > tstr_spread["low"]
    )  # the seeds vary synthetic-only even for a deterministic model
    assert bad["classifiers"]["logistic"]["selection"]["synthetic"]["amount"] == 0.0
    assert bad["verdict"] == "no-gain"  # nothing added: the same scores as real only, not harm
    tstr = bad["classifiers"]["logistic"]["paired_vs_real"][SYNTHETIC_ONLY]["balanced_accuracy"]
    assert tstr["verdict"] == "harm"  # and training on the flipped data alone is reported as harmful


def test_draws_filtering_and_smote_add_what_they_say():
    rng = np.random.default_rng(2)
    real, pool = blobs(20, rng), blobs(100, rng, offset=1000)
    drawn = draw_per_class(pool, real, 2.0, rng, allocation=RAREST_FIRST)
    assert list(drawn.counts()) == [20, 20] and len(set(drawn.x["row_id"])) == 40
    assert list(draw_per_class(pool, real, 100.0, rng, allocation=PROPORTIONAL).counts()) == [
        50,
        50,
    ]  # capped by the pool
    features, pool_features = plain(real), plain(pool)
    wrong = Samples(pool_features.x, 1 - pool.y, 2)
    make = lambda seed, classic: TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)  # noqa: E731
    assert (
        filter_mask(features, wrong, make, 0.6).mean()
        < 0.5
        < filter_mask(features, pool_features, make, 0.6).mean()
    )
    extra = classic_oversample(real, 1.5, rng, allocation=PROPORTIONAL)
    assert list(extra.counts()) == [15, 15] and list(extra.x.columns) == list(real.x.columns)
    mixed = Samples(real.x.assign(kind=["x", "y"] * 10), real.y, 2)
    with_categories = classic_oversample(mixed, 1.0, rng, allocation=RAREST_FIRST)
    assert set(with_categories.x["kind"]) <= {"x", "y"} and len(with_categories) == 20
    assert len(classic_oversample(real, 0.0, rng, allocation=RAREST_FIRST)) == 0


@pytest.mark.parametrize(
    ("counts", "amount", "rarest_first", "proportional"),
    [
        ((15, 15, 15), 0.5, (8, 8, 8), (8, 8, 8)),  # equal counts: the same, rounding included
        ((20, 10), 1.0, (10, 20), (20, 10)),  # 30 added: both end at 30
        ((20, 10), 0.25, (0, 8), (5, 2)),  # 7.5 added: the rare class first
        ((94, 40, 10), 1.0, (2, 56, 86), (94, 40, 10)),  # all end near 96
        ((94, 40, 10), 0.5, (0, 21, 51), (47, 20, 5)),  # 72 added: two classes end at 61
        ((20, 10), 0.0, (0, 0), (0, 0)),
    ],
)
def test_an_amount_goes_to_the_rarest_classes_first(counts, amount, rarest_first, proportional):
    assert tuple(extra_counts(np.array(counts), amount, RAREST_FIRST)) == rarest_first
    assert tuple(extra_counts(np.array(counts), amount, PROPORTIONAL)) == proportional
    with pytest.raises(ValueError, match="unknown allocation 'even'"):
        extra_counts(np.array(counts), amount, "even")


@pytest.mark.parametrize(
    ("counts", "present", "amount", "added"),
    [
        ((20, 10), (30, 30), 1.0, (15, 15)),  # level after 1x SMOTE: shared evenly
        ((20, 10), (20, 10), 1.0, (10, 20)),  # nothing added before: as without present
        ((20, 10), (25, 20), 0.5, (5, 10)),  # 15 added from 25 and 20: both end at 30
        ((20, 10), (25, 15), 0.25, (0, 8)),  # 7.5 added: the class that is still rarer first
    ],
)
def test_rarest_first_fills_from_what_the_set_already_holds(counts, present, amount, added):
    got = extra_counts(np.array(counts), amount, RAREST_FIRST, present=np.array(present, dtype=float))
    assert tuple(got) == added
    proportional = extra_counts(np.array(counts), amount, PROPORTIONAL, present=np.array(present))
    assert tuple(proportional) == tuple(extra_counts(np.array(counts), amount, PROPORTIONAL))


def test_held_counts_rows_by_their_weight_and_most_drawn_covers_draws_on_top_of_smote():
    real = Samples(pd.DataFrame({"a": np.arange(30.0)}), np.array([0] * 20 + [1] * 10), 2)
    smote = Samples(pd.DataFrame({"a": np.arange(20.0)}), np.array([0] * 10 + [1] * 10), 2).weighted(0.5)
    assert real.concat(smote).held().tolist() == [25.0, 15.0]
    counts = real.counts()
    assert most_drawn(counts, [0.0, 1.0], [1.0], RAREST_FIRST, on_classic=False).tolist() == [10, 20]
    # on top of 1x SMOTE rows (both at 30) 1x adds 15 of each: more of class 0 than alone
    assert most_drawn(counts, [0.0, 1.0], [1.0], RAREST_FIRST, on_classic=True).tolist() == [15, 20]
    # at weight 0.5 the SMOTE rows leave (25, 20): 30 more end at 37.5
    half = most_drawn(counts, [0.0, 1.0], [0.5], RAREST_FIRST, on_classic=True)
    assert half.tolist() == [12, 20]


def test_draws_and_smote_follow_the_allocation():
    rng = np.random.default_rng(3)
    real = blobs(40, rng)
    imbalanced = real.subset(np.r_[np.flatnonzero(real.y == 0), np.flatnonzero(real.y == 1)[:8]])
    counts = imbalanced.counts()
    assert list(counts) == [20, 8]
    pool = blobs(100, rng, offset=1000)
    wanted = extra_counts(counts, 1.0, RAREST_FIRST)
    assert list(wanted) == [8, 20]  # both end at 28
    assert list(draw_per_class(pool, imbalanced, 1.0, rng, allocation=RAREST_FIRST).counts()) == list(wanted)
    smote = classic_oversample(imbalanced, 1.0, rng, allocation=RAREST_FIRST)
    assert list(smote.counts()) == list(wanted)
    assert pool.available_for(imbalanced, 1.0, allocation=RAREST_FIRST)
    assert not pool.subset(pool.y == 0).available_for(imbalanced, 1.0, allocation=RAREST_FIRST)


def test_metrics_on_known_predictions():
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
    scores = score(y, proba, 2)
    assert scores["balanced_accuracy"] == pytest.approx(0.75)
    assert scores["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert scores["auroc"] == pytest.approx(1.0)
    three = score(np.array([0, 1, 2]), np.eye(3), 3)
    assert three == {"balanced_accuracy": 1.0, "macro_f1": 1.0, "auroc": 1.0}


def test_cnn_classifier_covers_every_class_and_is_seeded():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (40, 8, 8, 1), dtype=np.uint8)
    labels = np.arange(40) % 2  # class 2 of 3 never seen in training
    first = (
        CNNClassifier(n_classes=3, seed=5, steps=5, augment=True).fit(images, labels).predict_proba(images)
    )
    again = (
        CNNClassifier(n_classes=3, seed=5, steps=5, augment=True).fit(images, labels).predict_proba(images)
    )
    assert first.shape == (40, 3) and np.allclose(first.sum(axis=1), 1) and np.allclose(first, again)


def test_cnn_classifier_is_reproducible_while_other_threads_use_torch_rng():
    """Verification units may train CNNs in parallel threads: a fit must not read torch's global
    RNG, which another thread may be drawing from or reseeding."""
    import threading

    import torch

    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (48, 8, 8, 1), dtype=np.uint8)
    labels = np.arange(48) % 3

    def fit(seed: int) -> np.ndarray:
        return CNNClassifier(n_classes=3, seed=seed, steps=20).fit(images, labels).predict_proba(images)

    alone = [fit(seed) for seed in (1, 2)]
    stop, results = threading.Event(), {}

    def disturb() -> None:  # what a GAN training in another thread does to the global RNG
        while not stop.is_set():
            torch.manual_seed(int(rng.integers(1000)))
            torch.rand(64)

    noise = threading.Thread(target=disturb)
    noise.start()
    workers = [threading.Thread(target=lambda s=s: results.__setitem__(s, fit(s))) for s in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    noise.join()
    assert np.array_equal(results[1], alone[0]) and np.array_equal(results[2], alone[1])
    assert not np.array_equal(alone[0], alone[1])


def test_cross_fitted_selection_draws_each_fold_from_its_own_generator():
    rng = np.random.default_rng(3)
    real, test = blobs(30, rng), blobs(60, rng, offset=5000)
    shared = blobs(200, rng, offset=1000)
    folds = selection_folds(real.y, 2, 3)
    # fold k's "generator" output: rows with ids 2000 + 1000k..., trained on fold k's training rows
    pools = [FoldPool(blobs(200, rng, offset=2000 + 1000 * k), train) for k, (train, _) in enumerate(folds)]
    fold_ids = [set(pool.samples.x["row_id"].astype(int)) for pool in pools]
    shared_ids = set(shared.x["row_id"].astype(int))
    Recorder.log = []
    run_protocol(
        real=real,
        synthetic=shared,
        test=test,
        classifiers={"recorder": lambda seed, classic: Recorder(seed)},
        kind="tabular",
        settings=ProtocolSettings(seeds=2, folds=3, amounts=(0.0, 1.0, 2.0)),
        fold_pools=pools,
    )
    test_ids = set(test.x["row_id"].astype(int))
    first_test = next(i for i, (kind, ids) in enumerate(Recorder.log) if ids & test_ids)
    selection_fits = [ids for kind, ids in Recorder.log[:first_test] if kind == "fit"]
    real_ids = {int(i) for i in real.x["row_id"]}
    for ids in selection_fits:
        extra = ids - real_ids
        # a selection fit adds samples of one fold's generator only, never the run's generator's,
        # and only to that fold's training rows
        assert not extra & shared_ids
        assert sum(bool(extra & f) for f in fold_ids) <= 1
        for k, (train, _) in enumerate(folds):
            if extra & fold_ids[k]:
                assert ids & real_ids == {int(real.x["row_id"][i]) for i in train}
    assert any(ids - real_ids for ids in selection_fits)  # synthetic samples were tried


def test_repeated_selection_folds_start_with_the_single_pass_and_redraw_the_later_ones():
    y = np.array([0] * 20 + [1] * 9)
    single, repeated = selection_folds(y, 2, 3), selection_folds(y, 2, 3, repeats=3)
    assert len(repeated) == 9
    for (train, validation), (train_r, validation_r) in zip(single, repeated[:3], strict=True):
        assert np.array_equal(train, train_r) and np.array_equal(validation, validation_r)
    for start in (0, 3, 6):  # every pass validates on each row exactly once, stratified
        validated = np.concatenate([v for _, v in repeated[start : start + 3]])
        assert sorted(validated.tolist()) == list(range(29))
        assert all(np.bincount(y[v], minlength=2).min() == 3 for _, v in repeated[start : start + 3])
    assert not np.array_equal(repeated[0][1], repeated[3][1])


def test_cv_seeds_average_each_folds_score_over_seeds_that_each_draw_their_own_samples():
    rng = np.random.default_rng(3)
    real = plain(blobs(90, rng, shift=0.3))  # overlapping classes: the forest's seed matters
    folds = selection_folds(real.y, 2, 3)
    forest = TABULAR_CLASSIFIERS["random_forest"]
    draws = []

    def nothing(fold_id, fold, draw_rng):
        draws.append((fold_id, draw_rng.random()))
        return fold.subset(np.zeros(len(fold), bool))

    def make(shift):
        return lambda seed, classic: forest(n_classes=2, seed=seed + shift)

    both = _cv_folds(real, folds, make(0), nothing, seeds=2)
    first, second = (_cv_folds(real, folds, make(s), nothing) for s in (0, 1))
    assert not np.array_equal(first, second)  # the seeds score differently
    assert np.allclose(both, (first + second) / 2)
    # seed 0 draws as a single seed always did; seed 1 draws other samples
    seed0, seed1 = [value for _, value in draws[:6:2]], [value for _, value in draws[1:6:2]]
    assert [fold for fold, _ in draws[:6:2]] == [0, 1, 2]
    assert seed0 == [np.random.default_rng(k).random() for k in range(3)]
    assert all(a != b for a, b in zip(seed0, seed1, strict=True))
    assert (
        cross_validation_words(1, 2) == "cross-validation (each fold's score the mean of 2 classifier seeds)"
    )
    assert cross_validation_words(3, 1) == "cross-validation (repeated 3 times on new fold splits)"
    assert cross_validation_words() == "cross-validation"


def test_repeats_multiply_the_selection_fits_and_are_recorded():
    rng = np.random.default_rng(5)
    real, test, pool = (
        plain(blobs(30, rng)),
        plain(blobs(40, rng, offset=5000)),
        plain(blobs(200, rng, offset=1000)),
    )
    make = lambda seed, classic: TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)  # noqa: E731
    fits = {}
    for repeats in (1, 2):
        settings = ProtocolSettings(seeds=2, folds=3, repeats=repeats, amounts=(0.0, 1.0), filtering=False)
        selection = select_settings(real=real, synthetic=pool, make=make, kind="tabular", settings=settings)
        fits[repeats] = planned_fits(
            real_counts=real.counts(), synthetic_counts=pool.counts(), kind="tabular", settings=settings
        )
        assert set(selection.selections["synthetic"].cv_scores) == {"x0", "x1"}
        result = run_protocol(
            real=real,
            synthetic=pool,
            test=test,
            classifiers={"logistic": make},
            kind="tabular",
            settings=settings,
        )
        assert result["settings"]["repeats"] == repeats and result["settings"]["cv_seeds"] == 1
    assert fits[2] - 2 * 5 == 2 * (fits[1] - 2 * 5)  # selection fits double; the 2 seeds x 5 do not


def test_a_fold_generator_that_saw_its_validation_rows_is_refused():
    rng = np.random.default_rng(4)
    real, test, pool = blobs(30, rng), blobs(40, rng, offset=5000), blobs(200, rng, offset=1000)
    folds = selection_folds(real.y, 2, 3)
    honest = [FoldPool(pool, train) for train, _ in folds]
    check_unseen(folds, honest)  # no error
    leaky = [*honest[:2], FoldPool(pool, np.arange(len(real)))]  # fold 2's generator saw every row
    with pytest.raises(RuntimeError, match="selection fold 2 validates on 10 training rows"):
        check_unseen(folds, leaky)
    with pytest.raises(RuntimeError, match="2 fold generators for 3 selection folds"):
        check_unseen(folds, honest[:2])
    make = lambda seed, classic: TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)  # noqa: E731
    with pytest.raises(RuntimeError, match="selection fold 2"):
        run_protocol(
            real=plain(real),
            synthetic=plain(pool),
            test=plain(test),
            classifiers={"logistic": make},
            kind="tabular",
            settings=ProtocolSettings(seeds=2, folds=3, amounts=(0.0, 1.0)),
            fold_pools=[FoldPool(plain(p.samples), p.trained_on) for p in leaky],
        )


def test_amounts_the_synthetic_set_cannot_fill_are_named_with_the_fix():
    rng = np.random.default_rng(3)
    real, test = plain(blobs(40, rng)), plain(blobs(60, rng, offset=5000))
    settings = ProtocolSettings(seeds=2, folds=2, amounts=(0.0, 1.0, 2.0), filtering=False)
    logistic = {"logistic": lambda seed, classic: LogisticRegression(random_state=seed)}

    def protocol(pool_rows: int):
        synthetic = plain(blobs(pool_rows, rng, offset=1000))
        return run_protocol(
            real=real, synthetic=synthetic, test=test, classifiers=logistic, kind="tabular", settings=settings
        )

    some = protocol(30)  # 15 per class: 1x of 20 per class is out of reach, so is 2x
    assert some["untested_amounts"] == [1.0, 2.0]
    assert "no synthetic amount could be tried (1x, 2x)" in some["caveat"]
    assert "raise generation.per_class" in some["caveat"]
    assert some["classifiers"]["logistic"]["selection"]["synthetic"]["amount"] == 0
    partial = protocol(60)  # 30 per class: 1x fits, 2x does not
    assert partial["untested_amounts"] == [2.0] and "the amounts 2x could not be tried" in partial["caveat"]
    enough = protocol(100)  # without fold pools the only caveat is the shared selection's
    assert enough["untested_amounts"] == [] and "could not be tried" not in enough["caveat"]


def test_cnn_classifier_takes_soft_labels_and_sample_weights():
    """One-hot targets train exactly as class indices do; a weight of zero keeps an image out of
    every batch, so a class weighted to zero is never learnt."""
    rng = np.random.default_rng(6)
    images = rng.integers(0, 256, (30, 8, 8, 1), dtype=np.uint8)
    labels = np.arange(30) % 3

    def fit(x, y, weight=None):
        return (
            CNNClassifier(n_classes=3, seed=2, steps=10).fit(x, y, sample_weight=weight).predict_proba(images)
        )

    assert np.allclose(fit(images, labels), fit(images, np.eye(3)[labels]), atol=1e-6)
    kept = labels != 2
    weighted = fit(images, labels, np.where(kept, 1.0, 0.0))
    assert not np.allclose(weighted, fit(images, labels))
    # class 2 never appears in a batch, so its probability falls below the others' on average
    assert weighted[:, 2].mean() < weighted[:, :2].mean(axis=1).mean()
    with pytest.raises(ValueError, match="sample_weight must hold 30"):
        fit(images, labels, np.zeros(30))


def test_tabular_classifier_passes_sample_weights():
    rng = np.random.default_rng(7)
    data = blobs(40, rng)
    make = TABULAR_CLASSIFIERS["logistic"]
    plain = make(n_classes=2, seed=0).fit(data.x, data.y).predict_proba(data.x)
    doubled = (
        make(n_classes=2, seed=0).fit(data.x, data.y, sample_weight=np.full(40, 2.0)).predict_proba(data.x)
    )
    skewed = (
        make(n_classes=2, seed=0)
        .fit(data.x, data.y, sample_weight=np.where(data.y == 1, 5.0, 1.0))
        .predict_proba(data.x)
    )
    assert not np.allclose(plain, doubled)  # twice the weight is weaker regularisation
    assert skewed[:, 1].mean() > plain[:, 1].mean()
