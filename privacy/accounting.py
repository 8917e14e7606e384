"""The privacy budget: every release computed from the training data, composed by one accountant.

A :class:`PrivacyLedger` holds the mechanisms of a run as Opacus accountant history entries
``(noise_multiplier, sample_rate, steps)``. Both releases synthaug makes fit that form:

- DP-SGD on the discriminator: a Poisson-subsampled Gaussian mechanism per D step
  (sample rate q = expected batch / N);
- a Gaussian release of counts (per-class category counts of a table) with L2 sensitivity s and
  noise std sigma: the same mechanism with q = 1 and noise multiplier sigma / s, once.

So the total epsilon is the accountant's composition of the whole history (PRV by default, RDP
selectable), never a sum of separately rounded parts. Epsilon only grows with steps, which lets
``max_steps`` find the last step count within the target once, up front, instead of asking the
(slow, ~0.5 s for PRV) accountant before every step.
"""

from __future__ import annotations

import functools
import math
import secrets
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from opacus.accountants import create_accountant

MAX_NOISE_MULTIPLIER = 50.0  # beyond this the discriminator learns nothing: refuse instead
CALIBRATION_TOLERANCE = 0.01  # epsilon units: calibrated budgets land in [target - tol, target]


@dataclass(frozen=True)
class Release:
    """One entry of the ledger."""

    name: str
    noise_multiplier: float
    sample_rate: float
    steps: int


@dataclass
class PrivacyLedger:
    """The (epsilon, delta) spent by a run, composed with one Opacus accountant."""

    accountant: str
    delta: float
    releases: list[Release] = field(default_factory=list)

    def add(self, release: Release) -> None:
        self.releases.append(release)

    def epsilon(self, *, extra: Release | None = None) -> float:
        """Epsilon of every release so far (plus ``extra``, to ask "what if") at ``delta``."""
        history = [r for r in [*self.releases, extra] if r is not None and r.steps > 0]
        return epsilon_of(history, accountant=self.accountant, delta=self.delta)

    def max_steps(self, *, name: str, noise_multiplier: float, sample_rate: float, target: float) -> int:
        """The most steps of this mechanism that, composed with what is spent, stay <= target."""

        def spent(steps: int) -> float:
            return self.epsilon(extra=Release(name, noise_multiplier, sample_rate, steps))

        if spent(1) > target:
            return 0
        low, high = 1, 2
        while spent(high) <= target:
            low, high = high, high * 2
            if high > 100_000_000:
                return low  # the last count checked to stay within the target
        while high - low > 1:  # invariant: spent(low) <= target < spent(high)
            middle = (low + high) // 2
            if spent(middle) <= target:
                low = middle
            else:
                high = middle
        return low

    def calibrate(self, *, name: str, sample_rate: float, steps: int, target: float) -> float:
        """The smallest noise multiplier (to ``CALIBRATION_TOLERANCE``) letting ``steps`` steps at
        ``sample_rate``, composed with what is spent, stay within ``target``; inf if none can."""

        def spent(sigma: float) -> float:
            return self.epsilon(extra=Release(name, sigma, sample_rate, steps))

        high = 1.0
        while spent(high) > target:
            high *= 2
            if high > MAX_NOISE_MULTIPLIER * 4:
                return math.inf
        low, eps_high = 0.0, spent(high)
        while target - eps_high > CALIBRATION_TOLERANCE and high - low > 1e-4:
            middle = (low + high) / 2
            eps_middle = spent(middle)
            if eps_middle <= target:
                high, eps_high = middle, eps_middle
            else:
                low = middle
        return high

    def state_dict(self) -> dict:
        return {
            "accountant": self.accountant,
            "delta": self.delta,
            "releases": [[r.name, r.noise_multiplier, r.sample_rate, r.steps] for r in self.releases],
        }

    @classmethod
    def from_state(cls, state: dict) -> PrivacyLedger:
        return cls(
            state["accountant"],
            float(state["delta"]),
            [Release(str(n), float(s), float(q), int(t)) for n, s, q, t in state["releases"]],
        )


def gaussian_noise(shape: tuple[int, ...], *, std: float, seed: int, stream: int, secure: bool) -> np.ndarray:
    """Gaussian noise for a release: float64, seeded from the run seed and the release's own
    ``stream`` (so releases of one run draw independent noise), or from the OS in secure mode."""
    generator = torch.Generator().manual_seed(secrets.randbits(63) if secure else seed * 1000 + stream)
    return torch.randn(shape, generator=generator, dtype=torch.float64).numpy() * std


def epsilon_of(history: list[Release], *, accountant: str, delta: float) -> float:
    """Epsilon of a composition of releases, computed by Opacus' accountant of that name."""
    mechanisms = tuple((r.noise_multiplier, r.sample_rate, r.steps) for r in history)
    return _composed_epsilon(mechanisms, accountant, delta) if mechanisms else 0.0


@functools.lru_cache(maxsize=4096)
def _composed_epsilon(
    mechanisms: tuple[tuple[float, float, int], ...], accountant: str, delta: float
) -> float:
    """Remembered: a pure function of its arguments, and the calibration and step searches of
    the selection folds' generators (the same sample rate and steps each) ask the same questions
    again, at about half a second each for PRV."""
    engine = create_accountant(mechanism=accountant)
    engine.history = list(mechanisms)
    with warnings.catch_warnings():
        # PRV evaluates log(1 - q), which is -inf for a full-data (q = 1) release, and bounds its
        # domain with RDP, which may note that a larger order would be tighter: both harmless
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.filterwarnings("ignore", message="Optimal order is the", category=UserWarning)
        epsilon = float(engine.get_epsilon(delta=delta))
    return epsilon if math.isfinite(epsilon) else math.inf  # numerically unbounded: treat as infinite


def default_delta(num_records: int) -> float:
    """A power of ten at most 1 / (10 N): well below the 1 / N at which DP stops meaning much."""
    return 10.0 ** math.floor(math.log10(0.1 / num_records))
