"""The detection statistic shared by the image and table watermarks.

For units u (image blocks, table cells) the key fixes signs s_u in {-1, +1} and the data under
test give weights m_u computed without the key (a residual, a count difference). The statistic

    z = sum_u s_u m_u / sqrt(sum_u m_u^2)

has, under the null hypothesis that the data were not marked with this key (the signs are then
independent fair coins with respect to the weights), P(z >= t) <= exp(-t^2 / 2) by Hoeffding's
inequality, whatever the data look like. That bound is the reported p-value: conservative, and
valid for correlated pixels, repeated values, or a tiny set. Marking aligns the weights with the
signs, so z grows like the square root of the number of units carrying signal.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

DEFAULT_THRESHOLD = 1e-3  # the shipped decision threshold on the p-value (false-positive rate <= 1e-3)


@dataclass(frozen=True)
class Detection:
    z: float
    p_value: float  # Hoeffding bound exp(-z^2 / 2) for z > 0, else 1
    units: int  # units with a non-zero weight
    samples: int  # images or rows tested
    threshold: float = DEFAULT_THRESHOLD

    @property
    def marked(self) -> bool:
        return self.p_value < self.threshold

    def to_dict(self) -> dict:
        return {**asdict(self), "marked": self.marked}


def signed_sum_test(signs: np.ndarray, weights: np.ndarray, *, samples: int) -> Detection:
    """The test above for matching arrays of signs (+-1) and data-only weights."""
    signs, weights = (
        np.asarray(signs, dtype=np.float64).ravel(),
        np.asarray(weights, dtype=np.float64).ravel(),
    )
    if signs.shape != weights.shape:
        raise ValueError(f"signs {signs.shape} and weights {weights.shape} differ")
    energy = float(np.sum(weights**2))
    if energy <= 0:
        return Detection(0.0, 1.0, 0, samples)
    z = float(np.dot(signs, weights)) / math.sqrt(energy)
    p_value = math.exp(-z * z / 2) if z > 0 else 1.0
    return Detection(z, p_value, int(np.count_nonzero(weights)), samples)
