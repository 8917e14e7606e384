"""The stated policy for bringing images to one square size and one channel count.

- Channels: grayscale modes (L, 1, I, I;16, F, LA) count as 1 channel, all others (RGB, RGBA,
  P, CMYK, ...) as 3. Alpha is dropped. With ``channels: auto`` every image must already share a
  channel count; with 1 or 3 every image is converted (RGB -> L uses ITU-R 601 luma).
- Size: ``center-crop`` scales the short side to ``size`` and crops the centre; ``pad`` scales
  the long side to ``size`` and pads the rest with black; ``stretch`` scales each side to
  ``size``. Resampling is Lanczos (anti-aliased). Without ``size`` images keep their size, which
  must be square, shared, and between 8 and 128 pixels (the generator's range).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from synthaug.pipeline.config import ImageOptions
from synthaug.pipeline.errors import UserInputError

MIN_SIDE, MAX_SIDE = 8, 128
GRAYSCALE_MODES = frozenset({"L", "1", "I", "I;16", "I;16L", "I;16B", "I;16N", "F", "LA", "La"})


def mode_channels(mode: str) -> int:
    return 1 if mode in GRAYSCALE_MODES else 3


def choose_channels(counts: dict[int, list[str]], options: ImageOptions, *, where: str) -> int:
    """The channel count to use, given example names for each count found in the data."""
    if options.channels != "auto":
        return int(options.channels)
    if len(counts) > 1:
        gray, color = counts.get(1, []), counts.get(3, [])
        raise UserInputError(
            f"images have mixed channel counts: {len(gray)} grayscale (e.g. {gray[0]}) and "
            f"{len(color)} colour (e.g. {color[0]})",
            where=where,
            hint="Set dataset.image.channels to 1 (convert all to grayscale) or 3 (convert all to RGB).",
        )
    return next(iter(counts))


def choose_size(sizes: dict[tuple[int, int], str], options: ImageOptions, *, where: str) -> int:
    """The square side to use, given an example name for each (width, height) found."""
    if options.size is not None:
        return options.size
    if len(sizes) > 1:
        shown = ", ".join(f"{w}x{h} (e.g. {name})" for (w, h), name in list(sizes.items())[:3])
        raise UserInputError(
            f"images differ in size: {shown}",
            where=where,
            hint="Set dataset.image.size (8 to 128) to bring them to one square size.",
        )
    (width, height), name = next(iter(sizes.items()))
    if width != height or not MIN_SIDE <= width <= MAX_SIDE:
        raise UserInputError(
            f"images are {width}x{height} (e.g. {name}); the generator needs square images of "
            f"{MIN_SIDE} to {MAX_SIDE} pixels",
            where=where,
            hint="Set dataset.image.size, and dataset.image.resize to choose crop, pad or stretch.",
        )
    return width


def to_pixels(image: Image.Image, *, channels: int, size: int, policy: str) -> np.ndarray:
    """A PIL image as a (size, size, channels) uint8 array under the stated policy."""
    image = _to_8bit(image)
    image = image.convert("L" if channels == 1 else "RGB")
    image = _fit(image, size, policy)
    pixels = np.asarray(image, dtype=np.uint8)
    return pixels[:, :, None] if pixels.ndim == 2 else pixels


def conform_array(images: np.ndarray, options: ImageOptions, *, where: str) -> np.ndarray:
    """(N, H, W, C) uint8 array brought to the configured size and channels."""
    _, height, width, channels = images.shape
    target_channels = choose_channels({channels: ["all images"]}, options, where=where)
    side = choose_size({(width, height): "all images"}, options, where=where)
    if target_channels == channels and side == height == width:
        return images
    out = np.empty((len(images), side, side, target_channels), dtype=np.uint8)
    for i, pixels in enumerate(images):
        image = Image.fromarray(pixels[:, :, 0] if channels == 1 else pixels)
        out[i] = to_pixels(image, channels=target_channels, size=side, policy=options.resize)
    return out


def _to_8bit(image: Image.Image) -> Image.Image:
    if image.mode.startswith("I;16"):
        return Image.fromarray((np.asarray(image, dtype=np.float64) / 257.0).round().astype(np.uint8))
    if image.mode in ("I", "F"):
        return Image.fromarray(np.clip(np.asarray(image, dtype=np.float64), 0, 255).round().astype(np.uint8))
    return image


def _fit(image: Image.Image, size: int, policy: str) -> Image.Image:
    width, height = image.size
    if (width, height) == (size, size):
        return image
    if policy == "stretch":
        return image.resize((size, size), Image.Resampling.LANCZOS)
    scale = size / (min(width, height) if policy == "center-crop" else max(width, height))
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    image = image.resize((new_w, new_h), Image.Resampling.LANCZOS)
    if policy == "center-crop":
        left, top = (new_w - size) // 2, (new_h - size) // 2
        return image.crop((left, top, left + size, top + size))
    canvas = Image.new(image.mode, (size, size), 0)
    canvas.paste(image, ((size - new_w) // 2, (size - new_h) // 2))
    return canvas
