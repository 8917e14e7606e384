"""The gain benchmark's settings: the shipped examples, the public tables on breast_cancer's
protocol, scarce or in full; the tables' goal on a hand-made table."""

import pandas as pd
import pytest

from benchmarks.verification_gain import (
    FULL_PER_CLASS,
    PER_CLASS,
    TABLES,
    dataset_config,
    goals,
    head_to_head,
)


def test_public_tables_take_breast_cancers_protocol_scarce_or_in_full(tmp_path):
    scarce = dataset_config("crabs", 3, tmp_path, full=False, data_dir=tmp_path / "data")
    assert (
        scarce.dataset.source == str(tmp_path / "data" / "crabs.csv")
        and scarce.dataset.target == TABLES["crabs"]
    )
    assert scarce.dataset.per_class == PER_CLASS and scarce.seed == 3 and scarce.name == "crabs"
    assert scarce.evaluation.tabular_classifiers == ["logistic", "random_forest"]
    full = dataset_config("oj", 0, tmp_path, full=True, data_dir=tmp_path)
    assert full.dataset.per_class is None and full.generation.per_class == FULL_PER_CLASS
    assert full.name == "oj-full"
    digits = dataset_config("digits", 1, tmp_path, full=False, data_dir=tmp_path)
    assert digits.dataset.source == "bundled:digits" and digits.dataset.per_class == PER_CLASS


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
    from benchmarks.verification_gain import summarise

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


@pytest.mark.slow
def test_reverify_can_train_the_fold_generators_again_and_keeps_the_runs_generator(tmp_path):
    import json

    from benchmarks.verification_gain import SECONDS_FILE, reverify, run_pipeline
    from synthaug.pipeline.layout import SELECTION_SUMMARY_FILE, RunLayout
    from synthaug.stages.order import CROSS_FIT, VERIFY

    small = [
        "training.steps=8",
        "training.batch_size=10",
        "evaluation.seeds=2",
        "evaluation.amounts=[0,1]",
        "evaluation.tabular_classifiers=[logistic]",
        "evaluation.bootstrap_replicates=200",
    ]
    config = dataset_config("breast_cancer", 0, tmp_path, full=False, data_dir=tmp_path, extra=small)
    run, _ = run_pipeline(config)
    model = RunLayout(run.final).model("tabular")
    before = model.read_bytes()
    summary = run.final / SELECTION_SUMMARY_FILE
    assert json.loads(summary.read_text())["steps"] == 2  # a quarter of the run's 8 steps
    reverify(tmp_path, ["evaluation.fold_generator_share=1.0"], refit_folds=True)
    assert json.loads(summary.read_text())["steps"] == 8
    for k in range(3):  # every fold trained again (a kept fold would be skipped by the stage)
        metrics = RunLayout(run.final).fold(k).training.metrics
        assert json.loads(metrics.read_text().splitlines()[-1])["step"] == 8
    assert model.read_bytes() == before
    seconds = json.loads((run.final / SECONDS_FILE).read_text())
    assert seconds[CROSS_FIT] > 0 and seconds[VERIFY] > 0
