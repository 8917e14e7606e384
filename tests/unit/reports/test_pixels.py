"""Samples enlarged for people: whole factors, nearest-neighbour, at least 48 px each."""

import io

import numpy as np
from PIL import Image

from synthaug.reports.pixels import GAP, LABEL_PX, MIN_SAMPLE_PX, enlarge_png, labelled_rows, scale_for


def png_of(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_scale_makes_each_sample_at_least_48_px_by_a_whole_factor():
    assert [scale_for(w) for w in (8, 28, 32, 48, 64)] == [6, 2, 2, 1, 1]


def test_enlarging_repeats_every_pixel_exactly():
    grid = np.arange(2 * 16, dtype=np.uint8).reshape(2, 16)  # two 8-px samples side by side
    big = np.asarray(Image.open(io.BytesIO(enlarge_png(png_of(grid), sample_width=8))))
    assert big.shape == (12, 96) and np.array_equal(big, np.kron(grid, np.ones((6, 6), np.uint8)))
    same = png_of(np.zeros((64, 128), np.uint8))
    assert enlarge_png(same, sample_width=64) == same


def test_labelled_rows_hold_every_sample_at_48_px_with_its_label_column():
    rows = [
        ("0: real", np.full((3, 8, 8, 1), 255, np.uint8)),
        ("0: synthetic", np.zeros((2, 8, 8, 1), np.uint8)),
    ]
    image = np.asarray(Image.open(io.BytesIO(labelled_rows(rows))).convert("L"))
    cell = MIN_SAMPLE_PX
    assert image.shape == (2 * (cell + GAP) + GAP, LABEL_PX + 3 * (cell + GAP) + GAP)
    first = image[GAP : GAP + cell, LABEL_PX + GAP : LABEL_PX + GAP + cell]
    assert (first == 255).all()  # a white sample fills its whole 48 x 48 cell
    second_row = image[2 * GAP + cell : 2 * GAP + 2 * cell, LABEL_PX + GAP : LABEL_PX + GAP + cell]
    assert (second_row == 0).all()
