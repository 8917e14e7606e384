"""The selection-rule benchmark's summary: per rule, over datasets and classifiers."""

import pandas as pd

from benchmarks.selection_rule import dataset_of, rule_summary


def test_rule_summary_counts_each_rule_over_its_settings_and_leaves_out_baselines():
    table = pd.DataFrame(
        [
            ("birthwt", "logistic", "synthaug [best]", "best", 2.0, "no-gain", 1.0),
            ("crabs", "logistic", "synthaug [best]", "best", -4.0, "harm", 2.0),
            ("digits", "cnn", "synthaug [best]", "best", 1.0, "gain", 1.0),
            ("crabs", "logistic", "classic [best]", "best", 9.0, "gain", 4.0),
            ("birthwt", "logistic", "synthaug [one-se]", "one-se", 0.0, "no-gain", 0.0),
        ],
        columns=["dataset", "classifier", "method", "rule", "gain_points", "verdict", "mean_selected_amount"],
    )
    rows = {row["rule"]: row for row in rule_summary(table).to_dict(orient="records")}
    assert rows["best"]["settings"] == 3
    assert rows["best"]["mean_gain_points"] == round(-1 / 3, 2)
    assert rows["best"]["tables_mean_gain_points"] == -1.0  # digits left out
    assert rows["best"]["worst_gain_points"] == -4.0
    assert (rows["best"]["gain"], rows["best"]["harm"]) == (1, 1)
    assert rows["one-se"]["settings"] == 1 and rows["one-se"]["mean_selected_amount"] == 0.0


def test_a_run_without_a_recorded_setting_is_named_by_its_bundled_dataset(tmp_path):
    assert dataset_of(tmp_path, {"data": {"uri": "bundled:digits"}}) == "digits"
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "setting.json").write_text('{"dataset": "crabs (full)"}')
    assert dataset_of(tmp_path, {"data": {"uri": "/data/crabs.csv"}}) == "crabs (full)"
