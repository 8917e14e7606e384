"""Class-conditional image generator and projection discriminator (SNGAN/BigGAN family).

Both nets work for any square size from 8 to 128 and 1 or 3 channels. The generator starts at a
base size b in [4, 7] and doubles n times (b * 2**n >= size, cropped to size); the discriminator
halves until the map is smaller than 8 pixels, then sums over space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm as with_spectral_norm

from synthaug.models.registry import Registry

ARCHITECTURES: Registry[type[nn.Module]] = Registry("architecture", "training.architecture")
MAX_WIDTH_MULTIPLIER = 8


@dataclass(frozen=True)
class ImageShape:
    size: int
    channels: int


def generator_plan(size: int) -> tuple[int, int]:
    """(base side, number of 2x upsamplings) with base * 2**n >= size and base in [4, 7]."""
    if not 8 <= size <= 128:
        raise ValueError(f"image size {size} is outside 8..128")
    n = math.floor(math.log2(size / 4))
    return math.ceil(size / 2**n), n


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm whose scale and shift come from the class (gain starts at 1, bias at 0)."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(num_classes, channels)
        self.bias = nn.Embedding(num_classes, channels)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.norm(x) * self.gain(y)[:, :, None, None] + self.bias(y)[:, :, None, None]


class GeneratorBlock(nn.Module):
    """Residual up-block: CBN-ReLU-up-conv-CBN-ReLU-conv, shortcut up-conv1x1."""

    def __init__(self, c_in: int, c_out: int, num_classes: int):
        super().__init__()
        self.norm1 = ConditionalBatchNorm2d(c_in, num_classes)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.norm2 = ConditionalBatchNorm2d(c_out, num_classes)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(F.relu(self.norm1(x, y)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.norm2(self.conv1(h), y)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class ConditionalGenerator(nn.Module):
    """G(z, y): z ~ N(0, I) of size z_dim, y a class index; output (N, C, size, size) in [-1, 1]."""

    def __init__(self, shape: ImageShape, num_classes: int, *, z_dim: int = 64, width: int = 64):
        super().__init__()
        self.shape, self.num_classes, self.z_dim = shape, num_classes, z_dim
        self.base, n_up = generator_plan(shape.size)
        widths = [width * min(2 ** (n_up - i), MAX_WIDTH_MULTIPLIER) for i in range(n_up + 1)]
        self.class_embed = nn.Embedding(num_classes, z_dim)  # the class enters at the stem and in every CBN
        self.stem = nn.Linear(2 * z_dim, widths[0] * self.base * self.base)
        self.blocks = nn.ModuleList(
            GeneratorBlock(widths[i], widths[i + 1], num_classes) for i in range(n_up)
        )
        self.out_norm = nn.BatchNorm2d(widths[-1])
        self.out_conv = nn.Conv2d(widths[-1], shape.channels, 3, padding=1)
        self.widths = widths
        initialise(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.stem(torch.cat([z, self.class_embed(y)], dim=1))
        h = h.view(z.shape[0], self.widths[0], self.base, self.base)
        for block in self.blocks:
            h = block(h, y)
        x = torch.tanh(self.out_conv(F.relu(self.out_norm(h))))
        return _center_crop(x, self.shape.size)


class MinibatchStdDev(nn.Module):
    """Appends the mean feature stddev over groups of consecutive samples as one channel.

    Groups never mix the real and the fake half of a batch as long as ``group_size`` divides
    each half (the trainer passes gcd(4, batch size)).
    """

    mixes_batch = True  # an output depends on other samples: not allowed under DP-SGD

    def forward(self, x: torch.Tensor, group_size: int) -> torch.Tensor:
        n, c, h, w = x.shape
        g = group_size if n % group_size == 0 else 1
        grouped = x.view(n // g, g, c, h, w)
        centred = grouped - grouped.mean(dim=1, keepdim=True)  # not .var(): 8x slower on CPU here
        std = centred.square().mean(dim=1).add(1e-8).sqrt().mean(dim=(1, 2, 3))  # (n // g,)
        std = std.repeat_interleave(g).view(n, 1, 1, 1).expand(n, 1, h, w)
        return torch.cat([x, std], dim=1)


class DiscriminatorBlock(nn.Module):
    """Residual down-block with spectral norm: (LReLU)-conv-LReLU-conv-avgpool, shortcut conv1x1-avgpool."""

    def __init__(self, c_in: int, c_out: int, *, preactivate: bool, downsample: bool, spectral: bool = True):
        super().__init__()
        self.preactivate, self.downsample = preactivate, downsample
        wrap = with_spectral_norm if spectral else _identity
        self.conv1 = wrap(nn.Conv2d(c_in, c_out, 3, padding=1))
        self.conv2 = wrap(nn.Conv2d(c_out, c_out, 3, padding=1))
        self.shortcut = wrap(nn.Conv2d(c_in, c_out, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(x, 0.2) if self.preactivate else x
        h = self.conv2(F.leaky_relu(self.conv1(h), 0.2))
        if not self.downsample:
            return h + self.shortcut(x)
        # pool before the 1x1 shortcut conv: both are linear, so the order does not change the
        # result, and the conv then runs on a quarter of the pixels
        return F.avg_pool2d(h, 2) + self.shortcut(F.avg_pool2d(x, 2))


class ProjectionDiscriminator(nn.Module):
    """D(x, y) = psi(phi(x)) + embed(y) . phi(x), with spectral norm and no BatchNorm.

    ``forward`` returns the logits (N,) and the features phi(x) (N, F) used for feature matching.
    With ``spectral_norm=False`` and ``minibatch_stddev=False`` every output depends on its own
    input only and Opacus can compute per-sample gradients (the DP-SGD configuration).
    """

    def __init__(
        self,
        shape: ImageShape,
        num_classes: int,
        *,
        width: int = 64,
        minibatch_stddev: bool = True,
        spectral_norm: bool = True,
    ):
        super().__init__()
        wrap = with_spectral_norm if spectral_norm else _identity
        n_down = max(1, math.floor(math.log2(shape.size / 4)))
        widths = [width * min(2**i, MAX_WIDTH_MULTIPLIER) for i in range(n_down + 1)]
        blocks = [
            DiscriminatorBlock(
                shape.channels, widths[0], preactivate=False, downsample=False, spectral=spectral_norm
            )
        ]
        blocks += [
            DiscriminatorBlock(
                widths[i], widths[i + 1], preactivate=True, downsample=True, spectral=spectral_norm
            )
            for i in range(n_down)
        ]
        self.blocks = nn.ModuleList(blocks)
        self.stddev = MinibatchStdDev() if minibatch_stddev else None
        final_in = widths[-1] + (1 if minibatch_stddev else 0)
        self.final = DiscriminatorBlock(
            final_in, widths[-1], preactivate=True, downsample=False, spectral=spectral_norm
        )
        self.psi = wrap(nn.Linear(widths[-1], 1))
        self.embed = wrap(nn.Embedding(num_classes, widths[-1]))
        self.feature_dim = widths[-1]
        initialise(self)

    @staticmethod
    def group_size(batch_size: int) -> int:
        """Minibatch-stddev group: divides each half of a real+fake batch, at most 4."""
        return math.gcd(4, batch_size)

    def forward(
        self, x: torch.Tensor, y: torch.Tensor, *, group_size: int = 4
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = x
        for block in self.blocks:
            h = block(h)
        if self.stddev is not None:
            h = self.stddev(h, group_size)
        phi = F.leaky_relu(self.final(h), 0.2).sum(dim=(2, 3))  # (N, F)
        # the labels as (N, 1) indices: per-sample gradients by expanded weights (DP-SGD) need
        # every input of a layer to have a batch dimension besides its own
        embedded = self.embed(y.unsqueeze(1)).squeeze(1)  # (N, F)
        logits = self.psi(phi).squeeze(1) + (embedded * phi).sum(dim=1)
        return logits, phi


def initialise(module: nn.Module) -> None:
    """Orthogonal weights and zero biases for conv and linear layers (BigGAN's choice)."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.Linear):
            weight = (
                layer.parametrizations.weight.original if hasattr(layer, "parametrizations") else layer.weight
            )
            nn.init.orthogonal_(weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def _center_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    if x.shape[-1] == size:
        return x
    top = (x.shape[-1] - size) // 2
    return x[:, :, top : top + size, top : top + size]


@ARCHITECTURES.register("sngan")
class SNGAN:
    """Residual generator with conditional BatchNorm + projection discriminator with spectral norm."""

    @staticmethod
    def build(
        shape: ImageShape,
        num_classes: int,
        *,
        z_dim: int,
        width: int,
        minibatch_stddev: bool,
        spectral_norm: bool = True,
    ) -> tuple[ConditionalGenerator, ProjectionDiscriminator]:
        return (
            ConditionalGenerator(shape, num_classes, z_dim=z_dim, width=width),
            ProjectionDiscriminator(
                shape,
                num_classes,
                width=width,
                minibatch_stddev=minibatch_stddev,
                spectral_norm=spectral_norm,
            ),
        )


def _identity(layer: nn.Module) -> nn.Module:
    return layer
