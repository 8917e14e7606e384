"""How long ``make demo`` takes after set-up, where the time goes, and whether the demo's
synthetic data keep their quality.

    python -m benchmarks.demo_time [--runs 1]

Each run starts ``synthaug demo`` as a user does, in a fresh working directory with a fresh
PREFECT_HOME (a first run: Prefect's database is created and nothing is cached), and reads back:

- wall time of the whole command, each stage's wall time (manifest ``stage_seconds``), and the
  training time estimated on the first steps against the time it took;
- conditioning agreement: an SVM trained on real digits (the training pool of the run's split,
  never its held-out test rows) labels every exported image; the share it labels with the image's
  conditioning class (goal >= 0.95);
- diversity: per class, the mean pairwise distance of the exported images in the trainer's
  random-feature space relative to the class's real training images; the least diverse class
  (goal >= 0.5);
- that verification ran its 5 seeds with inner cross-validation.

Before the runs, the machine's speed is measured with the throughput benchmark's yardstick (the
former demo network, 8x8, width 64), so that times from different days can be compared: the
issue's slow machine ran it at about 155 images/s, a fast day at about 390.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import torch
from PIL import Image
from sklearn.svm import SVC

from benchmarks.common import digits_splits, write_result
from benchmarks.image_gan_throughput import yardstick
from synthaug.models.diversity import DiversityProbe
from synthaug.models.image_cgan import to_model_range
from synthaug.pipeline.dataset_io import read_dataset

SYNTHAUG = Path(sys.executable).parent / "synthaug"
GOALS = {"wall_seconds": 300, "conditioning_agreement": 0.95, "diversity_ratio_min": 0.5}


def machine_speed() -> float:
    """Images/s of the throughput benchmark's machine yardstick."""
    return yardstick(steps=60)["images_per_s"]


def run_demo() -> tuple[float, Path, str]:
    work = Path(tempfile.mkdtemp(prefix="synthaug-demo-"))
    env = {
        **os.environ,
        "PREFECT_HOME": str(work / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    started = time.perf_counter()
    result = subprocess.run([str(SYNTHAUG), "demo"], cwd=work, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"synthaug demo failed ({result.returncode}):\n{result.stderr[-3000:]}")
    [run_dir] = list((work / "runs").iterdir())
    last_lines = [line for line in result.stdout.splitlines() if line.startswith(("verdict:", "report:"))]
    return seconds, run_dir, "\n".join(last_lines)


def exported_images(run_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The export's images (N, 8, 8, 1) and conditioning class indices, from its manifest."""
    export = run_dir / "export"
    manifest = pq.read_table(export / "manifest.parquet", columns=["file", "label"]).to_pydict()
    classes = sorted(set(manifest["label"]), key=int)
    images = []
    for name in manifest["file"]:
        with Image.open(export / name) as image:
            images.append(np.asarray(image)[..., None])
    labels = np.array([classes.index(label) for label in manifest["label"]])
    return np.stack(images), labels, classes


def quality(run_dir: Path) -> dict[str, float]:
    images, labels, _ = exported_images(run_dir)
    data, train, _ = digits_splits()  # the demo's split (seed 0): the judge never sees test rows
    pool = data.subset(train.pool_indices)
    judge = SVC().fit(pool.features.reshape(len(pool), -1) / 255.0, pool.labels)
    agreement = float(np.mean(judge.predict(images.reshape(len(images), -1) / 255.0) == labels))
    real = read_dataset(run_dir / "data" / "train.npz")
    probe = DiversityProbe(to_model_range(real.features), torch.as_tensor(real.labels), len(real.classes))
    ratios = [r for r in probe.ratios(to_model_range(images), torch.as_tensor(labels)) if math.isfinite(r)]
    return {
        "conditioning_agreement": round(agreement, 4),
        "diversity_ratio_min": round(min(ratios), 3),
        "diversity_ratio_mean": round(float(np.mean(ratios)), 3),
    }


def one_run() -> dict:
    seconds, run_dir, said = run_demo()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    gain = json.loads((run_dir / "evaluation" / "gain.json").read_text())
    training = manifest["training"]
    row = {
        "wall_seconds": round(seconds, 1),
        "stage_seconds": manifest["stage_seconds"],
        "outside_stages_seconds": round(seconds - manifest["wall_seconds"], 1),  # start-up, Prefect
        "training": {
            "steps": training["steps"],
            "seconds": training["seconds"],
            "estimated_seconds": training["estimated_seconds"],
            "samples_per_second": training["samples_per_second"],
        },
        **quality(run_dir),
        "verification": {
            "seeds": gain["settings"]["seeds"],
            "folds": gain["settings"]["folds"],
            "amounts": gain["settings"]["amounts"],
            "verdict": gain["verdict"],
            "gain_points": manifest["verification"]["classifiers"]["cnn"]["gain_points"],
            "gain_ci95_points": manifest["verification"]["classifiers"]["cnn"]["gain_ci95_points"],
        },
        "privacy_audit": manifest["verification"]["privacy_audit"],
        "last_lines": said,
    }
    print(json.dumps(row, indent=2), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    speed = machine_speed()
    print(f"machine yardstick: {speed} images/s", flush=True)
    rows = [one_run() for _ in range(args.runs)]
    met = {
        "wall_seconds": all(r["wall_seconds"] <= GOALS["wall_seconds"] for r in rows),
        "conditioning_agreement": all(
            r["conditioning_agreement"] >= GOALS["conditioning_agreement"] for r in rows
        ),
        "diversity_ratio_min": all(r["diversity_ratio_min"] >= GOALS["diversity_ratio_min"] for r in rows),
        "verification_5_seeds_with_cv": all(
            r["verification"]["seeds"] == 5 and r["verification"]["folds"] >= 2 for r in rows
        ),
    }
    write_result(
        "demo_time",
        {
            "what": "synthaug demo after set-up, from a fresh working directory and PREFECT_HOME",
            "machine_yardstick_images_per_s": speed,
            "goals": GOALS,
            "goals_met": met,
            "runs": rows,
        },
    )


if __name__ == "__main__":
    main()
