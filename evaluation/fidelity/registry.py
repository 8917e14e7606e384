"""Every fidelity metric by name, and the choice of metrics for a run."""

from __future__ import annotations

from synthaug.evaluation.fidelity import (
    class_agreement,
    class_counts,
    class_diversity,
    column_shapes,
    correlation_difference,
    detection_auc,
    frechet_distance,
    inception_fid,
    kernel_distance,
    precision_recall,
)
from synthaug.evaluation.fidelity.base import FidelityMetric, Kind
from synthaug.pipeline.errors import UserInputError, suggest

FIDELITY_METRICS: dict[str, FidelityMetric] = {
    m.METRIC.name: m.METRIC
    for m in (
        class_counts,
        frechet_distance,
        kernel_distance,
        precision_recall,
        class_diversity,
        class_agreement,
        inception_fid,
        column_shapes,
        correlation_difference,
        detection_auc,
    )
}


def check_metric_names(names: list[str] | None) -> None:
    for name in names or []:
        if name not in FIDELITY_METRICS:
            raise UserInputError(
                f"evaluation.fidelity_metrics names an unknown metric '{name}'",
                where="evaluation.fidelity_metrics",
                hint=suggest(name, FIDELITY_METRICS) + f" Known: {', '.join(FIDELITY_METRICS)}.",
            )


def metrics_for(kind: Kind, names: list[str] | None = None) -> list[FidelityMetric]:
    """The named metrics (all by default) that apply to ``kind``, in registry order."""
    check_metric_names(names)
    chosen = FIDELITY_METRICS if names is None else {n: FIDELITY_METRICS[n] for n in names}
    return [m for m in FIDELITY_METRICS.values() if m.name in chosen and m.applies_to(kind)]
