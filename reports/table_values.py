"""Table values written as a person reads them: each number with the decimals its real column
uses (so a synthetic value's extra digits neither clutter the page nor give the sample away),
missing values as "missing", everything else as text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

MAX_DECIMALS = 6


def value_formats(real: pd.DataFrame) -> dict[str, Callable[[Any], str]]:
    """Per column of ``real``, a function that writes one value of that column."""
    formats: dict[str, Callable[[Any], str]] = {}
    for column in real.columns:
        values = real[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            decimals = _decimals(values.dropna().to_numpy(dtype=float))
            # + 0.0 turns the -0.0 a small negative value rounds to into 0.0, as a real value reads
            formats[column] = lambda v, d=decimals: (
                "missing" if pd.isna(v) else f"{round(float(v), d) + 0.0:.{d}f}"
            )
        else:
            formats[column] = lambda v: "missing" if pd.isna(v) else str(v)
    return formats


def _decimals(values: np.ndarray) -> int:
    for decimals in range(MAX_DECIMALS + 1):
        if np.allclose(np.round(values, decimals), values, rtol=0, atol=1e-9):
            return decimals
    return MAX_DECIMALS
