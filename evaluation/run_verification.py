"""The main job's verification step: the protocol of gain.py on a run's recorded data, as units
a task runner can spread over workers.

Units, each of which loads its inputs from disk (verification_inputs.VerificationFiles) and writes
its output under ``evaluation/``, so that tasks pass paths and small summaries:

- ``select_unit(classifier)``: phase 1 (amount and filtering by inner CV on the training split,
  each fold drawing from its own generator when stages/fold_generators.py trained them);
  writes ``evaluation/parts/selection-<classifier>.json``.
- ``score_unit(classifier, seed)``: phase 2 for one seed, on the held-out test split; needs that
  classifier's selection; writes ``evaluation/parts/scores-<classifier>-<seed>.json`` and each
  condition's class probabilities on the test rows, ``predictions-<classifier>-<seed>.npz``.
- ``fidelity_unit()``: the fidelity metrics of evaluation/fidelity, written as
  ``evaluation/fidelity.json`` and ``fidelity.jsonl`` (one line per metric value).
- ``combine_units()``: after all of the above, the privacy audit (privacy/audit.py) and
  ``evaluation/gain.json`` (the full result) and ``evaluation/scores.jsonl`` (one line per
  classifier, condition and seed).

``verify_run`` runs them one after another; every order gives the same files, since each unit
draws its own seeded randomness (for the same torch thread count: the CNN's CPU sums depend on it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC
from synthaug.evaluation.numeric_threads import single_threaded_numerics
from synthaug.pipeline.atomic import atomic_path, write_json
from synthaug.pipeline.config import EvaluationConfig
from synthaug.pipeline.errors import UserInputError, suggest
from synthaug.pipeline.layout import (
    FIDELITY_FILE,
    FIDELITY_LINES_FILE,
    PARTS_DIR,
    RESULT_FILE,
    SCORES_FILE,
)
from synthaug.pipeline.progress import Progress

if TYPE_CHECKING:
    from synthaug.evaluation.verification_inputs import VerificationFiles

log = logging.getLogger(__name__)


def check_evaluation_config(spec: EvaluationConfig) -> None:
    """Names that must exist (classifiers, fidelity metrics) and the Inception weights file."""
    from synthaug.evaluation.classifiers import IMAGE_CLASSIFIERS, TABULAR_CLASSIFIERS
    from synthaug.evaluation.fidelity.registry import check_metric_names

    check_metric_names(spec.fidelity_metrics)
    if spec.inception_weights is not None and not spec.inception_weights.is_file():
        raise UserInputError(
            f"the Inception weights file {spec.inception_weights} does not exist",
            where="evaluation.inception_weights",
            hint="Point it at a local file, or remove the setting (standard FID is then skipped; "
            "nothing is downloaded).",
        )

    for key, names, registry in (
        ("tabular_classifiers", spec.tabular_classifiers, TABULAR_CLASSIFIERS),
        ("image_classifiers", spec.image_classifiers, IMAGE_CLASSIFIERS),
    ):
        for name in names:
            if name not in registry:
                raise UserInputError(
                    f"evaluation.{key} names an unknown classifier '{name}'",
                    where=f"evaluation.{key}",
                    hint=suggest(name, registry) + f" Known: {', '.join(registry)}.",
                )


def classifier_names(spec: EvaluationConfig, kind: str) -> list[str]:
    """The downstream classifiers the protocol trains for a data kind."""
    return list(spec.tabular_classifiers if kind == "tabular" else spec.image_classifiers)


def protocol_settings(spec: EvaluationConfig):
    from synthaug.evaluation.selection import ProtocolSettings

    return ProtocolSettings(
        seeds=spec.seeds,
        folds=spec.folds,
        repeats=spec.cv_repeats,
        cv_seeds=spec.cv_seeds,
        amounts=tuple(spec.amounts),
        filtering=spec.filtering,
        filter_confidence=spec.filter_confidence,
        filter_rule=spec.filter_rule,
        replicates=spec.bootstrap_replicates,
        rule=spec.selection_rule,
        allocation=spec.allocation,
        weights=tuple(spec.added_weights),
        preferred=spec.preferred,
        classic=spec.classic_baseline,
    )


@single_threaded_numerics
def select_unit(
    files: VerificationFiles, *, spec: EvaluationConfig, classifier: str, device: str = "cpu"
) -> dict[str, Any]:
    """Phase 1 for ``classifier``; returns the selected amount and whether filtering is on."""
    from synthaug.evaluation.selection import select_settings

    train, real, synthetic = files.training()
    make = _classifier(train.kind, classifier, spec, n_classes=len(train.classes), device=device)
    chosen = select_settings(
        real=real,
        synthetic=synthetic,
        make=make,
        kind=train.kind,
        settings=protocol_settings(spec),
        fold_pools=files.fold_pools(train),
    )
    write_json(_selection_file(files, classifier), chosen.to_dict())
    synthetic_choice = chosen.selections["synthetic"]
    return {
        "classifier": classifier,
        "amount": synthetic_choice.amount,
        "filtered": synthetic_choice.filtered,
    }


@single_threaded_numerics
def score_unit(
    files: VerificationFiles, *, spec: EvaluationConfig, classifier: str, seed: int, device: str = "cpu"
) -> dict[str, Any]:
    """Phase 2 for ``classifier`` and ``seed`` (after its ``select_unit``); returns the primary
    metric per condition."""
    from synthaug.evaluation.gain import predict_seed, scores_of
    from synthaug.evaluation.selection import ClassifierSelection

    chosen = ClassifierSelection.from_dict(_read_json(_selection_file(files, classifier)))
    train, real, synthetic = files.training()
    make = _classifier(train.kind, classifier, spec, n_classes=len(train.classes), device=device)
    test = files.held_out()
    predictions = predict_seed(
        real=real,
        synthetic=synthetic,
        test=test,
        make=make,
        chosen=chosen,
        kind=train.kind,
        seed=seed,
        allocation=spec.allocation,
        classic=spec.classic_baseline,
    )
    scores = scores_of(test, predictions)
    with atomic_path(_predictions_file(files, classifier, seed)) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **predictions)
    write_json(_scores_file(files, classifier, seed), scores)
    return {"classifier": classifier, "seed": seed, **{c: v[PRIMARY_METRIC] for c, v in scores.items()}}


@single_threaded_numerics
def fidelity_unit(files: VerificationFiles, *, spec: EvaluationConfig, device: str = "cpu") -> dict[str, Any]:
    """The fidelity metrics; returns their headline values."""
    from synthaug.evaluation.fidelity.report import fidelity_lines, headline

    train, real, synthetic = files.training()
    fidelity = fidelity_report(
        real, synthetic, files.held_out(), kind=train.kind, classes=train.classes, spec=spec, device=device
    )
    write_json(files.output / FIDELITY_FILE, fidelity)
    _write_lines(files.output / FIDELITY_LINES_FILE, [json.dumps(line) for line in fidelity_lines(fidelity)])
    return headline(fidelity)


@single_threaded_numerics
def combine_units(files: VerificationFiles, *, spec: EvaluationConfig) -> dict[str, Any]:
    """The full result from every unit's output (all must have run); returns the summary."""
    from synthaug.evaluation.fidelity.report import headline
    from synthaug.evaluation.gain import assemble_result, summarise_classifier
    from synthaug.evaluation.selection import ClassifierSelection

    train, real, synthetic = files.training()
    test = files.held_out()
    results, lines = {}, []
    for name in classifier_names(spec, train.kind):
        chosen = ClassifierSelection.from_dict(_read_json(_selection_file(files, name)))
        per_seed = [_read_json(_scores_file(files, name, seed)) for seed in range(spec.seeds)]
        lines += [
            json.dumps({"classifier": name, "condition": condition, "seed": seed, **values})
            for seed, scores in enumerate(per_seed)
            for condition, values in scores.items()
        ]
        predictions = [_read_predictions(_predictions_file(files, name, s)) for s in range(spec.seeds)]
        results[name] = summarise_classifier(test, predictions, chosen, protocol_settings(spec))
    sizes = {"real_train": len(real), "synthetic_pool": len(synthetic), "test": len(test)}
    selection = files.selection_summary()
    result = assemble_result(
        results,
        settings=protocol_settings(spec),
        sizes=sizes,
        cross_fitted=bool(selection["cross_fitted"]),
        shared_reason=selection.get("reason", ""),
    )
    result["classes"] = list(train.classes)
    result["real_train_counts"] = {c: int(n) for c, n in zip(train.classes, real.counts(), strict=True)}
    result["privacy_audit"] = privacy_audit(real, test, synthetic)
    write_json(files.output / RESULT_FILE, result)
    _write_lines(files.output / SCORES_FILE, lines)
    fidelity = _read_json(files.output / FIDELITY_FILE)
    return {**summarise(result), "fidelity": headline(fidelity)}


def verify_run(files: VerificationFiles, *, spec: EvaluationConfig, device: str = "cpu") -> dict[str, Any]:
    """Every unit, one after another, then the combined result; returns the summary."""
    names = classifier_names(spec, files.kind)
    with verification_progress(files, spec):
        for name in names:
            select_unit(files, spec=spec, classifier=name, device=device)
        for name in names:
            for seed in range(spec.seeds):
                score_unit(files, spec=spec, classifier=name, seed=seed, device=device)
        fidelity_unit(files, spec=spec, device=device)
    return combine_units(files, spec=spec)


def verification_progress(
    files: VerificationFiles, spec: EvaluationConfig, *, on_update: Callable[[float], None] | None = None
) -> Progress:
    """The verification's progress, counted in classifier fits (a bar with an ETA on a terminal,
    log lines elsewhere); units in threads of this process report to it while it is open."""
    from synthaug.evaluation.gain import planned_fits

    real_counts, synthetic_counts = files.label_counts()
    per_classifier = planned_fits(
        real_counts=real_counts,
        synthetic_counts=synthetic_counts,
        kind=files.kind,
        settings=protocol_settings(spec),
    )
    fidelity = 1 if files.kind == "image" else 0  # the feature-space CNN
    total = per_classifier * len(classifier_names(spec, files.kind)) + fidelity
    return Progress("verification", total=total, unit="classifier fits", logger=log, on_update=on_update)


def _selection_file(files: VerificationFiles, classifier: str) -> Path:
    return files.output / PARTS_DIR / f"selection-{classifier}.json"


def _scores_file(files: VerificationFiles, classifier: str, seed: int) -> Path:
    return files.output / PARTS_DIR / f"scores-{classifier}-{seed}.json"


def _predictions_file(files: VerificationFiles, classifier: str, seed: int) -> Path:
    return files.output / PARTS_DIR / f"predictions-{classifier}-{seed}.npz"


def _read_predictions(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as stored:
        return {condition: stored[condition] for condition in stored.files}


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def fidelity_report(
    real, synthetic, reference, *, kind, classes, spec: EvaluationConfig, device: str
) -> dict:
    from synthaug.evaluation.fidelity.base import FidelityInputs, FidelityOptions
    from synthaug.evaluation.fidelity.registry import metrics_for
    from synthaug.evaluation.fidelity.report import compute_fidelity

    options = FidelityOptions(
        k=spec.fidelity_neighbours,
        inception_weights=spec.inception_weights,
        device=device,
        augment=spec.classic_baseline,
    )
    inputs = FidelityInputs(kind, tuple(classes), real, synthetic, reference, options)
    # the feature space is the downstream CNN of the scores (real + classic, seed 0; real only
    # without the classic baseline): trained once
    feature_model = DownstreamClassifier(kind, "cnn", len(classes), spec.cnn_steps, device)
    return compute_fidelity(
        inputs, metrics_for(kind, spec.fidelity_metrics), cnn_steps=spec.cnn_steps, make=feature_model
    )


def _write_lines(path: Path, lines: list[str]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def cross_validation_words(repeats: int = 1, seeds: int = 1, preferred: str | None = None) -> str:
    """How the amount was chosen, for the report and the dataset card: results written before
    ``evaluation.cv_repeats`` and ``evaluation.cv_seeds`` existed ran one pass with one seed.
    ``preferred``: the preferred candidate's key (the report gives it with the rule instead)."""
    details = [f"repeated {repeats} times on new fold splits"] if repeats > 1 else []
    details += [f"each fold's score the mean of {seeds} classifier seeds"] if seeds > 1 else []
    if preferred:
        details.append(f"{preferred} preferred: added unless beaten by more than one standard error")
    return "cross-validation" + (f" ({'; '.join(details)})" if details else "")


def weight_words(weight: float) -> str:
    """How an added sample's loss weight reads after its amount: nothing for 1."""
    return "" if weight == 1 else f" at weight {weight:g}"


def amount_text(summary: dict[str, Any]) -> str:
    """A classifier summary's (``summarise``) amounts in words: real+synthetic's, with the samples
    of each class when the classes receive different numbers, the classic baseline's own amount
    (tables: SMOTE rows; images' augmentation has none), and the amount added on top of the
    classic baseline, which is chosen apart."""
    text = f"{summary['selected_amount']:g}x" + weight_words(summary.get("selected_weight", 1.0))
    text += " (filtered)" if summary["filtered"] else ""
    added = summary.get("selected_per_class", {})
    if len(set(added.values())) > 1:
        text += " (" + ", ".join(f"{name} +{n}" for name, n in added.items()) + ")"
    if "selected_amount_classic" in summary:  # tables: SMOTE's own rows (images have no amount)
        weight = weight_words(summary.get("selected_weight_classic", 1.0))
        text += f"; SMOTE {summary['selected_amount_classic']:g}x{weight}"
    if "selected_amount_with_classic" in summary:
        on_top = summary.get("selected_weight_with_classic", 1.0)
        text += f"; {summary['selected_amount_with_classic']:g}x{weight_words(on_top)} with classic"
    return text


def _chosen(selection: dict[str, Any] | None, suffix: str) -> dict[str, Any]:
    """A selection's amount and weight as summary keys (none when the result lacks the selection)."""
    if not selection:
        return {}
    return {
        f"selected_amount_{suffix}": selection["amount"],
        f"selected_weight_{suffix}": selection.get("weight", 1.0),
    }


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """The verdict, the recommendation and, per classifier, the selected amount and the paired
    primary-metric differences of real+synthetic against real only and of what was added against
    the classic baseline (``vs_classic``: real+classic+synthetic against real+classic when the CV
    added samples on top of the classic baseline, else real+synthetic against it; absent when the
    classic baseline was left out)."""
    from synthaug.evaluation.conditions import (
        REAL,
        REAL_CLASSIC,
        REAL_CLASSIC_SYNTHETIC,
        REAL_SYNTHETIC,
        SELECTION_OF,
    )
    from synthaug.evaluation.samples import extra_counts_of
    from synthaug.evaluation.verdict import comparison

    per_classifier = {}
    real_counts = result.get("real_train_counts")  # results before it was recorded lack it
    allocation = result["settings"].get("allocation", "proportional")  # the only one before
    for name, r in result["classifiers"].items():
        paired = comparison(r, REAL_SYNTHETIC, REAL)
        on_classic = r["selection"].get(SELECTION_OF[REAL_CLASSIC_SYNTHETIC])  # absent from older results
        classic = r["selection"].get(SELECTION_OF[REAL_CLASSIC])  # tables: the SMOTE rows' choice
        # against the classic baseline: what was added on top of it, or real+synthetic where
        # nothing was (older image results chose no amount on top: real+synthetic's was added)
        on_top = on_classic is None or on_classic["amount"] > 0
        synthetic_vs_classic = (on_top and comparison(r, REAL_CLASSIC_SYNTHETIC, REAL_CLASSIC)) or comparison(
            r, REAL_SYNTHETIC, REAL_CLASSIC
        )  # None without the classic baseline (evaluation.classic_baseline)
        per_classifier[name] = {
            "verdict": r["verdict"],
            "recommendation": r["recommendation"]["option"],
            "selected_amount": r["selection"]["synthetic"]["amount"],
            "filtered": r["selection"]["synthetic"]["filtered"],
            "selected_weight": r["selection"]["synthetic"].get("weight", 1.0),
            **_chosen(classic, "classic"),
            **_chosen(on_classic, "with_classic"),
            f"real_{PRIMARY_METRIC}": round(r["conditions"][REAL][PRIMARY_METRIC]["mean"], 4),
            "gain_points": _points(paired["mean_difference"]),
            "gain_ci95_points": [_points(paired["low"]), _points(paired["high"])],
            "p_value": round(paired["p_value"], 4),
        }
        if synthetic_vs_classic is not None:
            per_classifier[name]["vs_classic_points"] = _points(synthetic_vs_classic["mean_difference"])
            per_classifier[name]["vs_classic_ci95_points"] = [
                _points(synthetic_vs_classic["low"]),
                _points(synthetic_vs_classic["high"]),
            ]
        if real_counts:
            amount = r["selection"]["synthetic"]["amount"]
            per_classifier[name]["selected_per_class"] = extra_counts_of(real_counts, amount, allocation)
        detectable = r.get("detectable_effect")
        if detectable is not None:
            per_classifier[name]["detectable_points"] = _points(detectable["difference"])
    return {
        "verdict": result["verdict"],
        "recommendation": result["recommendation"]["option"],
        "metric": PRIMARY_METRIC,
        "seeds": result["settings"]["seeds"],
        "test_rows": result["sizes"]["test"],
        "interval": result["interval"],
        "selection_data": result["selection_data"],
        "cv_repeats": result["settings"].get("repeats", 1),
        "cv_seeds": result["settings"].get("cv_seeds", 1),
        "preferred": result["settings"].get("preferred"),
        "classic_baseline": result["settings"].get("classic_baseline", True),
        "untested_amounts": result.get("untested_amounts", []),
        "classifiers": per_classifier,
        "privacy_audit": {k: round(v, 4) for k, v in result.get("privacy_audit", {}).items()},
        "details": RESULT_FILE,
    }


def _points(fraction: float) -> float:
    return round(100 * fraction, 2)


def privacy_audit(real, test, synthetic) -> dict[str, float]:
    """privacy/audit.py in the feature space fitted on the training split (evaluation/columns.py);
    the test split serves as the unseen holdout."""
    from synthaug.evaluation.columns import FeatureSpace
    from synthaug.privacy.audit import audit

    space = FeatureSpace.fit(real.x)
    return audit(*(space.transform(s.x) for s in (real, test, synthetic)))


def _classifier(kind: str, name: str, spec: EvaluationConfig, *, n_classes: int, device: str):
    """The protocol's factory for one named classifier: (seed, classic) -> unfitted model."""
    return DownstreamClassifier(kind, name, n_classes, spec.cnn_steps, device)


@dataclass(frozen=True)
class DownstreamClassifier:
    """A named downstream classifier as the protocol's factory: ``(seed, classic) -> model``.
    Equal settings make equal factories, so fits.py can recognise a fit it has already made
    (image classifiers only: ``reuse_fits``)."""

    kind: str
    name: str
    n_classes: int
    cnn_steps: int
    device: str

    @property
    def reuse_fits(self) -> bool:
        return self.kind == "image"

    def __call__(self, seed: int, classic: bool):
        from synthaug.evaluation.classifiers import IMAGE_CLASSIFIERS, TABULAR_CLASSIFIERS

        if self.kind == "tabular":
            return TABULAR_CLASSIFIERS[self.name](n_classes=self.n_classes, seed=seed)
        return IMAGE_CLASSIFIERS[self.name](
            n_classes=self.n_classes, seed=seed, augment=classic, steps=self.cnn_steps, device=self.device
        )
