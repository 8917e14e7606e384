"""The checks made before anything is read or written: a run that cannot be honoured is refused
with the setting to change, so no run directory or export is left half-made."""

from __future__ import annotations

from pathlib import Path

from synthaug.evaluation.run_verification import check_evaluation_config
from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.destinations import check_writable_folder
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources import check_source
from synthaug.pipeline.watermark.apply import check_configured_key


def check_config(config: SynthaugConfig) -> None:
    """Refuse, before anything is read or written, settings that cannot be honoured: a data file
    that is not there, private training with settings DP-SGD cannot keep private, and promises no
    stage provides yet."""
    check_source(config.dataset)
    if config.training.synthesizer == "copula" and config.dataset.resolved_kind() != "tabular":
        raise UserInputError(
            "training.synthesizer is copula, which models tables only, but the dataset is images",
            where="training.synthesizer",
            hint="Use training.synthesizer: gan for images.",
        )
    if config.evaluation.filter_rule == "data-iq" and config.dataset.resolved_kind() != "tabular":
        raise UserInputError(
            "evaluation.filter_rule is data-iq, which judges table rows with gradient boosting, but "
            "the dataset is images",
            where="evaluation.filter_rule",
            hint="Use evaluation.filter_rule: contradicted for images (the CNN judges them).",
        )
    if config.privacy.enabled:
        from synthaug.privacy.compatibility import check_generation_config, check_training_config

        kind = config.dataset.resolved_kind()
        check_training_config(config.training, kind=kind)
        check_generation_config(config.generation)
        if kind == "tabular" and not config.privacy.public_columns:
            raise UserInputError(
                "privacy.enabled is true, but privacy.public_columns is empty, so the table's encoding "
                "(ranges, categories) would be fitted on the private data outside the budget",
                where="privacy.public_columns",
                hint="Declare every feature column from public knowledge: bounds: [low, high] for numeric "
                "columns, categories: [...] for categorical ones (see examples/breast_cancer_dp.yaml).",
            )
    check_writable_folder(
        config.output_dir, key="output_dir (--output-dir)", what="folder for run directories"
    )
    if config.watermark.enabled:
        check_configured_key(config.watermark)  # missing or world-readable: say so before training
    plan = config.generation
    if (plan.strategy == "balanced" and plan.per_class == 0) or (
        plan.strategy == "explicit" and not any(plan.counts.values())
    ):
        raise UserInputError(
            "generation plans no synthetic samples at all"
            + (" (per_class: 0)" if plan.strategy == "balanced" else " (every count is 0)"),
            where="generation.per_class" if plan.strategy == "balanced" else "generation.counts",
            hint="Ask for at least one sample per class, e.g. --set generation.per_class=100.",
        )
    destination = config.export.directory
    if destination is not None:
        check_writable_folder(destination, key="export.directory", what="export folder")
    if destination is not None and Path(destination).exists() and not config.export.overwrite:
        raise UserInputError(
            "export.directory already exists; refusing to overwrite an earlier export",
            where=destination,
            hint="Choose a new export.directory, or set export.overwrite: true to replace it.",
        )
    if config.evaluation.require_gain and not config.evaluation.enabled:
        raise UserInputError(
            "evaluation.require_gain is true, but evaluation.enabled is false, so no gain could be shown",
            where="evaluation.require_gain",
            hint="Enable the evaluation, or set evaluation.require_gain: false.",
        )
    check_evaluation_config(config.evaluation)
