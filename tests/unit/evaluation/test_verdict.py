"""The recommendation and the verdict on hand-made results."""

import numpy as np

from synthaug.evaluation.verdict import (
    DETECTABLE_FACTOR,
    detectable_effect,
    detectable_sentence,
    recommend,
    summarise_classifier,
    synthetic_verdict,
)


def c(low, high):
    verdict = "gain" if low > 0 else "harm" if high < 0 else "no-gain"
    return {
        "balanced_accuracy": {
            "mean_difference": (low + high) / 2,
            "low": low,
            "high": high,
            "verdict": verdict,
        }
    }


def result(amount, vs_real, vs_classic=None, vs_synthetic=None):
    conditions = {k: {} for k in ("real", *vs_real)}
    out = {
        "selection": {"synthetic": {"amount": amount}},
        "conditions": conditions,
        "paired_vs_real": vs_real,
    }
    if vs_classic:
        out["paired_vs_classic"] = vs_classic
    if vs_synthetic:
        out["paired_vs_synthetic"] = vs_synthetic
    out["recommendation"] = recommend(out)
    out["verdict"] = synthetic_verdict(out)
    return out


def test_synthetic_must_beat_real_only_and_the_classic_baseline():
    beats_both = result(
        1.0,
        {"real+classic": c(0.01, 0.03), "real+synthetic": c(0.02, 0.05)},
        {"real+synthetic": c(0.001, 0.02)},
    )
    assert beats_both["recommendation"]["option"] == "synthetic" and beats_both["verdict"] == "gain"
    # beats real only, classic does not, but synthetic vs classic is undecided: not recommended
    not_classic = result(
        1.0,
        {"real+classic": c(-0.001, 0.041), "real+synthetic": c(0.001, 0.009)},
        {"real+synthetic": c(-0.035, 0.005)},
    )
    assert not_classic["recommendation"]["option"] == "real only" and not_classic["verdict"] == "no-gain"
    classic_only = result(
        1.0,
        {"real+classic": c(0.01, 0.03), "real+synthetic": c(0.01, 0.03)},
        {"real+synthetic": c(-0.01, 0.01)},
    )
    assert classic_only["recommendation"]["option"] == "classic" and classic_only["verdict"] == "no-gain"


def test_nothing_added_is_never_recommended_and_harm_is_reported():
    images = {
        "real+classic": c(-0.001, 0.05),
        "real+synthetic": c(0, 0),
        "real+classic+synthetic": c(0.001, 0.05),
    }
    nothing = result(0.0, images, {"real+synthetic": c(-0.05, 0.001), "real+classic+synthetic": c(0, 0)})
    assert nothing["recommendation"]["option"] == "real only" and nothing["verdict"] == "no-gain"
    harmed = result(
        2.0,
        {"real+classic": c(-0.01, 0.01), "real+synthetic": c(-0.05, -0.01)},
        {"real+synthetic": c(-0.05, -0.01)},
    )
    assert harmed["recommendation"]["option"] == "real only" and harmed["verdict"] == "harm"


def test_identical_differences_get_identical_intervals():
    # real+synthetic predicts exactly what real+classic does, so its comparison with real only
    # must read the same as classic's, seed noise and all
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], 40)
    per_seed = []
    for accuracy in (0.6, 0.75, 0.9):  # seeds differ a lot, so seed noise is drawn
        real = rng.dirichlet([1, 1], size=80)
        right = rng.random(80) < accuracy
        classic = np.eye(2)[np.where(right, y, 1 - y)] * 0.8 + 0.1
        per_seed.append({"real": real, "real+classic": classic, "real+synthetic": classic.copy()})
    out = summarise_classifier(y, per_seed, {"synthetic": {"amount": 1.0}}, replicates=300)
    vs_real = out["paired_vs_real"]
    assert vs_real["real+synthetic"] == vs_real["real+classic"]
    assert out["conditions"]["real+synthetic"] == out["conditions"]["real+classic"]


def test_chunked_resampling_of_a_large_test_set_keeps_the_pairing(monkeypatch):
    from synthaug.evaluation import verdict

    rng = np.random.default_rng(5)
    y = np.repeat([0, 1], 300)
    per_seed = [
        {c: rng.dirichlet([1, 1], size=600) for c in ("real", "real+classic", "real+synthetic")}
        for _ in range(2)
    ]
    whole = summarise_classifier(y, per_seed, {"synthetic": {"amount": 1.0}}, replicates=400)
    monkeypatch.setattr(verdict, "CHUNK_CELLS", 600 * 150)  # 150 resamples per chunk
    chunked = summarise_classifier(y, per_seed, {"synthetic": {"amount": 1.0}}, replicates=400)
    for key in ("real+classic", "real+synthetic"):
        a, b = (
            whole["paired_vs_real"][key]["balanced_accuracy"],
            chunked["paired_vs_real"][key]["balanced_accuracy"],
        )
        assert a["mean_difference"] == b["mean_difference"]  # on all rows: no resampling involved
        assert (
            abs(a["low"] - b["low"]) < 0.02 and abs(a["high"] - b["high"]) < 0.02
        )  # other draws, same width


def test_detectable_effect_comes_from_the_added_data_else_the_classic_baseline():
    assert abs(DETECTABLE_FACTOR - 1.4296) < 1e-3  # (1.96 + 0.84) / 1.96
    added = result(1.0, {"real+classic": c(-0.01, 0.05), "real+synthetic": c(0.01, 0.05)})
    effect = detectable_effect(added)
    assert effect["based_on"] == "real+synthetic vs real"
    assert abs(effect["difference"] - DETECTABLE_FACTOR * 0.02) < 1e-12
    nothing = result(0.0, {"real+classic": c(-0.01, 0.03), "real+synthetic": c(0, 0)})
    assert detectable_effect(nothing)["based_on"] == "real+classic vs real"
    assert abs(detectable_effect(nothing)["difference"] - DETECTABLE_FACTOR * 0.02) < 1e-12
    assert detectable_effect(result(0.0, {"real+synthetic": c(0, 0)})) is None


def test_detectable_sentence_names_each_classifier_and_the_test_size():
    sentence = detectable_sentence({"logistic": 3.7, "random_forest": None, "cnn": 1.96}, 171)
    assert "171 held-out samples" in sentence and "3.7 (logistic)" in sentence and "2.0 (cnn)" in sentence
    assert "random_forest" not in sentence and "80%" in sentence
    assert detectable_sentence({"logistic": None}, 171) == ""


def test_each_synthetic_condition_is_skipped_when_its_own_selection_added_nothing():
    images = {
        "real+classic": c(0.01, 0.03),
        "real+synthetic": c(0.02, 0.05),
        "real+classic+synthetic": c(0.04, 0.08),
    }
    vs_classic = {"real+synthetic": c(0.001, 0.02), "real+classic+synthetic": c(0.02, 0.05)}
    vs_synthetic = {"real+classic+synthetic": c(0.01, 0.03)}

    def with_selection(synthetic, on_classic):
        out = result(synthetic, images, vs_classic, vs_synthetic)
        out["selection"]["classic+synthetic"] = {"amount": on_classic}
        return recommend(out)["option"]

    assert with_selection(1.0, 2.0) == "classic+synthetic"
    assert with_selection(1.0, 0.0) == "synthetic"  # nothing was added on top of the augmentation
    assert with_selection(0.0, 2.0) == "classic+synthetic"
    # a result written before the separate selection: its real+synthetic amount stands for both
    assert result(0.0, images, vs_classic, vs_synthetic)["recommendation"]["option"] == "classic"
