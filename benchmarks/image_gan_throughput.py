"""Training throughput of the image GAN (real images seen by D per second).

    python -m benchmarks.image_gan_throughput [--steps 100] [--cuda-only]

CPU rows: the demo config (8x8x1, width 32, batch 64); the former demo network (width 64), a
yardstick for how fast this machine is (it ran at 386-399 images/s on one day and 149-161 on
another); and the default network (width 64) on 32x32 and 64x64 RGB, timed over a few steps
since each takes seconds to minutes on a CPU. CUDA rows (when a GPU is present): the demo config
and 64x64 RGB, fp32 and bf16 autocast. Warm-up steps are excluded. With --cuda-only the CPU rows
are skipped and the result goes to image_gan_throughput_cuda.json (benchmarks/gpu_check.sh).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import digits_splits, write_result
from synthaug.models.image_data import ImageData
from synthaug.models.image_networks import ARCHITECTURES, ImageShape
from synthaug.models.trainer import GanTrainer
from synthaug.pipeline.config import TrainingConfig, demo_config


def measure(
    shape: ImageShape,
    config: TrainingConfig,
    device: torch.device,
    steps: int,
    warmup: int,
    memory_format: torch.memory_format = torch.channels_last,  # what training uses outside DP
) -> dict[str, float]:
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
        for phase, n in (("warmup", warmup), ("measured", steps)):
            cfg = config.model_copy(
                update={
                    "steps": n,
                    "checkpoint_every": 10**9,
                    "grid_every": 10**9,
                    "log_every": 10**9,
                    "max_cpu_minutes": None,
                    "detectors": config.detectors.model_copy(update={"check_every": 10**9}),
                }
            )
            trainer = GanTrainer(
                generator=g,
                discriminator=d,
                data=ImageData(images, labels, num_classes, device, memory_format=memory_format),
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
        "seconds_per_step": round(seconds / steps, 4),
        "images_per_s": round(seen / seconds, 1),
        "hours_for_2000_steps": round(seconds / steps * 2000 / 3600, 2),
    }


def cpu_rows(steps: int) -> list[dict]:
    demo = demo_config().training.resolved("image")
    default = TrainingConfig().resolved("image")
    cpu = torch.device("cpu")
    plan = [  # (label, shape, config, measured steps, warm-up steps)
        ("demo config (width 32)", ImageShape(8, 1), demo, steps, 20),
        ("default network (width 64)", ImageShape(8, 1), default, steps, 20),
        ("default network (width 64)", ImageShape(32, 3), default, 3, 1),
        ("default network (width 64)", ImageShape(64, 3), default, 2, 1),
    ]
    rows = [{"device": "cpu", "shape": "8x8x1", "network": YARDSTICK, "precision": "fp32", "batch": 64}]
    rows[0].update(yardstick(steps))
    print(rows[0], flush=True)
    for label, shape, config, n, warmup in plan:
        row = {"device": "cpu", "shape": f"{shape.size}x{shape.size}x{shape.channels}", "network": label}
        rows.append(
            {**row, "precision": "fp32", "batch": config.batch_size, **measure(shape, config, cpu, n, warmup)}
        )
        print(rows[-1], flush=True)
    return rows


YARDSTICK = "machine yardstick: default network, 8x8, contiguous memory"


def yardstick(steps: int = 100) -> dict[str, float]:
    """How fast this machine is: the former demo network in the memory layout it was first
    measured in. On the code before issue 15 this workload ran at 386-399 images/s on a fast day
    and 149-166 on slow ones; issue 15's changes to the networks make the same machine about
    10% faster on it."""
    config = TrainingConfig().resolved("image")
    return measure(ImageShape(8, 1), config, torch.device("cpu"), steps, 20, torch.contiguous_format)


def cuda_rows(steps: int) -> list[dict]:
    if not torch.cuda.is_available():
        return [{"device": "cuda", "note": "no CUDA device on this machine; not measured"}]
    demo = demo_config().training.resolved("image")
    default = TrainingConfig().resolved("image")
    gpu, rows = torch.device("cuda"), []
    for shape, config, label in (
        (ImageShape(8, 1), demo, "demo config"),
        (ImageShape(64, 3), default, "default"),
    ):
        for bf16 in (False, True):
            cfg = config.model_copy(update={"mixed_precision": bf16})
            rows.append(
                {
                    "device": "cuda",
                    "shape": f"{shape.size}x{shape.size}x{shape.channels}",
                    "network": label,
                    "precision": "bf16" if bf16 else "fp32",
                    "batch": cfg.batch_size,
                    **measure(shape, cfg, gpu, steps, 20),
                }
            )
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100, help="measured steps of the 8x8 and CUDA rows")
    parser.add_argument("--cuda-only", action="store_true", help="only the CUDA rows (gpu_check.sh)")
    args = parser.parse_args()
    rows = ([] if args.cuda_only else cpu_rows(args.steps)) + cuda_rows(args.steps)
    cpu = [r for r in rows if r.get("device") == "cpu"]
    write_result(
        "image_gan_throughput_cuda" if args.cuda_only else "image_gan_throughput",
        {
            "measures": "real images seen by D per second, training loop only (no grids, checkpoints or "
            "detectors); hours_for_2000_steps is the default step count at that pace",
            "rows": rows,
            "yardstick_images_per_s_cpu": next(
                (r["images_per_s"] for r in cpu if r["network"] == YARDSTICK), None
            ),
            "median_images_per_s_cpu_8x8": float(
                np.median([r["images_per_s"] for r in cpu if r["shape"] == "8x8x1"])
            )
            if cpu
            else None,
        },
    )


if __name__ == "__main__":
    main()
