"""The main job's stages as plain functions; ``flows/`` wraps each one as a Prefect task, in the
order of :data:`synthaug.stages.order.STAGES` (the report is rendered by ``reports/``), then
``finish`` marks the run complete. The ``split`` stage also records the run (``record_run``);
later stages read their inputs from the run directory, so a run can be resumed from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from synthaug.evaluation.statistics import GAIN
from synthaug.pipeline import manifest as manifest_io
from synthaug.pipeline.atomic import atomic_path, write_text
from synthaug.pipeline.config import SYNTHESIZER_WORDS, DatasetConfig, SynthaugConfig
from synthaug.pipeline.config_loading import config_to_yaml
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.dataset_io import dataset_filename, read_dataset, write_dataset
from synthaug.pipeline.files import sha256_arrays, sha256_file
from synthaug.pipeline.layout import (
    CONFIG_FILE,
    DATA_DIR,
    DEFAULT_EXPORT_DIR,
    MANIFEST_FILE,
    MODEL_FILES,
    SPLIT_FILE,
    SYNTHETIC_DIR,
    TRAINING_DIR,
    synthesizer_name,
)
from synthaug.pipeline.manifest import (
    COMPLETE,
    RUNNING,
    WATERMARK_PENDING,
    RunManifest,
    WatermarkRecord,
    read_manifest,
    update_manifest,
)
from synthaug.pipeline.provenance import environment
from synthaug.pipeline.rundir import RunDirectory, split_file
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import HeldOutTest, TrainSplit, split_dataset
from synthaug.pipeline.stage_clock import merge_stage_seconds
from synthaug.pipeline.synthetic_metadata import synthetic_metadata
from synthaug.pipeline.synthetic_set import write_synthetic_set
from synthaug.pipeline.validate import validate_dataset
from synthaug.pipeline.watermark import apply as marking
from synthaug.stages.curation import near_copy_filter
from synthaug.stages.export import export_destination, export_run
from synthaug.stages.generate import labels_for, plan_counts
from synthaug.stages.order import PREPARE
from synthaug.stages.sampling import sample_marked, synthesizer_class

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SplitSummary:
    train_rows: int
    test_rows: int
    unused_rows: int
    train_class_counts: dict[str, int]
    test_class_counts: dict[str, int]
    notes: tuple[str, ...]


def ingest(spec: DatasetConfig) -> Dataset:
    dataset = load_dataset(spec)
    log.info(
        "ingested %d %s rows from %s (sha256 %s)",
        len(dataset),
        dataset.kind,
        dataset.source.uri,
        dataset.source.sha256[:12],
    )
    return dataset


@dataclass(frozen=True)
class IngestedData:
    """What ingestion passes on: where the parsed dataset was written, and a short summary."""

    path: str  # NPZ (images) or Parquet (tables), read back exactly by dataset_io.read_dataset
    kind: str
    rows: int
    class_counts: dict[str, int]
    source: str
    sha256: str


def ingest_to(spec: DatasetConfig, folder: Path) -> IngestedData:
    """Ingest and write the parsed dataset into ``folder``, named by the dataset settings and the
    data hash ingestion computed (the same input always lands in the same file)."""
    dataset = ingest(spec)
    key = sha256_arrays(dataset.source.sha256, spec.model_dump_json())[:32]
    path = write_dataset(dataset, Path(folder) / dataset_filename(dataset, key))
    return IngestedData(
        str(path),
        dataset.kind,
        len(dataset),
        dataset.class_counts(),
        dataset.source.uri,
        dataset.source.sha256,
    )


def split_into_run(
    run: RunDirectory, config: SynthaugConfig, *, dataset_file: Path, command: list[str]
) -> SplitSummary:
    """Split the ingested dataset and record the run (``split`` then ``record_run``)."""
    dataset = read_dataset(Path(dataset_file))
    train, test = split(dataset, config)
    return record_run(run, config=config, dataset=dataset, train=train, test=test, command=command)


def check(dataset: Dataset) -> dict[str, int]:
    counts = validate_dataset(dataset)
    log.info("class counts: %s", counts)
    return counts


def split(dataset: Dataset, config: SynthaugConfig) -> tuple[TrainSplit, HeldOutTest]:
    train, test = split_dataset(
        dataset, config.split, seed=config.split_seed, per_class=config.dataset.per_class
    )
    for note in train.notes:
        log.warning(note)
    if config.privacy.enabled:
        from synthaug.privacy.data_checks import check_private_split  # Opacus and torch: only when private

        check_private_split(train, config)
    log.info(
        "split: %d training rows (of a pool of %d), %d held-out test rows",
        len(train.indices),
        len(train.pool_indices),
        len(test.indices),
    )
    return train, test


@dataclass(frozen=True)
class Prepared:
    """The data after the ``PREPARE`` stages (ingest, validate, split), in memory."""

    dataset: Dataset
    class_counts: dict[str, int]
    train: TrainSplit
    test: HeldOutTest


def prepare(config: SynthaugConfig) -> Prepared:
    """The ``PREPARE`` stages without a run directory: ``synthaug validate`` and the benchmarks."""
    dataset = ingest(config.dataset)
    counts = check(dataset)
    train, test = split(dataset, config)
    return Prepared(dataset, counts, train, test)


def summarize_split(dataset: Dataset, train: TrainSplit, test: HeldOutTest) -> SplitSummary:
    return SplitSummary(
        train_rows=len(train.indices),
        test_rows=len(test.indices),
        unused_rows=len(dataset) - len(train.indices) - len(test.indices),
        train_class_counts=train.data.class_counts(),
        test_class_counts=test.data.class_counts(),
        notes=train.notes,
    )


def record_run(
    run: RunDirectory,
    *,
    config: SynthaugConfig,
    dataset: Dataset,
    train: TrainSplit,
    test: HeldOutTest,
    command: list[str],
) -> SplitSummary:
    """Write the config snapshot, split indices, data parts and manifest into the run."""
    summary = summarize_split(dataset, train, test)
    # said here too: ingestion may have come from the cache and logged nothing in this run
    log.info(
        "data: %d %s rows from %s (sha256 %s)",
        len(dataset),
        dataset.kind,
        dataset.source.uri,
        dataset.source.sha256,
    )
    write_text(run.file(CONFIG_FILE), config_to_yaml(config))
    write_split_table(run, dataset, train, test)
    data_dir = run.file(DATA_DIR)
    write_dataset(train.data, data_dir / dataset_filename(dataset, "train"))
    write_dataset(test.data, data_dir / dataset_filename(dataset, "test"))
    write_manifest(run, config=config, dataset=dataset, summary=summary, command=command)
    return summary


def load_train_split(run: RunDirectory) -> TrainSplit:
    """The training split as recorded in the run (the test rows are not read)."""
    train_path = split_file(run.path, "train")
    parts = pq.read_table(run.file(SPLIT_FILE), columns=["row", "part"]).to_pandas()
    part = parts["part"].astype(str)
    indices = parts["row"].to_numpy()[part.to_numpy() == "train"]
    pool = parts["row"].to_numpy()[part.isin(["train", "unused"]).to_numpy()]
    return TrainSplit(read_dataset(train_path), indices, pool)


def train(
    run: RunDirectory,
    config: SynthaugConfig,
    *,
    resume: bool = False,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Fit the class-conditional GAN on the recorded training split and save it; ``on_step``
    is called after every generator step (progress reporting)."""
    from synthaug.models.synthesizer import FIT_LOCK
    from synthaug.stages.fold_generators import later_steps

    train_split = load_train_split(run)
    kind = train_split.data.kind
    name = synthesizer_name(kind, config.training.synthesizer)
    with FIT_LOCK:  # several datasets' jobs may run in threads of one process
        gan = synthesizer_class(name)(config.training, seed=config.seed, privacy=config.privacy).fit(
            train_split,
            workdir=run.file(TRAINING_DIR),
            resume=resume,
            on_step=on_step,
            later_steps=later_steps(config),
        )
    gan.save(run.file(MODEL_FILES[name]))
    result = gan.training_
    log.info(
        "training %s after %d steps in %.1fs (%.0f samples/s)",
        result.stop_reason,
        result.steps,
        result.seconds,
        result.samples_per_second,
    )
    summary = {
        "kind": kind,
        "synthesizer": config.training.synthesizer,
        "model": SYNTHESIZER_WORDS[config.training.synthesizer],
        "steps": result.steps,
        "stop_reason": result.stop_reason,
        "seconds": round(result.seconds, 2),
        "estimated_seconds": result.estimated_seconds,
        "samples_per_second": round(result.samples_per_second, 1),
        "warnings": [f"step {f.step}: {f.message}" for f in result.findings],
        "privacy": result.privacy,
    }
    if config.training.synthesizer == "copula":
        summary["copula_correlation"] = config.training.copula.correlation
        summary["copula_shrinkage"] = {k: round(t, 3) for k, t in gan.shrinkage_by_class().items()}
        summary["copula_marginals"] = config.training.copula.marginals
        summary["copula_smoothing"] = config.training.copula.smoothing
        summary["copula_independence"] = config.training.copula.independence
        summary["copula_truncation"] = config.training.copula.truncation
    return summary


def generate(run: RunDirectory, config: SynthaugConfig) -> dict[str, Any]:
    """Sample the configured class counts from the EMA generator into ``synthetic/``."""
    train_split = load_train_split(run)
    kind = train_split.data.kind
    name = synthesizer_name(kind, config.training.synthesizer)
    gan = synthesizer_class(name).load(run.file(MODEL_FILES[name]))
    key = marking.resolve_key(config.watermark, run.path) if config.watermark.enabled else None
    synthetic, counts, watermark, near_copies = run_samples(gan, train_split, config, key)
    metadata = _synthetic_metadata(run, gan.privacy_, marking.public_statement(watermark))
    data_file = write_synthetic_set(run.file(SYNTHETIC_DIR), synthetic, metadata=metadata)
    log.info("generated %d %s samples: %s", len(synthetic), kind, counts)
    return {
        "strategy": config.generation.strategy,
        "counts": counts,
        "total": len(synthetic),
        "watermark": watermark,
        "near_copies": near_copies,
        "files": {data_file.name: sha256_file(data_file)},  # `synthaug inspect RUN` checks them
    }


def run_samples(
    gan: Any, train_split: TrainSplit, config: SynthaugConfig, key: tuple | None
) -> tuple[Any, dict[str, int], dict[str, Any], dict[str, Any]]:
    """The run's synthetic samples as the generate stage draws them from ``gan``: the configured
    class counts, near copies of training samples replaced, marked with ``key`` (the key and where
    it came from, ``marking.resolve_key``; None: unmarked). Returns the samples, the counts, and
    what the watermark and the near-copy steps did."""
    counts = plan_counts(train_split.data.class_counts(), config.generation)
    curation, skipped = near_copy_filter(config, train_split, seed=config.seed)
    synthetic, watermark, curated = sample_marked(
        gan,
        labels_for(counts, gan.classes_),
        seed=config.seed + 1,
        batch_size=config.generation.batch_size,
        key=key,
        curation=curation,
    )
    return synthetic, counts, watermark, curated or skipped


def _synthetic_metadata(run: RunDirectory, privacy: Any, watermark: Any) -> dict[str, str]:
    manifest = read_manifest(run.file(MANIFEST_FILE))
    return synthetic_metadata(
        run_id=run.run_id,
        config_file=run.file(CONFIG_FILE),
        source_sha256=manifest.data["sha256"],
        privacy=privacy,
        watermark=watermark,
    )


def export(
    run: RunDirectory,
    config: SynthaugConfig,
    *,
    training: dict[str, Any],
    generation: dict[str, Any],
    verification: dict[str, Any],
) -> dict[str, Any]:
    """Record the summaries so far, then write the export (data, dataset card, checksums)
    atomically to export.directory, or to ``export/`` inside the run. With
    evaluation.require_gain, a verdict other than gain exports nothing and says why."""
    update_manifest(
        run.file(MANIFEST_FILE),
        training=training,
        generation=generation,
        verification=verification,
        privacy=training.get("privacy"),
        watermark=generation["watermark"],
    )
    verdict = verification.get("verdict")
    check = generation["watermark"].get("self_check", {})
    if config.watermark.require_detectable and check.get("outcome", "marked") != "marked":
        reason = (
            f"not exported: watermark.require_detectable is true and the run's own test could not detect "
            f"the mark ({check['outcome']}, p {check['p_value']:.3g}, threshold {check['threshold']:g})"
        )
        log.error(reason)
        return {
            "refused": reason,
            "refused_by": "watermark.require_detectable",
            "hint": "set watermark.require_detectable: false to export anyway, or train longer or generate "
            "more samples and run again.",
            "verdict": verdict,
        }
    if config.evaluation.require_gain and verdict != GAIN:
        reason = (
            f"not exported: evaluation.require_gain is true and the verification verdict is '{verdict}' "
            f"(see {verification.get('details', 'the manifest')})"
        )
        log.error(reason)
        return {
            "refused": reason,
            "refused_by": "evaluation.require_gain",
            "hint": "set evaluation.require_gain: false to export anyway, or improve the data and run again.",
            "verdict": verdict,
        }
    inside_run = config.export.directory is None
    destination = export_destination(run.path, config.export.directory)
    key = marking.resolve_key(config.watermark, run.path)[0] if config.watermark.enabled else None
    summary = export_run(run.path, destination, overwrite=config.export.overwrite or inside_run, key=key)
    # the run directory is renamed when it completes: an export inside it is recorded relative to it
    return {**summary, "directory": DEFAULT_EXPORT_DIR if inside_run else str(destination)}


def finish(
    run: RunDirectory,
    *,
    exported: dict[str, Any],
    reported: dict[str, str],
    stage_seconds: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Mark the manifest complete (``export`` recorded the other stages' summaries), with the
    stages that ran and their wall times (a resumed run adds this session's to the earlier's)."""
    manifest = read_manifest(run.file(MANIFEST_FILE))
    seconds = merge_stage_seconds(manifest.stage_seconds, stage_seconds or {})
    completed = list(dict.fromkeys([*manifest.stages_completed, *seconds]))
    return update_manifest(
        run.file(MANIFEST_FILE),
        status=COMPLETE,
        finished_at=datetime.now(UTC).isoformat(),
        stages_completed=completed,
        stage_seconds=seconds,
        wall_seconds=round(sum(seconds.values()), 2),
        export=exported,
        report=reported,
    ).to_json()


def write_split_table(run: RunDirectory, dataset: Dataset, train: TrainSplit, test: HeldOutTest) -> None:
    """``split.parquet``: one row per ingested row with its class and part (train/test/unused)."""
    part = ["unused"] * len(dataset)
    for position in train.indices:
        part[position] = "train"
    for position in test.indices:
        part[position] = "test"
    table = pa.table(
        {
            "row": pa.array(range(len(dataset)), pa.int64()),
            "label": pa.array([dataset.classes[i] for i in dataset.labels], pa.string()),
            "part": pa.array(part, pa.string()).dictionary_encode(),
        }
    )
    with atomic_path(run.file(SPLIT_FILE)) as tmp:
        pq.write_table(table, tmp)


def write_manifest(
    run: RunDirectory,
    *,
    config: SynthaugConfig,
    dataset: Dataset,
    summary: SplitSummary,
    command: list[str],
) -> RunManifest:
    manifest = {
        "run_id": run.run_id,
        "status": RUNNING,
        "started_at": run.started_at.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "seed": config.seed,
        "split_seed": config.split_seed,
        "command": command,
        "data": {
            **dataset.source.to_dict(),
            "kind": dataset.kind,
            "rows": len(dataset),
            "classes": list(dataset.classes),
            "class_counts": dataset.class_counts(),
            "schema": dataset.schema.to_dict(),
        },
        "split": {
            "test_fraction": config.split.test_fraction,
            "stratified": config.split.stratify,
            "per_class": config.dataset.per_class,
            "train_rows": summary.train_rows,
            "test_rows": summary.test_rows,
            "unused_rows": summary.unused_rows,
            "train_class_counts": summary.train_class_counts,
            "test_class_counts": summary.test_class_counts,
            "notes": list(summary.notes),
        },
        "stages_completed": list(PREPARE),  # the split stage also records the run
        "watermark": WatermarkRecord.not_applied(WATERMARK_PENDING),
        "environment": environment(),
    }
    return manifest_io.write_manifest(run.file(MANIFEST_FILE), RunManifest.model_validate(manifest))
