"""Added samples weighted below (or above) a real one: Samples carry the weights, fits pass them on, the inner
CV chooses a weight with each amount, and the chosen weight is what phase 2 trains with."""

from typing import ClassVar

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from synthaug.evaluation.fits import FitMemory, samples_fingerprint
from synthaug.evaluation.gain import REAL, REAL_CLASSIC, REAL_CLASSIC_SYNTHETIC, REAL_SYNTHETIC, run_protocol
from synthaug.evaluation.run_verification import amount_text, summarise
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.selection import ProtocolSettings
from synthaug.pipeline.config import MAX_ADDED_WEIGHT, EvaluationConfig
from tests.unit.evaluation.stand_ins import blobs


class WeightRecorder:
    """A logistic regression that records, per fit, the weight each row_id was trained with."""

    fits: ClassVar[list[dict[int, float]]] = []

    def __init__(self, seed: int):
        self.model = LogisticRegression(random_state=seed, max_iter=2000)

    def fit(self, x, y, sample_weight=None):
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
        WeightRecorder.fits.append(dict(zip(x["row_id"].astype(int), weight, strict=True)))
        self.model.fit(x.drop(columns="row_id"), y, sample_weight=weight)
        return self

    def predict_proba(self, x):
        return self.model.predict_proba(x.drop(columns="row_id"))


def test_samples_keep_their_weights_through_subset_and_concat():
    rng = np.random.default_rng(0)
    real, extra = blobs(6, rng), blobs(4, rng, offset=100).weighted(0.25)
    assert real.weight is None and real.weighted(1.0) is real
    both = real.concat(extra)
    assert both.weights().tolist() == [1.0] * 6 + [0.25] * 4
    assert both.subset(np.array([0, 7])).weights().tolist() == [1.0, 0.25]
    assert real.concat(blobs(0, rng)).weight is None  # nothing weighted: no weights at all


def test_a_fit_passes_weights_and_remembers_weighted_samples_apart():
    rng = np.random.default_rng(1)
    samples = blobs(10, rng)
    assert samples_fingerprint(samples) != samples_fingerprint(samples.weighted(0.5))
    assert samples_fingerprint(samples) == samples_fingerprint(Samples(samples.x, samples.y, 2))
    WeightRecorder.fits = []

    def make(seed, classic):
        return WeightRecorder(seed)

    make.reuse_fits = True
    memory = FitMemory()
    memory.fit(make, 0, False, samples)
    memory.fit(make, 0, False, samples.weighted(0.5))
    memory.fit(make, 0, False, samples.weighted(0.5))  # the same request: reused
    assert [set(f.values()) for f in WeightRecorder.fits] == [{1.0}, {0.5}]
    assert memory.hits == 1


def _recorded_protocol(real, pool, test, learner, settings) -> dict:
    """The protocol's result for one classifier, "recorded": instances of ``learner`` (a
    WeightRecorder class), whose fits are recorded afresh in WeightRecorder.fits."""
    WeightRecorder.fits = []
    classifiers = {"recorded": lambda seed, classic: learner(seed)}
    return run_protocol(
        real=real, synthetic=pool, test=test, classifiers=classifiers, kind="tabular", settings=settings
    )


def test_the_inner_cv_tries_each_weight_and_phase_two_trains_with_the_chosen_one():
    rng = np.random.default_rng(2)
    real, test = blobs(24, rng, dims=60, shift=0.3), blobs(200, rng, offset=5000, dims=60, shift=0.3)
    pool = blobs(400, rng, offset=1000, dims=60, shift=0.3)
    synthetic_ids = set(range(1000, 1400))
    settings = ProtocolSettings(
        seeds=2, folds=3, amounts=(0.0, 4.0), weights=(0.25, 1.0), filtering=False, rule="best"
    )
    result = _recorded_protocol(real, pool, test, WeightRecorder, settings)
    entry = result["classifiers"]["recorded"]
    assert set(entry["selection"]["synthetic"]["cv_balanced_accuracy"]) == {"x0", "x4@w0.25", "x4"}
    assert set(entry["selection"]["classic"]["cv_balanced_accuracy"]) == {"x0", "x4@w0.25", "x4"}
    assert result["settings"]["weights"] == [0.25, 1.0]
    # selection: 3 folds x 3 synthetic candidates, 3 x 3 SMOTE ones, then 3 x 3 synthetic
    # candidates on top of the chosen SMOTE rows
    selection = WeightRecorder.fits[:27]
    added_weights = [{w for i, w in f.items() if i in synthetic_ids} for f in selection[:9]]
    assert {frozenset(w) for w in added_weights} == {frozenset(), frozenset({0.25}), frozenset({1.0})}
    # phase 2: real rows at 1, the synthetic rows at the weight the CV chose
    chosen = entry["selection"]["synthetic"]
    # SMOTE rows carry the candidate's weight too (real rows are all 1)
    assert {frozenset(f.values()) for f in selection[9:18]} == {frozenset({1.0}), frozenset({0.25, 1.0})}
    # on top of SMOTE: the chosen SMOTE candidate's rows at its weight, the synthetic rows at each
    classic, on_smote = entry["selection"]["classic"], entry["selection"]["classic+synthetic"]
    assert set(on_smote["cv_balanced_accuracy"]) == {"x0", "x4@w0.25", "x4"}
    smote_weights = {1.0, classic["weight"]} if classic["amount"] > 0 else {1.0}
    assert classic["amount"] > 0 and classic["weight"] == 0.25  # so that the check below can fail
    for fit in selection[18:]:
        assert {w for i, w in fit.items() if i not in synthetic_ids} == smote_weights
    assert {frozenset(w for i, w in f.items() if i in synthetic_ids) for f in selection[18:]} == {
        frozenset(),
        frozenset({0.25}),
        frozenset({1.0}),
    }
    # 24 rows in 60 dimensions: more rows help, and the lighter of two equal candidates wins
    assert (chosen["amount"], chosen["weight"]) == (4.0, 0.25)
    phase_two = [f for f in WeightRecorder.fits[27:] if synthetic_ids & set(f) and len(f) < 300]
    plain = [f for f in phase_two if {w for i, w in f.items() if i < 1000} == {1.0}]
    assert len(plain) == settings.seeds
    for fit in plain:
        assert {w for i, w in fit.items() if i in synthetic_ids} == {chosen["weight"]}
    on_top = [f for f in phase_two if f not in plain and min(f) < 1000]  # not synthetic only
    assert len(on_top) == settings.seeds  # real+classic+synthetic
    for fit in on_top:
        assert {w for i, w in fit.items() if i < 1000} == smote_weights
        assert {w for i, w in fit.items() if i in synthetic_ids} == {on_smote["weight"]}
    assert {REAL, REAL_SYNTHETIC, REAL_CLASSIC, REAL_CLASSIC_SYNTHETIC} <= set(entry["conditions"])


class HeavyLearner(WeightRecorder):
    """Knows every label (a row's class is its row_id's parity, see blobs) once a synthetic row
    (row_id 1000 on) weighed 4 in its fit, and nothing before: the CV can rank a weight above 1
    first. SMOTE rows (row_ids between the real ones) never teach it."""

    def fit(self, x, y, sample_weight=None):
        super().fit(x, y, sample_weight)
        heavy = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
        self.heavy = bool(np.any((heavy == 4.0) & (x["row_id"].to_numpy() >= 1000)))
        return self

    def predict_proba(self, x):
        parity = (x["row_id"].to_numpy().astype(int) % 2) if self.heavy else np.zeros(len(x), dtype=int)
        return np.eye(2)[parity]


def test_a_weight_above_one_is_a_candidate_and_phase_two_trains_with_it():
    rng = np.random.default_rng(5)
    real, test, pool = blobs(30, rng), blobs(60, rng, offset=5000), blobs(200, rng, offset=1000)
    synthetic_ids = set(range(1000, 1200))
    settings = ProtocolSettings(seeds=2, folds=3, amounts=(0.0, 1.0), weights=(1.0, 4.0), filtering=False)
    result = _recorded_protocol(real, pool, test, HeavyLearner, settings)
    entry = result["classifiers"]["recorded"]
    chosen = entry["selection"]["synthetic"]
    assert chosen["cv_balanced_accuracy"] == {"x0": 0.5, "x1": 0.5, "x1@w4": 1.0}
    assert (chosen["amount"], chosen["weight"]) == (1.0, 4.0)  # by more than a standard error
    # phase 2 fits hold every real row (a CV fit holds its fold's); real + synthetic trains the
    # real rows at 1 and the synthetic rows at 4 (SMOTE's x1@w4 never taught the learner)
    phase_two = [f for f in WeightRecorder.fits if set(range(30)) <= set(f)]
    plain = [
        f for f in phase_two if synthetic_ids & set(f) and {w for i, w in f.items() if i < 1000} == {1.0}
    ]
    assert len(plain) == 2 * settings.seeds  # SMOTE added nothing: real + classic + synthetic is the same
    assert all({w for i, w in f.items() if i in synthetic_ids} == {4.0} for f in plain)
    assert entry["paired_vs_real"][REAL_SYNTHETIC]["balanced_accuracy"]["mean_difference"] == 0.5
    # the summary names the weights, the one on top of SMOTE's rows too
    summary = summarise({**result, "sizes": {"test": len(test)}})["classifiers"]["recorded"]
    assert (summary["selected_amount_classic"], summary["selected_weight_classic"]) == (0.0, 1.0)
    assert amount_text(summary) == "1x at weight 4; SMOTE 0x; 1x at weight 4 with classic"


def test_weights_are_a_setting_with_one_always_a_candidate_and_the_words_name_them():
    assert EvaluationConfig().added_weights == [1.0]
    assert EvaluationConfig(added_weights=[0.5, 0.25]).added_weights == [0.25, 0.5, 1.0]
    assert EvaluationConfig(added_weights=[4, 0.25, 2]).added_weights == [0.25, 1.0, 2.0, 4.0]
    assert EvaluationConfig(added_weights=[MAX_ADDED_WEIGHT]).added_weights == [1.0, MAX_ADDED_WEIGHT]
    for wrong in (0.0, MAX_ADDED_WEIGHT + 1):
        with pytest.raises(ValueError, match="added_weights"):
            EvaluationConfig(added_weights=[wrong])
    assert (
        amount_text({"selected_amount": 8.0, "selected_weight": 0.25, "filtered": False})
        == "8x at weight 0.25"
    )
    assert amount_text({"selected_amount": 2.0, "filtered": True}) == "2x (filtered)"  # older summaries
