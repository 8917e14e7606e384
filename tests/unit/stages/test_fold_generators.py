"""The cross-fit stage: one generator per selection fold, never trained on that fold's
validation rows; skipped, with the reason, where it cannot help; resumable fold by fold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from synthaug.evaluation.samples import RAREST_FIRST, extra_counts
from synthaug.evaluation.selection import selection_folds
from synthaug.evaluation.verification_inputs import VerificationFiles
from synthaug.models.checkpoint import save_checkpoint
from synthaug.models.tabular_copula import TabularCopula
from synthaug.pipeline.config import NEAR_COPY_QUANTILES, SynthaugConfig
from synthaug.pipeline.config_loading import config_to_yaml, load_config
from synthaug.pipeline.layout import CONFIG_FILE, MODEL_FILES, SELECTION_SUMMARY_FILE, RunLayout
from synthaug.pipeline.rundir import create_run_directory
from synthaug.stages import job
from synthaug.stages.fold_generators import later_steps, skipped_because, train_fold_generators


def config(**evaluation) -> SynthaugConfig:
    return SynthaugConfig.model_validate(
        {
            "dataset": {"source": "bundled:breast_cancer", "target": "diagnosis", "per_class": 9},
            "training": {"steps": 8, "batch_size": 10},
            "watermark": {"enabled": False},
            "evaluation": {"folds": 3, "amounts": [0, 1], "fold_generator_share": 0.5, **evaluation},
        }
    )


@pytest.fixture
def run(tmp_path):
    run = create_run_directory(tmp_path / "runs", "folds")
    cfg = config()
    dataset = job.ingest(cfg.dataset)
    train, test = job.split(dataset, cfg)
    job.record_run(run, config=cfg, dataset=dataset, train=train, test=test, command=["test"])
    return run


@pytest.mark.slow
def test_each_fold_generator_leaves_out_its_validation_rows(run):
    cfg = config()
    summary = train_fold_generators(run, cfg)
    assert summary["cross_fitted"] and summary["folds"] == 3 and summary["steps"] == 4
    labels = np.asarray(job.load_train_split(run).data.labels)
    files = VerificationFiles.of_run(run.path)
    pools = files.fold_pools(job.load_train_split(run).data)
    for (fold_train, validation), pool in zip(selection_folds(labels, 2, 3), pools, strict=True):
        assert set(pool.trained_on) == set(fold_train) and not set(pool.trained_on) & set(validation)
        assert np.bincount(pool.samples.y).tolist() == np.bincount(labels[fold_train]).tolist()  # 1x
    assert later_steps(cfg) == 12


def test_repeated_cross_validation_gets_a_copula_per_fold_of_every_pass(run):
    cfg = config(cv_repeats=2).model_copy(deep=True)
    cfg.training.synthesizer = "copula"
    summary = train_fold_generators(run, cfg)
    assert summary["cross_fitted"] and summary["folds"] == 6 and summary["steps"] == 0
    labels = np.asarray(job.load_train_split(run).data.labels)
    pools = VerificationFiles.of_run(run.path).fold_pools(job.load_train_split(run).data)
    folds = selection_folds(labels, 2, 3, repeats=2)
    for (fold_train, validation), pool in zip(folds, pools, strict=True):
        assert set(pool.trained_on) == set(fold_train) and not set(pool.trained_on) & set(validation)
    assert later_steps(config(cv_repeats=2)) == 2 * later_steps(config()) == 24


def test_fold_copulas_draw_as_the_run_s_own_copula_does(run, caplog):
    # a run from before training.copula.truncation: its model file (no such key) loads at psi 1,
    # and its config.yaml, read again on resume, must not fill in today's default 0.75
    fresh = config().model_copy(deep=True)
    fresh.training.synthesizer = "copula"
    model = TabularCopula(fresh.training, seed=fresh.seed).fit(job.load_train_split(run))
    state = torch.load(model.save(run.file(MODEL_FILES["tabular-copula"])), weights_only=True)
    del state["config"]["copula"]["truncation"]
    save_checkpoint(run.file(MODEL_FILES["tabular-copula"]), state)
    assert TabularCopula.load(run.file(MODEL_FILES["tabular-copula"])).config.copula.truncation == 1.0
    snapshot = yaml.safe_load(config_to_yaml(fresh))
    del snapshot["training"]["copula"]["truncation"]
    run.file(CONFIG_FILE).write_text(yaml.safe_dump(snapshot))
    cfg = load_config(run.file(CONFIG_FILE), snapshot=True)  # as synthaug run --resume reads it
    assert fresh.training.copula.truncation == 0.75
    caplog.set_level("INFO", logger="synthaug.models.tabular_copula")
    caplog.clear()  # the run's own fit above, where INFO was already on
    train_fold_generators(run, cfg)
    fits = [r.getMessage() for r in caplog.records if "fitted a Gaussian copula" in r.getMessage()]
    # the older snapshot's near_copy_quantile "auto" meant 0.25: no copulas fitted to calibrate
    assert len(fits) == 3 and all("truncation 1," in fit for fit in fits)
    assert cfg.generation.near_copy_quantile == NEAR_COPY_QUANTILES["tabular"]


@pytest.mark.slow
def test_a_resumed_stage_keeps_finished_folds(run, caplog):
    cfg = config()
    train_fold_generators(run, cfg)
    first = RunLayout(run.path).fold(0).synthetic.rows
    before = first.read_bytes()
    run.file(SELECTION_SUMMARY_FILE).unlink()  # as if killed before the stage finished
    RunLayout(run.path).fold(2).trained_on.unlink()
    caplog.set_level("INFO", logger="synthaug.stages.fold_generators")
    train_fold_generators(run, cfg)
    assert "selection fold 0: kept" in caplog.text and "selection fold 2: a generator" in caplog.text
    assert first.read_bytes() == before


@pytest.mark.slow
def test_private_runs_cross_fit_with_private_fold_generators(tmp_path, caplog):
    example = load_config(Path(__file__).parents[3] / "examples" / "breast_cancer_dp.yaml")
    cfg = example.model_copy(
        update={
            "dataset": example.dataset.model_copy(update={"per_class": 9}),
            "training": example.training.model_copy(update={"steps": 4, "batch_size": 6}),
            "evaluation": example.evaluation.model_copy(update={"folds": 3, "fold_generator_share": 0.5}),
        }
    )
    assert skipped_because(cfg) is None and later_steps(cfg) == 6
    run = create_run_directory(tmp_path / "runs", "private")
    dataset = job.ingest(cfg.dataset)
    train, test = job.split(dataset, cfg)
    job.record_run(run, config=cfg, dataset=dataset, train=train, test=test, command=["test"])
    caplog.set_level("INFO", logger="synthaug.stages.fold_generators")
    summary = train_fold_generators(run, cfg)
    assert summary["cross_fitted"] and summary["private"]
    assert caplog.text.count("DP-SGD at epsilon") == 3
    for k in range(3):  # each fold's training log records the budget it spent, within the target
        lines = [
            json.loads(line) for line in RunLayout(run.path).fold(k).training.metrics.read_text().splitlines()
        ]
        spent = [line["epsilon"] for line in lines if "epsilon" in line]
        assert spent and 0 < max(spent) <= cfg.privacy.target_epsilon


@pytest.mark.parametrize(
    ("evaluation", "reason"),
    [
        ({"selection": "shared"}, "evaluation.selection: shared"),
        ({"amounts": [0]}, "evaluation.amounts holds only 0"),
        ({"enabled": False}, "evaluation.enabled: false"),
    ],
)
def test_skipped_with_the_reason_and_no_fold_pools(run, evaluation, reason):
    cfg = config(**evaluation)
    assert reason in skipped_because(cfg) and later_steps(cfg) == 0
    summary = train_fold_generators(run, cfg)
    assert summary == json.loads(run.file(SELECTION_SUMMARY_FILE).read_text()) and not summary["cross_fitted"]
    assert reason in summary["reason"]
    assert VerificationFiles.of_run(run.path).fold_pools(job.load_train_split(run).data) is None


def test_without_cross_validation_the_result_says_nothing_was_added():
    from synthaug.evaluation.gain import assemble_result
    from synthaug.evaluation.selection import NO_CROSS_VALIDATION, ProtocolSettings

    settings = ProtocolSettings()
    result = assemble_result(
        {}, settings=settings, sizes={}, cross_fitted=False, shared_reason=NO_CROSS_VALIDATION
    )
    assert result["caveat"] == f"{NO_CROSS_VALIDATION}, so no amount was chosen and nothing was added"
    shared = assemble_result({}, settings=settings, sizes={}, cross_fitted=False, shared_reason="x")
    assert "may favour synthetic data (x)" in shared["caveat"]


@pytest.mark.slow
def test_fold_pools_hold_what_the_largest_amount_adds_alone_and_on_top_of_smote(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.array(["a"] * 24 + ["b"] * 9)  # imbalanced: the rare class gets the most
    table = pd.DataFrame({"x": rng.normal(size=33), "y": rng.normal(size=33), "label": labels})
    table.to_csv(tmp_path / "imbalanced.csv", index=False)
    cfg = SynthaugConfig.model_validate(
        {
            "dataset": {"source": str(tmp_path / "imbalanced.csv"), "target": "label"},
            "training": {"steps": 4, "batch_size": 10},
            "watermark": {"enabled": False},
            "evaluation": {"folds": 2, "amounts": [0, 1], "fold_generator_share": 0.5},
        }
    )
    run = create_run_directory(tmp_path / "runs", "imbalanced")
    dataset = job.ingest(cfg.dataset)
    train, test = job.split(dataset, cfg)
    job.record_run(run, config=cfg, dataset=dataset, train=train, test=test, command=["test"])
    train_fold_generators(run, cfg)
    data = job.load_train_split(run).data
    folds = selection_folds(np.asarray(data.labels), 2, 2)
    for (fold_train, _), pool in zip(folds, VerificationFiles.of_run(run.path).fold_pools(data), strict=True):
        fold_counts = np.bincount(np.asarray(data.labels)[fold_train], minlength=2)
        added = np.bincount(pool.samples.y, minlength=2)
        alone = extra_counts(fold_counts, 1.0, RAREST_FIRST)  # the rare class gets the most
        assert alone[1] > fold_counts[1] and (fold_counts + alone)[0] == (fold_counts + alone)[1]
        # on top of 1x SMOTE rows the classes are level already: 1x is shared evenly
        on_smote = extra_counts(fold_counts, 1.0, RAREST_FIRST, present=fold_counts + alone)
        assert abs(int(on_smote[0]) - int(on_smote[1])) <= 1 and on_smote[0] > alone[0]
        assert added.tolist() == np.maximum(alone, on_smote).tolist()
