"""Privacy-utility curve: what a smaller epsilon costs in downstream usefulness and fidelity.

    python -m benchmarks.privacy_utility [--datasets digits breast_cancer] [--epsilons 1 3 10 none]
    python -m benchmarks.privacy_utility --datasets crabs birthwt --data-dir ../shared/data
    python -m benchmarks.privacy_utility --datasets breast_cancer --epsilons 3 \
        --set training.tabular.discriminator_width=64 --result-name privacy_utility_variant

For each dataset (the full training split of examples/digits_dp.yaml / breast_cancer_dp.yaml;
for the public tables crabs and birthwt, benchmarks/configs/<name>_dp.yaml with the CSV from
``--data-dir``) and each epsilon (``none`` = the same config without DP), train the GAN once, generate a
balanced synthetic set the size of the training split, and score on the real held-out test set:

- TSTR: balanced accuracy of a standardised logistic regression trained on synthetic data only;
- the Frechet distance between real test samples and synthetic samples in the hidden layer of
  an MLP classifier trained on the real training split (a feature space that works offline for
  any dataset);
- for reference, the same classifier trained on the real training split.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks.common import write_result
from synthaug.evaluation.columns import as_objects, tabular_encoder
from synthaug.evaluation.fidelity.frechet_distance import frechet_distance
from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import split_dataset
from synthaug.privacy.public_schema import conform
from synthaug.privacy.utility_curves import CurvePoint, UtilityCurve, record_curve

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_TABLES = ("crabs", "birthwt")  # each with public bounds declared in benchmarks/configs


def dp_config(dataset: str, data_dir: Path, overrides: Sequence[str] = ()) -> SynthaugConfig:
    if dataset in PUBLIC_TABLES:
        source = (data_dir / f"{dataset}.csv").resolve()
        config = ROOT / "benchmarks" / "configs" / f"{dataset}_dp.yaml"
        return load_config(config, overrides=[f"dataset.source={source}", *overrides])
    return load_config(ROOT / "examples" / f"{dataset}_dp.yaml", overrides=overrides)


def image_features(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W, C) as (N, pixels) in [0, 1]."""
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


def table_features(frames: list[pd.DataFrame], target: str, public: dict) -> list[np.ndarray]:
    """Every frame encoded as the first one (the real training split) is: standardised numbers,
    one-hot categories; declared categorical columns compared as their declared strings."""
    frames = [as_objects(conform(frame, public).drop(columns=[target])) for frame in frames]
    encoder = tabular_encoder(frames[0]).fit(frames[0])
    return [np.asarray(encoder.transform(frame), dtype=np.float64) for frame in frames]


def run(
    dataset: str,
    epsilon: float | None,
    steps: int | None,
    data_dir: Path,
    seed: int = 0,
    overrides: Sequence[str] = (),
) -> dict:
    """One point: train at ``epsilon`` (None: without privacy) with seed config.seed + seed, which
    draws both the held-out split and the GAN's initialisation."""
    config = dp_config(dataset, data_dir, overrides)
    config = config.model_copy(update={"seed": config.seed + seed})
    updates = {"enabled": epsilon is not None, **({"target_epsilon": epsilon} if epsilon else {})}
    privacy = config.privacy.model_copy(update=updates)
    training = config.training.model_copy(update={"steps": steps} if steps else {})
    if epsilon is None and config.dataset.resolved_kind() == "tabular":
        training = training.model_copy(update={"batch_size": None})  # CTGAN's 500 (pac 10 needs a multiple)
    data = load_dataset(config.dataset)
    train, test = split_dataset(data, config.split, seed=config.split_seed, per_class=None)
    kind = data.kind
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        if kind == "image":
            from synthaug.models.image_cgan import ImageCGAN

            gan = ImageCGAN(training, seed=config.seed, privacy=privacy).fit(train, workdir=Path(workdir))
            synthetic = gan.sample(len(train.data), seed=1)
            x_syn, labels = image_features(synthetic.images), synthetic.labels
        else:
            from synthaug.models.tabular_cgan import TabularCGAN

            gan = TabularCGAN(training, seed=config.seed, privacy=privacy).fit(train, workdir=Path(workdir))
            rows = gan.sample(len(train.data), seed=1).rows
            labels = np.array([gan.classes_.index(str(v)) for v in rows[config.dataset.target].astype(str)])
    seconds = time.perf_counter() - started
    y_train, y_test = train.data.labels, test.data.labels
    if kind == "image":
        x_train, x_test = image_features(train.data.features), image_features(test.data.features)
    else:
        frames = [train.data.to_frame(), test.data.to_frame(), rows]
        x_train, x_test, x_syn = table_features(frames, config.dataset.target, config.privacy.public_columns)

    def tstr(x, y) -> float:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return float(balanced_accuracy_score(y_test, model.fit(x, y).predict(x_test)))

    scaler = StandardScaler().fit(x_train)
    mlp = MLPClassifier(hidden_layer_sizes=(64,), max_iter=800, random_state=0).fit(
        scaler.transform(x_train), y_train
    )

    def hidden(x):
        return np.maximum(scaler.transform(x) @ mlp.coefs_[0] + mlp.intercepts_[0], 0)

    statement = gan.privacy_ or {}
    return {
        "dataset": dataset,
        "data_sha256": data.source.sha256,
        "seed": config.seed,
        "target_epsilon": epsilon,
        "epsilon_spent": statement.get("epsilon"),
        "noise_multiplier": statement.get("noise_multiplier"),
        "d_steps": statement.get("steps"),
        "train_rows": len(train.data),
        "classes": len(train.data.classes),
        "tstr_balanced_accuracy": round(tstr(x_syn, labels), 4),
        "real_only_balanced_accuracy": round(tstr(x_train, y_train), 4),
        "classifier_feature_frechet_distance": round(frechet_distance(hidden(x_test), hidden(x_syn)), 3),
        "real_train_vs_test_frechet_distance": round(frechet_distance(hidden(x_test), hidden(x_train)), 3),
        "training_seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["digits", "breast_cancer"])
    parser.add_argument("--epsilons", nargs="+", default=["1", "3", "10", "none"])
    parser.add_argument("--steps", type=int, default=None, help="override training.steps (G steps)")
    parser.add_argument(
        "--data-dir", type=Path, default=ROOT.parent / "shared" / "data", help="the public tables' CSVs"
    )
    parser.add_argument(
        "--seeds", type=int, default=1, help="each its own split and GAN; the curve is their mean"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a config override (a variant to try)"
    )
    parser.add_argument("--result-name", default=None, help="result file stem (default: from the datasets)")
    args = parser.parse_args()
    rows = []
    for dataset in args.datasets:
        for value in args.epsilons:
            for seed in range(args.seeds):
                epsilon = None if value == "none" else float(value)
                rows.append(run(dataset, epsilon, args.steps, args.data_dir, seed, args.set))
                print(rows[-1], flush=True)
    path = write_result(
        args.result_name or "privacy_utility_" + "_".join(args.datasets),
        {
            "what": "synthetic-only (TSTR) balanced accuracy and classifier-feature Frechet distance "
            "vs epsilon",
            "steps_override": args.steps,
            "config_overrides": args.set,
            "seeds": args.seeds,
            "rows": rows,
        },
    )
    full = {"1", "3", "10", "none"} <= set(args.epsilons)  # a partial run must not replace a curve
    if args.steps is None and not args.set and full:  # the shipped configs: a private run's curve
        for dataset in args.datasets:
            record_curve(curve_of(dataset, [r for r in rows if r["dataset"] == dataset], path))


def curve_of(dataset: str, rows: list[dict], result: Path) -> UtilityCurve:
    """The mean over seeds of each epsilon's synthetic-only balanced accuracy."""
    frame = pd.DataFrame(rows)
    frame["point"] = frame["target_epsilon"].fillna(-1.0)  # groupby drops NaN keys
    points = tuple(
        CurvePoint(
            epsilon=None if point < 0 else float(point),
            balanced_accuracy=round(float(group["tstr_balanced_accuracy"].mean()), 4),
            epsilon_spent=None if point < 0 else round(float(group["epsilon_spent"].max()), 4),
        )
        for point, group in frame.groupby("point", sort=True)
    )
    return UtilityCurve(
        dataset=dataset,
        sha256=rows[0]["data_sha256"],
        train_rows=int(rows[0]["train_rows"]),
        classifier="logistic",
        real_only=round(float(frame["real_only_balanced_accuracy"].mean()), 4),
        points=points,
        measured_at=json.loads(result.read_text(encoding="utf-8"))["measured_at"],
        seeds=int(frame["seed"].nunique()),
        result=result.relative_to(ROOT).as_posix(),
    )


if __name__ == "__main__":
    main()
