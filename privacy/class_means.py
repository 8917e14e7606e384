"""Differentially private per-class means of the training samples: the Gaussian mechanism.

Under DP-SGD on small data the discriminator learns little about how the class relates to the
features, and the private generator often ignores its class (train-on-synthetic at chance). A
small, direct release fixes the relation: for every class, the sum of its samples (encoded rows
of a table, flattened pixels in [-1, 1] of an image) and its count, with Gaussian noise. The
generator is then pulled towards these noised means (models/gan_data.py: ``class_means_loss``);
that is post-processing of the release, so it costs nothing more.

Images also release each class's spread in the same draw: each sample's row carries one more
cell, its squared norm divided by 2 ``bound`` (so the cell is at most ``bound`` / 2), and the
spread (the mean squared distance of a class's samples to their mean) is the mean squared norm
minus the squared noised mean, less the part the noise adds to it. A private image generator
spreads its samples about half as widely as the real ones (benchmarks/privacy_variants.py,
digits), which costs a classifier trained on them; the sampler scales each class's latent noise
until the generated spread matches the released one (models/synthesizer.py), post-processing too.

Sensitivity: every sample is clipped to L2 norm ``bound`` (a per-record operation; with the
public table encoding the norm is already at most sqrt(2) per numeric column and 1 per
categorical one, and an image of W pixels in [-1, 1] has norm at most sqrt(W), so nothing is
changed), and adding or removing one record moves one class's sum by at most
``bound``, its count by 1 and its spread cell by at most ``bound`` / 2. The whole (K, W + 1)
array, or (K, W + 2) with the spread cell, therefore has L2 sensitivity sqrt(bound^2 + 1), or
sqrt(bound^2 + bound^2 / 4 + 1), and noise of std ``noise_multiplier`` times that on every cell is
the Gaussian mechanism, which the accountant composes as one step at sample rate 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from synthaug.pipeline.errors import UserInputError
from synthaug.privacy.accounting import Release, gaussian_noise
from synthaug.privacy.training import PrivateTraining

CLASS_MEANS = "per-class mean samples (Gaussian)"  # with the spreads, for images
COUNT_FLOOR = 1.0  # a noised count below one row would blow the mean up


@dataclass(frozen=True)
class ClassMoments:
    """What the release gives the generator: (K, W) noised class means and, for images, (K,)
    estimated spreads (mean squared distance of a class's samples to its mean), else None."""

    means: np.ndarray
    spreads: np.ndarray | None = None


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
    with_spread: bool = False,
) -> tuple[ClassMoments, Release]:
    """Each class's noised mean encoded row (and spread), and the release to add to the ledger."""
    clipped = clip_rows(np.asarray(encoded, dtype=np.float64), bound)
    cells = [clipped]
    if with_spread:
        cells.append((clipped**2).sum(axis=1, keepdims=True) / (2 * bound))  # at most bound / 2
    cells.append(np.ones((len(clipped), 1)))
    rows = np.hstack(cells)
    sums = np.zeros((num_classes, rows.shape[1]))
    np.add.at(sums, np.asarray(labels), rows)
    std = noise_multiplier * math.sqrt(bound**2 + (bound**2 / 4 if with_spread else 0.0) + 1)
    noisy = sums + gaussian_noise(sums.shape, std=std, seed=seed, stream=23, secure=secure)
    counts = np.maximum(noisy[:, -1:], COUNT_FLOOR)  # (K, 1)
    width = clipped.shape[1]
    # every coordinate of an encoded row or image lies in [-1, 1], so its mean does too: clipping
    # the noised means there is post-processing that keeps the pull from saturating the generator
    means = np.clip(noisy[:, :width] / counts, -1.0, 1.0)
    spreads = None
    if with_spread:
        mean_square = noisy[:, width] * 2 * bound / counts[:, 0]  # E ||x||^2
        # E ||noised mean||^2 = ||mean||^2 + W (std / count)^2: remove the noise's share
        spreads = mean_square - (means**2).sum(axis=1) + width * (std / counts[:, 0]) ** 2
        spreads = np.clip(spreads, 0.0, 4.0 * width)  # a squared distance within [-1, 1]^W
    return ClassMoments(means, spreads), Release(CLASS_MEANS, noise_multiplier, 1.0, 1)


def release_class_means(
    samples: np.ndarray,
    labels: np.ndarray,
    *,
    num_classes: int,
    bound: float,
    private: PrivateTraining,
    seed: int,
    with_spread: bool = False,
) -> ClassMoments | None:
    """The noised class means (and spreads), with noise calibrated so that this release, composed with
    what the ledger already holds, spends ``privacy.class_means_share`` of the target epsilon;
    the release is added to the ledger. None when the share is unset or nothing would use it (no
    loss on the means and no spread asked for), so no budget is spent for nothing."""
    spec = private.config
    used = spec.class_means_weight > 0 or spec.nearest_mean_weight > 0 or with_spread
    if spec.class_means_share is None or not used:
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
    moments, release = noisy_class_means(
        samples,
        labels,
        num_classes=num_classes,
        bound=bound,
        noise_multiplier=sigma,
        seed=seed,
        secure=spec.secure_mode,
        with_spread=with_spread,
    )
    private.ledger.add(release)
    return moments
