"""Do the selection's fold generators make worse images, or are its validation folds too small?

    .venv/bin/python -m benchmarks.verification_gain --datasets digits --seeds 8 9 10 11 12 --no-ctgan \
        --set training.steps=1800 --set training.augmentation=on --keep runs-on1800
    .venv/bin/python -m benchmarks.fold_pools_on_test --runs runs-on1800

On 15 digits per class a fixed batch share of a run's synthetic images helps the CNN on the
held-out test split (``simple_image_generators``), but the verification's inner CV, which scores
the same kind of candidate on 3 folds of 50 validation images with images from a generator
trained on the fold's 100 training images only, rarely chooses it. This benchmark separates the
two explanations on kept runs. For each selection fold it trains the verification's CNN on the
fold's training images alone and with 4x their count of added images at a batch share of 0.3
(about the CV's ``x4@w0.1``), from

- ``fold generator``: the fold's own pool, the images the CV drew from;
- ``run generator``: the run's pool (its generator saw the fold's validation images too, so its
  validation score flatters it; its test score does not),

with the CNN's augmentation off (the real + synthetic condition) and on (real + classic +
synthetic), 5 CNN seeds, and scores every model twice: on the fold's validation images (what
the CV sees, here averaged over 5 seeds instead of 1) and on the run's held-out test split (540
images). If the fold generator's images gain on the test split about as much as the run's, the
fold generators are fine and the folds are too small to see it; if they gain nothing there
either, the fold generators are the problem. The test split is read here to diagnose the
protocol only; nothing here feeds a run's choice. Results:
``benchmarks/results/fold_pools_on_test.json`` and ``.md`` (``--result-name`` for others).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, markdown_table
from benchmarks.simple_image_generators import kept_runs_parser, measured_or_recorded
from benchmarks.synthetic_use import CNN_SEEDS, RunBench, share_weights
from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC, score
from synthaug.evaluation.samples import PROPORTIONAL, Samples, draw_per_class
from synthaug.evaluation.selection import FoldPool, selection_folds
from synthaug.evaluation.statistics import mean_interval
from synthaug.evaluation.verification_inputs import VerificationFiles
from synthaug.pipeline.dataset_io import read_dataset

RESULT = "fold_pools_on_test"
AMOUNT = 4.0
SHARE = 0.3
REAL = "real only"
POOLS = ("fold generator", "run generator")
SPLITS = ("validation", "test")
AUGMENTATION = {False: "no augmentation", True: "augmentation"}
TITLE = "Fold generators' images on the validation folds and on the test split (digits, 15 per class)"


def key(fold: int, pool: str, augment: bool, split: str) -> str:
    return f"fold {fold} | {pool} | {AUGMENTATION[augment]} | {split}"


def fold_scores(
    bench: RunBench, fold: int, train: Samples, validation: Samples, pools: dict[str, Samples]
) -> dict[str, float]:
    """Balanced accuracy (points, mean of the CNN seeds) on ``validation`` and on the run's test
    split of the CNN trained on ``train`` alone and with each pool added at ``SHARE``."""
    scores = {}
    for augment in AUGMENTATION:
        for name, added in ((REAL, None), *pools.items()):
            x, y, weights = train.x, train.y, None
            if added is not None:
                x, y = np.concatenate([train.x, added.x]), np.concatenate([train.y, added.y])
                weights = share_weights(len(train), len(added), SHARE)
            per_split: dict[str, list[float]] = {split: [] for split in SPLITS}
            for seed in range(CNN_SEEDS):
                model = bench.cnn(seed, augment=augment).fit(x, y, sample_weight=weights)
                for split, rows in zip(SPLITS, (validation, bench.test), strict=True):
                    scored = score(rows.y, model.predict_proba(rows.x), bench.k)
                    per_split[split].append(scored[PRIMARY_METRIC])
            for split, values in per_split.items():
                scores[key(fold, name, augment, split)] = round(100 * float(np.mean(values)), 2)
    return scores


def paired_folds(
    run: Path, real: Samples, fold_pools: list[FoldPool]
) -> list[tuple[tuple[np.ndarray, np.ndarray], FoldPool]]:
    """The selection's (train, validation) positions, each with the pool of the generator trained
    on exactly that fold's training positions (refused otherwise)."""
    folds = selection_folds(real.y, real.n_classes, len(fold_pools), 1)
    for k, ((train_index, _), pool) in enumerate(zip(folds, fold_pools, strict=True)):
        if not np.array_equal(np.sort(train_index), np.sort(pool.trained_on)):
            raise SystemExit(f"{run}: fold {k}'s generator was not trained on the fold's training rows")
    return list(zip(folds, fold_pools, strict=True))


def measure(run: Path) -> dict[str, float]:
    files, bench = VerificationFiles.of_run(run), RunBench(run)
    fold_pools = files.fold_pools(read_dataset(files.train))  # the bench holds the decoded sets
    if fold_pools is None:
        raise SystemExit(f"{run}: the run selected with its own generator; there are no fold generators")
    real = bench.real
    scores = {}
    for k, ((train_index, validation_index), pool) in enumerate(paired_folds(run, real, fold_pools)):
        fold_train = real.subset(train_index)
        rng = np.random.default_rng(k)
        pools = {
            name: draw_per_class(source, fold_train, AMOUNT, rng, allocation=PROPORTIONAL)
            for name, source in zip(POOLS, (pool.samples, bench.synthetic), strict=True)
        }
        scores |= fold_scores(bench, k, fold_train, real.subset(validation_index), pools)
    return scores


def gains(per_run: list[dict]) -> pd.DataFrame:
    """Per pool, augmentation and split: the gain over the fold's real images alone, averaged over
    the folds of a run, then over the runs (95% t-interval across runs); and in how many folds it
    was positive."""
    rows = []
    for augment in AUGMENTATION:
        for pool in POOLS:
            for split in SPLITS:
                per_fold = np.asarray(
                    [[gain(run, k, pool, augment, split) for k in folds_of(run)] for run in per_run]
                )
                spread = mean_interval(per_fold.mean(axis=1))
                rows.append(
                    {
                        "added": pool,
                        "cnn": AUGMENTATION[augment],
                        "scored_on": split,
                        "gain_points": round(spread.mean, 2),
                        "ci95_low": round(spread.low, 2),
                        "ci95_high": round(spread.high, 2),
                        "folds_gaining": f"{int((per_fold > 0).sum())} of {per_fold.size}",
                        "fold_sd": round(float(per_fold.std(ddof=1)), 2),
                    }
                )
    return pd.DataFrame(rows)


def gain(run: dict, fold: int, pool: str, augment: bool, split: str) -> float:
    """Points the pool added to the fold's real images alone, in one run's scores."""
    return run[key(fold, pool, augment, split)] - run[key(fold, REAL, augment, split)]


def folds_of(run: dict) -> list[int]:
    return sorted({int(name.split(" | ")[0].split()[1]) for name in run if name.startswith("fold ")})


def agreement(per_run: list[dict]) -> pd.DataFrame:
    """Per fold of every run: the fold generator's gain as the CV sees it (validation) and on the
    test split, without augmentation."""
    rows = []
    for run in per_run:
        for k in folds_of(run):
            row = {"run": run["run"], "fold": k}
            for split in SPLITS:
                for pool in POOLS:
                    row[f"{pool}, {split}"] = round(gain(run, k, pool, False, split), 2)
            rows.append(row)
    return pd.DataFrame(rows)


def write_markdown(name: str, per_run: list[dict], note: str) -> None:
    text = (
        f"# {TITLE}\n\n"
        f"Runs: {note}. Each selection fold's CNN trained on the fold's training images alone and "
        f"with {AMOUNT:g}x their count of images from the fold's generator or the run's at a batch "
        f"share of {SHARE}, {CNN_SEEDS} CNN seeds; gains in balanced-accuracy points over the fold's "
        "real images alone, scored on the fold's validation images (what the CV sees) and on the "
        "run's held-out test split. The 95% interval is across runs (folds averaged within a run). "
        "See `benchmarks/fold_pools_on_test.py`.\n\n"
        + markdown_table(gains(per_run))
        + "\n\nPer fold, CNN without augmentation (the real + synthetic condition):\n\n"
        + markdown_table(agreement(per_run))
        + "\n"
    )
    (RESULTS / f"{name}.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = kept_runs_parser(__doc__, RESULT)
    args = parser.parse_args()
    measured_or_recorded(parser, args, measure, write_markdown, note=args.note, amount=AMOUNT, share=SHARE)


if __name__ == "__main__":
    main()
