"""How widely do generated samples spread, and what does widening them do?

    python -m benchmarks.latent_scale [--settings digits-private breast-cancer-private digits-scarce] \
        [--seeds 3] [--scales 0.5 1 1.5 2 3]

One GAN per setting and seed, trained as the pipeline trains it; then the same generator samples
with its latent noise z multiplied by each scale (every class alike; ``1`` is plain sampling,
and for private images the shipped default replaces it by the per-class scales matched to the
released spreads, listed as ``matched``). For each: the spread of the samples (mean squared
distance of a class's samples to their mean, averaged over classes, in the feature space the
classifier sees) beside the real training split's, a standardised logistic regression trained on
the synthetic samples only (balanced accuracy on the held-out real rows), and the share of
samples nearer a training sample than a held-out one (0.5: no copying; as many training as
held-out rows are drawn).

Settings:
- ``digits-private``: examples/digits_dp.yaml at epsilon 3 (full training split);
- ``breast-cancer-private``: examples/breast_cancer_dp.yaml at epsilon 3;
- ``digits-scarce``: examples/digits.yaml without privacy, 15 images per class (the scarce
  setting of benchmarks/verification_gain.py).

Results: ``benchmarks/results/latent_scale.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks.common import RESULTS, markdown_table, write_result
from benchmarks.privacy_utility import dp_config, image_features, table_features
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import split_dataset

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ("digits-private", "breast-cancer-private", "digits-scarce")
MATCHED = "matched"


def _config(setting: str, seed: int):
    if setting == "digits-scarce":
        config = load_config(ROOT / "examples" / "digits.yaml", overrides=["dataset.per_class=15"])
        per_class = 15
    else:
        config = dp_config(
            setting.removesuffix("-private").replace("-", "_"), ROOT.parent / "shared" / "data"
        )
        config = config.model_copy(
            update={"privacy": config.privacy.model_copy(update={"target_epsilon": 3.0})}
        )
        per_class = None
    return config.model_copy(update={"seed": config.seed + seed}), per_class


def spread(x: np.ndarray, y: np.ndarray) -> float:
    """Mean over classes of the mean squared distance of a class's rows to their mean."""
    return float(
        np.mean([((x[y == k] - x[y == k].mean(axis=0)) ** 2).sum(axis=1).mean() for k in np.unique(y)])
    )


def nearer_train(x_syn: np.ndarray, x_train: np.ndarray, x_test: np.ndarray, seed: int) -> float:
    """Share of synthetic rows whose nearest real row is a training one, among as many training
    as held-out rows (the smaller count, each drawn without replacement)."""
    rng = np.random.default_rng(seed)
    size = min(len(x_train), len(x_test))
    train = x_train[rng.choice(len(x_train), size, replace=False)]
    held = x_test[rng.choice(len(x_test), size, replace=False)]

    def nearest(reference: np.ndarray) -> np.ndarray:
        return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(x_syn)[0][:, 0]

    return float(np.mean(nearest(train) < nearest(held)))


def measure(setting: str, seed: int, scales: list[float]) -> list[dict]:
    config, per_class = _config(setting, seed)
    data = load_dataset(config.dataset)
    train, test = split_dataset(data, config.split, seed=config.split_seed, per_class=per_class)
    image = data.kind == "image"
    with tempfile.TemporaryDirectory() as workdir:
        if image:
            from synthaug.models.image_cgan import ImageCGAN as Model
        else:
            from synthaug.models.tabular_cgan import TabularCGAN as Model
        gan = Model(config.training, seed=config.seed, privacy=config.privacy).fit(
            train, workdir=Path(workdir)
        )
    matched = gan.latent_scale_
    rows = []
    for scale in [*([MATCHED] if matched else []), *scales]:
        gan.latent_scale_ = matched if scale == MATCHED else [float(scale)] * len(gan.classes_)
        synthetic = gan.sample(max(len(train.data), 1000), seed=1)
        if image:
            x_train, x_test = image_features(train.data.features), image_features(test.data.features)
            x_syn, labels = image_features(synthetic.images), synthetic.labels
        else:
            frame = synthetic.rows
            labels = np.array([gan.classes_.index(str(v)) for v in frame[config.dataset.target].astype(str)])
            frames = [train.data.to_frame(), test.data.to_frame(), frame]
            x_train, x_test, x_syn = table_features(
                frames, config.dataset.target, config.privacy.public_columns
            )
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(x_syn, labels)
        rows.append(
            {
                "setting": setting,
                "seed": config.seed,
                "scale": scale if scale == MATCHED else float(scale),
                "matched_scales": None if matched is None else [round(s, 2) for s in matched],
                "spread_synthetic": round(spread(x_syn, labels), 3),
                "spread_real": round(spread(x_train, train.data.labels), 3),
                "tstr_balanced_accuracy": round(
                    float(balanced_accuracy_score(test.data.labels, model.predict(x_test))), 4
                ),
                "share_nearer_train": round(nearer_train(x_syn, x_train, x_test, seed), 3),
            }
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", choices=SETTINGS, default=list(SETTINGS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.5, 1.0, 1.5, 2.0, 3.0])
    args = parser.parse_args()
    rows = [
        row
        for setting in args.settings
        for seed in range(args.seeds)
        for row in measure(setting, seed, args.scales)
    ]
    write_result("latent_scale", {"seeds": args.seeds, "rows": rows})
    frame = pd.DataFrame(rows).drop(columns=["matched_scales"])
    frame["scale"] = frame["scale"].astype(str)
    table = (
        frame.groupby(["setting", "scale"], sort=False)
        .agg(
            seeds=("seed", "size"),
            tstr=("tstr_balanced_accuracy", "mean"),
            tstr_min=("tstr_balanced_accuracy", "min"),
            spread_synthetic=("spread_synthetic", "mean"),
            spread_real=("spread_real", "mean"),
            share_nearer_train=("share_nearer_train", "mean"),
        )
        .reset_index()
        .round(3)
    )
    (RESULTS / "latent_scale.md").write_text(
        "# Latent scale: how widely generated samples spread, and what widening them does\n\n"
        "Per setting and seed one GAN; the same generator sampled with z times each scale "
        "(`matched`: the per-class scales the released spreads ask for, private images only). "
        "`tstr`: a logistic regression trained on the synthetic samples only, balanced accuracy "
        "on the held-out real rows; spreads in the classifier's feature space (pixels in [0, 1]; "
        "standardised, one-hot table columns); `share_nearer_train`: 0.5 means no copying. "
        "See `benchmarks/latent_scale.py`.\n\n" + markdown_table(table) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
