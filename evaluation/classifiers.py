"""Downstream classifiers: what the verification stage trains to see if synthetic data help.

Tables: a standardised logistic regression and a random forest, each behind the same one-hot /
impute / scale encoder (a forest rather than histogram gradient boosting, whose default leaves of
20 rows cannot split a table of a few dozen rows at all). Images: a small CNN trained for a fixed number
of steps (``augment=True`` adds standard augmentation: per-image random rotation, shift and
scale). Every classifier is built by name from ``TABULAR_CLASSIFIERS`` / ``IMAGE_CLASSIFIERS``
with a seed, and exposes ``fit(x, y)`` and ``predict_proba(x)`` with one column per class of
the task (``n_classes``), even when a class is missing from the training data.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from torch import nn
from torch.nn import functional as F

from synthaug.evaluation.columns import as_objects, tabular_encoder
from synthaug.models.augment import random_affine


class TabularClassifier:
    """An encoder + scikit-learn classifier whose probabilities cover every class of the task."""

    def __init__(self, make: Callable[[int], object], *, n_classes: int, seed: int = 0):
        self.make, self.n_classes, self.seed = make, n_classes, seed

    def fit(
        self, x: pd.DataFrame, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> TabularClassifier:
        """``sample_weight`` (N,), optional: each row's weight in the classifier's loss."""
        x = as_objects(x)
        self.pipeline_ = Pipeline([("encode", tabular_encoder(x)), ("classify", self.make(self.seed))])
        options = {} if sample_weight is None else {"classify__sample_weight": np.asarray(sample_weight)}
        self.pipeline_.fit(x, np.asarray(y), **options)
        return self

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        seen = self.pipeline_.predict_proba(as_objects(x))
        out = np.zeros((len(x), self.n_classes))
        out[:, self.pipeline_.classes_.astype(int)] = seen
        return out


def _logistic(seed: int) -> LogisticRegression:
    return LogisticRegression(max_iter=3000, random_state=seed)


def _random_forest(seed: int) -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)


TABULAR_CLASSIFIERS: dict[str, Callable[..., TabularClassifier]] = {
    "logistic": lambda *, n_classes, seed: TabularClassifier(_logistic, n_classes=n_classes, seed=seed),
    "random_forest": lambda *, n_classes, seed: TabularClassifier(
        _random_forest, n_classes=n_classes, seed=seed
    ),
}


class SeededDropout(nn.Module):
    """Dropout drawing its mask from ``generator`` (set before training) instead of torch's global
    RNG, so classifiers trained in parallel threads stay reproducible. The mask is a uniform draw
    compared with ``p`` (``bernoulli_`` with a generator is several times slower on CPU)."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.rand(x.shape, generator=self.generator, device=x.device) >= self.p
        return x * keep / (1 - self.p)


class SmallCNN(nn.Module):
    """Three 3x3 conv layers (width, 2 width, 2 width channels) and a two-layer head, for any
    size from 8 px. A 2x max-pool follows the first conv above 16 px and the later ones above
    4 px, so the cost per image stays modest as images grow (8 px: 8, 8, 4 px maps; 32 px: 32,
    16, 8), and the last map is averaged to 4x4. Initial weights and dropout masks come from
    ``generator``, not the global RNG."""

    def __init__(
        self, channels: int, n_classes: int, width: int = 24, *, size: int, generator: torch.Generator
    ):
        super().__init__()
        layers: list[nn.Module] = []
        side = size
        convs = ((channels, width, 16), (width, 2 * width, 4), (2 * width, 2 * width, 4))
        for c_in, c_out, pool_above in convs:  # pool_above: the map side above which a pool follows
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
            if side > pool_above:
                layers.append(nn.MaxPool2d(2, ceil_mode=True))
                side = math.ceil(side / 2)
        if side != 4:
            layers.append(nn.AdaptiveAvgPool2d(4))
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Flatten(),
            SeededDropout(0.3),
            nn.Linear(2 * width * 16, 128),
            nn.ReLU(),
            nn.Linear(128, n_classes),
        )
        self.head[1].generator = generator
        for layer in self.modules():
            if isinstance(layer, nn.Conv2d | nn.Linear):
                _default_init(layer, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, H, W) -> (N, classes)
        return self.head(self.features(x))


def _default_init(layer: nn.Conv2d | nn.Linear, generator: torch.Generator) -> None:
    """PyTorch's default initialisation for conv and linear layers (kaiming-uniform weights with
    a = sqrt(5), biases uniform in +-1/sqrt(fan_in)), drawn from ``generator``."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    fan_in = layer.weight[0].numel()
    bound = 1 / math.sqrt(fan_in)
    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


class CNNClassifier:
    """``fit`` / ``predict_proba`` on uint8 images (N, H, W, C) with a fixed training budget."""

    def __init__(
        self,
        *,
        n_classes: int,
        seed: int = 0,
        augment: bool = False,
        steps: int = 200,
        batch_size: int = 64,
        lr: float = 2e-3,
        device: str = "cpu",
    ):
        self.n_classes, self.seed, self.augment = n_classes, seed, augment
        self.steps, self.batch_size, self.lr, self.device = steps, batch_size, lr, device

    def fit(
        self, images: np.ndarray, labels: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> CNNClassifier:
        """``labels``: (N,) class indices, or (N, classes) target probabilities (soft labels).
        ``sample_weight`` (N,): each batch draws image i with probability proportional to its
        weight (the expected loss is then the weighted loss); without it, uniformly."""
        # no global RNG (parallel threads): one stream for weights and dropout, as torch.manual_seed
        # would give, and one for batches and augmentation
        weights = torch.Generator().manual_seed(self.seed)
        generator = torch.Generator(device=self.device).manual_seed(self.seed)
        x, y = _to_tensor(images, self.device), torch.as_tensor(np.asarray(labels), device=self.device)
        if y.ndim == 2:
            y = y.float()  # cross_entropy reads a float (N, classes) target as probabilities
        draw = _batch_sampler(len(x), min(self.batch_size, len(x)), sample_weight, generator, self.device)
        self.model_ = SmallCNN(x.shape[1], self.n_classes, size=x.shape[-1], generator=weights).to(
            self.device
        )
        if self.model_.head[1].generator.device != x.device:  # dropout masks are drawn where x is
            self.model_.head[1].generator = torch.Generator(device=self.device).manual_seed(self.seed)
        fused = torch.device(self.device).type in ("cpu", "cuda") or None  # one kernel for all params
        optimizer = torch.optim.Adam(self.model_.parameters(), lr=self.lr, weight_decay=1e-4, fused=fused)
        self.model_.train()
        for _ in range(self.steps):
            index = draw()
            batch = random_affine(x[index], generator) if self.augment else x[index]
            loss = F.cross_entropy(self.model_(batch), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        self.model_.eval()
        return self

    @torch.no_grad()
    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        x = _to_tensor(images, self.device)
        parts = [torch.softmax(self.model_(x[i : i + 512]), dim=1) for i in range(0, len(x), 512)]
        return torch.cat(parts).cpu().numpy() if parts else np.zeros((0, self.n_classes))

    @torch.no_grad()
    def features_and_probabilities(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 128) activations of the hidden layer before the class logits, and (N, classes)
        class probabilities, from one forward pass."""
        x = _to_tensor(images, self.device)
        hidden = self.model_.head[:-1]  # flatten, dropout (off in eval), linear, ReLU
        features = torch.cat([hidden(self.model_.features(x[i : i + 512])) for i in range(0, len(x), 512)])
        probabilities = torch.softmax(self.model_.head[-1](features), dim=1)
        return features.double().cpu().numpy(), probabilities.cpu().numpy()


def _batch_sampler(
    n: int, size: int, sample_weight: np.ndarray | None, generator: torch.Generator, device: str
) -> Callable[[], torch.Tensor]:
    """Draws one batch of ``size`` indices in [0, n): uniformly with replacement, or with
    probability proportional to ``sample_weight``."""
    if sample_weight is None:
        return lambda: torch.randint(0, n, (size,), generator=generator, device=device)
    weight = torch.as_tensor(np.asarray(sample_weight, dtype=np.float64), device=device)
    if weight.shape != (n,) or not bool(torch.all(weight >= 0)) or float(weight.sum()) <= 0:
        raise ValueError(f"sample_weight must hold {n} non-negative weights, not all zero")
    return lambda: torch.multinomial(weight, size, replacement=True, generator=generator)


def _to_tensor(images: np.ndarray, device: str) -> torch.Tensor:
    """uint8 (N, H, W, C) -> float (N, C, H, W) in [-1, 1]."""
    return torch.as_tensor(np.asarray(images), device=device).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


IMAGE_CLASSIFIERS: dict[str, Callable[..., CNNClassifier]] = {
    "cnn": lambda *, n_classes, seed, **options: CNNClassifier(n_classes=n_classes, seed=seed, **options),
}
