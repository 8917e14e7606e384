"""The training sets the verification protocol compares, by name, and what each means to a user.

Every condition is real training rows plus, possibly, extra samples; the recommendation names
the condition a team should train on, in the words of ``OPTIONS``.
"""

from __future__ import annotations

REAL = "real"
REAL_CLASSIC = "real+classic"  # tables: SMOTE rows; images: rotation, shift and scale in training
REAL_SYNTHETIC = "real+synthetic"
REAL_CLASSIC_SYNTHETIC = "real+classic+synthetic"  # tables: the real+classic SMOTE rows too
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
# said wherever a verdict is given without the classic baseline (evaluation.classic_baseline: false)
LEFT_OUT = "no classic baseline was scored"
# Which of a classifier's selections (gain.py) sets how many extra samples a condition adds.
# The amount for real+classic+synthetic is selected apart, on top of the classic augmentation in
# the inner CV (images: the augmentation on; tables: the chosen SMOTE rows added): samples that help
# a CNN without augmentation can hurt one with it, and rows that help without SMOTE's can be
# redundant with them.
SELECTION_OF = {
    REAL_SYNTHETIC: "synthetic",
    REAL_CLASSIC: "classic",  # tables: the SMOTE amount
    REAL_CLASSIC_SYNTHETIC: "classic+synthetic",
}


def selected(selection: dict, condition: str) -> dict:
    """A condition's entry of a classifier's selection ({} when it has none: images' classic
    baseline). Results written before the real+classic+synthetic selection existed used the
    real+synthetic one for it."""
    key = SELECTION_OF[condition]
    if key not in selection and condition == REAL_CLASSIC_SYNTHETIC:
        key = SELECTION_OF[REAL_SYNTHETIC]
    return selection.get(key, {})


# what each recommendation asks a team to do
ADVICE = {
    "real only": "Train on the real data alone: nothing added measurably helped",
    "classic": "Train on the real data with the classic augmentation; the synthetic data did not beat it",
    "synthetic": "Train on the real data plus these synthetic data",
    "classic+synthetic": "Train on the real data plus these synthetic data, with the classic augmentation",
}
