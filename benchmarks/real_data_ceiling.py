"""What would synthetic samples as good as real ones give? The gain of more *real* samples.

    .venv/bin/python -m benchmarks.real_data_ceiling [--datasets breast_cancer birthwt crabs oj melanoma \
        digits] [--seeds 0 1 2 3 4] [--amounts 1 2 4] [--data-dir ../shared/data]

A generator that draws from the distribution the real samples come from gives what extra real
samples give, since they are such draws. For each dataset and pipeline seed s, on the split
``verification_gain`` uses (the same config: 15 per class, test fraction 0.3; s redraws the held-out
rows and the scarce subsample), the verification's classifiers are trained with its downstream seeds
on the scarce training rows alone and with ``amount`` x each class's count of unused real rows added
(drawn without replacement from the rows the subsample left out, each larger amount holding the
smaller ones; a class whose unused rows run out adds what it has, and the results say how many were
added), with no selection, and scored in balanced accuracy on the held-out rows; on images also with
the CNN's classic augmentation on in both conditions (what the goal "on top of the classic
augmentation" asks of synthetic images). Per seed a gain is the mean paired difference over the
downstream seeds; the table gives the mean over pipeline seeds with a 95% t-interval. For the public
tables, per seed the mean over the tables' datasets and classifiers, then an interval across seeds:
beside the tables goal of the gain issue (a mean gain of +1.5 points over real only), it says what
the goal asks of synthetic rows compared with real ones. Results:
``benchmarks/results/real_data_ceiling.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, markdown_table, write_result
from benchmarks.gain_summary import GOAL_FLOOR_POINTS, TABLES_GOAL_POINTS, gain_columns
from benchmarks.verdict_calibration import split_samples
from benchmarks.verification_gain import DATA_DIR, PER_CLASS, TABLES, dataset_config
from synthaug.evaluation import fits
from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC, score
from synthaug.evaluation.run_verification import DownstreamClassifier, classifier_names
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.statistics import mean_interval, paired_comparison

TABLE_SETS = ("breast_cancer", *TABLES)  # the datasets of the tables goal


def with_more_real(real: Samples, unused: Samples, amounts: list[float], rng: np.random.Generator):
    """Per amount, the training rows with ``amount`` x each class's count of unused rows added,
    and how many each class received; one shuffle per class, so a larger amount holds the smaller."""
    order = [rng.permutation(np.flatnonzero(unused.y == label)) for label in range(real.n_classes)]
    for amount in amounts:
        wanted = np.rint(amount * real.counts()).astype(int)
        picks = [members[:n] for members, n in zip(order, wanted, strict=True)]
        yield amount, real.concat(unused.subset(np.concatenate(picks))), [len(p) for p in picks]


def balanced_accuracy(
    make: DownstreamClassifier, seed: int, classic: bool, train: Samples, test: Samples
) -> float:
    model = fits.fit(make, seed, classic, train)
    return score(test.y, model.predict_proba(test.x), test.n_classes)[PRIMARY_METRIC]


def measure(dataset: str, seed: int, amounts: list[float], data_dir: Path) -> list[dict[str, Any]]:
    """One record per classifier, classic augmentation (images: off and on; tables: off) and
    amount for pipeline seed ``seed``; every classifier gets the same added rows."""
    with tempfile.TemporaryDirectory() as tmp:
        config = dataset_config(dataset, seed, Path(tmp), full=False, data_dir=data_dir)
    real, unused, test = split_samples(config, config.split_seed)
    spec = config.evaluation
    kind = "image" if isinstance(real.x, np.ndarray) else "tabular"
    drawn = list(with_more_real(real, unused, amounts, np.random.default_rng([seed, 7])))
    records = []
    for name in classifier_names(spec, kind):
        make = DownstreamClassifier(kind, name, real.n_classes, spec.cnn_steps, "cpu")
        for classic in (False, True) if kind == "image" else (False,):
            baseline = np.mean([balanced_accuracy(make, s, classic, real, test) for s in range(spec.seeds)])
            for amount, train, added in drawn:
                scores = [balanced_accuracy(make, s, classic, train, test) for s in range(spec.seeds)]
                records.append(
                    {
                        "dataset": dataset,
                        "seed": seed,
                        "classifier": name,
                        "classic": classic,
                        "amount": amount,
                        "baseline": float(baseline),
                        "difference": float(np.mean(scores) - baseline),
                        "train_per_class": real.counts().tolist(),
                        "added_per_class": added,
                        "unused_per_class": unused.counts().tolist(),
                    }
                )
    return records


def summarise(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    keys = ["dataset", "classifier", "classic", "amount"]
    for (dataset, classifier, classic, amount), group in pd.DataFrame(records).groupby(keys, sort=False):
        baseline = group["baseline"].to_numpy()
        comparison = paired_comparison(baseline + group["difference"].to_numpy(), baseline)
        wanted = np.rint(amount * np.array(group["train_per_class"].tolist())).sum(axis=1)
        added = np.array(group["added_per_class"].tolist()).sum(axis=1)
        rows.append(
            {
                "dataset": dataset,
                "classifier": classifier,
                "baseline": "real + classic" if classic else "real only",
                "amount": amount,
                "seeds": len(group),
                "baseline_%": round(100 * float(baseline.mean()), 2),
                **gain_columns(comparison),
                "rows_added": round(float(added.mean()), 1),
                "share_of_amount_added": round(float(added.sum() / wanted.sum()), 3),
            }
        )
    return pd.DataFrame(rows)


def tables_mean(records: list[dict[str, Any]], table: pd.DataFrame) -> pd.DataFrame:
    """Per amount: per seed the mean gain over the tables' datasets and classifiers, then its
    interval across seeds, the worst dataset and classifier, and the goals read against them."""
    frame = pd.DataFrame(records)
    frame = frame[frame["dataset"].isin(TABLE_SETS) & ~frame["classic"]]
    rows = []
    for amount, group in frame.groupby("amount", sort=True):
        if set(group["dataset"]) != set(TABLE_SETS):
            continue  # the goal is over every table
        per_seed = group.groupby("seed")["difference"].mean()
        interval = mean_interval(100 * per_seed.to_numpy())
        cells = table[
            (table["amount"] == amount)
            & table["dataset"].isin(TABLE_SETS)
            & (table["baseline"] == "real only")
        ]
        worst = cells.loc[cells["gain_points"].idxmin()]
        rows.append(
            {
                "amount": amount,
                "seeds": interval.n,
                "mean_gain_points": round(interval.mean, 2),
                "ci95_low": round(interval.low, 2),
                "ci95_high": round(interval.high, 2),
                "worst": f"{worst['gain_points']:+.2f} ({worst['dataset']}, {worst['classifier']})",
                f"mean_reaches_{TABLES_GOAL_POINTS}": interval.mean >= TABLES_GOAL_POINTS,
                f"none_below_{GOAL_FLOOR_POINTS}": bool((cells["gain_points"] >= GOAL_FLOOR_POINTS).all()),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    everything = [*TABLE_SETS, "digits"]
    parser.add_argument("--datasets", nargs="+", choices=everything, default=everything)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--amounts", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where the public tables are")
    parser.add_argument("--result-name", default="real_data_ceiling", help="results file stem")
    args = parser.parse_args()
    records, seconds = [], {}
    for dataset in args.datasets:
        started = time.perf_counter()
        for seed in args.seeds:
            records += measure(dataset, seed, args.amounts, args.data_dir)
        seconds[dataset] = round(time.perf_counter() - started, 1)
        print(f"{dataset}: {seconds[dataset]} s", flush=True)
    table = summarise(records)
    overall = tables_mean(records, table)
    settings = (
        f"{PER_CLASS} per class, test fraction 0.3, pipeline seeds {args.seeds}, amounts {args.amounts} "
        "x each class's training rows of unused real rows, no selection; 5 downstream seeds; "
        "metric: balanced accuracy, points"
    )
    write_result(
        args.result_name,
        {
            "settings": settings,
            "command": "python -m benchmarks.real_data_ceiling "
            f"--datasets {' '.join(args.datasets)} --seeds {' '.join(map(str, args.seeds))} "
            f"--amounts {' '.join(f'{a:g}' for a in args.amounts)}",
            "seconds": seconds,
            "tables_mean": overall.to_dict(orient="records"),
            "summary": table.to_dict(orient="records"),
            "per_seed": records,
        },
    )
    (RESULTS / f"{args.result_name}.md").write_text(
        "# What more real rows give (the ceiling for synthetic rows)\n\n"
        f"{settings}.\n\n## Over the tables of the goal (breast_cancer and the public tables)\n\n"
        + (markdown_table(overall) if len(overall) else "(not every table was run)")
        + "\n\n## Per dataset and classifier\n\n"
        + markdown_table(table)
        + "\n",
        encoding="utf-8",
    )
    print(markdown_table(overall) if len(overall) else "", flush=True)


if __name__ == "__main__":
    main()
