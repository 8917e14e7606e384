"""The export stage: the deliverable dataset, self-describing and written all at once.

An export is a folder with the synthetic data as the run wrote them (``rows.parquet``, or
``images/<class>/*.png`` with ``manifest.parquet``), each carrying the provenance metadata of
pipeline/synthetic_metadata.py (the Parquet file also the verification verdict);
``DATASET_CARD.md``; and ``export.json`` listing every file with its size and sha256. It is
built in a hidden staging folder beside the destination, flushed to disk and renamed into place
(pipeline/atomic.py): an interrupted export leaves nothing at the destination, and an existing
export is replaced only when asked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from synthaug.evaluation.human_eval import current_scores
from synthaug.evaluation.statistics import NOT_VERIFIED
from synthaug.pipeline.atomic import atomic_directory
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.destinations import check_writable_folder
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import (
    CARD_FILE,
    CONFIG_FILE,
    DATA_FILES,
    DEFAULT_EXPORT_DIR,
    EXPORT_FILE,
    MANIFEST_FILE,
    SYNTHETIC_DIR,
    RunLayout,
)
from synthaug.pipeline.manifest import read_manifest
from synthaug.pipeline.rundir import completed_run
from synthaug.pipeline.synthetic_metadata import VERIFICATION, read_parquet_metadata
from synthaug.pipeline.watermark.apply import existing_key
from synthaug.pipeline.watermark.keys import WatermarkKey
from synthaug.stages.dataset_card import render_card
from synthaug.stages.export_signature import sign

log = logging.getLogger(__name__)

EXPORT_FORMAT = "synthaug-export/1"


def export_destination(run_path: Path, directory: Path | None) -> Path:
    return Path(directory) if directory is not None else run_path / DEFAULT_EXPORT_DIR


def export_completed_run(run_dir: Path, to: Path, *, overwrite: bool = False) -> dict[str, Any]:
    """``synthaug export``: a completed run's export written to ``to``, signed with the run's
    watermark key when it has one; the summary says with which (``key_id``, or None)."""
    check_writable_folder(to, key="--to", what="export folder")
    run_path = completed_run(run_dir)
    key = existing_key(load_config(run_path / CONFIG_FILE).watermark, run_path)
    summary = export_run(run_path, to, overwrite=overwrite, key=key)
    return {**summary, "key_id": key.key_id if key is not None else None}


def export_run(
    run_path: Path, destination: Path, *, overwrite: bool = False, key: WatermarkKey | None = None
) -> dict[str, Any]:
    """Export the synthetic data of the run at ``run_path`` to ``destination``; returns a summary.
    With ``key`` (the run's watermark key) ``export.json`` is signed (stages/export_signature.py)."""
    run_path, destination = Path(run_path), Path(destination)
    manifest = read_manifest(run_path / MANIFEST_FILE)
    generation, training = manifest.generation, manifest.training
    if not generation or not training:
        raise UserInputError(
            "the run has no generated samples to export (it did not get past generation)",
            where=run_path,
            hint="Export a complete run, or resume this one with `synthaug run --resume RUN_DIR`.",
        )
    kind = manifest.data["kind"]
    source = run_path / SYNTHETIC_DIR
    with atomic_directory(
        destination,
        overwrite=overwrite,
        what="export directory",
        hint="Choose a new directory, or replace it deliberately (`synthaug export --overwrite`, or "
        "export.overwrite: true in the config).",
    ) as staging:
        for name in DATA_FILES[kind]:
            item = source / name
            if item.is_dir():
                shutil.copytree(item, staging / name)
            elif item.is_file():
                shutil.copy2(item, staging / name)
            else:
                raise UserInputError(
                    f"the run's synthetic data are incomplete: {name} is missing", where=source
                )
        verification = manifest.verification or {"verdict": NOT_VERIFIED}
        _add_parquet_metadata(
            staging / DATA_FILES[kind][0], {VERIFICATION: json.dumps(_verdict_only(verification))}
        )
        metadata = read_parquet_metadata(staging / DATA_FILES[kind][0])
        files = file_table(staging)
        card = render_card(
            manifest=manifest,
            generation=generation,
            training=training,
            verification=verification,
            files=files,
            metadata=metadata,
            human_eval=current_scores(RunLayout(run_path).human_eval),
        )
        (staging / CARD_FILE).write_text(card, encoding="utf-8")
        summary = {
            "format": EXPORT_FORMAT,
            "run_id": manifest.run_id,
            "kind": kind,
            "samples": generation["total"],
            "class_counts": generation["counts"],
            "exported_at": datetime.now(UTC).isoformat(),
            "verification": verification,
            "metadata": metadata,
            "files": sorted([*files, file_entry(staging, staging / CARD_FILE)], key=lambda f: f["path"]),
        }
        if key is not None:
            summary = sign(summary, key)
        (staging / EXPORT_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    log.info("exported %d %s samples to %s", generation["total"], kind, destination)
    return {"directory": str(destination), "files": len(summary["files"]) + 1, "format": EXPORT_FORMAT}


def _verdict_only(verification: dict[str, Any]) -> dict[str, Any]:
    """The verdict and its headline numbers, for the data file's metadata."""
    keys = ("verdict", "recommendation", "metric", "seeds", "interval", "selection_data", "classifiers")
    return {k: verification[k] for k in keys if k in verification}


def _add_parquet_metadata(path: Path, pairs: dict[str, str]) -> None:
    table = pq.read_table(path)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **pairs})
    pq.write_table(table, path)


def file_entry(folder: Path, path: Path) -> dict[str, Any]:
    return {
        "path": path.relative_to(folder).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def file_table(folder: Path) -> list[dict[str, Any]]:
    """Every file under ``folder`` but export.json: relative path, size and sha256, sorted."""
    return [
        file_entry(folder, path)
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != EXPORT_FILE)
    ]


def check_checksums(
    folder: Path, expected: dict[str, str], digests: dict[str, str] | None = None
) -> dict[str, Any]:
    """Files under ``folder`` (relative path -> sha256) checked against ``expected``. ``digests``
    caches the sha256 of files already hashed, so several manifests cost one pass over the data."""
    digests = {} if digests is None else digests
    missing, altered = [], []
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            missing.append(name)
            continue
        if name not in digests:
            digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        if digests[name] != digest:
            altered.append(name)
    return {
        "checked": len(expected),
        "missing": missing,
        "altered": altered,
        "ok": not missing and not altered,
    }


def check_export(
    folder: Path, summary: dict[str, Any], digests: dict[str, str] | None = None
) -> dict[str, Any]:
    """Every file listed in ``export.json`` (``summary``) checked against its sha256, and files
    not listed; ``ok`` only when nothing is missing, altered or added."""
    result = check_checksums(folder, {entry["path"]: entry["sha256"] for entry in summary["files"]}, digests)
    listed = {entry["path"] for entry in summary["files"]} | {EXPORT_FILE}
    unlisted = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() not in listed
    )
    return {
        **{k: v for k, v in result.items() if k != "ok"},
        "unlisted": unlisted,
        "ok": result["ok"] and not unlisted,
    }
