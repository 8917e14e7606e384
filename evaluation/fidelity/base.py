"""What every fidelity metric receives and returns.

A metric compares the synthetic samples with the real training split (``value``) and, for
scale, the held-out real split with the same training split (``reference``): with a few dozen
real samples per class even two real sets are far from identical, so a synthetic score is read
against what unseen real data gets. The held-out split only enters these reported numbers; it
is never used to choose anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from synthaug.evaluation.samples import Samples

Kind = Literal["image", "tabular"]
VALUE, REFERENCE = "value", "reference"


@dataclass(frozen=True)
class FeatureSets:
    """(N, D) float features of each set in one feature space (images: a classifier trained on
    the real training split), and each set's predicted class probabilities there."""

    real: np.ndarray
    synthetic: np.ndarray
    reference: np.ndarray
    synthetic_probabilities: np.ndarray  # (M, classes)
    reference_accuracy: float  # of that classifier on the held-out real split


@dataclass(frozen=True)
class FidelityOptions:
    k: int = 5  # neighbourhood size of precision / recall / density / coverage
    kid_subset_size: int = 1000
    kid_subsets: int = 100
    inception_weights: Path | None = None
    seed: int = 0
    device: str = "cpu"
    # the feature CNN trains with the classic augmentation, as the classic baseline does; off where
    # that augmentation is no option (evaluation.classic_baseline: false)
    augment: bool = True


@dataclass(frozen=True)
class FidelityInputs:
    kind: Kind
    classes: tuple[str, ...]
    real: Samples  # the real training split
    synthetic: Samples
    reference: Samples  # the held-out real split: reference values only
    options: FidelityOptions = field(default_factory=FidelityOptions)
    features: FeatureSets | None = None  # images only


@dataclass(frozen=True)
class FidelityMetric:
    name: str
    kind: Kind | Literal["any"]
    description: str
    compute: Callable[[FidelityInputs], dict[str, Any]]
    needs_features: bool = False  # reads FidelityInputs.features (image feature space)

    def applies_to(self, kind: Kind) -> bool:
        return self.kind in (kind, "any")


def features_of(inputs: FidelityInputs) -> FeatureSets:
    if inputs.features is None:
        raise ValueError("this metric needs image features (FidelityInputs.features)")
    return inputs.features
