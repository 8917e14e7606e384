"""Differentiable augmentation for the discriminator's inputs (DiffAugment ops, ADA-style control).

Each op is applied to each sample with probability ``p`` and is differentiable, so the same
augmentation can be used on real and generated images without leaking into the generator's
outputs. Randomness comes from an explicit ``torch.Generator`` (checkpointed with the run).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch.nn import functional as F

from synthaug.models.registry import Registry

AUGMENT_OPS: Registry[Callable[[torch.Tensor, torch.Generator], torch.Tensor]] = Registry(
    "augmentation op", "training.augment_ops"
)
TRANSLATION_RATIO = 0.125  # up to 1/8 of the side
CUTOUT_RATIO = 0.5  # a square of half the side


def _uniform(n: int, generator: torch.Generator, like: torch.Tensor, low: float, high: float) -> torch.Tensor:
    return (torch.rand(n, 1, 1, 1, generator=generator) * (high - low) + low).to(like.device, like.dtype)


@AUGMENT_OPS.register("color")
def color(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Brightness shift, saturation scale (RGB only) and contrast scale; x in [-1, 1]."""
    n = x.shape[0]
    x = x + _uniform(n, generator, x, -0.5, 0.5)
    if x.shape[1] == 3:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * _uniform(n, generator, x, 0.0, 2.0) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _uniform(n, generator, x, 0.5, 1.5) + mean


@AUGMENT_OPS.register("translation")
def translation(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Integer shifts of up to 1/8 of the side, zero padding, via an affine resampling grid."""
    n, _, h, w = x.shape
    max_shift = max(1, round(h * TRANSLATION_RATIO))
    shift = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator).to(x.device, x.dtype)
    theta = torch.zeros(n, 2, 3, device=x.device, dtype=x.dtype)
    theta[:, 0, 0] = 1
    theta[:, 1, 1] = 1
    theta[:, 0, 2] = shift[:, 0] * 2 / w  # normalised coordinates span 2 over the side
    theta[:, 1, 2] = shift[:, 1] * 2 / h
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


@AUGMENT_OPS.register("affine")
def random_affine(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The downstream CNN's classic augmentation, drawn per image: rotation +-10 degrees, shift
    +-10%, scale 0.9-1.1, edges repeated; bilinear, so gradients reach the input."""
    n = x.shape[0]
    uniform = torch.rand((n, 4), generator=generator, device=generator.device).to(x.device) * 2 - 1
    # (N, 4) in [-1, 1): angle, scale, shift x, shift y
    angle, scale = uniform[:, 0] * math.radians(10), 1 + 0.1 * uniform[:, 1]
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, 0.2 * uniform[:, 2]], 1), torch.stack([sin, cos, 0.2 * uniform[:, 3]], 1)], 1
    )  # (N, 2, 3); a shift of 0.2 in grid units is 10% of the side
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


@AUGMENT_OPS.register("cutout")
def cutout(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Zero a random square of half the side in each image."""
    n, _, h, w = x.shape
    size = max(1, round(h * CUTOUT_RATIO))
    top = torch.randint(0, h - size + 1, (n,), generator=generator)
    left = torch.randint(0, w - size + 1, (n,), generator=generator)
    rows = torch.arange(h)[None, :, None]
    cols = torch.arange(w)[None, None, :]
    inside = (rows >= top[:, None, None]) & (rows < top[:, None, None] + size)
    inside = inside & (cols >= left[:, None, None]) & (cols < left[:, None, None] + size)
    return x * (~inside).to(x.device, x.dtype)[:, None]


class DifferentiableAugment:
    """Applies each op with probability p per sample; p is fixed or set by :class:`AdaptiveProbability`."""

    def __init__(self, ops: Sequence[str], *, p: float, generator: torch.Generator):
        self.ops = [AUGMENT_OPS.get(name) for name in ops]
        self.p = p
        self.generator = generator

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.p <= 0 or not self.ops:
            return x
        for op in self.ops:
            apply = (torch.rand(x.shape[0], generator=self.generator) < self.p).to(x.device)
            x = torch.where(apply[:, None, None, None], op(x, self.generator), x)
        return x


class AdaptiveProbability:
    """ADA's controller: raise p when D is overconfident on reals (r_t above target), lower it otherwise.

    r_t = E[sign(D(x_real))] over the last ``interval`` D steps; p moves by
    sign(r_t - target) * (images seen in the interval) / (kimg * 1000) and stays in [0, 1].
    """

    def __init__(self, *, target: float, interval: int, kimg: float, batch_size: int):
        self.target, self.interval = target, interval
        self.step_size = batch_size * interval / (kimg * 1000)
        self.p = 0.0
        self._signs: list[float] = []
        self.r_t = 0.0

    def observe(self, real_logits: torch.Tensor) -> None:
        self._signs.append(float(torch.sign(real_logits.detach()).float().mean()))
        if len(self._signs) >= self.interval:
            self.r_t = sum(self._signs) / len(self._signs)
            self._signs.clear()
            direction = 1.0 if self.r_t > self.target else -1.0
            self.p = min(1.0, max(0.0, self.p + direction * self.step_size))

    def state_dict(self) -> dict[str, object]:
        return {"p": self.p, "r_t": self.r_t, "signs": list(self._signs)}

    def load_state_dict(self, state: dict) -> None:
        self.p, self.r_t, self._signs = float(state["p"]), float(state["r_t"]), list(state["signs"])
