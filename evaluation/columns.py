"""Columns of a table as the downstream classifiers and the fidelity metrics see them (pandas and
scikit-learn only, no torch): which columns are numeric, and one encoder for a mixed table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def tabular_encoder(frame: pd.DataFrame) -> ColumnTransformer:
    """Median-imputed, standardised numeric columns; most-frequent-imputed one-hot categoricals."""
    numeric = numeric_columns(frame)
    categorical = [c for c in frame.columns if c not in numeric]
    return ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
                ),
                categorical,
            ),
        ]
    )


def as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain objects (the encoders need one dtype per column across sets)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).where(out[column].notna(), np.nan)
    return out


@dataclass(frozen=True)
class FeatureSpace:
    """Where distances between samples are measured (the privacy audit, near-copy curation):
    images as pixels in [0, 1]; tables through :func:`tabular_encoder` fitted on the training
    split (standardised numbers, one-hot categories)."""

    encoder: ColumnTransformer | None  # None: images
    columns: tuple[str, ...] = ()

    @classmethod
    def fit(cls, train: pd.DataFrame | np.ndarray) -> FeatureSpace:
        if not isinstance(train, pd.DataFrame):
            return cls(None)
        frame = as_objects(train)
        return cls(tabular_encoder(frame).fit(frame), tuple(train.columns))

    def transform(self, features: pd.DataFrame | np.ndarray) -> np.ndarray:
        """(n, d) float64 points."""
        if self.encoder is None:
            return np.asarray(features, dtype=np.float64).reshape(len(features), -1) / 255.0
        encoded = self.encoder.transform(as_objects(features[list(self.columns)]))
        return encoded.toarray() if hasattr(encoded, "toarray") else np.asarray(encoded, dtype=np.float64)
