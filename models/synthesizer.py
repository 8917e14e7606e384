"""What the image and tabular GANs share: resolving requested labels, the fitted check, and the
device / determinism set-up before training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from models.device import select_device

Labels = int | str | Sequence[int | str] | np.ndarray | None


class ConditionalSynthesizer:
    """Base of ``ImageCGAN`` and ``TabularCGAN``; fitted attributes end in ``_``."""

    classes_: tuple[str, ...]
    seed: int

    def _labels(self, n: int, labels: Labels) -> np.ndarray:
        """Class indices for ``n`` samples: classes in turn, one class for all, or one per sample."""
        if labels is None:
            return np.arange(n, dtype=np.int64) % len(self.classes_)
        if isinstance(labels, int | str | np.integer):
            return np.full(n, self._class_index(labels), dtype=np.int64)
        values = list(labels)
        if len(values) != n:
            raise ValueError(f"got {len(values)} labels for n={n}")
        return np.array([self._class_index(v) for v in values], dtype=np.int64)

    def _class_index(self, label: Any) -> int:
        if isinstance(label, str):
            if label not in self.classes_:
                raise ValueError(f"unknown class {label!r}; classes: {', '.join(self.classes_)}")
            return self.classes_.index(label)
        if not 0 <= int(label) < len(self.classes_):
            raise ValueError(f"class index {label} outside 0..{len(self.classes_) - 1}")
        return int(label)

    def _check_fitted(self) -> None:
        if not hasattr(self, "ema_generator_"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet: call fit() or load()")

    def _training_device(self, preference: str) -> torch.device:
        """The device to train on, seeded; deterministic kernels on CPU (exact resume)."""
        device = select_device(preference)
        if device.type == "cpu":
            torch.use_deterministic_algorithms(True, warn_only=True)
        torch.manual_seed(self.seed)
        return device
