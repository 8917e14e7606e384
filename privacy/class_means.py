"""Differentially private per-class means of the training samples: the Gaussian mechanism.

Under DP-SGD on small data the discriminator learns little about how the class relates to the
features, and the private generator often ignores its class (train-on-synthetic at chance). A
small, direct release fixes the relation: for every class, the sum of its samples (encoded rows
of a table, flattened pixels in [-1, 1] of an image) and its count, with Gaussian noise. The
generator is then pulled towards these noised means (models/gan_data.py: ``class_means_loss``);
that is post-processing of the release, so it costs nothing more.

Sensitivity: every sample is clipped to L2 norm ``bound`` (a per-record operation; with the
public table encoding the norm is already at most sqrt(2) per numeric column and 1 per
categorical one, and an image of W pixels in [-1, 1] has norm at most sqrt(W), so nothing is
changed), and adding or removing one record moves one class's sum by at most
``bound`` and its count by 1. The whole (K, W + 1) array therefore has L2 sensitivity
sqrt(bound^2 + 1), and noise of std ``noise_multiplier`` times that on every cell is the
Gaussian mechanism, which the accountant composes as one step at sample rate 1.
"""

from __future__ import annotations

import math

import numpy as np

from synthaug.pipeline.errors import UserInputError
from synthaug.privacy.accounting import Release, gaussian_noise
from synthaug.privacy.training import PrivateTraining

CLASS_MEANS = "per-class mean samples (Gaussian)"
COUNT_FLOOR = 1.0  # a noised count below one row would blow the mean up


def clip_rows(encoded: np.ndarray, bound: float) -> np.ndarray:
    norms = np.linalg.norm(encoded, axis=1, keepdims=True)
    return encoded * np.minimum(1.0, bound / np.maximum(norms, 1e-12))


def noisy_class_means(
    encoded: np.ndarray,
    labels: np.ndarray,
    *,
    num_classes: int,
    bound: float,
    noise_multiplier: float,
    seed: int,
    secure: bool = False,
) -> tuple[np.ndarray, Release]:
    """(K, W) noised mean encoded row of each class, and the release to add to the ledger."""
    clipped = clip_rows(np.asarray(encoded, dtype=np.float64), bound)
    sums = np.zeros((num_classes, clipped.shape[1] + 1))
    np.add.at(sums, np.asarray(labels), np.hstack([clipped, np.ones((len(clipped), 1))]))
    std = noise_multiplier * math.sqrt(bound**2 + 1)
    noisy = sums + gaussian_noise(sums.shape, std=std, seed=seed, stream=23, secure=secure)
    # every coordinate of an encoded row or image lies in [-1, 1], so its mean does too: clipping
    # the noised means there is post-processing that keeps the pull from saturating the generator
    means = np.clip(noisy[:, :-1] / np.maximum(noisy[:, -1:], COUNT_FLOOR), -1.0, 1.0)
    return means, Release(CLASS_MEANS, noise_multiplier, 1.0, 1)


def release_class_means(
    samples: np.ndarray,
    labels: np.ndarray,
    *,
    num_classes: int,
    bound: float,
    private: PrivateTraining,
    seed: int,
) -> np.ndarray | None:
    """The (K, W) noised class means, with noise calibrated so that this release, composed with
    what the ledger already holds, spends ``privacy.class_means_share`` of the target epsilon;
    the release is added to the ledger. None when the share is unset or nothing would use the
    means (``class_means_weight`` 0), so no budget is spent for nothing."""
    spec = private.config
    if spec.class_means_share is None or spec.class_means_weight == spec.nearest_mean_weight == 0:
        return None
    target = spec.class_means_share * spec.target_epsilon
    sigma = private.ledger.calibrate(name=CLASS_MEANS, sample_rate=1.0, steps=1, target=target)
    if not math.isfinite(sigma):
        raise UserInputError(
            f"the class means cannot be released within {target:.3g} = privacy.class_means_share x "
            "target_epsilon: earlier releases (the category counts) already spend it",
            where="privacy.class_means_share",
            hint="Raise privacy.class_means_share or privacy.count_noise_multiplier.",
        )
    means, release = noisy_class_means(
        samples,
        labels,
        num_classes=num_classes,
        bound=bound,
        noise_multiplier=sigma,
        seed=seed,
        secure=spec.secure_mode,
    )
    private.ledger.add(release)
    return means
