"""The detection statistic shared by the image and table watermarks.

For units u (image blocks, table cells) the data under test give weights w_u >= 0 computed
without the key (a count difference, the length of a sum of phases), and the key decides how
well each unit lines up with the mark: an alignment a_u in [-1, 1] (a sign for table cells, the
cosine between a unit's phase and the key's dither for image blocks). The statistic

    z = sum_u a_u w_u / sqrt(sum_u w_u^2)

has, under the null hypothesis that the data were not marked with this key (each a_u w_u is
then an independent, zero-mean variable in [-w_u, w_u], because the key's choices are
independent of the data), P(z >= t) <= exp(-t^2 / 2) by Hoeffding's inequality, whatever the
data look like. That bound is the reported p-value: conservative, and valid for correlated
pixels, repeated values, or a tiny set. Marking lines the units up with the key, so z grows
like the square root of the number of units carrying signal.

Too little data cannot reach the threshold at all: z is at most sum_u w_u / sqrt(sum_u w_u^2)
(every unit perfectly aligned), at most sqrt(units). A scheme's marked units line up with the
key by ``expected_alignment`` on average (tables: 1, every moved value lands in its green half;
images: about 0.5, measured on marked digits), so marked data of this size reach about
expected_alignment x that maximum. When that cannot reach the threshold, the outcome is
``inconclusive`` rather than ``not marked``. With the shipped threshold of 1e-3 (z >= 3.72): a
table needs at least 14 (column, cell) pairs holding values (one row of a table with 14 or more
marked numeric columns); 8x8 digits need 3 images, a 32x32 RGB image is enough on its own.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

DEFAULT_THRESHOLD = 1e-3  # the shipped decision threshold on the p-value (false-positive rate <= 1e-3)
MARKED, NOT_MARKED, INCONCLUSIVE = "marked", "not marked", "inconclusive"


@dataclass(frozen=True)
class Detection:
    z: float
    p_value: float  # Hoeffding bound exp(-z^2 / 2) for z > 0, else 1
    units: int  # units with a non-zero weight
    samples: int  # images or rows tested
    threshold: float = DEFAULT_THRESHOLD
    reachable_z: float = math.inf  # about what z data of this size marked by the scheme would reach

    @property
    def marked(self) -> bool:
        return self.p_value < self.threshold

    @property
    def outcome(self) -> str:
        """``marked``; ``inconclusive`` when even perfectly marked data of this size could not
        reach the threshold; else ``not marked``."""
        if self.marked:
            return MARKED
        return INCONCLUSIVE if self.reachable_z < needed_z(self.threshold) else NOT_MARKED

    @property
    def log10_p_value(self) -> float:
        """log10 of the p-value, finite where the p-value itself underflows to 0."""
        return -self.z * self.z / (2 * math.log(10)) if self.z > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            **asdict(self),
            "log10_p_value": round(self.log10_p_value, 2),
            "marked": self.marked,
            "outcome": self.outcome,
        }


def needed_z(threshold: float) -> float:
    """The z at which the bound exp(-z^2 / 2) meets ``threshold`` (3.72 for 1e-3)."""
    return math.sqrt(2 * math.log(1 / threshold))


def signed_sum_test(
    alignments: np.ndarray, weights: np.ndarray, *, samples: int, expected_alignment: float = 1.0
) -> Detection:
    """The test above for matching arrays of key alignments in [-1, 1] (signs for the table
    mark) and data-only weights; ``expected_alignment``: the scheme's mean alignment of marked
    units, for the ``inconclusive`` outcome."""
    alignments, weights = (
        np.asarray(alignments, dtype=np.float64).ravel(),
        np.asarray(weights, dtype=np.float64).ravel(),
    )
    if alignments.shape != weights.shape:
        raise ValueError(f"alignments {alignments.shape} and weights {weights.shape} differ")
    if np.any(np.abs(alignments) > 1 + 1e-12):
        raise ValueError("alignments must lie in [-1, 1] for the bound to hold")
    energy = float(np.sum(weights**2))
    if energy <= 0:
        return Detection(0.0, 1.0, 0, samples, reachable_z=0.0)
    z = float(np.dot(alignments, weights)) / math.sqrt(energy)
    p_value = math.exp(-z * z / 2) if z > 0 else 1.0
    reachable = expected_alignment * float(np.abs(weights).sum()) / math.sqrt(energy)
    return Detection(z, p_value, int(np.count_nonzero(weights)), samples, reachable_z=reachable)
