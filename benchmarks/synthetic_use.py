"""Ways to use a run's synthetic images in the downstream CNN, measured on kept digits runs.

    .venv/bin/python -m benchmarks.verification_gain --datasets digits --seeds 5 6 7 --no-ctgan \
        --keep runs-explore [--set KEY=VALUE ...]
    .venv/bin/python -m benchmarks.synthetic_use --runs runs-explore --label baseline

The first command trains the pipeline's generators exactly as ``synthaug run`` does (15 real
images per class; ``--set`` changes a setting of the generator, for a generator variant); this one
reads each kept run's training split, synthetic set, model file and held-out test split, and
trains the verification's CNN (classic augmentation on) in each of these ways, 5 CNN seeds each:

- ``real+classic``: the real images only, at the verification's 200 steps and at 600;
- ``share S at Nx``: N times each class's real count of synthetic images, weighted so that they
  make up the share S of every batch. ``share 0.5 at 1x`` is what the verification's
  real+classic+synthetic condition trains at 1x;
- ``soft labels``: the synthetic images' targets are the class probabilities given by a CNN
  trained on the real images (``teacher 1``) or the mean of three (``teachers 3``), at 1x with
  share 0.5; ``distilled real only`` is the same distillation without synthetic images (half the
  target from the label, half from the teacher), to tell the teacher's share of a gain apart;
- ``latent scale L``: samples redrawn from the run's model with z ~ N(0, L^2 I): a CNN trained
  on them alone (no augmentation, 3 seeds; train-on-synthetic), and ``share 0.3 at 4x``.

Every score is balanced accuracy on the run's held-out test split. This benchmark chooses
between methods, so it is meant for exploration seeds (5, 6, 7), not the seeds (0-4) whose
verification_gain results the README reports. Results: ``benchmarks/results/synthetic_use.json``,
one entry per ``--label`` (a new label is added, the same label replaced) and ``.md``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, markdown_table, write_result
from synthaug.evaluation.classifiers import CNNClassifier
from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC, score
from synthaug.evaluation.samples import PROPORTIONAL, Samples, draw_per_class
from synthaug.evaluation.statistics import mean_interval
from synthaug.evaluation.verification_inputs import VerificationFiles
from synthaug.models.image_cgan import ImageCGAN
from synthaug.pipeline.layout import RESULT_FILE, RunLayout

CNN_SEEDS = 5
TSTR_SEEDS = 3
PROTOCOL_STEPS = 200  # the verification's CNN (evaluation/classifiers.py)
LONG_STEPS = 600
SHARES = (0.15, 0.3, 0.5)
AMOUNTS = (1.0, 4.0)
LATENT_SCALES = (1.0, 1.5, 2.0)
RESAMPLED = 600  # images redrawn from the model per latent scale


def share_weights(n_real: int, n_synthetic: int, share: float) -> np.ndarray:
    """Per-sample weights (real first) under which synthetic samples make up ``share`` of each
    batch drawn in proportion to the weights."""
    synthetic = share / (1 - share) * n_real / n_synthetic
    return np.concatenate([np.ones(n_real), np.full(n_synthetic, synthetic)])


class RunBench:
    """One kept run's data and the CNN trainings scored on its held-out test split."""

    def __init__(self, run: Path):
        files = VerificationFiles.of_run(run)
        _, self.real, self.synthetic = files.training()
        self.test = files.held_out()
        self.model_file = RunLayout(run).model("image")
        self.k = self.real.n_classes

    def cnn(self, seed: int, *, augment: bool = True, steps: int = PROTOCOL_STEPS) -> CNNClassifier:
        return CNNClassifier(n_classes=self.k, seed=seed, augment=augment, steps=steps)

    def scored(self, train: Callable[[int], CNNClassifier], seeds: int = CNN_SEEDS) -> float:
        """Mean test balanced accuracy (points) of ``train(seed)`` over ``seeds`` seeds."""
        values = [
            score(self.test.y, train(seed).predict_proba(self.test.x), self.k)[PRIMARY_METRIC]
            for seed in range(seeds)
        ]
        return round(100 * float(np.mean(values)), 2)

    def with_added(self, added: Samples, targets: np.ndarray, weights: np.ndarray, **options) -> float:
        x = np.concatenate([self.real.x, added.x])
        return self.scored(lambda seed: self.cnn(seed, **options).fit(x, targets, sample_weight=weights))

    def measure(self) -> dict[str, float]:
        real, k = self.real, self.k
        one_hot = np.eye(k)
        scores = {
            f"real+classic {steps} steps": self.scored(
                lambda s, n=steps: self.cnn(s, steps=n).fit(real.x, real.y)
            )
            for steps in (PROTOCOL_STEPS, LONG_STEPS)
        }
        rng = np.random.default_rng(0)
        for amount in AMOUNTS:
            added = draw_per_class(self.synthetic, real, amount, rng, allocation=PROPORTIONAL)
            labels = np.concatenate([real.y, added.y])
            for share in SHARES:
                weights = share_weights(len(real), len(added), share)
                scores[f"share {share} at {amount:g}x"] = self.with_added(added, labels, weights)
        added = draw_per_class(self.synthetic, real, 1.0, rng, allocation=PROPORTIONAL)
        weights = share_weights(len(real), len(added), 0.5)
        teachers = [self.cnn(seed).fit(real.x, real.y) for seed in range(3)]
        for name, used in (("teacher 1", teachers[:1]), ("teachers 3", teachers)):
            soft = np.mean([t.predict_proba(added.x) for t in used], axis=0)
            scores[f"soft labels, {name}, 1x"] = self.with_added(
                added, np.concatenate([one_hot[real.y], soft]), weights
            )
        distilled = 0.5 * one_hot[real.y] + 0.5 * teachers[0].predict_proba(real.x)
        scores["distilled real only"] = self.scored(lambda s: self.cnn(s).fit(real.x, distilled))
        scores |= self.latent_scales(rng)
        return scores

    def latent_scales(self, rng: np.random.Generator) -> dict[str, float]:
        gan = ImageCGAN.load(self.model_file)
        scores = {}
        for scale in LATENT_SCALES:
            gan.latent_scale_ = [scale] * len(gan.classes_)
            drawn = gan.sample(RESAMPLED, seed=1)
            pool = Samples(drawn.images, np.asarray(drawn.labels), self.k)
            scores[f"latent scale {scale:g}: synthetic only"] = self.scored(
                lambda s, p=pool: self.cnn(s, augment=False).fit(p.x, p.y), TSTR_SEEDS
            )
            added = draw_per_class(pool, self.real, 4.0, rng, allocation=PROPORTIONAL)
            weights = share_weights(len(self.real), len(added), 0.3)
            scores[f"latent scale {scale:g}: share 0.3 at 4x"] = self.with_added(
                added, np.concatenate([self.real.y, added.y]), weights
            )
        return scores


def versus_reference(
    per_run: pd.DataFrame, reference: str, *, interval: bool = False, label: str = "real+classic"
) -> list[dict[str, Any]]:
    """One row per method (a column of ``per_run``, indexed by run): its mean over the runs and its
    difference from ``reference`` (``label`` in the column name) per run and on average (with
    ``interval``, a 95% t-interval of that difference across the runs)."""
    rows = []
    for method in per_run.columns:
        gains = per_run[method] - per_run[reference]
        row = {
            "method": method,
            "runs": len(per_run),
            "balanced_accuracy_%": round(float(per_run[method].mean()), 2),
            f"vs_{label}_points": round(float(gains.mean()), 2),
        }
        if interval:
            spread = mean_interval(gains.to_numpy())
            row |= {"ci95_low": round(spread.low, 2), "ci95_high": round(spread.high, 2)}
        rows.append(row | {"per_run_points": " / ".join(f"{g:+.2f}" for g in gains)})
    return rows


def summary_table(entries: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per (label, method): mean over runs and the gain over real+classic at 200 steps."""
    rows = []
    for label, entry in entries.items():
        per_run = pd.DataFrame(entry["per_run"]).set_index("run")
        rows += [{"generator": label, **row} for row in versus_reference(per_run, "real+classic 200 steps")]
    return pd.DataFrame(rows)


def kept_runs(parser: argparse.ArgumentParser, directory: Path) -> list[Path]:
    """The finished run directories that ``verification_gain --keep`` left in ``directory``."""
    runs = sorted(path.parents[1] for path in directory.glob(f"*/{RESULT_FILE}"))
    if not runs:
        parser.error(f"no finished runs under {directory} (run benchmarks.verification_gain --keep first)")
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=Path, required=True, help="run directories kept by verification_gain")
    parser.add_argument("--label", required=True, help="the generator variant these runs come from")
    parser.add_argument("--note", default="", help="how the runs were made (the verification_gain command)")
    args = parser.parse_args()
    per_run = []
    for run in kept_runs(parser, args.runs):
        per_run.append({"run": run.name, **RunBench(run).measure()})
        print(json.dumps(per_run[-1]), flush=True)
    path = RESULTS / "synthetic_use.json"
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"] if path.is_file() else {}
    entries[args.label] = {"note": args.note, "per_run": per_run}
    write_result("synthetic_use", {"cnn_seeds": CNN_SEEDS, "entries": entries})
    (RESULTS / "synthetic_use.md").write_text(
        "# Using synthetic digits in the downstream CNN (15 real per class, exploration seeds)\n\n"
        "Balanced accuracy (%) on each run's held-out test split, mean over runs; the gain is "
        f"against real+classic at the verification's {PROTOCOL_STEPS} steps, per run and mean. "
        "See `benchmarks/synthetic_use.py` for each method.\n\n"
        + "\n".join(f"- {label}: {entry['note']}" for label, entry in entries.items() if entry["note"])
        + "\n\n"
        + markdown_table(summary_table(entries))
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
