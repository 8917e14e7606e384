"""Seed-only means and paired comparisons, and the verdict read from an interval.

A run's own intervals come from ``bootstrap.py`` (test rows resampled together with the seeds);
this module keeps the simpler summaries used across runs, such as a benchmark's mean over
pipeline seeds: the mean of per-seed values, a Student-t 95% interval, and a two-sided paired
t-test (the numbers scipy's ``ttest_rel`` gives). ``verdict_of_interval`` is the one rule every
verdict uses: ``gain`` when the lower bound is above zero, ``harm`` when the upper bound is below
zero, ``no-gain`` otherwise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
GAIN, NO_GAIN, HARM = "gain", "no-gain", "harm"
NOT_VERIFIED = "not verified"  # the run's verdict when verification was off
Verdict = Literal["gain", "no-gain", "harm"]


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PairedComparison:
    """``treatment - baseline``, seed by seed."""

    mean_difference: float
    low: float
    high: float
    p_value: float  # two-sided paired t-test; 1.0 when every difference is equal to zero
    n: int

    @property
    def verdict(self) -> Verdict:
        return verdict(self)

    def to_dict(self) -> dict:
        return {**asdict(self), "verdict": self.verdict}


def mean_interval(values, *, confidence: float = CONFIDENCE) -> Interval:
    """Mean and Student-t interval; with one value the bounds are the value itself (no spread
    can be estimated, which the ``n`` field says)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("no values to summarise")
    mean = float(x.mean())
    if x.size == 1:
        return Interval(mean, mean, mean, 1)
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return Interval(mean, mean - half, mean + half, int(x.size))


def paired_comparison(treatment, baseline, *, confidence: float = CONFIDENCE) -> PairedComparison:
    t, b = np.asarray(treatment, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if t.shape != b.shape or t.ndim != 1:
        raise ValueError(f"paired scores must be two 1-D arrays of one length, got {t.shape} and {b.shape}")
    differences = t - b
    interval = mean_interval(differences, confidence=confidence)
    if differences.size < 2 or np.allclose(differences, differences[0]):
        p_value = 1.0 if np.allclose(differences, 0) or differences.size < 2 else 0.0
    else:
        p_value = float(stats.ttest_rel(t, b).pvalue)
    return PairedComparison(interval.mean, interval.low, interval.high, p_value, interval.n)


def verdict(comparison: PairedComparison) -> Verdict:
    return verdict_of_interval(comparison.low, comparison.high, comparison.n)


def verdict_of_interval(low: float, high: float, seeds: int) -> Verdict:
    """``gain`` when the interval of a difference lies above zero, ``harm`` below, else ``no-gain``."""
    if seeds < 2:
        return NO_GAIN  # one seed cannot show anything
    if low > 0:
        return GAIN
    if high < 0:
        return HARM
    return NO_GAIN


def overall_verdict(verdicts: list[Verdict]) -> Verdict:
    """Across classifiers: ``harm`` if any is harmed, ``gain`` only if every one gains."""
    if not verdicts:
        return NO_GAIN
    if HARM in verdicts:
        return HARM
    return GAIN if all(v == GAIN for v in verdicts) else NO_GAIN
