"""The job's stages called directly: their order and the in-memory preparation ``synthaug validate``
uses."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import numpy as np
import pytest

from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.rundir import create_run_directory
from synthaug.stages import job, order

REPO = Path(__file__).resolve().parents[3]


def config(tmp_path: Path, **sections) -> SynthaugConfig:
    return SynthaugConfig.model_validate(
        {
            "dataset": {"source": "bundled:breast_cancer", "target": "diagnosis", "per_class": 9},
            "output_dir": str(tmp_path / "runs"),
            **sections,
        }
    )


def test_the_flow_times_every_stage_in_the_order_defined_once() -> None:
    tree = ast.parse((REPO / "flows" / "augment.py").read_text(encoding="utf-8"))
    timed = sorted(  # clock.stage(NAME) calls, in source order
        (node.lineno, node.args[0].id)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "stage"
    )
    assert [getattr(order, name) for _, name in timed] == list(order.STAGES)
    assert order.PREPARE == ("ingest", "validate", "split")


def test_prepare_splits_in_memory_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    prepared = job.prepare(config(tmp_path))
    assert os.listdir(tmp_path) == []
    assert prepared.class_counts == {"benign": 357, "malignant": 212}
    assert not set(prepared.train.indices) & set(prepared.test.indices)
    assert prepared.train.data.class_counts() == {"benign": 9, "malignant": 9}
    assert len(prepared.test.indices) == round(0.3 * len(prepared.dataset))


def test_split_under_privacy_checks_delta_against_the_training_rows(tmp_path: Path) -> None:
    private = config(
        tmp_path,
        privacy={"enabled": True, "delta": 0.1, "public_columns": {}},
        training={"batch_size": 4},
    )
    dataset = job.ingest(private.dataset)
    with pytest.raises(UserInputError, match="privacy.delta"):
        job.split(dataset, private)
    np.testing.assert_array_equal(job.split(dataset, config(tmp_path))[0].indices.shape, (18,))


def test_finish_records_the_stages_that_ran_not_all_of_them(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    run = create_run_directory(tmp_path / "runs", "finish")
    prepared = job.prepare(cfg)
    job.record_run(
        run, config=cfg, dataset=prepared.dataset, train=prepared.train, test=prepared.test, command=["t"]
    )
    first = job.finish(run, exported={}, reported={}, stage_seconds={"ingest": 0.1, "train": 2.0})
    assert first["stages_completed"] == ["ingest", "validate", "split", "train"]
    # a resumed session adds its stages and times to the earlier ones
    second = job.finish(run, exported={}, reported={}, stage_seconds={"train": 1.0, "generate": 0.5})
    assert second["stages_completed"] == ["ingest", "validate", "split", "train", "generate"]
    assert second["stage_seconds"]["train"] == 3.0 and second["status"] == "complete"
