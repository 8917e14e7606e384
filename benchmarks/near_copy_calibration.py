"""Which near-copy quantile leaves the least for a membership attack: fixed ones, or one calibrated
per run on the training split (stages/near_copy_calibration.py)?

    .venv/bin/python -m benchmarks.near_copy_calibration [--datasets breast_cancer crabs ...] \
        [--seeds 0 1 2 ...] [--quantiles none 0.05 0.25 0.5] [--set KEY=VALUE ...] \
        [--name near_copy_calibration]

Per table (breast_cancer and the public tables, 15 rows per class, as benchmarks/verification_gain.py
makes them; the copula, plus any ``--set``) and pipeline seed: the run's synthesizer is fitted once
and its draws of the generate stage's counts are curated with every fixed quantile and with the
calibrated one, then audited against the held-out test split (privacy/audit.py). The calibration
reads the training split only; the test split is read here for the audit alone. Only the audit
is measured (no classifiers): ``benchmarks.verification_gain`` measures gain and audit together.
Results: ``benchmarks/results/<name>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.common import RESULTS, add_set_option, markdown_table, trained_run, write_result
from benchmarks.verification_gain import DATA_DIR, TABLES, dataset_config
from synthaug.pipeline.dataset_io import read_dataset
from synthaug.pipeline.layout import MODEL_FILES, synthesizer_name
from synthaug.pipeline.rundir import split_file
from synthaug.privacy.audit import MEMBERSHIP_AUC, SHARE_CLOSER_TO_TRAIN
from synthaug.stages.curation import NearCopyFilter
from synthaug.stages.generate import labels_for, plan_counts
from synthaug.stages.job import load_train_split
from synthaug.stages.near_copy_calibration import audit_against, calibrate
from synthaug.stages.sampling import synthesizer_class

CALIBRATED = "calibrated"


def run_seed(
    dataset: str, seed: int, quantiles: list[float | None], workdir: Path, extra: list[str]
) -> list[dict[str, Any]]:
    config = dataset_config(dataset, seed, workdir, full=False, data_dir=DATA_DIR, extra=extra)
    run = trained_run(config)
    train = load_train_split(run)
    test = read_dataset(split_file(run.path, "test"))
    name = synthesizer_name(train.data.kind, config.training.synthesizer)
    synthesizer = synthesizer_class(name).load(run.file(MODEL_FILES[name]))
    labels = labels_for(plan_counts(train.data.class_counts(), config.generation), synthesizer.classes_)
    drawn = synthesizer.sample(len(labels), labels=labels, seed=config.seed + 1)
    chosen, record = calibrate(config, train, seed=config.seed)
    rows = []
    for setting in [*quantiles, CALIBRATED]:
        quantile = chosen if setting == CALIBRATED else setting
        kept = drawn
        if quantile is not None:
            kept, _ = NearCopyFilter.fit(train.data.features, quantile).curate(
                synthesizer, drawn, seed=config.seed + 1, batch_size=config.generation.batch_size
            )
        found = audit_against(train.data.features, test.features, kept.features, seed=0)
        rows.append(
            {
                "dataset": dataset,
                "seed": seed,
                "setting": "none" if setting is None else setting,
                "quantile": quantile,
                "share_closer_to_train": round(found[SHARE_CLOSER_TO_TRAIN], 4),
                "membership_auc": round(found[MEMBERSHIP_AUC], 4),
                "membership_auc_either_way": round(max(found[MEMBERSHIP_AUC], 1 - found[MEMBERSHIP_AUC]), 4),
                "fold_membership_auc": record["fold_membership_auc"] if setting == CALIBRATED else None,
            }
        )
        print(rows[-1], flush=True)
    return rows


def summarise(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per dataset and setting, the mean over seeds (the attack read either way run by run, as
    benchmarks/memorisation.py reads it) and the worst seed."""
    frame = pd.DataFrame(rows)
    return (
        frame.groupby(["dataset", "setting"], sort=False)
        .agg(
            seeds=("seed", "size"),
            quantiles=("quantile", lambda q: "/".join(f"{x:g}" for x in q if pd.notna(x)) or "-"),
            share_closer_to_train=("share_closer_to_train", "mean"),
            membership_auc=("membership_auc", "mean"),
            membership_auc_either_way=("membership_auc_either_way", "mean"),
            worst_either_way=("membership_auc_either_way", "max"),
        )
        .round(3)
        .reset_index()
    )


def overall(summary: pd.DataFrame) -> pd.DataFrame:
    """Per setting over the datasets: the mean and the worst dataset."""
    return (
        summary.groupby("setting", sort=False)
        .agg(
            share_closer_to_train=("share_closer_to_train", "mean"),
            worst_share=("share_closer_to_train", "max"),
            membership_auc_either_way=("membership_auc_either_way", "mean"),
            worst_dataset_either_way=("membership_auc_either_way", "max"),
        )
        .round(3)
        .reset_index()
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    tables = ["breast_cancer", *TABLES]
    parser.add_argument("--datasets", nargs="+", default=tables, choices=tables)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--quantiles", nargs="+", default=["none", "0.02", "0.05", "0.1", "0.25", "0.5", "0.75"]
    )
    parser.add_argument("--name", default="near_copy_calibration")
    add_set_option(parser, "more overrides for every run, after training.synthesizer=copula")
    args = parser.parse_args(argv)
    extra = ["training.synthesizer=copula", *args.overrides]
    quantiles = [None if q == "none" else float(q) for q in args.quantiles]
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory(prefix="synthaug-bench-") as tmp:
                rows += run_seed(dataset, seed, quantiles, Path(tmp), extra)
    summary = summarise(rows)
    command = " ".join(["python -m benchmarks.near_copy_calibration", *sys.argv[1:]])
    write_result(args.name, {"command": command, "overrides": extra, "rows": rows})
    by_setting = overall(summary)
    text = (
        f"# Near-copy quantile: fixed or calibrated per run\n\n`{command}` (overrides {extra}; 15 rows "
        f"per class, seeds {args.seeds}). Each run's draws curated with each setting, audited against "
        "the held-out test split; the calibrated quantile is chosen on folds of the training split "
        "(stages/near_copy_calibration.py). Goals: share nearer a training row at most 0.65, membership "
        "AUC read either way at most 0.6.\n\n## Per dataset\n\n"
        + markdown_table(summary)
        + "\n\n## Over the datasets\n\n"
        + markdown_table(by_setting)
        + "\n"
    )
    (RESULTS / f"{args.name}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
