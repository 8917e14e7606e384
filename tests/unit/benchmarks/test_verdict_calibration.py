"""The calibration's augmenters add what they claim, and the negative controls get no gain on a
fixed small case."""

import numpy as np
import pytest

from benchmarks.verdict_calibration import (
    EXAMPLES,
    duplicates,
    jitter,
    more_real,
    pool_counts,
    run_control,
    split_samples,
    summarise,
)
from synthaug.evaluation.samples import Samples
from synthaug.pipeline.config import EvaluationConfig
from synthaug.pipeline.config_loading import load_config


@pytest.fixture(scope="module")
def config():
    return load_config(
        EXAMPLES["breast_cancer"],
        overrides=["evaluation.seeds=3", "evaluation.tabular_classifiers=[logistic]"],
    )


def test_duplicates_and_jitter_copy_training_rows_and_more_real_adds_unseen_ones(config):
    real, unused, test = split_samples(config, 0)
    rng = np.random.default_rng(0)
    copies = duplicates(real, unused, 2 * real.counts(), rng)
    assert list(copies.counts()) == list(2 * real.counts())
    rows = {tuple(r) for r in real.x.to_numpy().round(9)}
    assert all(tuple(r) in rows for r in copies.x.to_numpy().round(9))  # nothing new
    same = duplicates(real, unused, 2 * real.counts(), np.random.default_rng(1))
    noisy = jitter(real, unused, 2 * real.counts(), np.random.default_rng(1))  # the same copies, plus noise
    noise = (noisy.x - same.x) / (real.x.max() - real.x.min())
    assert noise.to_numpy().std() == pytest.approx(0.01, rel=0.1) and abs(noise.to_numpy().mean()) < 0.001
    extra = more_real(real, unused, 4 * real.counts(), rng)
    assert list(extra.counts()) == list(real.counts())  # 1x the training count, whatever the amount
    test_rows = {tuple(r) for r in test.x.to_numpy().round(9)}
    assert not {tuple(r) for r in extra.x.to_numpy().round(9)} & (rows | test_rows)


@pytest.mark.slow
def test_negative_controls_get_no_gain_on_a_fixed_small_case(config):
    for control in ("duplicates", "jitter"):
        [record] = run_control(config, 0, control)
        assert record["classifier"] == "logistic" and record["selection"] == "cross-fit"
        assert record["rule"] == "one-se"
        assert record["verdict"] != "gain" and record["vs_real_verdict"] != "gain", record
        assert record["untested_amounts"] == [], record  # the pools hold what every candidate draws


def test_records_without_a_rule_count_as_best_and_goals_are_read_under_the_default_rule():
    base = {
        "dataset": "d",
        "selection": "cross-fit",
        "control": "duplicates",
        "classifier": "logistic",
        "vs_real_verdict": "no-gain",
        "vs_real_points": [0.0, 0.0, 0.0],
        "selected_amount": 0.0,
    }
    records = [
        {**base, "split": 0, "verdict": "gain"},  # before the rule existed
        {**base, "split": 0, "verdict": "no-gain", "rule": "one-se"},
        {**base, "split": 1, "verdict": "no-gain", "rule": "one-se"},
        {**base, "split": 0, "verdict": "gain", "rule": "one-se with evaluation.preferred_amount=4"},
    ]
    rows = {row["rule"]: row for row in summarise(records)}
    assert rows["best"]["runs"] == 1 and rows["best"]["gain"] == 1.0 and "goal" not in rows["best"]
    assert rows["one-se"]["runs"] == 2 and rows["one-se"]["goal_met"] is True
    # other settings under the default rule are summarised apart, against the same goals
    preferring = rows["one-se with evaluation.preferred_amount=4"]
    assert preferring["runs"] == 1 and preferring["goal_met"] is False


def test_the_control_pools_hold_what_the_largest_candidate_draws_under_rarest_first():
    real = Samples(np.zeros((27, 2, 2, 1), np.uint8), np.repeat([0, 1, 2], [8, 9, 10]), 3)
    spec = EvaluationConfig(amounts=[1, 4], allocation="rarest-first")
    copies = duplicates(real, real, pool_counts(real, spec, "image"), np.random.default_rng(0))
    assert copies.available_for(real, 4.0, allocation="rarest-first")
    # 4x each class's own count is too few for the rarest class
    short = duplicates(real, real, 4 * real.counts(), np.random.default_rng(0))
    assert not short.available_for(real, 4.0, allocation="rarest-first")


def test_refreshed_records_replace_the_stale_ones_of_their_key_alone(tmp_path, monkeypatch):
    import json

    from benchmarks import verdict_calibration

    runs = tmp_path / "runs.jsonl"
    monkeypatch.setattr(verdict_calibration, "RUNS_FILE", runs)
    base = {"dataset": "d", "control": "duplicates", "selection": "cross-fit", "rule": "one-se"}
    old = [{**base, "split": s, "classifier": c, "verdict": "gain"} for s in (0, 1) for c in ("a", "b")]
    older = {k: v for k, v in base.items() if k != "rule"} | {"split": 0, "classifier": "a"}  # rule: best
    runs.write_text("".join(json.dumps(r) + "\n" for r in [*old, older]))
    done = verdict_calibration._read_runs()
    assert all(verdict_calibration.stale(records) for records in done.values())
    key = ("d", 0, "duplicates", "cross-fit", "one-se")
    assert verdict_calibration.to_run(done[key], refresh=True, replace=False)
    assert not verdict_calibration.to_run(done[key], refresh=False, replace=False)
    new = [{**base, "split": 0, "classifier": c, "verdict": "no-gain", "untested_amounts": []} for c in "ab"]
    verdict_calibration._record_runs(key, new)
    done = verdict_calibration._read_runs()
    assert done[key] == new and not verdict_calibration.stale(done[key])
    assert not verdict_calibration.to_run(done[key], refresh=True, replace=False)
    assert verdict_calibration.to_run(done[key], refresh=False, replace=True)
    assert verdict_calibration.to_run(None, refresh=False, replace=False)
    assert len(done[("d", 1, "duplicates", "cross-fit", "one-se")]) == 2  # other splits kept
    assert len(done[("d", 0, "duplicates", "cross-fit", "best")]) == 1  # and other rules
    assert not (tmp_path / "runs.jsonl.partial").exists()
    # a key not recorded yet is appended, the rest untouched
    other = [{**base, "split": 2, "classifier": "a", "verdict": "no-gain", "untested_amounts": []}]
    verdict_calibration._record_runs(("d", 2, "duplicates", "cross-fit", "one-se"), other)
    done = verdict_calibration._read_runs()
    assert done[("d", 2, "duplicates", "cross-fit", "one-se")] == other and done[key] == new
    assert sum(len(records) for records in done.values()) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.jsonl"]  # no lock or partial file left
