"""Cost of DP-SGD: seconds per discriminator step with and without differential privacy.

    python -m benchmarks.dp_overhead [--steps 40] [--rounds 5] [--cuda-only]

For the two shipped private configs (examples/digits_dp.yaml, examples/breast_cancer_dp.yaml):
the same networks and batch size trained by the same loop, once with plain Adam and once with
Opacus DP-SGD (per-sample gradients by hooks, by functorch, by expanded weights, and ghost
clipping), on the CPU and, when there is one, on CUDA. The ratio is the overhead of per-sample
gradients, clipping, noise and Poisson sampling. Warm-up steps are excluded. Plain and the modes
run in turn, several rounds, and the overhead is the median over rounds of the ratio within a
round: this machine's speed drifts by tens of percent within minutes, and a D step of a few
milliseconds shows it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import write_result
from synthaug.models.image_cgan import ImageCGAN, to_model_range
from synthaug.models.image_data import ImageData
from synthaug.models.image_networks import ImageShape
from synthaug.models.tabular_cgan import TabularCGAN
from synthaug.models.trainer import GanTrainer
from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import split_dataset
from synthaug.privacy.training import PrivateTraining

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
WARMUP = 5


def _train_split(config: SynthaugConfig):
    data = load_dataset(config.dataset)
    train, _ = split_dataset(data, config.split, seed=config.split_seed, per_class=config.dataset.per_class)
    return train


def _image_parts(config: SynthaugConfig, device: torch.device):
    train = _train_split(config)
    gan = ImageCGAN(config.training, seed=0, privacy=config.privacy)  # the private networks
    gan.classes_ = tuple(train.data.classes)
    gan.shape_ = ImageShape(train.data.schema.height, train.data.schema.channels)
    generator, discriminator = gan._build()
    data = ImageData(
        to_model_range(train.data.features),
        torch.as_tensor(train.data.labels),
        len(gan.classes_),
        device,
    )
    return generator, discriminator, data, config.training.resolved("image", private=True), len(train.data)


def _tabular_parts(config: SynthaugConfig, device: torch.device):
    from synthaug.models.tabular_data import TabularData
    from synthaug.privacy.public_schema import conform, public_transformer

    train = _train_split(config)
    gan = TabularCGAN(config.training, seed=0, privacy=config.privacy)  # the private networks
    gan.classes_ = tuple(train.data.classes)
    spec = config.privacy
    gan.transformer_ = public_transformer(train.data.schema, spec.public_columns, modes=spec.numeric_modes)
    encoded = gan.transformer_.transform(conform(train.data.features, spec.public_columns))
    counts = np.ones((len(gan.classes_), 0))
    data = TabularData(
        encoded, train.data.labels, len(gan.classes_), gan.transformer_, device, private_counts=counts
    )
    gan.sampler_ = data.sampler
    generator, discriminator = gan._build(spectral=False)
    return generator, discriminator, data, config.training.resolved("tabular", private=True), len(train.data)


MODES = ("hooks", "functorch", "ew", "ghost")


def _trainer(config: SynthaugConfig, *, mode: str | None, device: torch.device, workdir: Path) -> GanTrainer:
    """A trainer of the config's networks; ``mode`` None for no DP, else Opacus' grad-sample mode."""
    kind = config.dataset.resolved_kind()
    parts = _image_parts if kind == "image" else _tabular_parts
    torch.manual_seed(0)
    generator, discriminator, data, training, n = parts(config, device)
    privacy = None
    if mode is not None:
        spec = config.privacy.model_copy(update={"grad_sample_mode": mode, "noise_multiplier": 1.0})
        privacy = PrivateTraining.start(spec, num_records=n)
    trainer = GanTrainer(
        generator=generator,
        discriminator=discriminator,
        data=data,
        config=training.model_copy(update={"steps": 10**6}),
        device=device,
        seed=0,
        workdir=workdir,
        privacy=privacy,
    )
    for _ in range(WARMUP):
        trainer._discriminator_step()
    return trainer


def _seconds(trainer: GanTrainer, steps: int, device: torch.device) -> float:
    """Mean seconds of one D step over ``steps`` steps."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(steps):
        trainer._discriminator_step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / steps


def overheads(config: SynthaugConfig, *, device: torch.device, steps: int, rounds: int) -> list[dict]:
    """Plain and every DP mode measured in turn, ``rounds`` times, so that a machine whose speed
    drifts slows them alike; per mode the median over rounds of its time over plain's."""
    with tempfile.TemporaryDirectory() as tmp:
        trainers = {
            mode: _trainer(config, mode=mode, device=device, workdir=Path(tmp) / str(mode))
            for mode in (None, *MODES)
        }
        times: dict[str | None, list[float]] = {mode: [] for mode in trainers}
        for _ in range(rounds):
            for mode, trainer in trainers.items():
                times[mode].append(_seconds(trainer, steps, device))
    plain = np.asarray(times[None])
    return [
        {
            "grad_sample_mode": mode,
            "batch_size": trainers[None].config.batch_size,
            "seconds_per_d_step_plain": round(float(np.median(plain)), 5),
            "seconds_per_d_step_dp": round(float(np.median(times[mode])), 5),
            "overhead": round(float(np.median(np.asarray(times[mode]) / plain)), 2),
            "overhead_per_round": [round(float(r), 2) for r in np.asarray(times[mode]) / plain],
        }
        for mode in MODES
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="D steps per mode and round")
    parser.add_argument("--rounds", type=int, default=5, help="turns of plain and every mode")
    parser.add_argument("--cuda-only", action="store_true", help="only CUDA rows (benchmarks/gpu_check.sh)")
    args = parser.parse_args()
    devices = [] if args.cuda_only else [torch.device("cpu")]
    devices += [torch.device("cuda")] if torch.cuda.is_available() else []
    rows = []
    for name in ("digits_dp", "breast_cancer_dp"):
        config = load_config(EXAMPLES / f"{name}.yaml")
        for device in devices:
            for row in overheads(config, device=device, steps=args.steps, rounds=args.rounds):
                rows.append({"config": f"examples/{name}.yaml", "device": device.type, **row})
                print(rows[-1])
    write_result(
        "dp_overhead_cuda" if args.cuda_only else "dp_overhead",
        {
            "what": "seconds per discriminator step, DP-SGD (Opacus) / plain Adam, same networks and batch",
            "steps_measured": f"{args.rounds} rounds of {args.steps} steps per mode, modes in turn",
            "goal": "overhead <= 2x",
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
