"""Reversible encoding of a table for the tabular GAN, fitted on the training split only.

- Numeric columns: mode-specific normalisation. A Bayesian Gaussian mixture (scikit-learn) is
  fitted per column; a value becomes a one-hot of its mode plus a scalar
  (x - mean_k) / (4 * std_k) clipped to [-1, 1]. On the way back the scalar is mapped through
  the chosen mode, clamped to the column's observed (or declared) bounds, and integer columns
  are rounded.
- Categorical columns: one-hot over the categories seen in training, so a value never seen in
  training can never be generated. More than ``max_categories`` categories is refused with a
  hint (drop the column or group rare values).
- Missing values: a column with missing values gets an extra "missing" indicator (a category
  of its own for categoricals, an extra one-hot slot for numerics) and is restored as missing.

``output_spans`` tells the generator which output slices are scalars (tanh) and which are
one-hot groups (Gumbel-softmax), in order.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.schema import ColumnSchema, TabularSchema

log = logging.getLogger(__name__)

SCALE = 4.0  # a scalar of 1 is 4 standard deviations from its mode's mean
MODE_WEIGHT_FLOOR = 0.005  # mixture components lighter than this are dropped


@dataclass(frozen=True)
class Span:
    """A slice of the encoded row: ``scalar`` (one value, tanh) or ``onehot`` (softmax group)."""

    kind: Literal["scalar", "onehot"]
    width: int
    column: str


@dataclass
class NumericEncoding:
    column: ColumnSchema
    means: np.ndarray
    stds: np.ndarray
    has_missing: bool
    low: float
    high: float

    @property
    def slots(self) -> int:  # modes plus the "missing" slot
        return len(self.means) + int(self.has_missing)


@dataclass
class CategoricalEncoding:
    column: ColumnSchema
    categories: list
    has_missing: bool

    @property
    def slots(self) -> int:
        return len(self.categories) + int(self.has_missing)


@dataclass
class TabularTransformer:
    max_modes: int = 10
    max_categories: int = 100
    seed: int = 0
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # declared (public) bounds

    def fit(self, frame: pd.DataFrame, schema: TabularSchema) -> TabularTransformer:
        self.schema_ = schema
        self.encodings_: list[NumericEncoding | CategoricalEncoding] = []
        started = time.perf_counter()
        log.info(
            "fitting the table's encoding: %d columns (a mixture model per numeric column)",
            len(schema.columns),
        )
        for column in schema.columns:
            values = frame[column.name]
            if column.kind == "numeric":
                self.encodings_.append(self._fit_numeric(column, values.to_numpy(dtype=np.float64)))
            else:
                self.encodings_.append(self._fit_categorical(column, values))
        log.info(
            "encoding fitted in %.1f s: %d columns -> %d model inputs",
            time.perf_counter() - started,
            len(schema.columns),
            self.output_width,
        )
        return self

    def _fit_numeric(self, column: ColumnSchema, values: np.ndarray) -> NumericEncoding:
        present = values[~np.isnan(values)]
        low, high = self.bounds.get(column.name, (float(present.min()), float(present.max())))
        distinct = np.unique(present)
        if len(distinct) < 2:
            means, stds = np.array([float(distinct[0])]), np.array([1.0])
        else:
            mixture = BayesianGaussianMixture(
                n_components=min(self.max_modes, len(distinct)),
                weight_concentration_prior_type="dirichlet_process",
                weight_concentration_prior=1e-3,
                max_iter=200,
                n_init=1,
                random_state=self.seed,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                mixture.fit(present.reshape(-1, 1))
            keep = mixture.weights_ > MODE_WEIGHT_FLOOR
            means = mixture.means_[keep, 0]
            stds = np.sqrt(mixture.covariances_[keep].reshape(-1))
            order = np.argsort(means)
            means, stds = means[order], np.maximum(stds[order], 1e-6 * max(1.0, float(np.abs(present).max())))
        return NumericEncoding(column, means, stds, bool(np.isnan(values).any()), low, high)

    def _fit_categorical(self, column: ColumnSchema, values: pd.Series) -> CategoricalEncoding:
        present = set(values.dropna().unique().tolist())
        seen = [c for c in column.categories if c in present] if column.categories else sorted(present)
        if len(seen) > self.max_categories:
            raise UserInputError(
                f"column '{column.name}' has {len(seen)} categories, more than the {self.max_categories} the "
                "tabular GAN one-hot encodes",
                where=f"column '{column.name}'",
                hint=f"List '{column.name}' under dataset.drop_columns, group its rare values into one "
                "category before ingesting, raise training.tabular.max_categories, or, if its values are "
                "numbers, list it under dataset.numeric_columns.",
            )
        return CategoricalEncoding(column, list(seen), bool(values.isna().any()))

    # ---- forward --------------------------------------------------------------------------------
    @property
    def output_spans(self) -> list[Span]:
        spans: list[Span] = []
        for encoding in self.encodings_:
            if isinstance(encoding, NumericEncoding):
                spans.append(Span("scalar", 1, encoding.column.name))
            spans.append(Span("onehot", encoding.slots, encoding.column.name))
        return spans

    @property
    def output_width(self) -> int:
        return sum(span.width for span in self.output_spans)

    def transform(self, frame: pd.DataFrame, *, rng: np.random.Generator | None = None) -> np.ndarray:
        """(N, output_width) float32. Modes are sampled from the posterior when ``rng`` is given
        (CTGAN's choice for training), else the most likely mode is used."""
        parts = []
        for encoding in self.encodings_:
            values = frame[encoding.column.name]
            if isinstance(encoding, NumericEncoding):
                parts.extend(self._encode_numeric(encoding, values.to_numpy(dtype=np.float64), rng))
            else:
                parts.append(self._encode_categorical(encoding, values))
        return np.concatenate(parts, axis=1).astype(np.float32)

    def _encode_numeric(
        self, enc: NumericEncoding, values: np.ndarray, rng: np.random.Generator | None
    ) -> list[np.ndarray]:
        n, k = len(values), len(enc.means)
        missing = np.isnan(values)
        filled = np.where(missing, enc.means[0], values)
        # responsibility of each mode, up to a constant: N(x | mean_k, std_k)
        log_density = -0.5 * ((filled[:, None] - enc.means) / enc.stds) ** 2 - np.log(enc.stds)
        if rng is None:
            mode = log_density.argmax(axis=1)
        else:
            probs = np.exp(log_density - log_density.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            mode = (probs.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
        scalar = np.clip((filled - enc.means[mode]) / (SCALE * enc.stds[mode]), -1.0, 1.0)
        onehot = np.zeros((n, enc.slots), dtype=np.float32)
        onehot[np.arange(n), mode] = 1.0
        if enc.has_missing:
            onehot[missing] = 0.0
            onehot[missing, k] = 1.0
            scalar[missing] = 0.0
        return [scalar[:, None], onehot]

    def _encode_categorical(self, enc: CategoricalEncoding, values: pd.Series) -> np.ndarray:
        index = {c: i for i, c in enumerate(enc.categories)}
        codes = np.array(
            [index.get(v, -1) if not pd.isna(v) else len(enc.categories) for v in values.tolist()]
        )
        if (codes < 0).any():
            unseen = values[codes < 0].iloc[0]
            raise ValueError(f"column '{enc.column.name}': value {unseen!r} was not seen when fitting")
        onehot = np.zeros((len(values), enc.slots), dtype=np.float32)
        onehot[np.arange(len(values)), codes] = 1.0
        return onehot

    # ---- inverse --------------------------------------------------------------------------------
    def inverse_transform(self, encoded: np.ndarray) -> pd.DataFrame:
        """Encoded rows (scalars in [-1, 1], one-hot groups as scores) back to the original columns."""
        columns: dict[str, object] = {}
        offset = 0
        for encoding in self.encodings_:
            name = encoding.column.name
            if isinstance(encoding, NumericEncoding):
                scalar = np.clip(encoded[:, offset], -1.0, 1.0)
                choice = encoded[:, offset + 1 : offset + 1 + encoding.slots].argmax(axis=1)
                offset += 1 + encoding.slots
                k = len(encoding.means)
                mode = np.minimum(choice, k - 1)
                values = np.clip(
                    scalar * SCALE * encoding.stds[mode] + encoding.means[mode], encoding.low, encoding.high
                )
                columns[name] = numeric_values(encoding.column, values, missing=choice == k)
            else:
                choice = encoded[:, offset : offset + encoding.slots].argmax(axis=1)
                offset += encoding.slots
                columns[name] = categorical_values(encoding, choice)
        return pd.DataFrame(columns)


def numeric_values(column: ColumnSchema, values: np.ndarray, *, missing: np.ndarray) -> np.ndarray:
    """A generated numeric column: rounded when the column holds whole numbers, NaN where
    ``missing``, and int64 when it is integer with nothing missing."""
    values = np.round(values) if column.integer else values
    values = values.astype(np.float64)
    values[missing] = np.nan
    if column.integer and not np.isnan(values).any():
        return values.astype(np.int64)
    return values


def categorical_values(encoding: CategoricalEncoding, slots: np.ndarray) -> pd.Categorical:
    """A generated categorical column from each row's fitted slot (the last one is "missing" when
    the column had missing values), over the schema's categories."""
    categories = list(encoding.column.categories) or encoding.categories
    # fitted slot -> position among the schema's categories; the "missing" slot -> -1
    positions = np.array([categories.index(c) for c in encoding.categories] + [-1])
    return pd.Categorical.from_codes(positions[slots], categories=categories)


def transformer_state(transformer: TabularTransformer) -> dict:
    """Plain lists and numbers (loadable with ``torch.load(weights_only=True)``)."""
    encodings = []
    for enc in transformer.encodings_:
        column = {**asdict(enc.column), "categories": list(enc.column.categories)}
        if isinstance(enc, NumericEncoding):
            encodings.append(
                {
                    "kind": "numeric",
                    "column": column,
                    "means": enc.means.tolist(),
                    "stds": enc.stds.tolist(),
                    "has_missing": enc.has_missing,
                    "low": enc.low,
                    "high": enc.high,
                }
            )
        else:
            encodings.append(
                {
                    "kind": "categorical",
                    "column": column,
                    "categories": list(enc.categories),
                    "has_missing": enc.has_missing,
                }
            )
    schema = transformer.schema_
    return {
        "settings": {
            "max_modes": transformer.max_modes,
            "max_categories": transformer.max_categories,
            "seed": transformer.seed,
            "bounds": {k: list(v) for k, v in transformer.bounds.items()},
        },
        "schema": {"target": schema.target, "target_dtype": schema.target_dtype},
        "encodings": encodings,
    }


def transformer_from_state(state: dict) -> TabularTransformer:
    settings = state["settings"]
    transformer = TabularTransformer(
        max_modes=settings["max_modes"],
        max_categories=settings["max_categories"],
        seed=settings["seed"],
        bounds={k: (float(v[0]), float(v[1])) for k, v in settings["bounds"].items()},
    )
    encodings: list[NumericEncoding | CategoricalEncoding] = []
    for item in state["encodings"]:
        column = ColumnSchema(**{**item["column"], "categories": tuple(item["column"]["categories"])})
        if item["kind"] == "numeric":
            encodings.append(
                NumericEncoding(
                    column,
                    np.asarray(item["means"]),
                    np.asarray(item["stds"]),
                    bool(item["has_missing"]),
                    float(item["low"]),
                    float(item["high"]),
                )
            )
        else:
            encodings.append(CategoricalEncoding(column, list(item["categories"]), bool(item["has_missing"])))
    transformer.encodings_ = encodings
    transformer.schema_ = TabularSchema(
        tuple(e.column for e in encodings),
        target=state["schema"]["target"],
        target_dtype=state["schema"]["target_dtype"],
    )
    return transformer
