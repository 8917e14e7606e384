"""Training throughput of the image GAN (real images seen by D per second).

    python -m benchmarks.image_gan_throughput [--steps 300]

CPU: the digits demo config (8x8x1, batch 64). On a CUDA device also: the same with bf16
autocast, and 64x64 RGB. Warm-up steps are excluded.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import digits_splits, write_result
from models.image_data import ImageData
from models.image_networks import ARCHITECTURES, ImageShape
from models.trainer import GanTrainer
from pipeline.config import TrainingConfig, demo_config

WARMUP_STEPS = 20


def measure(shape: ImageShape, config: TrainingConfig, device: torch.device, steps: int) -> dict[str, float]:
    num_classes = 10
    _, train, _ = digits_splits()
    if shape.size == 8 and shape.channels == 1:
        images = torch.as_tensor(train.data.features).permute(0, 3, 1, 2).float() / 127.5 - 1
        labels = torch.as_tensor(train.data.labels)
    else:  # synthetic stand-in data of the requested shape: throughput does not depend on content
        generator = torch.Generator().manual_seed(0)
        images = torch.rand(200, shape.channels, shape.size, shape.size, generator=generator) * 2 - 1
        labels = torch.arange(200) % num_classes
    torch.manual_seed(0)
    g, d = ARCHITECTURES.get(config.architecture).build(
        shape, num_classes, z_dim=config.z_dim, width=config.width, minibatch_stddev=config.minibatch_stddev
    )
    timings = {}
    with tempfile.TemporaryDirectory() as tmp:
        for phase, n in (("warmup", WARMUP_STEPS), ("measured", steps)):
            cfg = config.model_copy(
                update={
                    "steps": n,
                    "checkpoint_every": 10**9,
                    "grid_every": 10**9,
                    "log_every": 10**9,
                    "detectors": config.detectors.model_copy(update={"check_every": 10**9}),
                }
            )
            trainer = GanTrainer(
                generator=g,
                discriminator=d,
                data=ImageData(images, labels, num_classes, device),
                config=cfg,
                device=device,
                seed=0,
                workdir=Path(tmp) / phase,
            )
            if device.type == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
            trainer.train()
            if device.type == "cuda":
                torch.cuda.synchronize()
            timings[phase] = time.perf_counter() - started
    seconds = timings["measured"]
    seen = steps * config.batch_size * (config.d_steps_per_g_step or 1)
    return {
        "steps": steps,
        "seconds": round(seconds, 3),
        "steps_per_s": round(steps / seconds, 2),
        "images_per_s": round(seen / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    base = demo_config().training.resolved("image")
    rows = []
    cpu = torch.device("cpu")
    for augmentation in ("off", "on"):
        cfg = base.model_copy(update={"augmentation": augmentation})
        rows.append(
            {
                "device": "cpu",
                "shape": "8x8x1",
                "precision": "fp32",
                "augmentation": augmentation,
                **measure(ImageShape(8, 1), cfg, cpu, args.steps),
            }
        )
    if torch.cuda.is_available():
        gpu = torch.device("cuda")
        for shape, label in ((ImageShape(8, 1), "8x8x1"), (ImageShape(64, 3), "64x64x3")):
            for bf16 in (False, True):
                cfg = base.model_copy(update={"mixed_precision": bf16, "augmentation": "on"})
                rows.append(
                    {
                        "device": "cuda",
                        "shape": label,
                        "precision": "bf16" if bf16 else "fp32",
                        "augmentation": "on",
                        **measure(shape, cfg, gpu, args.steps),
                    }
                )
    else:
        rows.append({"device": "cuda", "note": "no CUDA device on this machine; not measured"})
    write_result(
        "image_gan_throughput",
        {
            "config": "digits demo (batch 64, width 64, z 64)",
            "rows": rows,
            "median_images_per_s_cpu": float(
                np.median([r["images_per_s"] for r in rows if r.get("device") == "cpu"])
            ),
        },
    )


if __name__ == "__main__":
    main()
