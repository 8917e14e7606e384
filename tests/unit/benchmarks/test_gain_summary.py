"""The gain benchmark's summary across seeds on hand-made rows: the tables' goals, the head-to-head
comparisons on the same runs, the mean chosen weight."""

import pandas as pd
import pytest

from benchmarks.gain_summary import goals, head_to_head, summarise


def test_the_tables_goal_is_the_mean_over_tables_and_classifiers():
    rows = [
        ("crabs", "logistic", "synthaug", 3.0, "gain"),
        ("crabs", "random_forest", "synthaug", -1.0, "no-gain"),
        ("oj", "logistic", "synthaug", 1.0, "no-gain"),
        ("oj", "logistic", "classic", 2.0, "gain"),
        ("digits", "cnn", "synthaug", -9.0, "no-gain"),  # images do not count toward the tables' mean
    ]
    table = pd.DataFrame(rows, columns=["dataset", "classifier", "method", "gain_points", "verdict"])
    met = goals(table)
    assert met["tables: mean gain at least +1.5 points (now +1.00)"] is False
    assert met["never below -0.5 points for any classifier"] is False
    assert met["oj/logistic: ahead of classic and CTGAN"] is False
    assert not any("classic+synthaug" in goal for goal in met)  # not measured: no goal
    on_top = [("crabs", "logistic", "classic", 0.5), ("crabs", "logistic", "classic+synthaug", 2.5)]
    on_top += [("oj", "logistic", "classic+synthaug", 0.0), ("digits", "cnn", "classic+synthaug", -9.0)]
    more = pd.DataFrame([(*r, "no-gain") for r in on_top], columns=table.columns)
    met = goals(pd.concat([table, more], ignore_index=True))
    # crabs/logistic 2.5 against 0.5, oj/logistic 0.0 against 2.0; digits does not count
    assert met["tables, classic+synthaug: mean gain at least +1.5 points (now +1.25)"] is False
    assert met["tables, classic+synthaug: never below -0.5 points (worst +0.00)"] is True
    assert met["tables, classic+synthaug: ahead of classic on average (by +0.00)"] is False


def test_head_to_head_pairs_methods_on_the_same_runs_and_averages_settings_within_a_seed():
    rows = []
    for seed, (ours, classic) in enumerate([(0.03, 0.01), (0.02, 0.01), (0.04, 0.01)]):
        for dataset, shift in (("crabs", 0.0), ("oj (full)", 0.02)):
            for method, difference in (("synthaug", ours + shift), ("classic", classic + shift)):
                rows.append(
                    {
                        "dataset": dataset,
                        "classifier": "logistic",
                        "seed": seed,
                        "method": method,
                        "difference": difference,
                    }
                )
        rows.append(
            {"dataset": "digits", "classifier": "cnn", "seed": seed, "method": "classic", "difference": 0.03}
        )
        rows.append(
            {"dataset": "digits", "classifier": "cnn", "seed": seed, "method": "synthaug", "difference": 0.0}
        )
        for dataset, shift in (("crabs", 0.0), ("oj (full)", 0.02)):
            rows.append(
                {
                    "dataset": dataset,
                    "classifier": "logistic",
                    "seed": seed,
                    "method": "classic+synthaug",
                    "difference": 0.01 * seed + shift,
                }
            )
    compared = head_to_head(rows)
    versus = compared[compared["method"] == "synthaug"].set_index("setting")
    # tables: per seed ours minus classic is 2, 1 and 3 points (the datasets' shift cancels)
    tables = versus.loc["tables"]
    assert tables["versus"] == "classic" and tables["seeds"] == 3
    assert tables["difference_points"] == pytest.approx(2.0)
    assert tables["ci95_low"] == pytest.approx(2.0 - 4.303 * 1.0 / 3**0.5, abs=0.01)
    assert versus.loc["digits", "difference_points"] == pytest.approx(-3.0)
    assert "ctgan" not in set(versus["versus"])  # no CTGAN rows, no comparison
    # classic+synthaug against classic, per seed (the shift cancels): 0 - 1, 1 - 1, 2 - 1 points
    on_top = compared[compared["method"] == "classic+synthaug"].set_index("setting").loc["tables"]
    assert on_top["versus"] == "classic" and on_top["difference_points"] == pytest.approx(0.0)
    assert "digits" not in set(compared[compared["method"] == "classic+synthaug"]["setting"])


def test_the_table_gives_the_mean_chosen_weight_only_where_weights_were_chosen():
    def row(method, seed, amount, weight):
        return {
            "dataset": "crabs",
            "classifier": "logistic",
            "method": method,
            "seed": seed,
            "real_only": 0.8,
            "difference": 0.01 * seed,
            "run_verdict": "no-gain",
            "selected_amount": amount,
            "selected_weight": weight,
        }

    # the weight of a run that added nothing is moot: the mean is over the runs that added samples
    weighted = summarise(
        [row("synthaug", 0, 8.0, 0.25), row("synthaug", 1, 0.0, 1.0), row("synthaug", 2, 2.0, 0.5)]
    )
    assert weighted["mean_selected_weight"].tolist() == [0.38]
    assert weighted["mean_selected_amount"].tolist() == [3.33]
    plain = summarise([row("synthaug", 0, 1.0, 1.0), row("synthaug", 1, 2.0, 1.0)])
    assert "mean_selected_weight" not in plain  # unweighted runs, and results stored before weights
    older = [{k: v for k, v in row("classic", s, 1.0, 1.0).items() if k != "selected_weight"} for s in (0, 1)]
    assert "mean_selected_weight" not in summarise(older)
