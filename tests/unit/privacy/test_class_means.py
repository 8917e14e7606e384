"""The per-class means release: its sensitivity, its noise, and the generator's pull towards it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from synthaug.models.gan_data import class_means_loss, class_spread_loss, nearest_mean_loss
from synthaug.models.image_data import ImageData
from synthaug.models.tabular_data import TabularData
from synthaug.pipeline.config import PrivacyConfig, PublicColumn
from synthaug.pipeline.schema import ColumnSchema, TabularSchema
from synthaug.pipeline.tabular_transform import TabularTransformer
from synthaug.privacy.class_means import CLASS_MEANS, clip_rows, noisy_class_means
from synthaug.privacy.public_schema import conform, encoded_norm_bound, public_transformer

PUBLIC = {
    "age": PublicColumn(bounds=(18, 90), integer=True),
    "score": PublicColumn(bounds=(-4, 4)),
    "colour": PublicColumn(categories=["red", "green", "blue"]),
}
SCHEMA = TabularSchema(
    (
        ColumnSchema("age", "numeric", integer=True),
        ColumnSchema("score", "numeric"),
        ColumnSchema("colour", "categorical", categories=("blue", "green", "red")),
    ),
    target="label",
)


def encoded_rows(n: int = 400, seed: int = 0) -> tuple[np.ndarray, TabularTransformer]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 91, n),
            "score": rng.uniform(-6, 6, n),  # outside the bounds too: clipped into them
            "colour": rng.choice(["red", "green", "blue"], n),
        }
    )
    transformer = public_transformer(SCHEMA, PUBLIC, modes=5)
    return transformer.transform(conform(frame, PUBLIC), rng=rng), transformer


def test_no_public_encoding_of_a_row_is_longer_than_the_bound() -> None:
    encoded, transformer = encoded_rows()
    bound = encoded_norm_bound(transformer)
    assert bound == pytest.approx(math.sqrt(2 + 2 + 1))
    norms = np.linalg.norm(encoded, axis=1)
    assert norms.max() <= bound + 1e-9
    assert norms.max() > 0.9 * bound  # and the bound is not loose
    assert np.array_equal(clip_rows(encoded, bound), encoded)  # so clipping changes nothing


def test_clipping_caps_every_row_at_the_bound_and_keeps_its_direction() -> None:
    rows = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    clipped = clip_rows(rows, 1.0)
    assert np.allclose(clipped, [[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]])


def test_with_negligible_noise_the_release_is_each_class_mean() -> None:
    encoded, transformer = encoded_rows()
    labels = np.arange(len(encoded)) % 3
    moments, release = noisy_class_means(
        encoded, labels, num_classes=3, bound=encoded_norm_bound(transformer), noise_multiplier=1e-9, seed=0
    )
    expected = np.stack([encoded[labels == k].mean(axis=0) for k in range(3)])
    assert np.allclose(moments.means, expected, atol=1e-6)
    assert moments.spreads is None  # tables release no spread
    assert (release.name, release.noise_multiplier) == (CLASS_MEANS, 1e-9)
    assert (release.sample_rate, release.steps) == (1.0, 1)  # one Gaussian release of the whole data


def test_the_noise_on_each_sum_is_the_multiplier_times_the_sensitivity() -> None:
    # one class of n identical zero rows: the released mean is noise(sum) / (n + noise(count))
    n, bound, sigma = 10_000, 3.0, 2.0
    zeros = np.zeros((n, 500))
    for with_spread, extra in ((False, 0.0), (True, bound**2 / 4)):  # the spread cell adds bound / 2
        moments, _ = noisy_class_means(
            zeros,
            np.zeros(n, dtype=int),
            num_classes=1,
            bound=bound,
            noise_multiplier=sigma,
            seed=1,
            with_spread=with_spread,
        )
        expected_std = sigma * math.sqrt(bound**2 + extra + 1) / n  # the count's noise moves n by ~0.1%
        assert np.std(moments.means) == pytest.approx(expected_std, rel=0.08)


def test_with_negligible_noise_the_spread_is_each_class_mean_squared_distance_to_its_mean() -> None:
    rng = np.random.default_rng(0)
    pixels = np.clip(rng.normal(0.0, 0.4, size=(600, 16)) + np.repeat([[-0.5], [0.5]], 300, axis=0), -1, 1)
    labels = np.repeat([0, 1], 300)
    moments, _ = noisy_class_means(
        pixels, labels, num_classes=2, bound=4.0, noise_multiplier=1e-9, seed=0, with_spread=True
    )
    expected = [
        ((pixels[labels == k] - pixels[labels == k].mean(axis=0)) ** 2).sum(axis=1).mean() for k in (0, 1)
    ]
    assert np.allclose(moments.spreads, expected, rtol=1e-6)
    assert np.allclose(moments.means, [pixels[labels == k].mean(axis=0) for k in (0, 1)], atol=1e-6)


def test_the_spread_corrects_for_the_noise_the_mean_carries() -> None:
    # 2,000 classes of 40 rows, half +0.71 and half -0.71 in each of 16 pixels: true spread 8.
    # The noise on each mean (std sigma x sensitivity / 40 per pixel) adds W x that^2 (about
    # 0.84) to its squared norm, which the estimate must not subtract from the spread
    classes, n, width, bound, sigma = 2000, 40, 16, 4.0, 2.0
    rows = np.tile(np.repeat([[math.sqrt(0.5)], [-math.sqrt(0.5)]], n // 2, axis=0), (classes, width))
    labels = np.repeat(np.arange(classes), n)
    moments, _ = noisy_class_means(
        rows, labels, num_classes=classes, bound=bound, noise_multiplier=sigma, seed=0, with_spread=True
    )
    noise_share = width * (sigma * math.sqrt(bound**2 + bound**2 / 4 + 1) / n) ** 2
    assert noise_share > 0.8
    # uncorrected, the mean spread would sit near 8 - 0.84; the noised counts (std 23% of 40
    # here, far more than on real data) leave a small upward bias in the ratio estimates
    assert 8.0 - 0.25 * noise_share < float(np.mean(moments.spreads)) < 8.0 + noise_share


def test_the_same_seed_gives_the_same_release_and_secure_mode_does_not() -> None:
    encoded, transformer = encoded_rows()
    labels = np.arange(len(encoded)) % 2
    kwargs = {"num_classes": 2, "bound": encoded_norm_bound(transformer), "noise_multiplier": 1.0}
    first = noisy_class_means(encoded, labels, seed=3, **kwargs)[0].means
    again = noisy_class_means(encoded, labels, seed=3, **kwargs)[0].means
    secure = noisy_class_means(encoded, labels, seed=3, secure=True, **kwargs)[0].means
    assert np.array_equal(first, again) and not np.array_equal(first, secure)


def test_the_pull_is_zero_at_the_released_means_and_weights_classes_by_their_share() -> None:
    width = 7
    target = torch.zeros(2, width)
    target[1] = 1.0
    classes = torch.tensor([[1.0, 0.0]] * 3 + [[0.0, 1.0]])  # 3 rows of class 0, 1 of class 1
    at_target = target[[0, 0, 0, 1]].clone()
    assert float(class_means_loss(at_target, classes, target)) == pytest.approx(0.0)
    off = at_target.clone()
    off[3] += 0.5  # class 1's mean is 0.5 away in each of the W features; class 1 is 1/4 of the batch
    assert float(class_means_loss(off, classes, target)) == pytest.approx(0.25 * width / 4)
    spread = at_target.clone()
    spread[0] += 1.0
    spread[1] -= 1.0  # class 0's samples differ but their mean is still the target: no pull
    assert float(class_means_loss(spread, classes, target)) == pytest.approx(0.0)


def test_the_nearest_mean_loss_is_the_cross_entropy_of_minus_squared_distances() -> None:
    target = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    classes = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    fake = torch.tensor([[0.5, 0.0], [0.5, 0.0]])  # squared distances 0.25 and 2.25 to the two means
    # sample 0 asks for class 0 (nearer): -log(e^-0.25 / (e^-0.25 + e^-2.25)) = log(1 + e^-2)
    # sample 1 asks for class 1 (farther): log(1 + e^2)
    expected = (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(2.0))) / 2
    assert float(nearest_mean_loss(fake, classes, target)) == pytest.approx(expected, rel=1e-5)
    # unlike the pull, samples of other classes averaging to the class mean do not satisfy it
    mixed = torch.tensor([[-2.0, 0.0], [2.0, 0.0]])  # both ask for class 0; their mean is class 0's
    both_class_0 = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    assert float(class_means_loss(mixed, both_class_0, target)) == pytest.approx(0.0)
    assert float(nearest_mean_loss(mixed, both_class_0, target)) > 1.0


def test_the_spread_loss_is_the_squared_log_ratio_of_batch_to_released_spread() -> None:
    classes = torch.tensor([[1.0, 0.0]] * 2 + [[0.0, 1.0]] * 2)
    fake = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 3.0], [0.0, 3.0]])
    # class 0: squared distances 1 and 1 to the mean (0, 0), unbiased spread 2 / (2 - 1) = 2;
    # class 1: both samples equal, spread 0 (clamped to 1e-6). Targets 2 and 1e-6: no loss
    assert float(class_spread_loss(fake, classes, torch.tensor([2.0, 1e-6]))) == pytest.approx(0.0, abs=1e-9)
    expected = (math.log(2.0 / 8.0) ** 2 + 0.0) / 2  # class 0 spreads a quarter of its target
    assert float(class_spread_loss(fake, classes, torch.tensor([8.0, 1e-6]))) == pytest.approx(
        expected, rel=1e-5
    )
    lonely = torch.tensor([[1.0, 0.0], [0.0, 1.0]])  # one sample per class: no spread to compare
    assert float(class_spread_loss(fake[:2], lonely, torch.tensor([2.0, 2.0]))) == 0.0


def test_the_nearest_mean_loss_joins_the_pull_with_its_own_weight() -> None:
    images = torch.zeros(2, 1, 1, 2)
    labels = torch.tensor([0, 1])
    means = np.array([[0.0, 0.0], [2.0, 0.0]])
    cpu = torch.device("cpu")
    pull_only = ImageData(images, labels, 2, cpu, class_means=means, class_means_weight=1.0)
    both = ImageData(
        images, labels, 2, cpu, class_means=means, class_means_weight=1.0, nearest_mean_weight=0.5
    )
    one_hot = torch.eye(2)
    expected = 0.5 * float(nearest_mean_loss(images.flatten(1), one_hot, torch.as_tensor(means).float()))
    difference = float(both.generator_extra_loss(images, labels)) - float(
        pull_only.generator_extra_loss(images, labels)
    )
    assert difference == pytest.approx(expected, rel=1e-5)
    nearest_only = ImageData(
        images, labels, 2, cpu, class_means=means, class_means_weight=0.0, nearest_mean_weight=0.5
    )
    assert float(nearest_only.generator_extra_loss(images, labels)) == pytest.approx(expected, rel=1e-5)


def test_both_kinds_add_the_weighted_pull_to_the_generator_loss() -> None:
    encoded, transformer = encoded_rows(20)
    labels = np.arange(20) % 2
    means = np.stack([encoded[labels == k].mean(axis=0) for k in range(2)])
    cpu = torch.device("cpu")
    plain = TabularData(encoded, labels, 2, transformer, cpu)
    table = TabularData(encoded, labels, 2, transformer, cpu, class_means=means + 0.1, class_means_weight=2.0)
    fake = torch.as_tensor(encoded, dtype=torch.float32)
    condition = plain.sampler.vectors(labels, np.full(20, -1))  # classes only, no categorical value
    categorical = float(plain.generator_extra_loss(fake, condition))  # the conditioned value's loss
    extra = float(table.generator_extra_loss(fake, condition)) - categorical
    assert extra == pytest.approx(2.0 * 0.01 * encoded.shape[1], rel=1e-4)

    images = torch.zeros(4, 1, 2, 2)
    image_means = np.full((2, 4), 0.5)
    image_labels = torch.tensor([0, 1, 0, 1])
    data = ImageData(images, image_labels, 2, cpu)
    assert data.generator_extra_loss(images, image_labels) is None  # nothing released
    data = ImageData(images, image_labels, 2, cpu, class_means=image_means, class_means_weight=1.0)
    assert float(data.generator_extra_loss(images, image_labels)) == pytest.approx(4 * 0.25)


def test_the_share_must_leave_budget_for_training() -> None:
    with pytest.raises(ValueError):
        PrivacyConfig(class_means_share=1.0)
    assert PrivacyConfig().class_means_share == 0.8  # on unless set to null
    assert PrivacyConfig(class_means_share=None).class_means_share is None


def test_the_noised_means_stay_in_the_range_every_sample_lies_in() -> None:
    encoded, transformer = encoded_rows(40)
    labels = np.arange(40) % 2
    bound = encoded_norm_bound(transformer)
    means = noisy_class_means(encoded, labels, num_classes=2, bound=bound, noise_multiplier=50.0, seed=0)[
        0
    ].means
    assert means.min() >= -1.0 and means.max() <= 1.0
    assert np.isin(means, [-1.0, 1.0]).any()  # this much noise does reach the edges
