"""The main job's verification step: the protocol of gain.py on a run's recorded data.

Reads the real training split, the synthetic samples exactly as they will be exported (with
their watermark) and, for the final scores and the privacy audit only, the held-out test split;
writes ``evaluation/gain.json`` (the full result, with the audit of privacy/audit.py),
``evaluation/scores.jsonl`` (one line per classifier, condition and seed), and the fidelity
metrics of pipeline/evaluation/fidelity as ``evaluation/fidelity.json`` and ``fidelity.jsonl``
(one line per metric value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from pipeline.atomic import atomic_path, write_json
from pipeline.config import EvaluationConfig
from pipeline.dataset import Dataset
from pipeline.dataset_io import read_dataset
from pipeline.errors import UserInputError, suggest
from pipeline.evaluation.downstream_metrics import PRIMARY_METRIC

EVALUATION_DIR = "evaluation"
RESULT_FILE = "evaluation/gain.json"
SCORES_FILE = "evaluation/scores.jsonl"
FIDELITY_FILE = "evaluation/fidelity.json"
FIDELITY_LINES_FILE = "evaluation/fidelity.jsonl"


def check_evaluation_config(spec: EvaluationConfig) -> None:
    """Names that must exist (classifiers, fidelity metrics) and the Inception weights file."""
    from models.classifiers import IMAGE_CLASSIFIERS, TABULAR_CLASSIFIERS
    from pipeline.evaluation.fidelity.registry import check_metric_names

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


def verify_run(
    run_path: Path, *, train: Dataset, test_file: Path, spec: EvaluationConfig, device: str = "cpu"
) -> dict[str, Any]:
    """Run the protocol; returns a short summary (the full result is in RESULT_FILE)."""
    from pipeline.evaluation.fidelity.report import fidelity_lines, headline  # torch: imported when used
    from pipeline.evaluation.gain import ProtocolSettings, run_protocol

    real = _samples(train)
    synthetic = _synthetic_samples(run_path / "synthetic", train)
    classifiers = _classifiers(train.kind, spec, n_classes=len(train.classes), device=device)
    settings = ProtocolSettings(
        seeds=spec.seeds,
        folds=spec.folds,
        amounts=tuple(spec.amounts),
        filtering=spec.filtering,
        filter_confidence=spec.filter_confidence,
    )
    lines: list[str] = []
    test = _samples(read_dataset(test_file))  # first read here: after nothing else
    result = run_protocol(
        real=real,
        synthetic=synthetic,
        test=test,
        classifiers=classifiers,
        kind=train.kind,
        settings=settings,
        record=lambda row: lines.append(json.dumps(row)),
    )
    result["classes"] = list(train.classes)
    result["privacy_audit"] = privacy_audit(real, test, synthetic)
    fidelity = fidelity_report(
        real, synthetic, test, kind=train.kind, classes=train.classes, spec=spec, device=device
    )
    write_json(run_path / RESULT_FILE, result)
    _write_lines(run_path / SCORES_FILE, lines)
    write_json(run_path / FIDELITY_FILE, fidelity)
    _write_lines(run_path / FIDELITY_LINES_FILE, [json.dumps(line) for line in fidelity_lines(fidelity)])
    return {**summarise(result), "fidelity": headline(fidelity)}


def fidelity_report(
    real, synthetic, reference, *, kind, classes, spec: EvaluationConfig, device: str
) -> dict:
    from pipeline.evaluation.fidelity.base import FidelityInputs, FidelityOptions
    from pipeline.evaluation.fidelity.registry import metrics_for
    from pipeline.evaluation.fidelity.report import compute_fidelity

    options = FidelityOptions(
        k=spec.fidelity_neighbours, inception_weights=spec.inception_weights, device=device
    )
    inputs = FidelityInputs(kind, tuple(classes), real, synthetic, reference, options)
    return compute_fidelity(inputs, metrics_for(kind, spec.fidelity_metrics), cnn_steps=spec.cnn_steps)


def _write_lines(path: Path, lines: list[str]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """The verdict and, per classifier, the selected amount and the paired primary-metric gain."""
    from pipeline.evaluation.gain import REAL, REAL_SYNTHETIC

    per_classifier = {}
    for name, r in result["classifiers"].items():
        paired = r["paired_vs_real"][REAL_SYNTHETIC][PRIMARY_METRIC]
        per_classifier[name] = {
            "verdict": r["verdict"],
            "selected_amount": r["selection"]["synthetic"]["amount"],
            "filtered": r["selection"]["synthetic"]["filtered"],
            f"real_{PRIMARY_METRIC}": round(r["conditions"][REAL][PRIMARY_METRIC]["mean"], 4),
            "gain_points": round(100 * paired["mean_difference"], 2),
            "gain_ci95_points": [round(100 * paired["low"], 2), round(100 * paired["high"], 2)],
            "p_value": round(paired["p_value"], 4),
        }
    return {
        "verdict": result["verdict"],
        "metric": PRIMARY_METRIC,
        "seeds": result["settings"]["seeds"],
        "test_rows": result["sizes"]["test"],
        "classifiers": per_classifier,
        "privacy_audit": {k: round(v, 4) for k, v in result.get("privacy_audit", {}).items()},
        "details": RESULT_FILE,
    }


def privacy_audit(real, test, synthetic) -> dict[str, float]:
    """privacy/audit.py on shared features: the downstream encoder fitted on the training split
    (tables), or pixels in [0, 1] (images). The test split serves as the unseen holdout."""
    from models.classifiers import as_objects, tabular_encoder
    from privacy.audit import audit

    if isinstance(real.x, np.ndarray):
        return audit(*(s.x.reshape(len(s), -1) / 255.0 for s in (real, test, synthetic)))
    encoder = tabular_encoder(as_objects(real.x)).fit(as_objects(real.x))

    def dense(samples) -> np.ndarray:
        encoded = encoder.transform(as_objects(samples.x))
        return encoded.toarray() if hasattr(encoded, "toarray") else np.asarray(encoded, dtype=np.float64)

    return audit(dense(real), dense(test), dense(synthetic))


def _classifiers(kind: str, spec: EvaluationConfig, *, n_classes: int, device: str):
    from models.classifiers import IMAGE_CLASSIFIERS, TABULAR_CLASSIFIERS

    if kind == "tabular":
        return {
            name: (lambda seed, classic, make=TABULAR_CLASSIFIERS[name]: make(n_classes=n_classes, seed=seed))
            for name in spec.tabular_classifiers
        }
    return {
        name: (
            lambda seed, classic, make=IMAGE_CLASSIFIERS[name]: make(
                n_classes=n_classes, seed=seed, augment=classic, steps=spec.cnn_steps, device=device
            )
        )
        for name in spec.image_classifiers
    }


def _samples(dataset: Dataset):
    from pipeline.evaluation.samples import Samples

    return Samples(dataset.features, np.asarray(dataset.labels), len(dataset.classes))


def _synthetic_samples(folder: Path, train: Dataset):
    from pipeline.evaluation.samples import Samples

    classes = list(train.classes)
    if train.kind == "tabular":
        frame = pq.read_table(folder / "rows.parquet").to_pandas()
        target = train.schema.target
        labels = frame[target].astype(str).map({c: i for i, c in enumerate(classes)}).to_numpy()
        return Samples(frame[list(train.features.columns)], labels.astype(np.int64), len(classes))
    manifest = pq.read_table(folder / "manifest.parquet", columns=["file", "label"]).to_pydict()
    images = []
    for name in manifest["file"]:
        with Image.open(folder / name) as image:
            pixels = np.asarray(image)
        images.append(pixels[..., None] if pixels.ndim == 2 else pixels)
    labels = np.array([classes.index(label) for label in manifest["label"]], dtype=np.int64)
    stacked = np.stack(images) if images else np.zeros((0, *train.features.shape[1:]), np.uint8)
    return Samples(stacked, labels, len(classes))
