"""Does replacing near copies of training samples cut memorisation without losing the gain?

    .venv/bin/python -m benchmarks.near_copies [--datasets digits breast_cancer birthwt ...] \
        [--seeds 0 1 2] [--quantiles none 0.05 calibrated] [--set KEY=VALUE ...] [--name near_copies]

For each dataset (its shipped example config; a public table of ``../shared/data`` takes
breast_cancer's settings at 15 rows per class, as in ``benchmarks/verification_gain.py``) and
pipeline seed, the job runs once up to the
trained generator; then, per ``generation.near_copy_quantile``, the generate stage, the cross-fit
stage (whose fold generators curate the same way) and the verification run on that same run, so
only the curation differs. Recorded per setting: how many drawn samples were near copies, the
privacy audit against the held-out rows (share of synthetic samples nearer the training split
than the held-out split, near copies by the audit's held-out threshold, membership-inference
AUC), the amount and weight the CV chose and the test gains with 95% intervals, and the
recommendation. ``--set`` applies more overrides to every run (for example
``training.synthesizer=copula``). Results: ``benchmarks/results/<name>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.common import RESULTS, chosen, markdown_table, trained_run, write_result
from benchmarks.verification_gain import DATA_DIR, TABLES, dataset_config
from synthaug.evaluation.conditions import REAL, REAL_CLASSIC, REAL_CLASSIC_SYNTHETIC, REAL_SYNTHETIC
from synthaug.evaluation.verdict import comparison
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.layout import EVALUATION_DIR, RESULT_FILE, SYNTHETIC_DIR
from synthaug.stages import job, verification
from synthaug.stages.fold_generators import train_fold_generators

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {name: ROOT / "examples" / f"{name}.yaml" for name in ("digits", "breast_cancer")}
DATASETS = [*EXAMPLES, *TABLES]


def points(c: dict[str, Any] | None) -> list[float] | None:
    return None if c is None else [round(100 * c[k], 2) for k in ("mean_difference", "low", "high")]


def base_config(dataset: str, seed: int, workdir: Path, *, data_dir: Path, extra: list[str]):
    if dataset in EXAMPLES:
        return load_config(EXAMPLES[dataset], overrides=[f"seed={seed}", f"output_dir={workdir}", *extra])
    return dataset_config(dataset, seed, workdir, full=False, data_dir=data_dir, extra=extra)


def run_seed(
    dataset: str,
    seed: int,
    quantiles: list[float | str | None],
    workdir: Path,
    *,
    data_dir: Path,
    extra: list[str],
) -> list[dict[str, Any]]:
    base = base_config(dataset, seed, workdir, data_dir=data_dir, extra=extra)
    run = trained_run(base)
    rows = []
    for quantile in quantiles:
        config = base.model_copy(
            update={"generation": base.generation.model_copy(update={"near_copy_quantile": quantile})}
        )
        for folder in (SYNTHETIC_DIR, EVALUATION_DIR):
            shutil.rmtree(run.file(folder), ignore_errors=True)
        generated = job.generate(run, config)
        train_fold_generators(run, config)
        verification.verify(run, config)
        result = json.loads(run.file(RESULT_FILE).read_text(encoding="utf-8"))
        curated = generated["near_copies"]
        audit = result.get("privacy_audit", {})
        for name, entry in result["classifiers"].items():
            rows.append(
                {
                    "dataset": dataset,
                    "seed": seed,
                    "near_copy_quantile": "none" if quantile is None else quantile,
                    "quantile_used": curated.get("quantile"),
                    "classifier": name,
                    "near_copies_replaced": curated.get("near_copies_found", 0)
                    - curated.get("near_copies_kept", 0),
                    "drawn": curated.get("drawn", generated["total"]),
                    "share_closer_to_train": round(audit.get("share_closer_to_train", float("nan")), 3),
                    "audit_near_copies": round(audit.get("near_copies", float("nan")), 3),
                    "membership_auc": round(audit.get("membership_auc", float("nan")), 3),
                    "membership_auc_either_way": round(
                        audit.get("membership_auc_either_way", float("nan")), 3
                    ),
                    **chosen(entry),
                    "synthetic_vs_real": points(comparison(entry, REAL_SYNTHETIC, REAL)),
                    "classic_synthetic_vs_classic": points(
                        comparison(entry, REAL_CLASSIC_SYNTHETIC, REAL_CLASSIC)
                    ),
                    "recommendation": entry["recommendation"]["option"],
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def summarise(rows: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(every run, mean per dataset/setting/classifier, mean and worst per setting)."""
    frame = pd.DataFrame(rows)
    if "membership_auc_either_way" not in frame:  # runs audited before the key existed
        frame["membership_auc_either_way"] = frame["membership_auc"].map(lambda auc: max(auc, 1 - auc))
    for column, before in (("weight", 1.0), ("amount_with_classic", None), ("filtered", False)):
        if column not in frame:  # runs recorded before these were
            frame[column] = before
    frame["test_gain_points"] = frame["synthetic_vs_real"].map(lambda p: p[0])
    summary = (
        frame.groupby(["dataset", "near_copy_quantile", "classifier"], sort=False)
        .agg(
            runs=("seed", "size"),
            near_copies_replaced=("near_copies_replaced", "mean"),
            share_closer_to_train=("share_closer_to_train", "mean"),
            audit_near_copies=("audit_near_copies", "mean"),
            membership_auc=("membership_auc", "mean"),
            membership_auc_either_way=("membership_auc_either_way", "mean"),
            amounts=("amount", lambda a: "/".join(f"{x:g}" for x in a)),
            weights=("weight", lambda w: "/".join(f"{x:g}" for x in w)),
            amounts_with_classic=(
                "amount_with_classic",
                lambda a: "/".join("-" if pd.isna(x) else f"{x:g}" for x in a),
            ),
            mean_test_gain_points=("test_gain_points", "mean"),
            recommendations=("recommendation", "/".join),
        )
        .round(3)
        .reset_index()
    )
    overall = (
        summary.groupby("near_copy_quantile", sort=False)
        .agg(
            settings=("classifier", "size"),
            share_closer_to_train=("share_closer_to_train", "mean"),
            worst_share=("share_closer_to_train", "max"),
            membership_auc=("membership_auc", "mean"),
            lowest_membership_auc=("membership_auc", "min"),
            membership_auc_either_way=("membership_auc_either_way", "mean"),
            worst_membership_auc_either_way=("membership_auc_either_way", "max"),
            mean_test_gain_points=("mean_test_gain_points", "mean"),
            worst_test_gain_points=("mean_test_gain_points", "min"),
        )
        .round(3)
        .reset_index()
    )
    return frame.drop(columns="test_gain_points"), summary, overall


def write(name: str, command: str, overrides: list[str], rows: list[dict[str, Any]]) -> None:
    frame, summary, overall = summarise(rows)
    write_result(
        name,
        {
            "command": command,
            "overrides": overrides,
            "runs": rows,
            "summary": summary.to_dict(orient="records"),
            "overall": overall.to_dict(orient="records"),
        },
    )
    (RESULTS / f"{name}.md").write_text(
        "# Near-copy curation\n\nThe same trained generator per dataset and seed, sampled with and without "
        "replacing near copies; audit against the held-out rows; gains in points of balanced accuracy "
        f"[95% interval]. Overrides: {overrides or 'none'}.\n\n"
        "Per setting, mean (and worst) over the datasets and classifiers:\n\n"
        + markdown_table(overall.astype(str))
        + "\n\nPer dataset and classifier, mean over the seeds:\n\n"
        + markdown_table(summary.astype(str))
        + "\n\nPer run:\n\n"
        + markdown_table(frame.astype(str))
        + "\n",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(EXAMPLES), choices=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quantiles", nargs="+", default=["none", "0.05"])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where the public tables are")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--name", default="near_copies", help="result file name under benchmarks/results")
    parser.add_argument(
        "--from-result", type=Path, help="summarise the runs of an earlier result file again (no training)"
    )
    args = parser.parse_args()
    if args.from_result:
        earlier = json.loads(args.from_result.read_text(encoding="utf-8"))
        overrides = earlier.get("overrides", re.findall(r"--set (\S+)", earlier["command"]))
        write(args.name, earlier["command"], overrides, earlier["runs"])
        return
    quantiles = [None if q == "none" else q if q == "calibrated" else float(q) for q in args.quantiles]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="synthaug-near-copies-") as tmp:
        for dataset in args.datasets:
            for seed in args.seeds:
                rows += run_seed(
                    dataset, seed, quantiles, Path(tmp), data_dir=args.data_dir, extra=args.overrides
                )
    command = " ".join(
        [
            "python -m benchmarks.near_copies --datasets",
            *args.datasets,
            "--seeds",
            *map(str, args.seeds),
            "--quantiles",
            *args.quantiles,
            *(f"--set {o}" for o in args.overrides),
            "--name",
            args.name,
        ]
    )
    write(args.name, command, args.overrides, rows)


if __name__ == "__main__":
    main()
