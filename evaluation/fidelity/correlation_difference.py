"""How well pairwise relationships match: mean absolute difference of the off-diagonal Pearson
correlations of the numeric columns (0: identical correlation matrices; at most 2)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthaug.evaluation.columns import numeric_columns
from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric


def correlation_difference(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    columns = numeric_columns(real)
    if len(columns) < 2:
        return 0.0
    a = real[columns].astype(float).corr().to_numpy()
    b = synthetic[columns].astype(float).corr().to_numpy()
    off_diagonal = ~np.eye(len(columns), dtype=bool)
    return float(np.nanmean(np.abs(a - b)[off_diagonal]))


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    return {
        VALUE: correlation_difference(inputs.real.x, inputs.synthetic.x),
        REFERENCE: correlation_difference(inputs.real.x, inputs.reference.x),
    }


METRIC = FidelityMetric(
    name="correlation_difference",
    kind="tabular",
    description="mean absolute difference of numeric columns' pairwise correlations from the real "
    "training split (0: identical)",
    compute=_compute,
)
