"""What the image watermark costs the downstream CNN, on kept digits runs.

    .venv/bin/python -m benchmarks.verification_gain --datasets digits --seeds 8 9 10 11 12 --no-ctgan \
        --keep RUNS
    .venv/bin/python -m benchmarks.watermark_utility --runs RUNS \
        [--set training.steps=1800 --set training.augmentation=on]

The generate stage marks every synthetic image (pipeline/watermark/image_mark.py: pixels move up
to 6 grey levels toward a key-dithered lattice). Does the mark change what the images do for the
CNN the verification trains? Per kept run, the run's generator (with ``--set``: one retrained on
the run's training split with its config snapshot, the overrides and its seed, as
generator_snapshots.py retrains it) draws the run's synthetic set as the generate stage does (the
same class counts, seed and near-copy curation), unmarked. The same images are then marked with
the run's own key (without ``--set`` that reproduces the run's stored images, which is checked)
and with ``KEYS - 1`` more keys derived from the run's name. Every version contributes the same
images, ``AMOUNT`` x each class's real count, and is scored as simple_image_generators.py scores
a pool: the verification's CNN on real + the pool at a batch share of 0.3 with its classic
augmentation on and off (5 CNN seeds), and synthetic only (3 seeds). The tables give each marked
version against the unmarked one on the same runs, with a 95% t-interval across the runs.
Results: ``benchmarks/results/watermark_utility.json`` and ``.md`` (``--result-name`` for others).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks.common import add_set_option
from benchmarks.generator_snapshots import snapshot_generators
from benchmarks.simple_image_generators import (
    AMOUNT,
    against_pool,
    kept_runs_parser,
    measured_or_recorded,
    scored_pools,
    write_markdown,
)
from benchmarks.synthetic_use import RunBench
from synthaug.evaluation.samples import PROPORTIONAL, Samples, draw_per_class
from synthaug.models.image_cgan import ImageCGAN
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.layout import CONFIG_FILE
from synthaug.pipeline.rundir import RunDirectory
from synthaug.pipeline.watermark.apply import existing_key, mark_images
from synthaug.pipeline.watermark.keys import WatermarkKey
from synthaug.stages.job import load_train_split, run_samples

RESULT = "watermark_utility"
SHARE = 0.3
KEYS = 3  # the run's own key and two more
UNMARKED = "unmarked"


def derived_key(run: Path, index: int) -> WatermarkKey:
    """A key for the benchmark only, from the run's name and ``index``: reruns mark alike."""
    return WatermarkKey(hashlib.sha256(f"synthaug-watermark-utility|{run.name}|{index}".encode()).digest())


def with_noise(images: np.ndarray, level: int, seed: int) -> np.ndarray:
    """``images`` with independent uniform integer noise in [-level, level] added to every pixel
    (all channels alike, as the mark moves them), clipped to [0, 255]. The noise depends on
    ``seed`` and the images' shape only, so runs with equally many images draw the same noise."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(-level, level + 1, size=(*images.shape[:3], 1))
    return np.clip(images.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def unmarked_and_marked(
    bench: RunBench, run: Path, overrides: list[str], noise: tuple[int, ...] = ()
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The run's synthetic images drawn again without the mark, marked with each key, and with
    each ``noise`` level of random noise instead: version -> (N, H, W, C) uint8 images, the same
    samples in the same order; and their (N,) class indices."""
    config = load_config(run / CONFIG_FILE, overrides=overrides, snapshot=True)
    split = load_train_split(RunDirectory(run.name, run.parent, datetime.now(UTC)))
    if overrides:  # trained as generator_snapshots retrains, with no snapshots
        gan, _ = snapshot_generators(config.training, split, [], seed=config.seed, privacy=config.privacy)
    else:
        gan = ImageCGAN.load(bench.model_file)
    if tuple(gan.classes_) != tuple(split.data.classes):
        raise SystemExit(f"{run}: the generator's classes differ from the training split's")
    drawn, _, _, _ = run_samples(gan, split, config, key=None)
    own = existing_key(config.watermark.model_copy(update={"enabled": True}), run)
    if own is None:
        raise SystemExit(f"{run}: no watermark key recorded (the run was not marked)")
    keys = [own] + [derived_key(run, i) for i in range(1, KEYS)]
    versions = {UNMARKED: drawn.images}
    versions |= {f"key {i}": mark_images(drawn.images, key)[0] for i, key in enumerate(keys)}
    versions |= {f"noise {level}": with_noise(drawn.images, level, seed=level) for level in noise}
    stored = bench.synthetic  # the run's own key on the run's own generator: its stored images
    if not overrides and not (
        np.array_equal(stored.x, versions["key 0"]) and np.array_equal(stored.y, drawn.labels)
    ):
        raise SystemExit(f"{run}: the images drawn again and marked differ from the run's stored ones")
    return versions, np.asarray(drawn.labels)


def pools(bench: RunBench, versions: dict[str, np.ndarray], labels: np.ndarray) -> dict[str, Samples]:
    """``AMOUNT`` x the real count per class from each version: the same positions for all."""
    positions = Samples(np.arange(len(labels)), labels, bench.k)
    chosen = draw_per_class(positions, bench.real, AMOUNT, np.random.default_rng(0), allocation=PROPORTIONAL)
    return {name: Samples(images[chosen.x], chosen.y, bench.k) for name, images in versions.items()}


def write_summary(name: str, per_run: list[dict], note: str) -> None:
    write_markdown(
        name,
        per_run,
        note,
        title="The image watermark's cost to the downstream CNN (digits, 15 real per class)",
        module="watermark_utility",
        sections=(
            (
                "Each marked version against the same images unmarked (points, 95% t-interval across "
                "the runs):",
                against_pool(per_run, UNMARKED, UNMARKED, SHARE),
            ),
        ),
    )


def main() -> None:
    parser = kept_runs_parser(__doc__, RESULT)
    add_set_option(parser, "retrain the generator with this config override (as generator_snapshots)")
    parser.add_argument(
        "--noise", nargs="*", type=int, default=[], metavar="LEVEL", help="also random noise of +-LEVEL"
    )
    args = parser.parse_args()

    def measure(run: Path) -> dict[str, float]:
        bench = RunBench(run)
        versions, labels = unmarked_and_marked(bench, run, args.overrides, tuple(args.noise))
        return scored_pools(bench, pools(bench, versions, labels), (SHARE,))

    options = [f"--set {o}" for o in args.overrides]
    if args.noise:
        options.append("--noise " + " ".join(map(str, args.noise)))
    note = args.note or " ".join(options) or "the runs' own generators"
    measured_or_recorded(parser, args, measure, write_summary, note=note, amount=AMOUNT, share=SHARE)


if __name__ == "__main__":
    main()
