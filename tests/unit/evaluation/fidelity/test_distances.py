"""Frechet distance, kernel distance and precision / recall / density / coverage against known values."""

import numpy as np
import pytest

from synthaug.evaluation.fidelity.frechet_distance import frechet_distance, frechet_distance_from_moments
from synthaug.evaluation.fidelity.kernel_distance import kernel_distance, squared_mmd
from synthaug.evaluation.fidelity.precision_recall import precision_recall_density_coverage


def gaussian(n: int, mean, std, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(mean, std, size=(n, len(np.atleast_1d(std))))


def test_frechet_distance_of_a_set_with_itself_is_zero():
    x = gaussian(200, 0.0, np.ones(8), 0)
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_closed_form_for_diagonal_gaussians():
    # for diagonal covariances: |m_a - m_b|^2 + sum_i (s_a,i - s_b,i)^2 with s the standard deviations
    mean_a, mean_b = np.array([0.0, 1.0, -2.0]), np.array([3.0, 1.0, 2.0])
    std_a, std_b = np.array([1.0, 2.0, 0.5]), np.array([2.0, 2.0, 1.5])
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum((std_a - std_b) ** 2)  # 25 + 2 = 27
    exact = frechet_distance_from_moments(mean_a, np.diag(std_a**2), mean_b, np.diag(std_b**2))
    assert exact == pytest.approx(expected)
    sampled = frechet_distance(gaussian(20_000, mean_a, std_a, 1), gaussian(20_000, mean_b, std_b, 2))
    assert sampled == pytest.approx(expected, rel=0.02)


def test_frechet_distance_with_full_covariances_matches_the_matrix_square_root():
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    cov_a, cov_b = a @ a.T + np.eye(4), b @ b.T + np.eye(4)
    expected = np.trace(cov_a + cov_b - 2 * np.real(sqrtm(cov_a @ cov_b)))
    assert frechet_distance_from_moments(np.zeros(4), cov_a, np.zeros(4), cov_b) == pytest.approx(expected)


def test_frechet_distance_stays_finite_with_fewer_samples_than_dimensions():
    small = gaussian(20, 0.0, np.ones(64), 4)
    assert np.isfinite(frechet_distance(small, gaussian(20, 0.0, np.ones(64), 5)))


def test_squared_mmd_against_a_hand_computed_value():
    # D = 1, k(x, y) = (x y + 1)^3; within-set pairs: k(0,1) = 1, k(2,3) = 343;
    # cross: k(0,2) = k(0,3) = 1, k(1,2) = 27, k(1,3) = 64 -> 1 + 343 - 2 * 93 / 4 = 297.5
    assert squared_mmd(np.array([[0.0], [1.0]]), np.array([[2.0], [3.0]])) == pytest.approx(297.5)


def test_kernel_distance_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    a, b = gaussian(400, 0.0, np.ones(6), 0), gaussian(400, 0.0, np.ones(6), 1)
    same, _ = kernel_distance(a, b, subset_size=200, subsets=20)
    shifted, _ = kernel_distance(a, b + 1.0, subset_size=200, subsets=20)
    assert abs(same) < 0.05
    assert shifted > 20 * max(abs(same), 0.01)


def test_precision_recall_density_coverage_of_a_set_with_itself():
    x = gaussian(100, 0.0, np.ones(4), 0)
    scores = precision_recall_density_coverage(x, x, k=5)
    # every sample lies in its own ball plus its k neighbours' balls: density (k + 1) / k
    assert scores == {"precision": 1.0, "recall": 1.0, "density": pytest.approx(1.2), "coverage": 1.0}


def test_precision_recall_density_coverage_of_far_apart_sets_are_zero():
    x = gaussian(50, 0.0, np.ones(3), 0)
    scores = precision_recall_density_coverage(x, x + 100.0, k=5)
    assert scores == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_precision_recall_tell_low_fidelity_from_low_diversity():
    real = gaussian(500, 0.0, np.ones(2), 0)
    collapsed = gaussian(500, 0.0, 0.1 * np.ones(2), 1)  # realistic but covers little
    scores = precision_recall_density_coverage(real, collapsed, k=5)
    assert scores["precision"] > 0.95 and scores["recall"] < 0.3 and scores["coverage"] < 0.3
    same = precision_recall_density_coverage(real, gaussian(500, 0.0, np.ones(2), 2), k=5)
    assert same["density"] == pytest.approx(1.0, abs=0.15) and same["coverage"] > 0.9


def test_precision_recall_needs_more_samples_than_neighbours():
    with pytest.raises(ValueError, match="more than k=5"):
        precision_recall_density_coverage(np.zeros((5, 2)), np.zeros((10, 2)), k=5)
