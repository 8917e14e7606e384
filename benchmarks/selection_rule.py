"""Which selection rule should the inner CV use? The same trained generators, verified under each.

    .venv/bin/python -m benchmarks.verification_gain --datasets breast_cancer --keep RUNS ...
    .venv/bin/python -m benchmarks.selection_rule RUNS [MORE_RUNS ...] [--rules one-se best]

Takes the run directories that ``benchmarks/verification_gain.py --keep`` left (one per dataset
and pipeline seed, with their selection-fold generators and, when it ran, CTGAN's samples) and
re-runs the verification protocol on each under every rule of ``evaluation.selection_rule``
(evaluation/selection.py, SELECTION_RULES). Nothing is retrained: the synthetic samples, the fold
pools, the splits and the downstream seeds are the run's own, so the rules differ only in what
the inner CV chose. The results sit beside the run (``baselines/rule-<rule>/``), the run's own
files are untouched, and a rerun skips what is there.

Gains are verification_gain.py's: per pipeline seed the mean paired difference in balanced
accuracy against real only; across seeds the mean with a 95% t-interval. Results:
``benchmarks/results/selection_rule.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.common import RESULTS, markdown_table, write_result
from benchmarks.gain_summary import TABLES_GOAL_POINTS, per_seed_rows, summarise
from benchmarks.verification_gain import SETTING_FILE
from synthaug.evaluation.run_verification import classifier_names, combine_units, score_unit, select_unit
from synthaug.evaluation.selection_rule import SELECTION_RULES
from synthaug.evaluation.verification_inputs import VerificationFiles
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.layout import FIDELITY_FILE, RESULT_FILE, SELECTION_SUMMARY_FILE, SYNTHETIC_DIR

SELECTION_DIR = Path(SELECTION_SUMMARY_FILE).parent  # evaluation/selection: the fold generators


def reverify(source: Path, target: Path, files: VerificationFiles, spec) -> dict[str, Any]:
    """The protocol on ``source``'s synthetic set (and fold pools) under ``spec``, written to
    ``target``; the fidelity metrics, which no rule changes, are copied rather than recomputed."""
    if (target / RESULT_FILE).is_file():
        return json.loads((target / RESULT_FILE).read_text())
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source / SYNTHETIC_DIR, partial / SYNTHETIC_DIR)
    if (source / SELECTION_DIR).is_dir():
        shutil.copytree(source / SELECTION_DIR, partial / SELECTION_DIR)
    (partial / FIDELITY_FILE).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / FIDELITY_FILE, partial / FIDELITY_FILE)
    files = VerificationFiles(partial, train=files.train, test=files.test)
    for name in classifier_names(spec, files.kind):
        select_unit(files, spec=spec, classifier=name)
        for seed in range(spec.seeds):
            score_unit(files, spec=spec, classifier=name, seed=seed)
    combine_units(files, spec=spec)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return json.loads((target / RESULT_FILE).read_text())


def dataset_of(run: Path, manifest: dict[str, Any]) -> str:
    """The setting verification_gain recorded, else the bundled dataset's name (older runs)."""
    if (run / SETTING_FILE).is_file():
        return json.loads((run / SETTING_FILE).read_text())["dataset"]
    return manifest["data"]["uri"].removeprefix("bundled:")


def rows_of(run: Path, rules: list[str], *, ctgan: bool = True) -> list[dict[str, Any]]:
    """Per-seed rows of ``run`` under each rule, the method named ``<method> [<rule>]``."""
    config = load_config(run / "config.yaml", snapshot=True)
    manifest = json.loads((run / "manifest.json").read_text())
    dataset = dataset_of(run, manifest)
    base = VerificationFiles.of_run(run)
    rows = []
    for rule in rules:
        spec = config.evaluation.model_copy(update={"selection_rule": rule})
        if rule != "one-se":  # a preferred candidate is the one-SE rule's (EvaluationConfig refuses it)
            spec = spec.without_preference()
        results = {"ours": reverify(run, run / "baselines" / f"rule-{rule}", base, spec)}
        reference, target = run / "baselines" / "ctgan", run / "baselines" / f"ctgan-rule-{rule}"
        if (target / RESULT_FILE).is_file() or (ctgan and (reference / SYNTHETIC_DIR).is_dir()):
            results["ctgan"] = reverify(reference, target, base, spec.without_preference())
        for row in per_seed_rows(dataset, manifest["seed"], results):
            rows.append({**row, "method": f"{row['method']} [{rule}]", "rule": rule})
    return rows


def rule_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per rule, for real + synthaug: the mean gain over datasets and classifiers, the worst
    one, and how many a 95% interval calls gain and harm."""
    out = []
    for rule, group in table[table["method"].str.startswith("synthaug [")].groupby("rule", sort=False):
        tables = group[~group["dataset"].str.startswith("digits")]
        out.append(
            {
                "rule": rule,
                "settings": len(group),
                "mean_gain_points": round(float(group["gain_points"].mean()), 2),
                "tables_mean_gain_points": round(float(tables["gain_points"].mean()), 2)
                if len(tables)
                else None,
                "worst_gain_points": round(float(group["gain_points"].min()), 2),
                "gain": int((group["verdict"] == "gain").sum()),
                "harm": int((group["verdict"] == "harm").sum()),
                "mean_selected_amount": round(float(group["mean_selected_amount"].mean()), 2),
            }
        )
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runs", type=Path, nargs="+", help="folders of kept runs (verification_gain --keep)")
    parser.add_argument("--rules", nargs="+", choices=list(SELECTION_RULES), default=list(SELECTION_RULES))
    parser.add_argument(
        "--no-ctgan",
        action="store_true",
        help="verify no CTGAN samples anew (those verified before are still reported)",
    )
    parser.add_argument("--result-name", default="selection_rule")
    args = parser.parse_args()
    runs = sorted(run for folder in args.runs for run in folder.iterdir() if (run / RESULT_FILE).is_file())
    if not runs:
        parser.error(f"no verified runs (with {RESULT_FILE}) under {', '.join(map(str, args.runs))}")
    rows = []
    for run in runs:
        rows += rows_of(run, args.rules, ctgan=not args.no_ctgan)
        print(run.name, flush=True)
    frame = summarise(rows)
    frame["rule"] = frame["method"].str.extract(r"\[(.+)\]")[0]
    frame = frame.sort_values(["dataset", "classifier", "method"], kind="stable").reset_index(drop=True)
    overview = rule_summary(frame)
    print(overview.to_string())
    write_result(
        args.result_name,
        {
            "runs": [str(r) for r in runs],
            "rules": {rule: SELECTION_RULES[rule] for rule in args.rules},
            "tables_goal_points": TABLES_GOAL_POINTS,
            "overview": overview.to_dict(orient="records"),
            "table": frame.to_dict(orient="records"),
            "per_seed": rows,
        },
    )
    (RESULTS / f"{args.result_name}.md").write_text(
        "# Selection rule: the same generators, verified under each rule\n\n"
        + "\n".join(f"- **{rule}**: {SELECTION_RULES[rule]}" for rule in args.rules)
        + "\n\nGain: balanced accuracy (points) of real + method minus real only on the held-out "
        "test split; mean over pipeline seeds with a 95% t-interval. Per rule, over datasets and "
        "classifiers (real + synthaug):\n\n"
        + markdown_table(overview)
        + "\n\nEvery dataset, classifier and method:\n\n"
        + markdown_table(frame.drop(columns="rule"))
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
