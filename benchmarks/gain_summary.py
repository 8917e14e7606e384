"""The gain benchmark's summary across pipeline seeds: per-seed rows from each run's verification
result, the table of gains with 95% intervals, the head-to-head comparisons on the same runs, the
issue's goals, and the results files (``benchmarks/results/NAME.json`` and ``.md``). Used by
``benchmarks/verification_gain.py`` and by the benchmarks that read its kept runs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import memorisation
from benchmarks.common import RESULTS, markdown_table, write_result
from synthaug.evaluation import gain
from synthaug.evaluation.conditions import SELECTION_OF, selected
from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC
from synthaug.evaluation.statistics import PairedComparison, paired_comparison

# method -> (which protocol result, which condition)
METHODS = {
    "synthaug": ("ours", gain.REAL_SYNTHETIC),
    "classic": ("ours", gain.REAL_CLASSIC),
    "classic+synthaug": ("ours", gain.REAL_CLASSIC_SYNTHETIC),
    "ctgan": ("ctgan", gain.REAL_SYNTHETIC),
    "synthaug-only": ("ours", gain.SYNTHETIC_ONLY),
    "ctgan-only": ("ctgan", gain.SYNTHETIC_ONLY),
}
# head to head, paired on the same runs: (method, baseline)
PAIRS = (("synthaug", "classic"), ("synthaug", "ctgan"), ("classic+synthaug", "classic"))
GOAL_FLOOR_POINTS = -0.5
TABLES_GOAL_POINTS = 1.5  # mean over the tables and classifiers


def per_seed_rows(dataset: str, seed: int, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per classifier and method: mean real-only score and mean paired difference."""
    rows = []
    for classifier, ours in results["ours"]["classifiers"].items():
        real = ours["conditions"][gain.REAL][PRIMARY_METRIC]["mean"]
        for method, (source, condition) in METHODS.items():
            result = results.get(source)
            if result is None or condition not in result["classifiers"][classifier]["paired_vs_real"]:
                continue
            entry = result["classifiers"][classifier]
            paired = entry["paired_vs_real"][condition][PRIMARY_METRIC]
            selection = selected(entry["selection"], condition) if condition in SELECTION_OF else {}
            rows.append(
                {
                    "dataset": dataset,
                    "classifier": classifier,
                    "method": method,
                    "seed": seed,
                    "real_only": real,
                    "difference": paired["mean_difference"],
                    "run_verdict": paired["verdict"],
                    "selected_amount": selection.get("amount"),
                    "selected_weight": selection.get("weight", 1.0) if selection else None,
                }
            )
    return rows


def gain_columns(comparison: PairedComparison) -> dict[str, float]:
    """A paired comparison as a results table's columns: the mean gain and its 95% interval in
    points, and the paired p-value."""
    return {
        "gain_points": round(100 * comparison.mean_difference, 2),
        "ci95_low": round(100 * comparison.low, 2),
        "ci95_high": round(100 * comparison.high, 2),
        "p_value": round(comparison.p_value, 4),
    }


def summarise(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Across pipeline seeds: mean gain in points, its 95% interval, the paired p-value."""
    out = []
    frame = pd.DataFrame(rows)
    keys = ["dataset", "classifier", "method"]
    for (dataset, classifier, method), group in frame.groupby(keys, sort=False):
        real = group["real_only"].to_numpy()
        comparison = paired_comparison(real + group["difference"].to_numpy(), real)
        out.append(
            {
                "dataset": dataset,
                "classifier": classifier,
                "method": method,
                "seeds": len(group),
                "real_only_%": round(100 * float(real.mean()), 2),
                **gain_columns(comparison),
                "verdict": comparison.verdict,
                "runs_with_gain_verdict": int((group["run_verdict"] == "gain").sum()),
                "mean_selected_amount": round(float(pd.to_numeric(group["selected_amount"]).mean()), 2),
            }
        )
        # where the CV chose between weights (added_weights), over the runs that added samples
        added = pd.to_numeric(group["selected_amount"]) > 0
        weights = pd.to_numeric(group.get("selected_weight", pd.Series(np.nan, group.index)))[added].dropna()
        if (weights != 1).any():
            out[-1]["mean_selected_weight"] = round(float(weights.mean()), 2)
    return pd.DataFrame(out)


def head_to_head(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Each of PAIRS (synthaug minus classic and minus CTGAN; classic+synthaug minus classic),
    paired on the same runs: per pipeline seed the mean over the tables' datasets and classifiers
    (each image dataset alone), then the mean over seeds with a 95% t-interval. "Ahead" in the
    goals compares means; this says whether the difference is more than the seeds' noise."""
    frame = pd.DataFrame(rows)
    frame["group"] = frame["dataset"].map(lambda d: d if str(d).startswith("digits") else "tables")
    wide = frame.pivot_table(
        index=["group", "seed", "dataset", "classifier"], columns="method", values="difference"
    )
    out = []
    for group, part in wide.groupby(level="group", sort=False):
        for method, baseline in PAIRS:
            if any(m not in part or part[m].isna().any() for m in (method, baseline)):
                continue
            per_seed = part.groupby(level="seed")[[method, baseline]].mean()
            comparison = paired_comparison(per_seed[method].to_numpy(), per_seed[baseline].to_numpy())
            out.append(
                {
                    "setting": group,
                    "method": method,
                    "versus": baseline,
                    "seeds": len(per_seed),
                    "difference_points": round(100 * comparison.mean_difference, 2),
                    "ci95_low": round(100 * comparison.low, 2),
                    "ci95_high": round(100 * comparison.high, 2),
                    "p_value": round(comparison.p_value, 4),
                }
            )
    return pd.DataFrame(out)


def goals(table: pd.DataFrame) -> dict[str, bool]:
    ours = table[table["method"] == "synthaug"]
    per_dataset = {
        f"{d}: lower bound above zero for every classifier": bool((g["verdict"] == "gain").all())
        for d, g in ours.groupby("dataset")
    }
    ahead = {}
    for (d, c), g in table.groupby(["dataset", "classifier"]):
        gains = dict(zip(g["method"], g["gain_points"], strict=True))
        ahead[f"{d}/{c}: ahead of classic and CTGAN"] = all(
            gains["synthaug"] > gains[m] for m in ("classic", "ctgan") if m in gains
        )
    tables = ours[ours["dataset"].map(lambda d: not str(d).startswith("digits"))]
    mean = float(tables["gain_points"].mean()) if len(tables) else 0.0
    tabular = {
        f"tables: mean gain at least +{TABLES_GOAL_POINTS} points (now {mean:+.2f})": mean
        >= TABLES_GOAL_POINTS
    }
    return {
        **per_dataset,
        **(tabular if len(tables) else {}),
        f"never below {GOAL_FLOOR_POINTS} points for any classifier": bool(
            (ours["gain_points"] >= GOAL_FLOOR_POINTS).all()
        ),
        **ahead,
        **_on_top_of_smote(table),
    }


def _on_top_of_smote(table: pd.DataFrame) -> dict[str, bool]:
    """The tables' goals for classic+synthaug (SMOTE rows plus ours), which the recommendation can
    choose as well: the mean gain, the floor, and ahead of SMOTE alone on average."""
    tables = table[table["dataset"].map(lambda d: not str(d).startswith("digits"))]
    gains = tables.pivot_table(index=["dataset", "classifier"], columns="method", values="gain_points")
    if "classic+synthaug" not in gains or "classic" not in gains:
        return {}
    both, classic = gains["classic+synthaug"], gains["classic"]
    mean, ahead = float(both.mean()), float((both - classic).mean())
    return {
        f"tables, classic+synthaug: mean gain at least +{TABLES_GOAL_POINTS} points (now {mean:+.2f})": mean
        >= TABLES_GOAL_POINTS,
        f"tables, classic+synthaug: never below {GOAL_FLOOR_POINTS} points (worst {both.min():+.2f})": bool(
            both.min() >= GOAL_FLOOR_POINTS
        ),
        f"tables, classic+synthaug: ahead of classic on average (by {ahead:+.2f})": ahead > 0,
    }


def write_summary(
    name: str,
    title: str,
    settings: str,
    rows: list[dict[str, Any]],
    timings: list[dict[str, Any]],
    audits: list[dict[str, Any]],
    measured: dict[str, Any] | None = None,
) -> None:
    """benchmarks/results/NAME.json and .md from the per-seed rows and audits (``measured``: the
    stored measured_at and machine, when summarising stored rows again)."""
    table, versus, audited = summarise(rows), head_to_head(rows), memorisation.summarise(audits)
    met = {**goals(table), **memorisation.goals(audited)}
    print(table.to_string(), versus.to_string(), sep="\n")
    print(json.dumps(met, indent=2))
    write_result(
        name,
        {
            "title": title,
            "settings": settings,
            "table": table.to_dict(orient="records"),
            "head_to_head": versus.to_dict(orient="records"),
            "goals": met,
            "per_seed": rows,
            "memorisation": audited.to_dict(orient="records"),
            "audits": audits,
            "stage_seconds": timings,
            **(measured or {}),
        },
    )
    (RESULTS / f"{name}.md").write_text(
        f"# Verification gain, {title}\n\n"
        "Gain: balanced accuracy (points) of real + method minus real only, on the held-out real "
        "test split; mean over pipeline seeds with a 95% t-interval.\n\n"
        + markdown_table(table)
        + "\n\nsynthaug minus each baseline on the same runs (points; per seed the mean over the "
        "datasets and classifiers, then a 95% t-interval across seeds):\n\n"
        + markdown_table(versus)
        + memorisation.section(audited)
        + "\n\nGoals:\n\n"
        + "\n".join(f"- {'met' if ok else 'NOT met'}: {goal}" for goal, ok in met.items())
        + "\n",
        encoding="utf-8",
    )
