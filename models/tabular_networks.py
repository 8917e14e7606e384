"""Conditional generator and PacGAN critic for encoded table rows (CTGAN family).

The generator's output follows the transform's spans: tanh for each scalar and a Gumbel-softmax
for each one-hot group (soft while training, so gradients flow; ``hard=False``). The critic sees
``pac`` rows at once (PacGAN) to make mode collapse visible to it; it has dropout and LeakyReLU
and no BatchNorm, and spectral norm when the loss is hinge.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm

from synthaug.pipeline.tabular_transform import Span


class ResidualLayer(nn.Module):
    """Linear-BN-ReLU whose output is concatenated to its input (the width grows each layer)."""

    def __init__(self, width_in: int, width_out: int):
        super().__init__()
        self.linear = nn.Linear(width_in, width_out)
        self.norm = nn.BatchNorm1d(width_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.relu(self.norm(self.linear(x))), x], dim=1)


class TabularGenerator(nn.Module):
    """G(z, c): z ~ N(0, I), c the condition vector; returns activated rows (N, output width)."""

    def __init__(
        self, z_dim: int, condition_dim: int, spans: Sequence[Span], *, width: int, depth: int, tau: float
    ):
        super().__init__()
        self.z_dim, self.spans, self.tau = z_dim, list(spans), tau
        layers, width_in = [], z_dim + condition_dim
        for _ in range(depth):
            layers.append(ResidualLayer(width_in, width))
            width_in += width
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width_in, sum(span.width for span in spans))
        # Gumbel noise for the one-hot groups; set by the trainer's data so runs are reproducible
        self.noise: torch.Generator | None = None

    def forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        raw = self.head(self.body(torch.cat([z, condition], dim=1)))
        parts, offset = [], 0
        for span in self.spans:
            block = raw[:, offset : offset + span.width]
            offset += span.width
            if span.kind == "scalar":
                parts.append(torch.tanh(block))
            elif self.training:
                parts.append(self._gumbel_softmax(block))
            else:
                parts.append(torch.softmax(block, dim=1))  # decoding takes the argmax
        return torch.cat(parts, dim=1)

    def _gumbel_softmax(self, logits: torch.Tensor) -> torch.Tensor:
        uniform = (
            torch.rand(logits.shape, generator=self.noise).to(logits.device)
            if self.noise
            else torch.rand_like(logits)
        )
        gumbel = -torch.log((-torch.log(uniform.clamp_min(1e-10))).clamp_min(1e-10))  # Gumbel(0, 1)
        return torch.softmax((logits + gumbel) / self.tau, dim=1)


class PacDiscriminator(nn.Module):
    """Critic over packs of ``pac`` consecutive rows and their conditions.

    ``forward`` returns one logit per row (its pack's logit, repeated) so the trainer can split
    real and fake halves by row, plus the pack features for feature matching.
    """

    def __init__(
        self,
        data_dim: int,
        condition_dim: int,
        *,
        pac: int,
        width: int,
        depth: int,
        dropout: float,
        spectral: bool = False,
    ):
        super().__init__()
        self.pac = pac
        wrap = spectral_norm if spectral else (lambda layer: layer)
        layers, width_in = [], pac * (data_dim + condition_dim)
        for _ in range(depth):
            layers += [wrap(nn.Linear(width_in, width)), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
            width_in = width
        self.body = nn.Sequential(*layers)
        self.head = wrap(nn.Linear(width_in, 1))

    def group_size(self, batch_size: int) -> int:
        if batch_size % self.pac:
            raise ValueError(f"batch size {batch_size} is not a multiple of pac {self.pac}")
        return self.pac

    def forward(
        self, x: torch.Tensor, condition: torch.Tensor, *, group_size: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n = x.shape[0]
        packed = torch.cat([x, condition], dim=1).reshape(n // self.pac, -1)  # (N / pac, pac * (D + C))
        features = self.body(packed)
        logits = self.head(features).squeeze(1)
        return logits.repeat_interleave(self.pac), features
