"""The recommendation and the verdict on hand-made results."""

from pipeline.evaluation.verdict import recommend, synthetic_verdict


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
