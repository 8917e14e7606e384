"""Shared benchmark plumbing: the scarce digits split, machine facts, result files."""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline

from synthaug.evaluation.columns import as_objects, tabular_encoder
from synthaug.evaluation.conditions import REAL_CLASSIC_SYNTHETIC, SELECTION_OF
from synthaug.evaluation.fidelity.column_shapes import column_shapes
from synthaug.evaluation.fidelity.correlation_difference import correlation_difference
from synthaug.evaluation.fidelity.detection_auc import detection_auc
from synthaug.pipeline.config import SynthaugConfig, demo_config
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.provenance import package_versions
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import HeldOutTest, TrainSplit, split_dataset
from synthaug.pipeline.watermark.keys import WatermarkKey, write_key_file

RESULTS = Path(__file__).resolve().parent / "results"


def digits_splits(config: SynthaugConfig | None = None) -> tuple[Dataset, TrainSplit, HeldOutTest]:
    config = config or demo_config()
    data = load_dataset(config.dataset)
    train, test = split_dataset(
        data, config.split, seed=config.split_seed, per_class=config.dataset.per_class
    )
    return data, train, test


def seed_key_file(directory: Path, seed: int) -> Path:
    """A watermark key file derived from the pipeline seed alone (mode 0600), so that a rerun of a
    benchmark seed marks the same cells and differs only in what the benchmark changed. For
    benchmarks only: a key anyone can derive protects nothing."""
    path = Path(directory) / f"benchmark-seed-{seed}.key"
    if not path.exists():
        write_key_file(path, WatermarkKey(hashlib.sha256(f"synthaug-benchmark|{seed}".encode()).digest()))
    return path


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "cpu_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "packages": {k: v for k, v in package_versions().items() if k in ("torch", "numpy", "scikit-learn")},
    }


def write_result(name: str, result: dict[str, Any]) -> Path:
    """``benchmarks/results/<name>.json`` (and print it)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"benchmark": name, "measured_at": datetime.now(UTC).isoformat(), "machine": machine(), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))
    return path


def read_result(name: str) -> dict[str, Any]:
    """``benchmarks/results/<name>.json`` as :func:`write_result` wrote it."""
    return json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))


def paired_difference(differences: list[float], baseline: list[float]) -> dict:
    """Mean of paired differences (unmarked minus marked score, in points) with a 95% t-interval."""
    d = np.asarray(differences)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    return {
        "unmarked_balanced_accuracy_mean": round(float(np.mean(baseline)), 2),
        "unmarked_minus_marked_points_mean": round(float(d.mean()), 3),
        "ci95": [round(float(d.mean() - half), 3), round(float(d.mean() + half), 3)],
        "per_resample": [round(float(x), 3) for x in d],
    }


def add_set_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--set KEY=VALUE`` (repeatable, as ``synthaug run --set``) into ``args.overrides``."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help
    )


def markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = [
        "| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def table_fidelity(real: pd.DataFrame, synthetic: pd.DataFrame, *, seed: int = 0) -> dict[str, float]:
    """The tabular fidelity metrics as flat columns for a benchmark table."""
    return {
        "column_shape": float(np.mean(list(column_shapes(real, synthetic).values()))),
        "correlation_difference": correlation_difference(real, synthetic),
        "detection_auc_logistic": detection_auc(real, synthetic, model="logistic", seed=seed),
        "detection_auc_tree": detection_auc(real, synthetic, model="tree", seed=seed),
    }


def chosen(entry: dict[str, Any]) -> dict[str, Any]:
    """What a classifier's inner CV chose (one classifier's entry of ``gain.json``): the amount,
    weight and filter of real + synthetic, and the amount added on top of the classic
    augmentation or SMOTE rows (None in results from before tables had that condition)."""
    selection = entry["selection"]
    on_classic = selection.get(SELECTION_OF[REAL_CLASSIC_SYNTHETIC])
    return {
        "amount": selection["synthetic"]["amount"],
        "weight": selection["synthetic"].get("weight", 1.0),
        "filtered": selection["synthetic"]["filtered"],
        "amount_with_classic": on_classic["amount"] if on_classic else None,
    }


def tstr_balanced_accuracy(synthetic: pd.DataFrame, real_test: pd.DataFrame, target: str) -> float:
    """Train a standardised logistic regression on synthetic rows; balanced accuracy on real rows."""
    train_x, test_x = (
        as_objects(synthetic.drop(columns=[target])),
        as_objects(real_test.drop(columns=[target])),
    )
    pipeline = make_pipeline(tabular_encoder(train_x), LogisticRegression(max_iter=2000))
    pipeline.fit(train_x, synthetic[target].astype(str))
    return float(balanced_accuracy_score(real_test[target].astype(str), pipeline.predict(test_x)))


def trained_run(config: SynthaugConfig):
    """A run directory of ``config`` taken through ingest, split and training, as the job does
    (for benchmarks that then vary the later stages on the same generator)."""
    from synthaug.pipeline.rundir import create_run_directory
    from synthaug.stages import job, preflight

    preflight.check_config(config)
    run = create_run_directory(config.output_dir, config.name)
    dataset = job.ingest(config.dataset)
    train, test = job.split(dataset, config)
    job.record_run(run, config=config, dataset=dataset, train=train, test=test, command=["benchmark"])
    job.train(run, config)
    return run
