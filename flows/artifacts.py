"""Prefect artifacts of the augment flow: training progress, the verification table, a run summary.

They make a run readable from the Prefect UI (``prefect server start``) or API without opening
the run directory. Keys derive from the job's name, so each scheduled job keeps its own history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from synthaug.evaluation.run_verification import amount_text
from synthaug.pipeline.layout import HTML_FILE, REPORT_DIR
from synthaug.stages.dataset_card import model_words, training_words


def artifact_key(name: str, what: str) -> str:
    """Prefect keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", f"{name}-{what}".lower())).strip("-")


def progress(name: str, what: str, description: str) -> Callable[[float], None]:
    """A progress artifact ``<name>-<what>`` and the callback that sets it from a completed
    fraction (at most every whole percent)."""
    artifact_id = create_progress_artifact(
        progress=0.0, key=artifact_key(name, what), description=description
    )
    shown = [0.0]

    def update(fraction: float) -> None:
        percent = min(100.0, 100.0 * fraction)
        if percent - shown[0] >= 1.0 or (percent >= 100.0 and shown[0] < 100.0):
            update_progress_artifact(artifact_id, percent)
            shown[0] = percent

    return update


def training_progress(name: str, total_steps: int) -> Callable[[int], None]:
    """The training progress artifact and the ``on_step`` callback that advances it."""
    update = progress(name, "training", "GAN training progress, % of steps")
    return lambda step: update(step / total_steps)


def verification_table(name: str, verification: dict[str, Any]) -> None:
    """One row per downstream classifier: selected amount, paired gain with its interval, verdict."""
    rows = [
        {
            "classifier": classifier,
            "verdict": c["verdict"],
            "recommendation": c.get("recommendation"),
            "synthetic_added": amount_text(c),
            f"real_only_{verification['metric']}": c[f"real_{verification['metric']}"],
            "gain_points": c["gain_points"],
            "gain_ci95_points": c["gain_ci95_points"],
            "p_value": c["p_value"],
            # absent without the classic baseline (evaluation.classic_baseline: false)
            **{k: c[k] for k in ("vs_classic_points", "vs_classic_ci95_points") if k in c},
        }
        for classifier, c in verification.get("classifiers", {}).items()
    ]
    description = (
        f"Recommendation: {verification.get('recommendation', 'none')}; "
        f"verdict: {verification.get('verdict', 'not verified')}"
    )
    if rows:
        create_table_artifact(rows, key=artifact_key(name, "verification"), description=description)


def run_summary(name: str, run_path: Path, manifest: dict[str, Any]) -> None:
    """Markdown summary of a finished run, linking its HTML report."""
    verification = manifest.get("verification") or {}
    training = manifest.get("training") or {}
    exported = manifest.get("export") or {}
    report = run_path / (manifest.get("report") or {}).get("html", f"{REPORT_DIR}/{HTML_FILE}")
    lines = [
        f"# {manifest.get('run_id', run_path.name)}",
        "",
        f"**Verdict: {verification.get('verdict', 'not verified')}**",
        "",
        f"- data: {manifest.get('data', {}).get('uri')} ({manifest.get('data', {}).get('rows')} rows)",
        f"- training: {model_words(training)}: {training_words(training)}",
        f"- synthetic samples: {(manifest.get('generation') or {}).get('total')}",
        f"- export: {exported.get('refused') or exported.get('directory')}",
        f"- report: [{report}]({report.as_uri()})",
    ]
    create_markdown_artifact(
        "\n".join(lines), key=artifact_key(name, "run"), description="synthaug run summary"
    )
