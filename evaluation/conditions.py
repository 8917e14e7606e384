"""The training sets the verification protocol compares, by name, and what each means to a user.

Every condition is real training rows plus, possibly, extra samples; the recommendation names
the condition a team should train on, in the words of ``OPTIONS``.
"""

from __future__ import annotations

REAL = "real"
REAL_CLASSIC = "real+classic"  # tables: SMOTE rows; images: rotation, shift and scale in training
REAL_SYNTHETIC = "real+synthetic"
REAL_CLASSIC_SYNTHETIC = "real+classic+synthetic"  # images only
SYNTHETIC_ONLY = "synthetic-only"  # reported, never recommended

# the candidates for the recommendation, simplest first: a more elaborate one must earn its place
CANDIDATES = (REAL, REAL_CLASSIC, REAL_SYNTHETIC, REAL_CLASSIC_SYNTHETIC)
OPTIONS = {
    REAL: "real only",
    REAL_CLASSIC: "classic",
    REAL_SYNTHETIC: "synthetic",
    REAL_CLASSIC_SYNTHETIC: "classic+synthetic",
}
WITH_SYNTHETIC = (REAL_SYNTHETIC, REAL_CLASSIC_SYNTHETIC)
# what each recommendation asks a team to do
ADVICE = {
    "real only": "Train on the real data alone: nothing added measurably helped",
    "classic": "Train on the real data with the classic augmentation; the synthetic data did not beat it",
    "synthetic": "Train on the real data plus these synthetic data",
    "classic+synthetic": "Train on the real data plus these synthetic data, with the classic augmentation",
}
