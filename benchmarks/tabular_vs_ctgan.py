"""Ours vs the reference CTGAN, side by side on scarce breast_cancer (15 real rows per class).

    make bench-env
    .venv-bench/bin/python -m benchmarks.tabular_vs_ctgan [--seeds 0 1 2 3 4] [--epochs 300 2000]

Same machine, same run, same splits. Equal epochs and batch size (500): with 30 training rows an
epoch is one generator step for both (CTGAN: steps per epoch = max(N // batch, 1)); both use
pac 10 and one critic step. Each seed re-draws the held-out split and the scarce subsample.
Reported per method: seconds per epoch, sampled rows/s, fidelity against the held-out real rows,
train-on-synthetic-test-on-real balanced accuracy, and how often the returned rows carry the
class that was asked for (ours conditions exactly; CTGAN's condition vector is a soft request).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, markdown_table, table_fidelity, tstr_balanced_accuracy, write_result
from synthaug.models.tabular_cgan import TabularCGAN
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import split_dataset

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "breast_cancer.yaml"
PER_CLASS_SAMPLES = 200
BATCH = 500


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain strings (what CTGAN and the metrics expect)."""
    return frame.apply(lambda c: c.astype(str) if isinstance(c.dtype, pd.CategoricalDtype) else c)


def fit_ours(train, epochs: int, seed: int, classes: list[str]) -> tuple[pd.DataFrame, float, float]:
    config = load_config(EXAMPLE, overrides=[f"training.steps={epochs}", f"training.batch_size={BATCH}"])
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        gan = TabularCGAN(config.training, seed=seed).fit(train, workdir=Path(tmp))
        fit = time.perf_counter() - started
    started = time.perf_counter()
    rows = gan.sample(
        PER_CLASS_SAMPLES * len(classes), labels=np.repeat(classes, PER_CLASS_SAMPLES), seed=seed
    ).rows
    return _plain(rows), fit, time.perf_counter() - started


def fit_ctgan(frame: pd.DataFrame, target: str, epochs: int, seed: int, classes: list[str]):
    from ctgan import CTGAN

    model = CTGAN(
        epochs=epochs, batch_size=BATCH, pac=10, discriminator_steps=1, enable_gpu=False, verbose=False
    )
    model.set_random_state(seed)
    started = time.perf_counter()
    model.fit(frame, discrete_columns=[target])
    fit = time.perf_counter() - started
    started = time.perf_counter()
    parts = [model.sample(PER_CLASS_SAMPLES, condition_column=target, condition_value=c) for c in classes]
    return pd.concat(parts, ignore_index=True), fit, time.perf_counter() - started


def evaluate(name, rows, requested, fit, sample_seconds, epochs, test, target, seed) -> dict:
    fidelity = table_fidelity(test.drop(columns=[target]), rows.drop(columns=[target]), seed=seed)
    return {
        "method": name,
        "epochs": epochs,
        "seed": seed,
        "seconds_per_epoch": round(fit / epochs, 4),
        "sample_rows_per_s": round(len(rows) / sample_seconds),
        **{k: round(v, 4) for k, v in fidelity.items()},
        "tstr_balanced_accuracy": round(tstr_balanced_accuracy(rows, test, target), 4),
        "requested_label_rate": round(float((rows[target].astype(str).to_numpy() == requested).mean()), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, nargs="+", default=[300, 2000])
    args = parser.parse_args()
    rows = []
    for epochs in args.epochs:
        for seed in args.seeds:
            config = load_config(EXAMPLE, overrides=[f"seed={seed}"])
            data = load_dataset(config.dataset)
            train, test = split_dataset(data, config.split, seed=seed, per_class=config.dataset.per_class)
            target = data.schema.target
            classes = list(data.classes)
            requested = np.repeat(classes, PER_CLASS_SAMPLES)
            train_frame, test_frame = _plain(train.data.to_frame()), _plain(test.data.to_frame())
            ours = fit_ours(train, epochs, seed, classes)
            rows.append(evaluate("synthaug", ours[0], requested, *ours[1:], epochs, test_frame, target, seed))
            theirs = fit_ctgan(train_frame, target, epochs, seed, classes)
            rows.append(
                evaluate("ctgan", theirs[0], requested, *theirs[1:], epochs, test_frame, target, seed)
            )
            rows.append(
                {
                    "method": "real-only",
                    "epochs": epochs,
                    "seed": seed,
                    "tstr_balanced_accuracy": round(
                        tstr_balanced_accuracy(train_frame, test_frame, target), 4
                    ),
                }
            )
            print(rows[-3:], flush=True)
    table = pd.DataFrame(rows).groupby(["epochs", "method"]).mean(numeric_only=True).drop(columns="seed")
    ratios = {
        str(epochs): round(
            float(
                table.loc[(epochs, "synthaug"), "seconds_per_epoch"]
                / table.loc[(epochs, "ctgan"), "seconds_per_epoch"]
            ),
            3,
        )
        for epochs in args.epochs
    }
    print(table.round(4).to_string())
    print("time per epoch, synthaug / ctgan:", ratios)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tabular_vs_ctgan.md").write_text(
        "# synthaug vs CTGAN on breast_cancer, 15 rows per class, 5 seeds (means)\n\n"
        + markdown_table(table.round(4).reset_index())
        + f"\n\nseconds per epoch, synthaug / ctgan: {ratios}\n",
        encoding="utf-8",
    )
    write_result(
        "tabular_vs_ctgan",
        {
            "rows": rows,
            "means": table.round(4).reset_index().to_dict("records"),
            "time_per_epoch_ratio_synthaug_over_ctgan": ratios,
        },
    )


if __name__ == "__main__":
    main()
