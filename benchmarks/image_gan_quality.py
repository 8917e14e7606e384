"""Quality of the image GAN on the scarce digits demo (20 real training images per class).

    python -m benchmarks.image_gan_quality [--seeds 0 1 2] [--steps N (default: the demo's)]

For each seed: train the demo config, then
- conditioning accuracy: an SVM trained on the real digits *training pool* (never the held-out
  test split) labels 1,000 EMA-generator samples; the share it labels with their conditioning class;
- diversity: per-class mean pairwise distance of generated samples in the trainer's feature space,
  relative to the real training images of that class (the mode-collapse signal), min and mean.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.svm import SVC

from benchmarks.common import digits_splits, write_result
from synthaug.models.diversity import DiversityProbe
from synthaug.models.image_cgan import ImageCGAN, to_model_range
from synthaug.pipeline.config import demo_config

SAMPLES = 1000


def run_seed(seed: int, steps: int) -> dict[str, float]:
    config = demo_config().model_copy(update={"seed": seed})
    config = config.model_copy(update={"training": config.training.model_copy(update={"steps": steps})})
    data, train, _ = digits_splits(config)
    pool = data.subset(train.pool_indices)
    judge = SVC().fit(pool.features.reshape(len(pool), -1) / 255.0, pool.labels)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        gan = ImageCGAN(config.training, seed=seed).fit(train, workdir=Path(tmp))
        seconds = time.perf_counter() - started
    synthetic = gan.sample(SAMPLES, seed=seed + 1)
    images, labels = synthetic.images, synthetic.labels
    accuracy = float((judge.predict(images.reshape(len(images), -1) / 255.0) == labels).mean())
    probe = DiversityProbe(to_model_range(train.data.features), torch.as_tensor(train.data.labels), 10)
    ratios = [r for r in probe.ratios(to_model_range(images), torch.as_tensor(labels)) if math.isfinite(r)]
    return {
        "seed": seed,
        "train_seconds": round(seconds, 1),
        "conditioning_accuracy": accuracy,
        "diversity_ratio_min": round(min(ratios), 3),
        "diversity_ratio_mean": round(float(np.mean(ratios)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=demo_config().training.steps)
    args = parser.parse_args()
    rows = [run_seed(seed, args.steps) for seed in args.seeds]
    threshold = demo_config().training.detectors.min_diversity_ratio
    write_result(
        "image_gan_quality",
        {
            "config": f"digits demo, 20 per class, {args.steps} steps",
            "targets": {
                "conditioning_accuracy": ">= 0.90",
                "diversity_ratio_min": f"> {threshold} (collapse threshold)",
            },
            "rows": rows,
            "conditioning_accuracy_mean": round(
                float(np.mean([r["conditioning_accuracy"] for r in rows])), 4
            ),
            "diversity_ratio_min_over_seeds": min(r["diversity_ratio_min"] for r in rows),
        },
    )


if __name__ == "__main__":
    main()
