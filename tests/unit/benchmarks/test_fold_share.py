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
                    },
                    "classic+synthetic": {"amount": 0.5, "filtered": False, "cv_balanced_accuracy": {}},
                },
                "paired_vs_real": {"real+synthetic": comparison(0.01, -0.005, 0.025)},
                "paired_vs_classic": {"real+classic+synthetic": comparison(0.002, -0.01, 0.014)},
                "recommendation": {"option": "classic"},
                "verdict": "no-gain",
            }
        }
    }
    [row] = record(result, seed=3, share=0.25, seconds=12.5)
    assert row["cv_points"] == {"x0": 0.0, "x1": 1.0, "x2": 1.5, "x2+filter": 3.0}
    assert row["amount"] == 2.0 and row["filtered"] and row["cv_gain_points"] == 3.0
    assert row["amount_with_classic"] == 0.5 and row["weight"] == 1.0  # images: chosen apart
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


def test_every_candidate_is_recorded_and_orders_are_compared():
    import pandas as pd

    from benchmarks.fold_share import rank_agreement

    rows = [
        {
            "seed": 0,
            "share": 0.25,
            "classifier": "cnn",
            "cv_points": {"x0": 0.0, "x1": 1.0, "x2": 2.0, "x4": 3.0},
        },
        {
            "seed": 0,
            "share": 1.0,
            "classifier": "cnn",
            "cv_points": {"x0": 0.0, "x1": 0.5, "x2": 1.5, "x4": 2.0},
        },
        {
            "seed": 1,
            "share": 0.25,
            "classifier": "cnn",
            "cv_points": {"x0": 0.0, "x1": 3.0, "x2": 2.0, "x4": 1.0},
        },
        {
            "seed": 1,
            "share": 1.0,
            "classifier": "cnn",
            "cv_points": {"x0": 0.0, "x1": 1.0, "x2": 2.0, "x4": 3.0},
        },
    ]
    assert rank_agreement(pd.DataFrame(rows), 0.25, 1.0) == 0.0  # one seed agrees (+1), one reverses (-1)
    assert rank_agreement(pd.DataFrame(rows), 1.0, 1.0) == 1.0
