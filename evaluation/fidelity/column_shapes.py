"""How well each column's marginal distribution matches the real training split.

Per column: 1 - Kolmogorov-Smirnov statistic (numeric) or 1 - total-variation distance of the
category frequencies (categorical); 1 is a perfect match. Missing values are left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from synthaug.evaluation.columns import numeric_columns
from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    numeric = set(numeric_columns(real))
    scores = {}
    for column in real.columns:
        r, s = real[column].dropna(), synthetic[column].dropna()
        if len(r) == 0 or len(s) == 0:
            scores[column] = 0.0
        elif column in numeric:
            scores[column] = 1.0 - float(ks_2samp(r.to_numpy(float), s.to_numpy(float)).statistic)
        else:
            p = r.astype(str).value_counts(normalize=True)
            q = s.astype(str).value_counts(normalize=True)
            scores[column] = 1.0 - 0.5 * float(p.subtract(q, fill_value=0).abs().sum())
    return scores


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    synthetic = column_shapes(inputs.real.x, inputs.synthetic.x)
    reference = column_shapes(inputs.real.x, inputs.reference.x)
    return {
        VALUE: float(np.mean(list(synthetic.values()))),
        REFERENCE: float(np.mean(list(reference.values()))),
        "per_column": synthetic,
        "worst_columns": sorted(synthetic, key=synthetic.get)[:5],
    }


METRIC = FidelityMetric(
    name="column_shapes",
    kind="tabular",
    description="mean per-column 1 - KS statistic (numeric) / 1 - total variation (categorical) "
    "against the real training split (1: identical marginals)",
    compute=_compute,
)
