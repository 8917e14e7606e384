"""What the shared GAN trainer needs to know about one kind of data.

The trainer's loop is the same for images and tables; a :class:`GanData` supplies the parts that
differ: real batches and their conditions, conditions for generated samples, the generator's
extra loss (if any), the feature space for the mode-collapse check, and how to render the fixed
latent bank so progress is visible.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import torch


class GanData(ABC):
    num_classes: int
    supports_augmentation: bool = False
    # (K, W) noised per-class mean samples (privacy/class_means.py) the generator is pulled to
    class_means: torch.Tensor | None = None
    class_means_weight: float = 0.0
    nearest_mean_weight: float = 0.0
    # (K,) released spreads (mean squared distance to the class mean) the generator matches
    class_spreads: torch.Tensor | None = None
    class_spread_weight: float = 0.0
    memory_format: torch.memory_format = torch.contiguous_format  # the trainer puts G and D in it

    @abstractmethod
    def real_batch(
        self, n: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """n real rows drawn with replacement: (x, class labels, condition passed to G and D)."""

    @abstractmethod
    def real_rows(
        self, index: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The real rows at ``index`` (a Poisson sample under DP): (x, class labels, condition).
        A row's condition may depend only on that row (and ``generator``)."""

    @abstractmethod
    def fake_conditions(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """(class labels, condition) for n generated samples; classes are uniform."""

    @abstractmethod
    def class_condition(self, labels: torch.Tensor) -> torch.Tensor:
        """The condition that asks for exactly these classes (used for sampling and monitoring)."""

    @abstractmethod
    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, F) features in which sample diversity is measured."""

    @property
    @abstractmethod
    def real_data(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All real rows and their class labels (for the diversity reference)."""

    def generator_extra_loss(self, fake: torch.Tensor, condition: torch.Tensor) -> torch.Tensor | None:
        """An additional generator loss term (e.g. matching a sampled categorical condition)."""
        return None

    def set_class_means(self, means: np.ndarray | None, weight: float, nearest_weight: float = 0.0) -> None:
        self.class_means = None if means is None else torch.as_tensor(means, dtype=torch.float32)
        self.class_means_weight, self.nearest_mean_weight = weight, nearest_weight

    def set_class_spreads(self, spreads: np.ndarray | None, weight: float) -> None:
        self.class_spreads = None if spreads is None else torch.as_tensor(spreads, dtype=torch.float32)
        self.class_spread_weight = weight

    def class_means_term(self, fake: torch.Tensor, classes: torch.Tensor) -> torch.Tensor | None:
        """The weighted pull of ``fake`` (N, W) towards the released class means (classes: (N, K)
        one-hot), plus the weighted losses that make each sample nearest its own class's mean and
        each class spread as released; None when nothing was released or every weight is 0."""
        weights = (self.class_means_weight, self.nearest_mean_weight, self.class_spread_weight)
        if self.class_means is None or not any(weights):
            return None
        term = self.class_means_weight * class_means_loss(fake, classes, self.class_means)
        if self.nearest_mean_weight > 0:
            term = term + self.nearest_mean_weight * nearest_mean_loss(fake, classes, self.class_means)
        if self.class_spreads is not None and self.class_spread_weight > 0:
            term = term + self.class_spread_weight * class_spread_loss(fake, classes, self.class_spreads)
        return term

    @abstractmethod
    def render(self, samples: torch.Tensor, labels: torch.Tensor, path: Path, per_class: int) -> Path:
        """Write the latent bank's samples (one row per class) to ``path``; returns the file written."""


def _batch_class_means(fake: torch.Tensor, classes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each class's count (K,) and mean (K, W) in a batch (fake: (N, W); classes: (N, K) one-hot);
    an absent class's mean is 0."""
    counts = classes.sum(dim=0)
    return counts, (classes.T @ fake) / counts.clamp_min(1.0)[:, None]


def class_means_loss(fake: torch.Tensor, classes: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared distance between each class's mean generated sample (fake: (N, W), flattened) and
    its released mean (target: (K, W); privacy/class_means.py), summed over the W features and
    averaged over the classes weighted by their share of the batch (classes: (N, K) one-hot)."""
    counts, means = _batch_class_means(fake, classes)
    distance = ((means - target.to(fake.device)) ** 2).sum(dim=1)  # (K,)
    return (distance * counts).sum() / counts.sum().clamp_min(1.0)


def nearest_mean_loss(fake: torch.Tensor, classes: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each generated sample's class under the nearest-mean rule: softmax over
    the classes of minus its squared distance (summed over the W features) to each released mean
    (target: (K, W)), against the class it was asked for (classes: (N, K) one-hot). The pull above
    fixes only a class's average, which samples of other classes can also average to; this asks
    each sample to be nearer its own class's mean than any other's."""
    distances = torch.cdist(fake, target.to(fake.device)) ** 2  # (N, K)
    return torch.nn.functional.cross_entropy(-distances, classes.argmax(dim=1))


def class_spread_loss(fake: torch.Tensor, classes: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared log-ratio of each class's spread in the batch (the mean squared distance of its
    samples to their mean, with n / (n - 1) so a small batch does not underestimate it) to its
    released spread (target: (K,)), averaged over the classes with at least two samples."""
    counts, means = _batch_class_means(fake, classes)
    squared = ((fake - classes @ means) ** 2).sum(dim=1)  # (N,)
    spread = (classes.T @ squared) / (counts - 1.0).clamp_min(1.0)  # (K,)
    present = counts >= 2
    if not bool(present.any()):
        return fake.sum() * 0.0
    ratio = spread[present].clamp_min(1e-6) / target.to(fake.device)[present].clamp_min(1e-6)
    return (ratio.log() ** 2).mean()
