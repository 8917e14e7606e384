import pytest

from synthaug.evaluation.statistics import (
    GAIN,
    HARM,
    NO_GAIN,
    mean_interval,
    overall_verdict,
    paired_comparison,
)


def test_mean_interval_matches_the_hand_computed_t_interval():
    # mean 3, sd sqrt(2.5) = 1.58114, t(0.975, 4) = 2.776445:
    # half width 2.776445 * 1.58114 / sqrt(5) = 1.96324
    interval = mean_interval([1, 2, 3, 4, 5])
    assert interval.mean == pytest.approx(3.0)
    assert interval.low == pytest.approx(1.03676, abs=1e-5) and interval.high == pytest.approx(
        4.96324, abs=1e-5
    )
    assert interval.n == 5
    single = mean_interval([0.7])
    assert (single.mean, single.low, single.high, single.n) == (0.7, 0.7, 0.7, 1)
    with pytest.raises(ValueError, match="no values"):
        mean_interval([])


def test_paired_comparison_matches_the_hand_computed_paired_t_test():
    # differences 2, 3, 2: mean 2.3333, sd 0.57735, se 0.33333, t = 7.0 on 2 df
    # t(0.975, 2) = 4.302653: half width 1.434218; two-sided p = 0.019804
    comparison = paired_comparison([3, 5, 4], [1, 2, 2])
    assert comparison.mean_difference == pytest.approx(2.33333, abs=1e-5)
    assert comparison.low == pytest.approx(0.89912, abs=1e-5) and comparison.high == pytest.approx(
        3.76755, abs=1e-5
    )
    assert comparison.p_value == pytest.approx(0.019804, abs=1e-6)
    assert comparison.verdict == GAIN and comparison.to_dict()["verdict"] == GAIN


def test_verdicts_read_the_interval():
    assert paired_comparison([1, 2, 3], [3, 4, 6]).verdict == HARM  # differences -2, -2, -3
    assert paired_comparison([1, 2, 3], [1.5, 1.5, 3.2]).verdict == NO_GAIN  # interval spans zero
    unchanged = paired_comparison([0.9, 0.8], [0.9, 0.8])
    assert unchanged.verdict == NO_GAIN and unchanged.p_value == 1.0 and unchanged.low == unchanged.high == 0
    assert paired_comparison([1.0], [0.0]).verdict == NO_GAIN  # one seed shows nothing
    with pytest.raises(ValueError, match="one length"):
        paired_comparison([1, 2], [1, 2, 3])


def test_overall_verdict_is_conservative():
    assert overall_verdict([GAIN, GAIN]) == GAIN
    assert overall_verdict([GAIN, NO_GAIN]) == NO_GAIN
    assert overall_verdict([GAIN, HARM]) == HARM
    assert overall_verdict([]) == NO_GAIN
