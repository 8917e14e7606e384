"""The verify stage: what it reads, where it runs, and the serial form of it.

The job runs every verification unit in turn (:func:`verify`); ``flows/verification.py`` spreads
the same units over a task runner. Both start from :func:`plan` and end with :func:`log_verdict`,
so the two paths cannot drift apart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from synthaug.evaluation.statistics import NOT_VERIFIED
from synthaug.pipeline.config import EvaluationConfig, SynthaugConfig
from synthaug.pipeline.rundir import RunDirectory

if TYPE_CHECKING:
    from synthaug.evaluation.verification_inputs import VerificationFiles

log = logging.getLogger(__name__)

NOT_ENABLED = "evaluation.enabled: false"


@dataclass(frozen=True)
class VerificationPlan:
    files: VerificationFiles  # the run's splits, synthetic sets and selection folds
    spec: EvaluationConfig
    device: str  # the downstream CNN's device: the training device


def plan(run: RunDirectory, config: SynthaugConfig) -> VerificationPlan | None:
    """The verify stage's inputs, or None when ``evaluation.enabled`` is false."""
    if not config.evaluation.enabled:
        return None
    from synthaug.evaluation.verification_inputs import VerificationFiles
    from synthaug.models.device import select_device

    return VerificationPlan(
        VerificationFiles.of_run(run.path), config.evaluation, select_device(config.training.device).type
    )


def not_verified() -> dict[str, Any]:
    """The summary of a run whose verification is switched off."""
    return {"verdict": NOT_VERIFIED, "reason": NOT_ENABLED}


def log_verdict(summary: dict[str, Any]) -> None:
    log.info("verification verdict: %s (%s)", summary["verdict"], summary["classifiers"])


def verify(run: RunDirectory, config: SynthaugConfig) -> dict[str, Any]:
    """Score downstream classifiers with and without the synthetic data on the held-out test split,
    every verification unit in turn."""
    from synthaug.evaluation.run_verification import verify_run

    found = plan(run, config)
    if found is None:
        return not_verified()
    summary = verify_run(found.files, spec=found.spec, device=found.device)
    log_verdict(summary)
    return summary
