"""A tabular encoding built from public declarations only, for differentially private training.

The usual encoding (pipeline/tabular_transform.py) fits Gaussian mixtures and reads the minimum,
maximum, categories and missingness of every column from the training data. Each of those is
a release about the private records that DP-SGD does not account for. Under privacy the
encoding is instead built from ``privacy.public_columns``:

- numeric columns: ``numeric_modes`` equal-width modes over the declared [low, high]; a value
  is encoded as the one-hot of its mode plus its offset inside it, values outside the bounds are
  clipped into them (a per-record operation, which costs no privacy);
- categorical columns: the declared categories; a value outside them is refused;
- integer and missing flags: as declared.

Nothing here reads a statistic of the data; ``conform`` only checks records one by one against
the declarations (and reports the first violation to the data owner, who runs the job).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from synthaug.pipeline.config import PublicColumn
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.schema import ColumnSchema, TabularSchema
from synthaug.pipeline.tabular_transform import (
    SCALE,
    CategoricalEncoding,
    NumericEncoding,
    TabularTransformer,
)

WHERE = "privacy.public_columns"


def public_transformer(
    schema: TabularSchema, public: dict[str, PublicColumn], *, modes: int, seed: int = 0
) -> TabularTransformer:
    """A fitted :class:`TabularTransformer` whose every parameter comes from ``public``."""
    _check_declared(schema, public)
    transformer = TabularTransformer(max_modes=modes, seed=seed)
    encodings: list[NumericEncoding | CategoricalEncoding] = []
    columns: list[ColumnSchema] = []
    for column in schema.columns:
        spec = public[column.name]
        if spec.bounds is not None:
            low, high = spec.bounds
            half = (high - low) / (2 * modes)
            centres = low + half * (2 * np.arange(modes) + 1)
            public_column = ColumnSchema(
                column.name, "numeric", integer=spec.integer, minimum=low, maximum=high
            )
            # SCALE * std = half a mode's width: the scalar spans [-1, 1] across each mode
            encodings.append(
                NumericEncoding(public_column, centres, np.full(modes, half / SCALE), spec.missing, low, high)
            )
        else:
            categories = tuple(spec.categories or ())
            public_column = ColumnSchema(column.name, "categorical", categories=categories)
            encodings.append(CategoricalEncoding(public_column, list(categories), spec.missing))
        columns.append(public_column)
    transformer.encodings_ = encodings
    transformer.schema_ = TabularSchema(
        tuple(columns), target=schema.target, target_dtype=schema.target_dtype
    )
    return transformer


def conform(frame: pd.DataFrame, public: dict[str, PublicColumn]) -> pd.DataFrame:
    """The frame with categorical values as declared strings; refuses undeclared values or missing
    values in columns not declared ``missing: true``."""
    frame = frame.copy()
    for name, spec in public.items():
        values = frame[name]
        missing = values.isna().to_numpy()
        if missing.any() and not spec.missing:
            row = int(np.flatnonzero(missing)[0])
            raise UserInputError(
                f"column '{name}' has a missing value (training row {row}) but is not declared missing",
                where=f"{WHERE}.{name}",
                hint=f"Add missing: true to privacy.public_columns.{name}.",
            )
        if spec.categories is not None:
            text = values.astype(object).map(lambda v: v if pd.isna(v) else str(v))
            allowed = set(spec.categories)
            bad = ~text.isna().to_numpy() & ~text.isin(allowed).to_numpy()
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise UserInputError(
                    f"column '{name}' holds {text.iloc[row]!r} (training row {row}), which is not among "
                    "its declared categories",
                    where=f"{WHERE}.{name}.categories",
                    hint="Declare every value the column may take (the list is public, not read from "
                    "the data).",
                )
            frame[name] = text
    return frame


def _check_declared(schema: TabularSchema, public: dict[str, PublicColumn]) -> None:
    undeclared = [c.name for c in schema.columns if c.name not in public]
    if undeclared:
        example = schema.column(undeclared[0])
        shape = "{bounds: [low, high]}" if example.kind == "numeric" else "{categories: [a, b, ...]}"
        raise UserInputError(
            f"privacy.enabled is true, but columns {undeclared} have no public declaration, so their "
            "encoding would be fitted on the private data (ranges, mixtures, categories) outside the budget",
            where=WHERE,
            hint=f"Declare each from public knowledge, e.g. privacy.public_columns.{undeclared[0]}: {shape} "
            "(add integer: true / missing: true where they apply), or list the column under "
            "dataset.drop_columns.",
        )
    unknown = [name for name in public if name not in schema.names]
    if unknown:
        raise UserInputError(
            f"privacy.public_columns declares {unknown}, which the training table does not have",
            where=WHERE,
            hint=f"Columns: {', '.join(schema.names)}.",
        )
    for column in schema.columns:
        spec = public[column.name]
        declared = "numeric" if spec.bounds is not None else "categorical"
        if declared != column.kind:
            raise UserInputError(
                f"column '{column.name}' is {column.kind} in the data but declared {declared}",
                where=f"{WHERE}.{column.name}",
                hint=f"Declare {'bounds' if column.kind == 'numeric' else 'categories'}, or force the kind "
                f"with dataset.{declared}_columns.",
            )


def encoded_norm_bound(transformer: TabularTransformer) -> float:
    """The largest L2 norm an encoded row can have: a numeric column holds a scalar in [-1, 1]
    and a one-hot (mode or missing), a categorical column a one-hot."""
    return math.sqrt(sum(2.0 if isinstance(e, NumericEncoding) else 1.0 for e in transformer.encodings_))
