"""A keyed watermark for images: block values quantised onto a key-dithered lattice.

Units: each ``block`` x ``block`` square of an image (single pixels below 28 px, so an 8x8
image has 64 units; 4x4 squares from 28 px, whose means JPEG's quantisation barely moves), read
as the mean grey level over the square and the channels.

Embedding (dither modulation): the key draws, per unit, a dither d in [0, step). A unit's value
v is moved ``fraction`` of the way to the nearest point of the lattice d + step * Z, by shifting
every pixel of the square (all channels alike). Units within step / 4 of black or white (flat
backgrounds), or whose lattice point lies there, are left alone, and detection ignores them.

The dithers differ from image to image: the image's coarse content (a 4x4 grid of means, which
the mark, noise and JPEG barely move) is projected onto ``bits`` key-drawn zero-sum unit
directions, and which projections exceed a small margin gives a content group with its own
dithers. A set of images therefore carries many independent units instead of one shared pattern
whose agreement with shared content (every digit has a similar shape) would be noise. Nothing
but the key and the image size is needed to detect the mark, so images stripped of their
metadata can still be tested.

Detection: for each (group, unit), the tested images' phases 2 pi v / step are summed as unit
vectors into A. Its length |A| is the unit's weight and the cosine between A and the key's
dither phase its alignment; both enter the bounded-sum test of :mod:`pipeline.watermark.detection`,
which is valid because the dithers are independent of the data (the grouping uses a different
key stream). One image or a whole set is tested the same way.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from synthaug.pipeline.watermark.detection import DEFAULT_THRESHOLD, Detection, signed_sum_test
from synthaug.pipeline.watermark.keys import WatermarkKey

SCHEME = "synthaug-image-dither/1"
# mean alignment of marked units (z over its perfect-alignment maximum: 0.39-0.57 on 3-10 marked
# 8x8 digits), used to call a set too small to test "inconclusive" (detection.py)
EXPECTED_ALIGNMENT = 0.5
DEFAULT_STEP = 20.0  # lattice spacing, grey levels of 255
DEFAULT_FRACTION = 0.6  # share of the way to the lattice point (moves of at most step * fraction / 2)
DEFAULT_BITS = 16  # up to 65,536 content groups: large sets still get fresh dithers per image
LARGE_IMAGE = 28  # from this side length on, units are 4x4 squares
COARSE = 4  # the grouping reads a COARSE x COARSE grid of means
GROUP_MARGIN = 6.0  # grey levels a projection must exceed to set its bit (see groups())
REGROUP_ROUNDS = 3  # embedding passes that settle images whose group the mark itself moved


def default_block(height: int, width: int) -> int:
    return 4 if min(height, width) >= LARGE_IMAGE else 1


class ImageWatermark:
    """``embed`` / ``detect`` uint8 images (N, H, W, C) of one size with one key."""

    def __init__(
        self,
        key: WatermarkKey,
        *,
        step: float = DEFAULT_STEP,
        fraction: float = DEFAULT_FRACTION,
        bits: int = DEFAULT_BITS,
        block: int | None = None,
    ):
        if not (step > 1 and 0 < fraction <= 1 and 0 <= bits <= 20 and (block is None or block >= 1)):
            raise ValueError(
                f"invalid image watermark settings: step {step}, fraction {fraction}, bits {bits}, "
                f"block {block}"
            )
        self.key, self.step, self.fraction, self.bits, self.block = key, step, fraction, bits, block

    def params(self, height: int, width: int) -> dict:
        """The public parameters written next to marked data (never the key)."""
        return {
            "scheme": SCHEME,
            "key_id": self.key.key_id,
            "step": self.step,
            "fraction": self.fraction,
            "bits": self.bits,
            "block": self._block(height, width),
            "threshold": DEFAULT_THRESHOLD,
        }

    @classmethod
    def from_params(cls, key: WatermarkKey, params: dict) -> ImageWatermark:
        return cls(
            key,
            step=float(params["step"]),
            fraction=float(params["fraction"]),
            bits=int(params["bits"]),
            block=int(params["block"]),
        )

    # -- the key's choices ---------------------------------------------------------------------

    def _block(self, height: int, width: int) -> int:
        return self.block or default_block(height, width)

    def dithers(self, groups: np.ndarray, height: int, width: int) -> np.ndarray:
        """(len(groups), ceil(H / b), ceil(W / b)) dithers in [0, step) for each group given."""
        b = self._block(height, width)
        return (
            np.stack(
                [
                    _dither(
                        self.key, f"{height}x{width}|block{b}|group{g}", (-(-height // b), -(-width // b))
                    )
                    for g in groups.tolist()
                ]
            )
            * self.step
            if len(groups)
            else np.zeros((0, 1, 1))
        )

    def groups(self, images: np.ndarray) -> np.ndarray:
        """(N,) content group of each image: bit k is set when projection k exceeds GROUP_MARGIN.
        Flat images project near 0 on every (zero-sum) direction; with the margin their bits are
        all clear and stay clear under the mark, instead of flipping on its small changes."""
        above = self._projections(images) > GROUP_MARGIN  # (N, bits)
        return (above * (1 << np.arange(self.bits))).sum(axis=1).astype(np.int64)

    def _projections(self, images: np.ndarray) -> np.ndarray:
        """(N, bits) projections of each image's coarse means onto key-drawn directions."""
        _, h, w, _ = images.shape
        directions = self.key.stream(f"{SCHEME}|{h}x{w}|groups").standard_normal((self.bits, COARSE * COARSE))
        directions -= directions.mean(axis=1, keepdims=True)  # zero-sum: blind to overall brightness
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        return coarse_means(images) @ directions.T

    # -- embedding and detection -----------------------------------------------------------------

    def embed(self, images: np.ndarray) -> np.ndarray:
        images = _check(images)
        _, h, w, _ = images.shape
        b = self._block(h, w)
        values = self.block_values(images)  # (N, by, bx)
        assigned = self.groups(images)
        marked = images
        for _ in range(REGROUP_ROUNDS):
            dither = self.dithers(assigned, h, w)
            target = dither + self.step * np.round((values - dither) / self.step)
            movable = self._active(values) & self._active(target)  # so a marked unit stays active
            move = np.where(movable, self.fraction * (target - values), 0.0)
            shift = np.kron(move, np.ones((1, b, b)))[:, :h, :w, None]  # (N, H, W, 1)
            marked = np.clip(np.rint(images + shift), 0, 255).astype(np.uint8)
            seen = self.groups(marked)
            if np.array_equal(seen, assigned):
                break
            assigned = seen  # the mark moved these images across a threshold: mark them for where they land
        return marked

    def detect(self, images: np.ndarray) -> Detection:
        """One test over the whole set: the images of a group add up unit by unit."""
        images = _check(images)
        return signed_sum_test(
            *self.units(images), samples=len(images), expected_alignment=EXPECTED_ALIGNMENT
        )

    def units(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(alignments, weights) of every (group, unit) of a set of images of one size; sets of
        several sizes are tested by concatenating these."""
        images = _check(images)
        _, h, w, _ = images.shape
        present, where = np.unique(self.groups(images), return_inverse=True)
        phases = self._phases(images)  # (N, by, bx)
        sums = np.zeros((len(present), *phases.shape[1:]), dtype=np.complex128)
        np.add.at(sums, where, phases)
        return self._alignments(sums, self.dithers(present, h, w)), np.abs(sums)

    def detect_each(self, images: np.ndarray) -> list[Detection]:
        """One test per image."""
        images = _check(images)
        _, h, w, _ = images.shape
        phases = self._phases(images)
        dithers = self.dithers(self.groups(images), h, w)
        return [
            signed_sum_test(
                self._alignments(p, d), np.abs(p), samples=1, expected_alignment=EXPECTED_ALIGNMENT
            )
            for p, d in zip(phases, dithers, strict=True)
        ]

    def _active(self, values: np.ndarray) -> np.ndarray:
        """Units that carry the mark: not within step / 4 of black or white. Flat backgrounds stay
        exactly as generated (no noise for a classifier to pick up), and the rule reads only the
        data, so detection can apply it without the key."""
        margin = self.step / 4
        return (values >= margin) & (values <= 255 - margin)

    def _phases(self, images: np.ndarray) -> np.ndarray:
        """(N, by, bx) unit vectors exp(2 pi i v / step) of the active units, 0 elsewhere."""
        values = self.block_values(images)
        return np.where(self._active(values), np.exp(2j * np.pi * values / self.step), 0)

    def _alignments(self, sums: np.ndarray, dithers: np.ndarray) -> np.ndarray:
        """cos(angle between each unit's summed phase and the key's dither phase), in [-1, 1]."""
        return np.cos(np.angle(sums) - 2 * np.pi * dithers / self.step)

    def block_values(self, images: np.ndarray) -> np.ndarray:
        """(N, ceil(H / b), ceil(W / b)) mean grey level of each unit (edge squares may be partial)."""
        n, h, w, _ = images.shape
        b = self._block(h, w)
        gray = images.astype(np.float64).mean(axis=3)
        by, bx = -(-h // b), -(-w // b)
        total = np.zeros((n, by * b, bx * b))
        count = np.zeros((by * b, bx * b))
        total[:, :h, :w], count[:h, :w] = gray, 1.0
        area = count.reshape(by, b, bx, b).sum(axis=(1, 3))
        return total.reshape(n, by, b, bx, b).sum(axis=(2, 4)) / area


@lru_cache(maxsize=1024)
def _dither_cached(secret: bytes, context: str, shape: tuple[int, int]) -> np.ndarray:
    values = WatermarkKey(secret).stream(f"{SCHEME}|{context}").random(shape)
    values.setflags(write=False)
    return values


def _dither(key: WatermarkKey, context: str, shape: tuple[int, int]) -> np.ndarray:
    """Uniform [0, 1) values for one (size, group), from the key."""
    return _dither_cached(key.secret, context, shape)


def coarse_means(images: np.ndarray) -> np.ndarray:
    """(N, COARSE * COARSE) mean grey level of each cell of a COARSE x COARSE grid."""
    n, h, w, _ = images.shape
    gray = images.astype(np.float64).mean(axis=3)
    rows = np.linspace(0, h, COARSE + 1).round().astype(int)
    cols = np.linspace(0, w, COARSE + 1).round().astype(int)
    cells = [
        gray[:, rows[i] : max(rows[i + 1], rows[i] + 1), cols[j] : max(cols[j + 1], cols[j] + 1)].mean(
            axis=(1, 2)
        )
        for i in range(COARSE)
        for j in range(COARSE)
    ]
    return np.stack(cells, axis=1) if n else np.zeros((0, COARSE * COARSE))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio (dB) between two uint8 image sets of the same shape."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def _check(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or 0 in images.shape[1:]:
        raise ValueError(f"expected uint8 images (N, H, W, C), got {images.dtype} {images.shape}")
    return images
