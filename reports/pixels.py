"""Sample images a person can see: enlarged by whole factors with nearest-neighbour (every pixel
stays a crisp square) and laid out in labelled rows, as PNG bytes for the report.

Shapes: ``images`` are uint8 (n, H, W, C) with C = 1 (grey) or 3 (RGB), as datasets hold them.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw

MIN_SAMPLE_PX = 48  # each sample at least this wide on screen
GAP = 6
LABEL_PX = 150
BACKGROUND = (255, 255, 255)
TEXT = (40, 46, 54)


def scale_for(width: int) -> int:
    """The whole factor that makes a sample ``width`` pixels wide at least MIN_SAMPLE_PX."""
    return max(1, math.ceil(MIN_SAMPLE_PX / max(1, width)))


def enlarge_png(png: bytes, sample_width: int) -> bytes:
    """A grid PNG whose samples are ``sample_width`` pixels wide, enlarged so each is at least
    MIN_SAMPLE_PX (nearest-neighbour; unchanged when it already is)."""
    factor = scale_for(sample_width)
    if factor == 1:
        return png
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        big = image.resize((image.width * factor, image.height * factor), Image.Resampling.NEAREST)
    return _png(big)


def labelled_rows(rows: list[tuple[str, np.ndarray]], notes: list[list[str]] | None = None) -> bytes:
    """One row per ``(label, images)``, the label on the left, every sample enlarged to the same
    size; ``notes`` (per row, per sample) are written under each sample."""
    shapes = [images.shape[1:3] for _, images in rows if len(images)]
    height, width = shapes[0] if shapes else (1, 1)
    factor = scale_for(width)
    cell_w, cell_h = width * factor, height * factor
    note_h = 14 if notes else 0
    columns = max((len(images) for _, images in rows), default=1)
    canvas = Image.new(
        "RGB",
        (LABEL_PX + columns * (cell_w + GAP) + GAP, len(rows) * (cell_h + note_h + GAP) + GAP),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(canvas)
    for r, (label, images) in enumerate(rows):
        top = GAP + r * (cell_h + note_h + GAP)
        draw.text((GAP, top + cell_h // 2 - 6), label, fill=TEXT)
        for c, pixels in enumerate(images):
            left = LABEL_PX + GAP + c * (cell_w + GAP)
            tile = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).convert("RGB")
            canvas.paste(tile.resize((cell_w, cell_h), Image.Resampling.NEAREST), (left, top))
            if notes:
                draw.text((left, top + cell_h + 1), notes[r][c], fill=TEXT)
    return _png(canvas)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
