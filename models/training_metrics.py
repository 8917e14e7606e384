"""Per-step training metrics: the names (one place) and the JSONL file they are written to."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


class Metric:
    STEP = "step"
    LOSS_G = "loss_g"
    LOSS_D = "loss_d"
    D_REAL = "d_real_mean"
    D_FAKE = "d_fake_mean"
    D_ACCURACY = "d_accuracy"
    GRAD_NORM_G = "grad_norm_g"
    GRAD_NORM_D = "grad_norm_d"
    R_T = "r_t"
    AUGMENT_P = "augment_p"
    LR_G = "lr_g"
    LR_D = "lr_d"
    WALL_TIME = "wall_time_s"
    SAMPLES_PER_S = "samples_per_s"
    DIVERSITY_MIN_RATIO = "diversity_min_ratio"
    DIVERSITY_MIN_CLASS = "diversity_min_class"
    DIVERSITY_RATIOS = "diversity_ratios"
    WARNINGS = "warnings"
    EPSILON = "epsilon"  # privacy spent so far (every log_every steps and at the end, under DP)
    DP_STEPS = "dp_steps"  # DP-SGD discriminator steps taken
    REAL_IN_BATCH = "real_in_batch"  # Poisson-sampled real records in the last D step


class MetricsLog:
    """Append-only JSONL, one object per step; non-finite numbers are written as strings."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({k: _finite(v) for k, v in record.items()}) + "\n")

    def truncate_after(self, step: int) -> None:
        """Drop records after ``step`` (a resumed run rewrites them)."""
        if not self.path.exists():
            return
        kept = [
            line
            for line in self.path.read_text(encoding="utf-8").splitlines()
            if line and json.loads(line)[Metric.STEP] <= step
        ]
        self.path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
