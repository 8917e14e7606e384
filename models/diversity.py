"""Per-class sample diversity in a fixed feature space, relative to the real data of that class.

The feature space is a frozen, seeded random conv net (random features roughly preserve the
geometry of the input; no weights are downloaded or trained). Diversity of a set is the mean
pairwise Euclidean distance of its L2-normalised features. A generator that ignores z has a
ratio near 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

FEATURE_SIDE = 32
FEATURE_SEED = 20240607


class RandomFeatures(nn.Module):
    def __init__(self, channels: int, seed: int = FEATURE_SEED):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.convs = nn.ModuleList(
            [
                nn.Conv2d(channels, 32, 3, stride=2, padding=1),
                nn.Conv2d(32, 64, 3, stride=2, padding=1),
                nn.Conv2d(64, 128, 3, stride=2, padding=1),
            ]
        )
        with torch.no_grad():
            for conv in self.convs:
                fan_in = conv.weight[0].numel()
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * (2.0 / fan_in) ** 0.5)
                conv.bias.zero_()
        self.requires_grad_(False).eval()

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) in [-1, 1] -> (N, 128 * 16) unit-norm features."""
        h = F.interpolate(x.float(), size=(FEATURE_SIDE, FEATURE_SIDE), mode="bilinear", align_corners=False)
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
        return F.normalize(h.flatten(1), dim=1)


def mean_pairwise_distance(features: torch.Tensor) -> float:
    if features.shape[0] < 2:
        return float("nan")
    return float(torch.pdist(features).mean())


class DiversityProbe:
    """Holds each class's real diversity; ``ratios`` compares generated samples against it.

    ``features`` maps samples to the space distances are measured in (random conv features for
    images, the encoded rows for tables).
    """

    def __init__(
        self,
        real: torch.Tensor,
        real_labels: torch.Tensor,
        num_classes: int,
        features: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ):
        self.features = features or RandomFeatures(real.shape[1])
        embedded = self.features(real.cpu())
        self.num_classes = num_classes
        self.real = [mean_pairwise_distance(embedded[real_labels.cpu() == k]) for k in range(num_classes)]

    def ratios(self, samples: torch.Tensor, labels: torch.Tensor) -> list[float]:
        embedded = self.features(samples.cpu())
        labels = labels.cpu()
        return [
            mean_pairwise_distance(embedded[labels == k]) / self.real[k] if self.real[k] > 0 else float("nan")
            for k in range(self.num_classes)
        ]
