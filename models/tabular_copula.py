"""``TabularCopula``: a class-conditional Gaussian copula, for tables too small for a GAN.

    copula = TabularCopula(seed=0).fit(train_split)        # seconds, no training steps
    rows = copula.sample(100, labels="malignant").rows     # original columns, dtypes, categories
    copula.save(path); TabularCopula.load(path)            # CPU-safe (weights_only)

Per class, every column's values become normal scores through the class's own empirical
distribution: a numeric value through its mid-rank, (rank - 1/2) / n; a categorical value through a
uniform draw inside its share of the unit interval. The scores' correlation matrix is shrunk toward
independent columns, because a few dozen rows cannot pin down the p(p - 1) / 2 correlations of p
columns: by default (``training.copula.correlation: cross-validated``) by the amount that best
predicts the class's held-out rows, or by Ledoit-Wolf's formula, or not at all (``empirical``);
the estimates are models/copula_correlation.py's. Sampling draws correlated normal scores and maps
each back through the class's quantiles (linear between neighbouring order statistics) or category
intervals. A numeric column's missing cells score 0 (the median) for the correlation and are
drawn again at the class's missing rate. By default (``training.copula.marginals: pooled``) a
numeric column's quantiles are the class's mean and spread applied to every class's standardised
values (models/copula_marginals.py), so a value stays within the column's range but may leave the
class's; with ``per-class`` they are the class's own values, and a value stays within the
class's observed range.

With ``training.copula.smoothing`` s > 0, a numeric value is mapped back through the quantiles of
a Gaussian kernel density on the class's values instead, with bandwidth s times Silverman's rule,
0.9 min(sd, IQR / 1.34) n^(-1/5), clipped to the column's range. On 15 rows per class the
empirical quantiles put a sample between two neighbouring training values in every column, so it
lies nearer a training row than an unseen one; the kernel spreads the draws between and a little
beyond the observed values while the ranks, and so the dependence, stay the copula's. With
``training.copula.independence`` t > 0 each class's correlation becomes (1 - t) C + t I; t = 1
draws the columns independently. With fewer rows than columns the estimate C probably puts most
of its variance in the span of the class's training scores, so its draws resemble combinations of
those rows: at 15 rows per class only t = 1 brought breast_cancer's samples under 0.65 nearer a
training row (benchmarks/results/copula_memorisation_smoothing_exploration.md). With
``training.copula.truncation`` psi < 1 the numeric columns' normal scores are drawn at psi times
their spread, so every number moves toward the class's median in its own marginal while the
ranks' dependence stays: like a GAN's truncation trick it trades the samples' spread for typical
values. Categorical columns, and numeric ones with fewer than 5 distinct values in the class
(flags, small counts), are not truncated: there, nearer the middle of the unit interval would
only favour whichever value's share lies there (a flag set in 20% of a class: 13% at 0.75).

So each class keeps its marginals and its linear dependence between columns, which is what a GAN
trained on a few hundred rows learns worst (benchmarks/results/verification_gain_*_copula.md). Fitting reads
exact statistics of the training rows, so there is no private variant (privacy/compatibility.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import norm

from synthaug.models import copula_correlation, copula_marginals
from synthaug.models.copula_marginals import kernel_quantiles, silverman_bandwidth, varied
from synthaug.models.synthesizer import Labels, Synthesizer
from synthaug.models.tabular_cgan import target_values
from synthaug.models.trainer import TrainingResult
from synthaug.pipeline.config import PrivacyConfig, TrainingConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.schema import TabularSchema
from synthaug.pipeline.split import TrainSplit
from synthaug.pipeline.synthetic_set import SyntheticSet
from synthaug.pipeline.tabular_transform import (
    CategoricalEncoding,
    TabularTransformer,
    categorical_values,
    numeric_values,
    transformer_from_state,
    transformer_state,
)

log = logging.getLogger(__name__)

EDGE = 1e-6  # normal scores are taken of u in [EDGE, 1 - EDGE]
FITTED = "fitted"  # the stop reason recorded for a copula (it takes no steps)


@dataclass
class ClassCopula:
    """One class's marginals and normal-score correlation.

    ``values[j]``: the sorted present values of numeric column j (pooled marginals: the class's
    mean and spread applied to every class's standardised values; None for a categorical one);
    ``missing[j]``: that column's share of missing cells; ``cdf[j]``: the cumulative shares of a
    categorical column's fitted slots, missing last (None for a numeric one); ``correlation``:
    (p, p); ``bandwidth[j]``: the kernel bandwidth of numeric column j (0: the empirical quantiles);
    ``shrinkage``: how far the correlation's estimate was moved toward independent columns
    (models/copula_correlation.py; NaN in files written before it was recorded)."""

    values: list[np.ndarray | None]
    missing: np.ndarray
    cdf: list[np.ndarray | None]
    correlation: np.ndarray
    bandwidth: np.ndarray
    shrinkage: float = float("nan")

    def draw(
        self, n: int, rng: np.random.Generator, *, truncation: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n, p) uniforms with this class's dependence, and (n, p) missing flags. Numeric columns'
        normal scores are drawn at ``truncation`` times their spread (1: the fitted copula);
        categorical ones, and numbers with fewer than MIN_DISTINCT values in the class (flags,
        small counts), never, so each keeps its shares."""
        z = rng.multivariate_normal(np.zeros(len(self.correlation)), self.correlation, size=n, method="eigh")
        spread = np.array([truncation if varied(v) else 1.0 for v in self.values])
        return norm.cdf(z * spread), rng.random((n, len(self.missing))) < self.missing

    def state(self) -> dict:
        empty = torch.zeros(0, dtype=torch.float64)
        return {
            "values": [empty if v is None else torch.as_tensor(v) for v in self.values],
            "numeric": [v is not None for v in self.values],
            "missing": torch.as_tensor(self.missing),
            "cdf": [empty if c is None else torch.as_tensor(c) for c in self.cdf],
            "correlation": torch.as_tensor(self.correlation),
            "bandwidth": torch.as_tensor(self.bandwidth),
            "shrinkage": float(self.shrinkage),
        }

    @classmethod
    def from_state(cls, state: dict) -> ClassCopula:
        numeric = list(state["numeric"])
        values = zip(state["values"], numeric, strict=True)
        cdf = zip(state["cdf"], numeric, strict=True)
        unsmoothed = torch.zeros(len(numeric), dtype=torch.float64)  # files written before smoothing
        return cls(
            [v.numpy() if is_numeric else None for v, is_numeric in values],
            state["missing"].numpy(),
            [None if is_numeric else c.numpy() for c, is_numeric in cdf],
            state["correlation"].numpy(),
            state.get("bandwidth", unsmoothed).numpy(),
            state.get("shrinkage", float("nan")),
        )


class TabularCopula(Synthesizer):
    """Class-conditional Gaussian copula (module docstring). Fitted attributes end in ``_``."""

    MODEL_FORMAT = "synthaug.tabular_copula/1"

    def __init__(
        self, config: TrainingConfig | None = None, *, seed: int = 0, privacy: PrivacyConfig | None = None
    ):
        super().__init__(config, seed=seed, privacy=privacy)
        if self.privacy.enabled:
            raise UserInputError(
                "the Gaussian copula reads exact quantiles and correlations of the training rows, which "
                "differential privacy cannot account for",
                where="training.synthesizer",
                hint="Use training.synthesizer: gan (DP-SGD on its discriminator) for a private run.",
            )

    def fit(
        self,
        train: TrainSplit,
        *,
        workdir: Path | None = None,
        resume: bool = False,
        on_step: Callable[[int], None] | None = None,
        later_steps: int = 0,
    ) -> TabularCopula:
        """Fit every class's copula (``workdir``, ``resume``, ``on_step`` and ``later_steps`` are
        accepted for the shared contract; a copula has no steps to record or resume)."""
        data = self._require_split(train).data
        if not isinstance(data.schema, TabularSchema):
            raise UserInputError(
                "the Gaussian copula models tables only",
                where="training.synthesizer",
                hint="Use gan for images.",
            )
        started = time.perf_counter()
        frame, labels = data.features, np.asarray(data.labels)
        self.classes_ = tuple(data.classes)
        # the columns' kinds, categories and ranges (also what the table watermark marks); one mode
        # per numeric column, since the copula does not use the mixture encoding
        self.transformer_ = TabularTransformer(max_modes=1, seed=self.seed).fit(frame, data.schema)
        self.schema_ = self.transformer_.schema_
        rng = np.random.default_rng(self.seed)
        self.copulas_ = [self._fit_class(frame[labels == k], rng) for k in range(len(self.classes_))]
        if self.config.copula.marginals == "pooled":
            smoothing = self.config.copula.smoothing
            copula_marginals.pool_columns(self.copulas_, self.transformer_.encodings_, smoothing=smoothing)
        seconds = time.perf_counter() - started
        self.training_ = TrainingResult(
            steps=0, stop_reason=FITTED, seconds=seconds, samples_per_second=len(frame) / max(seconds, 1e-9)
        )
        self.privacy_ = None
        log.info(
            "fitted a Gaussian copula per class on %d rows (%d columns, %d classes; %s correlation, "
            "%s marginals, smoothing %g, truncation %g, independence %g) in %.2f s",
            len(frame),
            len(self.schema_.columns),
            len(self.classes_),
            self.config.copula.correlation,
            self.config.copula.marginals,
            self.config.copula.smoothing,
            self.config.copula.truncation,
            self.config.copula.independence,
            seconds,
        )
        return self

    def _fit_class(self, rows: pd.DataFrame, rng: np.random.Generator) -> ClassCopula:
        n = len(rows)
        values, cdf, scores = [], [], np.zeros((n, len(self.transformer_.encodings_)))
        missing = np.zeros(len(self.transformer_.encodings_))
        bandwidth = np.zeros(len(self.transformer_.encodings_))
        for j, encoding in enumerate(self.transformer_.encodings_):
            column = rows[encoding.column.name]
            if isinstance(encoding, CategoricalEncoding):
                slots = _slots(encoding, column)
                shares = np.bincount(slots, minlength=encoding.slots) / max(n, 1)
                bounds = np.concatenate([[0.0], np.cumsum(shares)])
                u = bounds[slots] + rng.random(n) * shares[slots]
                values.append(None)
                cdf.append(bounds[1:])
            else:
                present = column.to_numpy(dtype=np.float64)
                absent = np.isnan(present)
                missing[j] = absent.mean() if n else 0.0
                ranks = pd.Series(present[~absent]).rank(method="average").to_numpy()
                u = np.full(n, 0.5)
                u[~absent] = (ranks - 0.5) / max(int((~absent).sum()), 1)
                values.append(np.sort(present[~absent]))
                cdf.append(None)
                bandwidth[j] = self.config.copula.smoothing * silverman_bandwidth(values[-1])
            scores[:, j] = norm.ppf(np.clip(u, EDGE, 1.0 - EDGE))
        independence = self.config.copula.independence  # 0: the estimate; 1: the identity
        estimate, shrinkage = copula_correlation.estimate_correlation(
            scores, method=self.config.copula.correlation, seed=self.seed
        )
        correlation = (1 - independence) * estimate + independence * np.eye(scores.shape[1])
        return ClassCopula(values, missing, cdf, correlation, bandwidth, shrinkage)

    def shrinkage_by_class(self) -> dict[str, float]:
        """Each class's shrinkage of its correlation toward independent columns (0: the sample's)."""
        self._check_fitted()
        return {
            str(label): copula.shrinkage for label, copula in zip(self.classes_, self.copulas_, strict=True)
        }

    def sample(
        self,
        n: int,
        labels: Labels = None,
        *,
        seed: int | None = None,
        use_ema: bool = True,
        batch_size: int = 1024,
    ) -> SyntheticSet:
        """``n`` rows with the original columns and the target column holding exactly ``labels``
        (``use_ema`` and ``batch_size`` are accepted for the shared contract)."""
        self._check_fitted()
        y = self._labels(n, labels)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        columns: dict[str, np.ndarray] = {}
        uniforms = np.zeros((n, len(self.transformer_.encodings_)))
        absent = np.zeros(uniforms.shape, dtype=bool)
        truncation = self.config.copula.truncation
        for k, copula in enumerate(self.copulas_):
            rows = np.flatnonzero(y == k)
            if len(rows):
                uniforms[rows], absent[rows] = copula.draw(len(rows), rng, truncation=truncation)
        for j, encoding in enumerate(self.transformer_.encodings_):
            columns[encoding.column.name] = self._column(j, encoding, y, uniforms[:, j], absent[:, j])
        frame = pd.DataFrame(columns)
        target = self.schema_.target
        frame[target] = target_values(np.asarray(self.classes_)[y], self.schema_.target_dtype)
        return SyntheticSet("tabular", self.classes_, y, rows=frame, target=target)

    def _column(self, j: int, encoding, y: np.ndarray, u: np.ndarray, absent: np.ndarray):
        """Column j of the sampled rows from its uniforms ``u`` (class by class)."""
        if isinstance(encoding, CategoricalEncoding):
            slots = np.zeros(len(u), dtype=np.int64)
            for k, copula in enumerate(self.copulas_):
                rows = y == k
                found = np.searchsorted(copula.cdf[j], u[rows], side="right")
                slots[rows] = np.minimum(found, encoding.slots - 1)
            return categorical_values(encoding, slots)
        values = np.full(len(u), np.nan)
        for k, copula in enumerate(self.copulas_):
            rows = np.flatnonzero(y == k)
            sorted_values, h = copula.values[j], copula.bandwidth[j]
            if not (len(rows) and len(sorted_values)):
                continue
            if h > 0:
                values[rows] = np.clip(
                    kernel_quantiles(sorted_values, h, u[rows]), encoding.low, encoding.high
                )
            else:
                positions = u[rows] * len(sorted_values) - 0.5  # the inverse of the mid-rank scores
                values[rows] = np.interp(positions, np.arange(len(sorted_values)), sorted_values)
        return numeric_values(encoding.column, values, missing=absent)

    def save(self, path: Path) -> Path:
        return self._write_model_file(
            path,
            {
                "transformer": transformer_state(self.transformer_),
                "copulas": [copula.state() for copula in self.copulas_],
            },
        )

    @classmethod
    def load(cls, path: Path) -> TabularCopula:
        """Load with ``torch.load(weights_only=True)``: no code runs from the file."""
        state = cls._read_model_file(path)
        # files written before training.copula.truncation existed drew untruncated, and still do
        state["config"].setdefault("copula", {}).setdefault("truncation", 1.0)
        model = cls._from_state(state)
        model.transformer_ = transformer_from_state(state["transformer"])
        model.schema_ = model.transformer_.schema_
        model.copulas_ = [ClassCopula.from_state(s) for s in state["copulas"]]
        model.privacy_ = None
        return model

    def _check_fitted(self) -> None:
        if not hasattr(self, "copulas_"):
            raise RuntimeError("this TabularCopula is not fitted yet: call fit() or load()")


def _slots(encoding: CategoricalEncoding, column: pd.Series) -> np.ndarray:
    """Each value's fitted slot (a missing value: the last slot, which is then the "missing" one)."""
    index = {value: i for i, value in enumerate(encoding.categories)}
    last = encoding.slots - 1
    return np.array([last if pd.isna(v) else index[v] for v in column.astype(object)], dtype=np.int64)
