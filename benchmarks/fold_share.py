"""Does a smaller generator budget inside the selection folds keep the choice good?

    .venv/bin/python -m benchmarks.fold_share [--seeds 0 1 2] [--shares 0.25 1.0]
    .venv/bin/python -m benchmarks.fold_share --config examples/breast_cancer_dp.yaml --shares shared 0.25

The cross-fit stage (stages/fold_generators.py) trains one generator per selection fold for
``evaluation.fold_generator_share`` of the run's steps (0.25 by default). For each pipeline seed
this runs the demo job (examples/digits.yaml) once up to generation, then the cross-fit stage
and the verification once per share on that same run (the run's own generator and the
held-out rows are shared, so only the fold generators differ). Recorded per share: the amount
and filtering chosen, the CV gain the choice was made on (chosen amount minus none, in points),
every candidate's CV gain (and, per share, how well their order agrees with the full budget's),
the test gain of the verdict (real+synthetic and real+classic+synthetic against real only and
real+classic, points with 95% intervals), the recommendation, and the cross-fit stage's seconds.
A smaller budget is acceptable when its choices score on the held-out rows as the full budget's
do. ``shared`` in ``--shares`` selects with the run's own generator instead (the flaw
cross-fitting removes), on the same run. ``--config`` takes another example (the private ones:
fold generators trained with DP-SGD). Results: ``benchmarks/results/fold_share.json`` and
``.md``, or ``fold_share_<config stem>.*`` for another config.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.common import RESULTS, chosen, markdown_table, trained_run, write_result
from synthaug.evaluation.conditions import REAL, REAL_CLASSIC, REAL_CLASSIC_SYNTHETIC, REAL_SYNTHETIC
from synthaug.evaluation.selection import Selection
from synthaug.evaluation.verdict import comparison
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.layout import EVALUATION_DIR, RESULT_FILE
from synthaug.stages import job, verification
from synthaug.stages.fold_generators import train_fold_generators

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "digits.yaml"
SHARED = "shared"  # in --shares: select with the run's own generator


def points(c: dict[str, Any] | None) -> list[float] | None:
    return None if c is None else [round(100 * c[k], 2) for k in ("mean_difference", "low", "high")]


def record(result: dict[str, Any], seed: int, share: float | str, seconds: float) -> list[dict[str, Any]]:
    rows = []
    for name, entry in result["classifiers"].items():
        selection = entry["selection"]["synthetic"]
        cv = selection["cv_balanced_accuracy"]
        key = Selection.from_dict(selection).key
        cv_gain = 100 * (cv[key] - cv["x0"]) if key in cv and "x0" in cv else None
        rows.append(
            {
                "seed": seed,
                "share": share,
                "classifier": name,
                **chosen(entry),
                "cv_gain_points": None if cv_gain is None else round(cv_gain, 2),
                # every candidate's CV score against none: does a share order them as the full one does?
                "cv_points": {k: round(100 * (v - cv["x0"]), 2) for k, v in cv.items()} if "x0" in cv else {},
                "synthetic_vs_real": points(comparison(entry, REAL_SYNTHETIC, REAL)),
                "classic_synthetic_vs_classic": points(
                    comparison(entry, REAL_CLASSIC_SYNTHETIC, REAL_CLASSIC)
                ),
                "recommendation": entry["recommendation"]["option"],
                "verdict": entry["verdict"],
                "cross_fit_seconds": seconds,
            }
        )
    return rows


def run_seed(seed: int, shares: list[float | str], workdir: Path, path: Path) -> list[dict[str, Any]]:
    base = load_config(path, overrides=[f"seed={seed}", f"output_dir={workdir}"])
    run = trained_run(base)
    job.generate(run, base)
    rows = []
    for share in shares:
        update = {"selection": SHARED} if share == SHARED else {"fold_generator_share": share}
        config = base.model_copy(update={"evaluation": base.evaluation.model_copy(update=update)})
        shutil.rmtree(run.file(EVALUATION_DIR), ignore_errors=True)
        started = time.perf_counter()
        train_fold_generators(run, config)
        seconds = round(time.perf_counter() - started, 1)
        verification.verify(run, config)
        result = json.loads(run.file(RESULT_FILE).read_text(encoding="utf-8"))
        rows += record(result, seed, share, seconds)
        print(json.dumps(rows[-1]), flush=True)
    return rows


def share_value(text: str) -> float | str:
    return SHARED if text == SHARED else float(text)


def rank_agreement(frame: pd.DataFrame, share: float | str, full: float) -> float | None:
    """Mean Spearman correlation, over seeds and classifiers, between the candidates' CV scores
    under ``share`` and under the full budget (1.0: the same order)."""
    keys = ["seed", "classifier"]
    mine = frame[frame["share"] == share].set_index(keys)["cv_points"]
    theirs = frame[frame["share"] == full].set_index(keys)["cv_points"]
    correlations = []
    for key in mine.index.intersection(theirs.index):
        names = sorted(set(mine[key]) & set(theirs[key]) - {"x0"})
        if len(names) >= 3:
            a, b = pd.Series([mine[key][n] for n in names]), pd.Series([theirs[key][n] for n in names])
            correlations.append(a.corr(b, method="spearman"))
    return round(float(pd.Series(correlations).mean()), 2) if correlations else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--shares", nargs="+", type=share_value, default=[0.25, 1.0])
    parser.add_argument("--config", type=Path, default=CONFIG)
    args = parser.parse_args()
    path = args.config.resolve()
    name = "fold_share" if path == CONFIG else f"fold_share_{path.stem}"
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="synthaug-fold-share-") as tmp:
        for seed in args.seeds:
            rows += run_seed(seed, args.shares, Path(tmp), path)
    frame = pd.DataFrame(rows)
    summary = []
    full = max((s for s in args.shares if s != SHARED), default=None)
    for share in args.shares:
        group = frame[frame["share"] == share]
        summary.append(
            {
                "share": share,
                "cv_rank_agreement_with_full": None if full is None else rank_agreement(frame, share, full),
                "runs": len(group),
                "amounts": "/".join(f"{a:g}" for a in group["amount"]),
                **(
                    {"amounts_with_classic": "/".join(f"{a:g}" for a in group["amount_with_classic"])}
                    if group["amount_with_classic"].notna().any()
                    else {}
                ),
                "mean_cv_gain_points": round(float(group["cv_gain_points"].mean()), 2),
                "mean_test_gain_points": round(
                    float(group["synthetic_vs_real"].map(lambda p: p[0]).mean()), 2
                ),
                "mean_test_gain_over_classic_points": round(
                    float(group["classic_synthetic_vs_classic"].map(lambda p: p[0] if p else 0.0).mean()), 2
                ),
                "recommendations": "/".join(group["recommendation"]),
                "mean_cross_fit_seconds": round(float(group["cross_fit_seconds"].mean()), 1),
            }
        )
    write_result(
        name,
        {
            "command": "python -m benchmarks.fold_share "
            + " ".join([f"--config examples/{path.name}", "--seeds", *map(str, args.seeds)])
            + " --shares "
            + " ".join(map(str, args.shares)),
            "config": f"examples/{path.name}",
            "runs": rows,
            "summary": summary,
        },
    )
    (RESULTS / f"{name}.md").write_text(
        f"# Fold generator budget ({path.name})\n\nPer run: the choice and its held-out result "
        "(points of balanced accuracy, [95% interval]).\n\n"
        + markdown_table(frame.astype(str))
        + "\n\nPer share:\n\n"
        + markdown_table(pd.DataFrame(summary))
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
