"""Generator snapshot ensembles on kept digits runs: the EMA generator at several training steps,
alone and mixed in equal shares.

    .venv/bin/python -m benchmarks.verification_gain --datasets digits --seeds 5 6 7 --no-ctgan \
        --keep runs-explore
    .venv/bin/python -m benchmarks.generator_snapshots --runs runs-explore \
        --set training.steps=1800 --set training.augmentation=on --snapshots 900 1200 1500

The issue lists snapshot ensembles among the ways to use a generator better: a GAN's samples
drift as it trains, so generators from several steps may cover more of each class than the last
one alone. A generator is trained here on each kept run's training split with the run's config
snapshot, ``--set`` on top (so it is the run's own generator only without ``--set``), and the
run's seed, as the train stage trains it. Its EMA generator is copied at every ``--snapshots``
step from the checkpoint the trainer writes there (``training.checkpoint_every`` is set to
divide every snapshot step). Pools, each ``AMOUNT`` x each class's real count
(simple_image_generators.py):

- ``step S``: the EMA generator at step S alone; the last step's, the generator as trained, is
  the reference every other pool is compared with;
- ``ensemble S..T``: equal shares drawn from each snapshot from step S to the last step.

Each pool is scored as simple_image_generators.py scores a generator (the verification's CNN on
real + the pool at a batch share of 0.3 with its classic augmentation on and off, 5 CNN seeds;
synthetic only, 3 seeds), and audited against the run's held-out test split like the run's own
samples (privacy/audit.py, pixels in [0, 1]): nearer train, near copies, attack either way.
The pools are not curated (the generate stage replaces near copies of training images,
``generation.near_copy_quantile``), so they are compared with each other, not with the run's own
samples: their audit reads nearer the training images than the run's does.
Meant for exploration seeds (5-7) and a confirmation on new ones. Results:
``benchmarks/results/generator_snapshots.json`` and ``.md`` (``--result-name`` for others).
"""

from __future__ import annotations

import math
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.simple_image_generators import (
    AMOUNT,
    against_pool,
    kept_runs_parser,
    measured_or_recorded,
    scored_pools,
    write_markdown,
)
from benchmarks.synthetic_use import RunBench
from synthaug.evaluation.run_verification import privacy_audit
from synthaug.evaluation.samples import PROPORTIONAL, Samples, draw_per_class
from synthaug.models.checkpoint import load_checkpoint
from synthaug.models.image_cgan import ImageCGAN
from synthaug.pipeline.config import PrivacyConfig, TrainingConfig
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.layout import CHECKPOINT_FILE, CONFIG_FILE
from synthaug.pipeline.rundir import RunDirectory
from synthaug.pipeline.split import TrainSplit
from synthaug.privacy.audit import MEMBERSHIP_AUC_EITHER_WAY, NEAR_COPIES, SHARE_CLOSER_TO_TRAIN
from synthaug.stages.job import load_train_split

RESULT = "generator_snapshots"
SHARE = 0.3
DRAWN_PER_SNAPSHOT = 1000  # images sampled from each snapshot; pools draw from these
AUDITED = (SHARE_CLOSER_TO_TRAIN, NEAR_COPIES, MEMBERSHIP_AUC_EITHER_WAY)


def snapshot_generators(
    training: TrainingConfig, split: TrainSplit, steps: list[int], *, seed: int, privacy: PrivacyConfig
) -> tuple[ImageCGAN, dict[int, dict]]:
    """The generator trained on ``split`` and the EMA generator's weights at each of ``steps``
    and at the last step."""
    if not all(0 < s < training.steps for s in steps):
        raise SystemExit(f"--snapshots must lie between 0 and training.steps ({training.steps}), got {steps}")
    training = training.model_copy(update={"checkpoint_every": math.gcd(training.steps, *steps)})
    snapshots: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as workdir:

        def keep(step: int) -> None:
            if step in steps:  # the trainer saved its checkpoint just before calling back
                snapshots[step] = load_checkpoint(Path(workdir) / CHECKPOINT_FILE)["ema_generator"]

        gan = ImageCGAN(training, seed=seed, privacy=privacy).fit(split, workdir=Path(workdir), on_step=keep)
    snapshots[gan.training_.steps] = {k: v.clone() for k, v in gan.ema_generator_.state_dict().items()}
    return gan, snapshots


def retrained(run: Path, overrides: list[str], steps: list[int]) -> tuple[ImageCGAN, dict[int, dict]]:
    """``snapshot_generators`` on a kept run: its training split, config snapshot (with
    ``overrides``) and seed, as the train stage trains it."""
    config = load_config(run / CONFIG_FILE, overrides=overrides, snapshot=True)
    split = load_train_split(RunDirectory(run.name, run.parent, datetime.now(UTC)))
    return snapshot_generators(config.training, split, steps, seed=config.seed, privacy=config.privacy)


def drawn(gan: ImageCGAN, weights: dict, seed: int) -> Samples:
    gan.ema_generator_.load_state_dict(weights)
    images = gan.sample(DRAWN_PER_SNAPSHOT, seed=seed)
    return Samples(images.images, np.asarray(images.labels), len(gan.classes_))


def snapshot_pools(bench: RunBench, gan: ImageCGAN, snapshots: dict[int, dict]) -> dict[str, Samples]:
    """One pool per snapshot, and per first snapshot an equal-share ensemble up to the last step."""
    rng = np.random.default_rng(0)
    order = sorted(snapshots)
    drawn_by_step = {step: drawn(gan, snapshots[step], seed=step) for step in order}
    pools = {
        f"step {step}": draw_per_class(drawn_by_step[step], bench.real, AMOUNT, rng, allocation=PROPORTIONAL)
        for step in order
    }
    for first in order[:-1]:  # every ensemble of at least two snapshots, up to the last step
        members = [step for step in order if step >= first]
        parts = [
            draw_per_class(drawn_by_step[s], bench.real, AMOUNT / len(members), rng, allocation=PROPORTIONAL)
            for s in members
        ]
        pools[f"ensemble {first}..{order[-1]}"] = Samples(
            np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]), bench.k
        )
    return pools


def audited(bench: RunBench, pools: dict[str, Samples]) -> dict[str, float]:
    """Each pool's memorisation audit against the run's held-out test split, as the verification
    audits the run's own samples."""
    values = {}
    for name, pool in pools.items():
        found = privacy_audit(bench.real, bench.test, pool)
        values |= {f"{name}: {key}": round(found[key], 4) for key in AUDITED}
    return values


def audit_table(per_run: list[dict]) -> pd.DataFrame:
    """Per pool, each audited number's mean over the runs and its worst (largest) run."""
    frame = pd.DataFrame(per_run).set_index("run")
    pools = [c.removesuffix(f": {SHARE_CLOSER_TO_TRAIN}") for c in frame if c.endswith(SHARE_CLOSER_TO_TRAIN)]
    rows = []
    for pool in pools:
        values = {key: frame[f"{pool}: {key}"] for key in AUDITED}
        rows.append(
            {"pool": pool}
            | {f"{key} (worst)": f"{v.mean():.3f} ({v.max():.3f})" for key, v in values.items()}
        )
    return pd.DataFrame(rows)


def write_summary(name: str, per_run: list[dict], note: str) -> None:
    scores = [{k: v for k, v in row.items() if not k.endswith(AUDITED)} for row in per_run]
    write_markdown(
        name,
        scores,
        note,
        title="Generator snapshot ensembles (digits, 15 real per class)",
        module="generator_snapshots",
        sections=(
            (
                "Each pool against the last step's on the same runs (points, 95% t-interval):",
                against_last_step(scores),
            ),
            (
                "Memorisation audit of each pool against the held-out test split, mean (worst run):",
                audit_table(per_run),
            ),
        ),
    )


def against_last_step(scores: list[dict]) -> pd.DataFrame:
    """Each pool's paired difference from the last step's pool: the generator as trained."""
    frame = pd.DataFrame(scores).set_index("run")
    last = max((c.split(":")[0] for c in frame if c.startswith("step ")), key=lambda p: int(p.split()[1]))
    return against_pool(scores, last, "last_step", SHARE)


def main() -> None:
    parser = kept_runs_parser(__doc__, RESULT)
    parser.add_argument("--snapshots", nargs="+", type=int, default=[900, 1200, 1500], help="steps to copy")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="config override"
    )
    args = parser.parse_args()

    def measure(run: Path) -> dict[str, float]:
        bench = RunBench(run)
        gan, snapshots = retrained(run, args.overrides, sorted(args.snapshots))
        pools = snapshot_pools(bench, gan, snapshots)
        return scored_pools(bench, pools, (SHARE,)) | audited(bench, pools)

    note = args.note or f"--snapshots {' '.join(map(str, args.snapshots))} " + " ".join(
        f"--set {o}" for o in args.overrides
    )
    measured_or_recorded(parser, args, measure, write_summary, note=note, amount=AMOUNT, share=SHARE)


if __name__ == "__main__":
    main()
