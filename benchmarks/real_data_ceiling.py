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

from benchmarks import copula_variants
from benchmarks.common import RESULTS, add_set_option, markdown_table, trained_run, write_result
from benchmarks.gain_summary import GOAL_FLOOR_POINTS, TABLES_GOAL_POINTS, gain_columns
from benchmarks.verdict_calibration import split_data
from benchmarks.verification_gain import DATA_DIR, PER_CLASS, TABLES, dataset_config
from synthaug.evaluation import fits
from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC, score
from synthaug.evaluation.run_verification import DownstreamClassifier, classifier_names
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.statistics import mean_interval, paired_comparison
from synthaug.evaluation.verification_inputs import VerificationFiles, samples_of
from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.dataset import Dataset
from synthaug.stages import job

TABLE_SETS = ("breast_cancer", *TABLES)  # the datasets of the tables goal
VARIANT = "copula:"  # a variant of benchmarks/copula_variants.py (correlation or marginals), drawn uncurated
ESTIMATES = ("ledoit-wolf", "empirical", "cross-validated", "pooled", "towards-pooled")
MARGINALS = ("pooled-marginals", "empirical-pooled-marginals", "rda-pooled-marginals")
TRUNCATIONS = tuple(copula_variants.TRUNCATION)  # the defaults, drawn at less than full spread
SOURCES = ("real", "copula", *(VARIANT + v for v in (*ESTIMATES, *MARGINALS, *TRUNCATIONS)))


def with_added(real: Samples, pool: Samples, amounts: list[float], rng: np.random.Generator):
    """Per amount, the training rows with ``amount`` x each class's count of ``pool`` rows added,
    and how many each class received; one shuffle per class, so a larger amount holds the smaller."""
    order = [rng.permutation(np.flatnonzero(pool.y == label)) for label in range(real.n_classes)]
    for amount in amounts:
        wanted = np.rint(amount * real.counts()).astype(int)
        picks = [members[:n] for members, n in zip(order, wanted, strict=True)]
        yield amount, real.concat(pool.subset(np.concatenate(picks))), [len(p) for p in picks]


def copula_pool(config: SynthaugConfig, real: Samples) -> Samples:
    """The synthetic rows the job writes with the copula fitted on the scarce training rows
    (its generate stage: near copies replaced, watermarked): the verification's pool."""
    config = config.model_copy(
        update={"training": config.training.model_copy(update={"synthesizer": "copula"})}
    )
    run = trained_run(config)
    job.generate(run, config)
    _, recorded, pool = VerificationFiles.of_run(run.path).training()
    if not (np.array_equal(recorded.y, real.y) and recorded.x.equals(real.x)):
        raise RuntimeError(f"{config.name}: the run's training rows are not the split's")
    return pool


def variant_pool(config: SynthaugConfig, variant: str, train: Dataset) -> Samples:
    """``generation.per_class`` rows per class of a copula fitted on the scarce training rows with
    ``copula_variants``' correlation estimate ``variant`` (no near-copy curation, no watermark)."""
    model = copula_variants.fit(train, variant, config.seed)
    return copula_variants.draw(model, config.generation.per_class, config.seed + 1)


def balanced_accuracy(
    make: DownstreamClassifier, seed: int, classic: bool, train: Samples, test: Samples
) -> float:
    model = fits.fit(make, seed, classic, train)
    return score(test.y, model.predict_proba(test.x), test.n_classes)[PRIMARY_METRIC]


def measure(
    dataset: str,
    seed: int,
    amounts: list[float],
    data_dir: Path,
    sources: tuple[str, ...] = ("real",),
    overrides: list[str] | None = None,
) -> list[dict[str, Any]]:
    """One record per source, classifier, classic augmentation (images: off and on; tables: off)
    and amount for pipeline seed ``seed``; every classifier gets the same added rows. The copula
    source is for tables only; ``overrides`` (KEY=VALUE) change the config, e.g. the job's curation."""
    with tempfile.TemporaryDirectory() as tmp:
        config = dataset_config(dataset, seed, Path(tmp), full=False, data_dir=data_dir, extra=overrides)
        train_data, unused_data, test_data = split_data(config, config.split_seed)
        real, unused, test = samples_of(train_data), samples_of(unused_data), samples_of(test_data)
        kind = "image" if isinstance(real.x, np.ndarray) else "tabular"
        pools = {"real": unused} if "real" in sources else {}
        if "copula" in sources and kind == "tabular":
            pools["copula"] = copula_pool(config, real)
        for source in sources:
            if source.startswith(VARIANT) and kind == "tabular":
                pools[source] = variant_pool(config, source.removeprefix(VARIANT), train_data)
    spec = config.evaluation
    drawn = {  # the same added rows for every classifier
        source: list(with_added(real, pool, amounts, np.random.default_rng([seed, 7])))
        for source, pool in pools.items()
    }
    records = []
    for name in classifier_names(spec, kind):
        make = DownstreamClassifier(kind, name, real.n_classes, spec.cnn_steps, "cpu")
        for classic in (False, True) if kind == "image" else (False,):
            baseline = np.mean([balanced_accuracy(make, s, classic, real, test) for s in range(spec.seeds)])
            for source, pool in pools.items():
                for amount, train, added in drawn[source]:
                    scores = [balanced_accuracy(make, s, classic, train, test) for s in range(spec.seeds)]
                    records.append(
                        {
                            "dataset": dataset,
                            "seed": seed,
                            "source": source,
                            "classifier": name,
                            "classic": classic,
                            "amount": amount,
                            "baseline": float(baseline),
                            "difference": float(np.mean(scores) - baseline),
                            "train_per_class": real.counts().tolist(),
                            "added_per_class": added,
                            "pool_per_class": pool.counts().tolist(),
                        }
                    )
    return records


def summarise(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    keys = ["source", "dataset", "classifier", "classic", "amount"]
    for (source, dataset, classifier, classic, amount), group in pd.DataFrame(records).groupby(
        keys, sort=False
    ):
        baseline = group["baseline"].to_numpy()
        comparison = paired_comparison(baseline + group["difference"].to_numpy(), baseline)
        wanted = np.rint(amount * np.array(group["train_per_class"].tolist())).sum(axis=1)
        added = np.array(group["added_per_class"].tolist()).sum(axis=1)
        rows.append(
            {
                "source": source,
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
    """Per source and amount: per seed the mean gain over the tables' datasets and classifiers,
    then its interval across seeds, the worst dataset and classifier, and the goals read against
    them."""
    frame = pd.DataFrame(records)
    frame = frame[frame["dataset"].isin(TABLE_SETS) & ~frame["classic"]]
    over_real = table["dataset"].isin(TABLE_SETS) & (table["baseline"] == "real only")
    rows = []
    for (source, amount), group in frame.groupby(["source", "amount"], sort=False):
        if set(group["dataset"]) != set(TABLE_SETS):
            continue  # the goal is over every table
        per_seed = group.groupby("seed")["difference"].mean()
        interval = mean_interval(100 * per_seed.to_numpy())
        cells = table[over_real & (table["source"] == source) & (table["amount"] == amount)]
        worst = cells.loc[cells["gain_points"].idxmin()]
        rows.append(
            {
                "source": source,
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
    parser.add_argument(
        "--sources",
        nargs="+",
        choices=SOURCES,
        default=["real", "copula"],
        help="where the added rows come from: unused real rows, the job's copula rows, or a copula "
        "with another correlation estimate (copula:NAME; tables only)",
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where the public tables are")
    parser.add_argument("--result-name", default="real_data_ceiling", help="results file stem")
    add_set_option(
        parser, "a config override for every dataset (as synthaug run --set), e.g. the job's curation"
    )
    args = parser.parse_args()
    records, seconds = [], {}
    for dataset in args.datasets:
        started = time.perf_counter()
        for seed in args.seeds:
            records += measure(
                dataset, seed, args.amounts, args.data_dir, tuple(args.sources), args.overrides
            )
        seconds[dataset] = round(time.perf_counter() - started, 1)
        print(f"{dataset}: {seconds[dataset]} s", flush=True)
    table = summarise(records)
    overall = tables_mean(records, table)
    settings = (
        f"{PER_CLASS} per class, test fraction 0.3, pipeline seeds {args.seeds}, amounts {args.amounts} "
        f"x each class's training rows from {' and '.join(args.sources)} (real: unused real rows; copula: "
        "the job's synthetic rows from a copula fitted on the training rows), no selection; "
        "5 downstream seeds; metric: balanced accuracy, points"
    )
    write_result(
        args.result_name,
        {
            "settings": settings,
            "command": "python -m benchmarks.real_data_ceiling "
            f"--datasets {' '.join(args.datasets)} --seeds {' '.join(map(str, args.seeds))} "
            f"--amounts {' '.join(f'{a:g}' for a in args.amounts)} --sources {' '.join(args.sources)}"
            + "".join(f" --set {o}" for o in args.overrides),
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
