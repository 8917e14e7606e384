"""A keyed watermark for numeric table columns: values nudged into key-chosen half cells.

Each marked column's public range [low, high] is cut into ``cells`` equal cells (integer columns:
cells of an even whole width, so a half cell is a whole number of units). The key picks, per
(column, cell), which half is "green". Embedding moves a value that sits in the red half by half
a cell, into the green half of the same cell: it stays in the column's range, and integers stay
integers. Detection weighs each (column, cell) by (values in the upper half - values in the
lower half), computed without the key, and tests those weights against the key's choices with
the signed-sum test of :mod:`pipeline.watermark.detection`. Repeated values therefore count once
per cell, which keeps the null valid for data that arrive rounded or discrete.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from synthaug.pipeline.watermark.detection import DEFAULT_THRESHOLD, Detection, signed_sum_test
from synthaug.pipeline.watermark.keys import WatermarkKey

SCHEME = "synthaug-table-cells/1"
DEFAULT_CELLS = 20


@dataclass(frozen=True)
class ColumnCells:
    """The public grid of one marked column."""

    name: str
    low: float
    width: float  # cell width
    cells: int
    integer: bool

    @classmethod
    def for_range(cls, name: str, low: float, high: float, *, integer: bool, cells: int = DEFAULT_CELLS):
        """A grid over [low, high], or None when the range is too narrow to carry a mark."""
        span = high - low
        if not math.isfinite(span) or span <= 0:
            return None
        if integer:
            width = max(2, 2 * round(span / cells / 2))
            count = int(span // width)  # whole cells only: moving inside one never leaves the range
            return cls(name, float(low), float(width), count, True) if count >= 1 else None
        return cls(name, float(low), span / cells, cells, False)

    def locate(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cell index or -1 outside the grid, position inside the cell in [0, 1))."""
        scaled = (values - self.low) / self.width
        cell = np.floor(scaled)
        inside = np.isfinite(values) & (cell >= 0) & (cell < self.cells)
        return np.where(inside, cell, -1).astype(np.int64), np.where(inside, scaled - cell, 0.0)


class TableWatermark:
    """``embed`` / ``detect`` a DataFrame's numeric columns with one key."""

    def __init__(self, key: WatermarkKey, columns: list[ColumnCells]):
        self.key, self.columns = key, [c for c in columns if c is not None]

    def params(self) -> dict:
        return {
            "scheme": SCHEME,
            "key_id": self.key.key_id,
            "threshold": DEFAULT_THRESHOLD,
            "columns": [asdict(c) for c in self.columns],
        }

    @classmethod
    def from_params(cls, key: WatermarkKey, params: dict) -> TableWatermark:
        return cls(key, [ColumnCells(**c) for c in params["columns"]])

    def green_upper(self, column: ColumnCells) -> np.ndarray:
        """(cells,) +1 where the upper half of the cell is green, -1 where the lower half is."""
        return self.key.bits(f"{SCHEME}|{column.name}", [str(k) for k in range(column.cells)])

    def embed(self, frame: pd.DataFrame) -> pd.DataFrame:
        marked = frame.copy()
        for column in self.columns:
            values = frame[column.name].to_numpy(dtype=np.float64, na_value=np.nan)
            cell, position = column.locate(values)
            upper = self.green_upper(column)
            inside = cell >= 0
            want_upper = np.zeros(len(values), dtype=bool)
            want_upper[inside] = upper[cell[inside]] > 0
            in_upper = position >= 0.5
            move = inside & (want_upper != in_upper)
            shifted = values.copy()
            shifted[move] += np.where(want_upper[move], 0.5, -0.5) * column.width
            marked[column.name] = _like(frame[column.name], shifted, integer=column.integer)
        return marked

    def detect(self, frame: pd.DataFrame) -> Detection:
        signs, weights = [], []
        for column in self.columns:
            if column.name not in frame.columns:
                continue
            values = pd.to_numeric(frame[column.name], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            cell, position = column.locate(values)
            inside = cell >= 0
            difference = np.zeros(column.cells)
            np.add.at(difference, cell[inside], np.where(position[inside] >= 0.5, 1.0, -1.0))
            signs.append(self.green_upper(column))
            weights.append(difference)
        if not signs:
            return Detection(0.0, 1.0, 0, len(frame), reachable_z=0.0)
        return signed_sum_test(np.concatenate(signs), np.concatenate(weights), samples=len(frame))


def _like(original: pd.Series, values: np.ndarray, *, integer: bool) -> pd.Series:
    """``values`` in the original column's dtype (integers stay integers, missing stays missing)."""
    if integer:
        rounded = np.round(values)
        if pd.api.types.is_integer_dtype(original.dtype) and not np.isnan(values).any():
            return pd.Series(rounded.astype(original.dtype), index=original.index)
        return pd.Series(
            pd.array(np.where(np.isnan(values), None, rounded), dtype="Int64"), index=original.index
        )
    return pd.Series(values, index=original.index, dtype=np.float64)
