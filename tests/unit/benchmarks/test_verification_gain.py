"""The gain benchmark's settings: the shipped examples, the public tables on breast_cancer's
protocol, scarce or in full; verifying kept runs again with refitted fold generators."""

import pytest

from benchmarks.verification_gain import FULL_PER_CLASS, PER_CLASS, TABLES, dataset_config


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


def _stored(tmp_path, name, seeds, overrides="", dataset="crabs", methods=("synthaug",)):
    import json

    words = f"15 per class, test fraction 0.3, pipeline seeds {seeds}{overrides}, 5 downstream seeds"
    rows = [
        {"dataset": dataset, "seed": s, "classifier": "logistic", "method": m} for s in seeds for m in methods
    ]
    result = {
        "title": f"15 per class, pipeline seeds {seeds}{overrides}",
        "settings": words,
        "per_seed": rows,
        "stage_seconds": [{"dataset": dataset, "seed": s, "train": 1.0} for s in seeds],
        "audits": [{"dataset": dataset, "seed": s} for s in seeds],
        "measured_at": f"when {name} ran",
        "machine": {"cpus": 2},
    }
    (tmp_path / f"{name}.json").write_text(json.dumps(result))


def test_stored_results_on_other_seeds_pool_into_one_summary_and_others_are_refused(tmp_path, monkeypatch):
    from benchmarks import common
    from benchmarks.verification_gain import merge_results

    monkeypatch.setattr(common, "RESULTS", tmp_path)
    _stored(tmp_path, "a", [5, 6, 7], ", overrides ['x=1']")
    _stored(tmp_path, "b", [0, 1, 2], ", overrides ['x=1']")
    title, words, rows, timings, audits, measured = merge_results(["a", "b"])
    assert title == "15 per class, pipeline seeds [0, 1, 2, 5, 6, 7], overrides ['x=1']"
    assert "pipeline seeds [0, 1, 2, 5, 6, 7], overrides" in words
    assert sorted(r["seed"] for r in rows) == [0, 1, 2, 5, 6, 7] and len(timings) == len(audits) == 6
    assert measured["measured_at"] == ["when a ran", "when b ran"]
    _stored(tmp_path, "other", [8], ", overrides ['x=2']")
    with pytest.raises(SystemExit, match="differ in more than their seeds"):
        merge_results(["a", "other"])
    _stored(tmp_path, "again", [7, 8], ", overrides ['x=1']")
    with pytest.raises(SystemExit, match="crabs seed 7 is in two of them"):
        merge_results(["a", "again"])
    _stored(tmp_path, "with_ctgan", [9], ", overrides ['x=1']", methods=("synthaug", "ctgan"))
    with pytest.raises(SystemExit, match="settings or methods"):
        merge_results(["a", "with_ctgan"])
    # a pooled result pools again, its times flattened
    from benchmarks.common import write_result

    write_result(
        "ab",
        {
            "title": title,
            "settings": words,
            "per_seed": rows,
            "stage_seconds": timings,
            "audits": audits,
            "measured_at": measured["measured_at"],
            "machine": measured["machine"],
        },
    )
    _stored(tmp_path, "c", [11], ", overrides ['x=1']")
    *_, again = merge_results(["ab", "c"])
    assert again["measured_at"][-1] == "when c ran" and len(again["measured_at"]) == 3


def test_ctgan_is_scored_without_our_synthesizers_preferred_amount(tmp_path):
    from benchmarks.verification_gain import ctgan_evaluation

    config = dataset_config(
        "crabs", 0, tmp_path, full=False, data_dir=tmp_path, extra=["training.synthesizer=copula"]
    )
    assert config.evaluation.preferred == (4.0, 1.0)
    ctgan = ctgan_evaluation(config)
    assert ctgan.preferred is None and ctgan.amounts == config.evaluation.amounts
    assert config.evaluation.preferred == (4.0, 1.0)  # the run's own settings are untouched
