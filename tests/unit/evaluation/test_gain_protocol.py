from typing import ClassVar

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


@pytest.mark.parametrize("with_classic", [True, False])
def test_images_choose_the_amount_on_top_of_the_classic_augmentation_with_it_on(with_classic):
    """Samples that help only a CNN trained with the classic augmentation are added to
    real+classic+synthetic and not to real+synthetic, and the other way round."""
    real, test = marked_images(24, synthetic=False), marked_images(40, synthetic=False, offset=1)
    pool = marked_images(200, synthetic=True)
    settings = ProtocolSettings(seeds=2, folds=3, amounts=(0.0, 1.0, 2.0), filtering=False, replicates=200)
    result = run_protocol(
        real=real,
        synthetic=pool,
        test=test,
        classifiers={"cnn": helps_only(with_classic)},
        kind="image",
        settings=settings,
    )["classifiers"]["cnn"]
    on_classic, plain_amount = (
        result["selection"]["classic+synthetic"]["amount"],
        result["selection"]["synthetic"]["amount"],
    )
    scores = {c: v["balanced_accuracy"]["mean"] for c, v in result["conditions"].items()}
    if with_classic:
        assert (on_classic, plain_amount) == (1.0, 0.0)
        assert scores["real+classic+synthetic"] == 1.0 and scores["real+synthetic"] == 0.5
        assert result["recommendation"]["option"] == "classic+synthetic"
    else:
        assert (on_classic, plain_amount) == (0.0, 1.0)
        assert scores["real+classic+synthetic"] == 0.5 and scores["real+synthetic"] == 1.0
        assert result["recommendation"]["option"] == "synthetic"


class SmoteAndSynthetic:
    """A stand-in classifier for tables: trained with synthetic rows (``row_id`` from 1000) and
    SMOTE rows (fractional ``row_id``, interpolated between real rows), or with synthetic rows and
    no SMOTE rows when ``needs_smote`` is False, it reads the label off ``truth``; with SMOTE rows
    alone (and ``needs_smote``), on half the rows only (``row_id`` 0 or 1 modulo 4); else it always
    says class 0."""

    fits: ClassVar[list[set[float]]] = []
    needs_smote = True

    def __init__(self, seed: int):
        self.level = 0

    def fit(self, x, y, sample_weight=None):
        ids = x["row_id"].to_numpy()
        smote, synthetic = bool((ids % 1 != 0).any()), bool((ids >= 1000).any())
        self.level = 2 if synthetic and smote == self.needs_smote else int(smote and self.needs_smote)
        SmoteAndSynthetic.fits.append(set(ids))
        return self

    def predict_proba(self, x):
        truth = x["truth"].to_numpy().astype(int)
        half = x["row_id"].to_numpy() % 4 < 2
        label = truth if self.level == 2 else np.where(half, truth, 0) if self.level else 0 * truth
        return np.eye(2)[label]


def run_stand_in(
    needs_smote: bool,
    *,
    imbalanced: bool = False,
    weights: tuple[float, ...] = (1.0,),
    pool_counts: tuple[int, int] = (100, 100),
    whole: bool = False,
) -> dict:
    rng = np.random.default_rng(5)
    real, test, pool = blobs(24, rng), blobs(40, rng, offset=5000), blobs(200, rng, offset=1000)
    if imbalanced:  # 12 rows of class 0, 6 of class 1
        real = real.subset(np.r_[np.flatnonzero(real.y == 0), np.flatnonzero(real.y == 1)[:6]])
    pool = pool.subset(
        np.r_[np.flatnonzero(pool.y == 0)[: pool_counts[0]], np.flatnonzero(pool.y == 1)[: pool_counts[1]]]
    )
    for part in (real, test, pool):
        part.x["truth"] = part.y
    SmoteAndSynthetic.fits, SmoteAndSynthetic.needs_smote = [], needs_smote
    settings = ProtocolSettings(
        seeds=2, folds=3, amounts=(0.0, 1.0), filtering=False, replicates=200, weights=weights
    )
    result = run_protocol(
        real=real,
        synthetic=pool,
        test=test,
        classifiers={"stand-in": lambda seed, classic: SmoteAndSynthetic(seed)},
        kind="tabular",
        settings=settings,
    )
    return result if whole else result["classifiers"]["stand-in"]


def smote_rows(ids: set[float]) -> frozenset[float]:
    return frozenset(i for i in ids if i % 1 != 0)


def test_tables_choose_the_amount_on_top_of_the_chosen_smote_rows_with_them():
    """Synthetic rows that help only together with SMOTE's are added to real+classic+synthetic
    (on top of the very SMOTE rows real+classic trains on) and not to real+synthetic."""
    result = run_stand_in(needs_smote=True)
    selection = result["selection"]
    assert (selection["classic"]["amount"], selection["synthetic"]["amount"]) == (1.0, 0.0)
    assert selection["classic+synthetic"]["amount"] == 1.0
    scores = {c: v["balanced_accuracy"]["mean"] for c, v in result["conditions"].items()}
    assert scores[REAL_CLASSIC_SYNTHETIC] == 1.0 and scores[REAL_SYNTHETIC] == 0.5
    assert 0.5 < scores[REAL_CLASSIC] < 1.0
    assert result["recommendation"]["option"] == "classic+synthetic"
    # selection: 3 folds x 2 candidates each for synthetic, SMOTE and on top of SMOTE; on top,
    # every candidate's fold holds the rows the chosen SMOTE candidate (1x) added in that fold
    classic = [smote_rows(ids) for ids in SmoteAndSynthetic.fits[6:12]]
    on_top = [smote_rows(ids) for ids in SmoteAndSynthetic.fits[12:18]]
    assert classic[:3] == [frozenset()] * 3 and all(classic[3:])  # x0, then x1
    assert on_top == classic[3:] * 2  # x0 and x1, fold by fold
    # phase 2, per seed: real+classic's SMOTE rows are exactly those of real+classic+synthetic
    final = [ids for ids in SmoteAndSynthetic.fits[18:] if min(ids) < 1000]
    with_both = [ids for ids in final if max(ids) >= 1000 and smote_rows(ids)]
    assert len(with_both) == 2  # one per seed
    for ids in with_both:
        assert sum(smote_rows(ids) == smote_rows(other) for other in final) == 2  # and real+classic's
        assert len([i for i in ids if i >= 1000]) == 24  # 1x the real rows, as the CV chose


def test_synthetic_rows_on_top_of_smote_are_shared_by_the_counts_after_the_smote_rows():
    """On an imbalanced table, 1x SMOTE (rarest-first) levels the classes; 1x synthetic rows on
    top of them then go to both classes evenly, in the CV folds and in the final condition, not to
    the real minority class a second time (as real+synthetic's 1x would)."""
    result = run_stand_in(needs_smote=True, imbalanced=True)
    selection = result["selection"]
    assert (selection["classic"]["amount"], selection["classic+synthetic"]["amount"]) == (1.0, 1.0)
    synthetic_labels = on_top_labels()
    assert len(synthetic_labels) == 3 + 2  # the 1x candidate in 3 folds, then one per seed
    for labels in synthetic_labels[:3]:  # a fold's 12 training rows: 8 + 4, levelled at 12 + 12
        assert labels.tolist() == [6, 6]
    for labels in synthetic_labels[3:]:  # 18 real rows, levelled at 18 + 18 by SMOTE
        assert labels.tolist() == [9, 9]
    assert extra_counts(np.array([12, 6]), 1.0, RAREST_FIRST).tolist() == [6, 12]  # not this


def on_top_labels() -> list[np.ndarray]:
    """(classes,) the synthetic rows of each stand-in fit that had SMOTE rows too, by class."""
    return [
        np.bincount((np.array(sorted(i for i in ids if i >= 1000)) - 1000).astype(int) % 2, minlength=2)
        for ids in SmoteAndSynthetic.fits
        if smote_rows(ids) and max(ids) >= 1000
    ]


def test_smote_rows_count_by_their_weight_when_synthetic_rows_are_shared_on_top():
    """At weight 0.5, 1x SMOTE rows fill half the gap: a fold of 8 + 4 rows then holds 10 + 8, so
    12 synthetic rows end both classes at 15; the 12 + 6 real rows hold 15 + 12, so 18 end at 22.5."""
    selection = run_stand_in(needs_smote=True, imbalanced=True, weights=(0.5,))["selection"]
    assert (selection["classic"]["amount"], selection["classic"]["weight"]) == (1.0, 0.5)
    assert (selection["classic+synthetic"]["amount"], selection["classic+synthetic"]["weight"]) == (1.0, 0.5)
    labels = [counts.tolist() for counts in on_top_labels()]
    assert labels == [[5, 7]] * 3 + [[8, 10]] * 2  # 7.5 and 10.5 rounded to even


@pytest.mark.parametrize(
    ("pool_counts", "alone", "on_top"),
    [((9, 9), False, True), ((6, 12), True, False)],
)
def test_on_top_candidates_are_checked_against_the_counts_after_smote(pool_counts, alone, on_top):
    """1x alone adds 6 + 12 to 12 + 6 real rows; on top of 1x SMOTE rows (18 + 18) it adds 9 + 9.
    Each choice tries 1x when the pool holds what 1x adds there, and an amount either choice could
    not try is named."""
    result = run_stand_in(needs_smote=True, imbalanced=True, pool_counts=pool_counts, whole=True)
    selection = result["classifiers"]["stand-in"]["selection"]
    assert selection["classic"]["amount"] == 1.0
    assert ("x1" in selection["synthetic"]["cv_balanced_accuracy"]) == alone
    assert ("x1" in selection["classic+synthetic"]["cv_balanced_accuracy"]) == on_top
    assert result["untested_amounts"] == [1.0] and "the amounts 1x could not be tried" in result["caveat"]


def test_tables_without_smote_rows_take_real_synthetics_choice_and_training_set_on_top():
    """When the chosen SMOTE amount is 0, real+classic+synthetic is real+synthetic: no second
    inner CV, the same rows, so the verdict gets no second try at the same comparison."""
    result = run_stand_in(needs_smote=False)
    selection = result["selection"]
    assert (selection["classic"]["amount"], selection["synthetic"]["amount"]) == (0.0, 1.0)
    assert selection["classic+synthetic"] == selection["synthetic"]
    assert (
        len(SmoteAndSynthetic.fits) == 3 * 2 * 2 + 2 * 5
    )  # two CVs of 2 candidates (no third), 5 conditions
    final = [ids for ids in SmoteAndSynthetic.fits[12:] if min(ids) < 1000 and max(ids) >= 1000]
    assert len(final) == 4 and final[0] == final[1] and final[2] == final[3]  # per seed, twice the same
    scores = {c: v["balanced_accuracy"]["mean"] for c, v in result["conditions"].items()}
    assert scores[REAL_CLASSIC_SYNTHETIC] == scores[REAL_SYNTHETIC] == 1.0
    assert result["recommendation"]["option"] == "synthetic"
