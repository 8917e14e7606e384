"""The fold-budget benchmark reads the choice, its CV gain and its held-out result correctly."""

from benchmarks.fold_share import record


def comparison(mean, low, high):
    return {"balanced_accuracy": {"mean_difference": mean, "low": low, "high": high, "verdict": "no-gain"}}


def test_a_record_holds_the_choice_the_cv_gain_and_the_test_result():
    result = {
        "classifiers": {
            "cnn": {
                "selection": {
                    "synthetic": {
                        "amount": 2.0,
                        "filtered": True,
                        "cv_balanced_accuracy": {"x0": 0.90, "x1": 0.91, "x2": 0.915, "x2+filter": 0.93},
                    }
                },
                "paired_vs_real": {"real+synthetic": comparison(0.01, -0.005, 0.025)},
                "paired_vs_classic": {"real+classic+synthetic": comparison(0.002, -0.01, 0.014)},
                "recommendation": {"option": "classic"},
                "verdict": "no-gain",
            }
        }
    }
    [row] = record(result, seed=3, share=0.25, seconds=12.5)
    assert row["amount"] == 2.0 and row["filtered"] and row["cv_gain_points"] == 3.0
    assert row["synthetic_vs_real"] == [1.0, -0.5, 2.5] and row["classic_synthetic_vs_classic"] == [
        0.2,
        -1.0,
        1.4,
    ]
    assert (row["seed"], row["share"], row["recommendation"], row["cross_fit_seconds"]) == (
        3,
        0.25,
        "classic",
        12.5,
    )
