"""Training failure detectors, registered by name.

Each detector sees every step's metrics and, when checked, may return a :class:`Finding`. The
trainer writes findings into the metrics and the log, and stops when the detector is listed in
``training.detectors.stop_on``. Non-finite losses are not a detector: they always stop training.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthaug.models.registry import Registry
from synthaug.models.training_metrics import Metric
from synthaug.pipeline.config import DetectorConfig

DETECTORS: Registry[type[Detector]] = Registry("detector", "training.detectors.stop_on")
RISE_FRACTION = 0.1  # G's loss "rises" when the fitted change over the window exceeds 10% of its scale


@dataclass(frozen=True)
class Finding:
    detector: str
    step: int
    message: str


class Detector(ABC):
    name = "detector"

    def __init__(self, config: DetectorConfig):
        self.config = config
        self.history: deque[tuple[float, ...]] = deque(maxlen=config.window)

    @abstractmethod
    def observe(self, metrics: dict[str, Any]) -> None:
        """Record what this detector needs from one step's metrics."""

    @abstractmethod
    def check(self, step: int) -> Finding | None:
        """A finding if the failure shows in the history, else None."""

    def state_dict(self) -> dict[str, Any]:
        return {"history": [list(item) for item in self.history]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = deque((tuple(item) for item in state["history"]), maxlen=self.config.window)


@DETECTORS.register("d_overpowering")
class DiscriminatorOverpowering(Detector):
    """D classifies almost everything right while G's loss keeps rising over the window."""

    name = "d_overpowering"

    def observe(self, metrics: dict[str, Any]) -> None:
        self.history.append((metrics[Metric.D_ACCURACY], metrics[Metric.LOSS_G]))

    def check(self, step: int) -> Finding | None:
        if len(self.history) < self.config.window:
            return None
        accuracy, loss_g = np.asarray(self.history).T
        slope = np.polyfit(np.arange(len(loss_g)), loss_g, 1)[0]
        rise = slope * (len(loss_g) - 1)  # fitted change over the window
        rising = rise > RISE_FRACTION * max(abs(float(loss_g.mean())), 0.1)
        if accuracy.mean() >= self.config.overpowered_d_accuracy and rising:
            return Finding(
                self.name,
                step,
                f"discriminator accuracy {accuracy.mean():.3f} over the last {len(accuracy)} steps while the "
                f"generator loss rises ({slope:+.4f}/step); consider more augmentation, R1 or a lower lr_D",
            )
        return None


@DETECTORS.register("vanishing_g_gradients")
class VanishingGeneratorGradients(Detector):
    """The generator's gradient norm stays under a floor for the whole window."""

    name = "vanishing_g_gradients"

    def observe(self, metrics: dict[str, Any]) -> None:
        self.history.append((metrics[Metric.GRAD_NORM_G],))

    def check(self, step: int) -> Finding | None:
        if len(self.history) < self.config.window:
            return None
        norms = np.asarray(self.history)[:, 0]
        if norms.max() < self.config.min_g_grad_norm:
            return Finding(
                self.name,
                step,
                f"generator gradient norm below {self.config.min_g_grad_norm:g} for {len(norms)} steps "
                f"(max {norms.max():.2e}); the discriminator may have saturated",
            )
        return None


@DETECTORS.register("mode_collapse")
class ModeCollapse(Detector):
    """Some class's generated samples are much less diverse than its real samples."""

    name = "mode_collapse"

    def observe(self, metrics: dict[str, Any]) -> None:
        if Metric.DIVERSITY_MIN_RATIO in metrics:
            self.history.append((metrics[Metric.DIVERSITY_MIN_RATIO], metrics[Metric.DIVERSITY_MIN_CLASS]))

    def check(self, step: int) -> Finding | None:
        if not self.history:
            return None
        ratio, label = self.history[-1]
        if ratio < self.config.min_diversity_ratio:
            return Finding(
                self.name,
                step,
                f"mode collapse: class index {int(label)} has sample diversity {ratio:.2f}x that of its real "
                f"images (threshold {self.config.min_diversity_ratio})",
            )
        return None


def build_detectors(config: DetectorConfig) -> list[Detector]:
    for name in config.stop_on:
        DETECTORS.get(name)  # unknown names fail here, with the known ones listed
    return [DETECTORS.get(name)(config) for name in DETECTORS.names()]
