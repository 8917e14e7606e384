"""The gain benchmark's memorisation columns: every verified run's own privacy audit, summarised.

Issue 19 asks for synthetic data that help *without* copying the training split: at most 0.65 of
the samples nearer the training split than the held-out split, at most 5% near copies and a
membership-inference AUC of at most 0.6. ``verify_run`` audits every run's samples against its
held-out split (``privacy/audit.py``, after the generator's near-copy curation), CTGAN's as well,
so the same runs that measure the gain measure the memorisation. The AUC goal is read either way
(the larger of AUC and 1 - AUC): curation can push the attack below 0.5, where it learns as much
read the other way round (README, "Does it help?").
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from benchmarks.common import markdown_table
from synthaug.privacy.audit import (
    MEMBERSHIP_AUC,
    MEMBERSHIP_AUC_EITHER_WAY,
    NEAR_COPIES,
    SHARE_CLOSER_TO_TRAIN,
)

# audit key -> the most a dataset's mean may reach
GOALS = {SHARE_CLOSER_TO_TRAIN: 0.65, NEAR_COPIES: 0.05, MEMBERSHIP_AUC_EITHER_WAY: 0.6}
COLUMNS = (SHARE_CLOSER_TO_TRAIN, NEAR_COPIES, MEMBERSHIP_AUC, MEMBERSHIP_AUC_EITHER_WAY)
SOURCES = {"ours": "synthaug", "ctgan": "ctgan"}  # which protocol result -> the method it audits


def audit_rows(dataset: str, seed: int, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per verified result of a run (ours, CTGAN's) that carries an audit."""
    rows = []
    for source, method in SOURCES.items():
        audit = (results.get(source) or {}).get("privacy_audit")
        if audit:
            rows.append(
                {
                    "dataset": dataset,
                    "seed": seed,
                    "method": method,
                    **{k: audit[k] for k in COLUMNS if k in audit},
                }
            )
    return rows


def summarise(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per dataset and method: the mean of each audit column over the seeds, and the worst seed's
    share nearer the training split and AUC either way."""
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    grouped = frame.groupby(["dataset", "method"], sort=False)
    table = grouped[[c for c in COLUMNS if c in frame]].mean().round(3)
    table.insert(0, "seeds", grouped.size())
    for column in (SHARE_CLOSER_TO_TRAIN, MEMBERSHIP_AUC_EITHER_WAY):
        if column in frame:
            table[f"worst_{column}"] = grouped[column].max().round(3)
    return table.reset_index()


def goals(table: pd.DataFrame) -> dict[str, bool]:
    """Per dataset, for synthaug's samples: each mean within its GOALS bound."""
    if table.empty:
        return {}
    ours = table[table["method"] == SOURCES["ours"]]
    within = ", ".join(f"{k} <= {bound:g}" for k, bound in GOALS.items())
    return {
        f"{row['dataset']}: no memorisation ({within})": all(
            k in row and row[k] <= bound for k, bound in GOALS.items()
        )
        for _, row in ours.iterrows()
    }


def section(table: pd.DataFrame) -> str:
    """The results file's memorisation table ("" when no run was audited)."""
    if table.empty:
        return ""
    return (
        "\n\nMemorisation: each run's own privacy audit of its samples against the held-out split, "
        "mean over the seeds (benchmarks/memorisation.py):\n\n" + markdown_table(table)
    )
