"""What ``synthaug inspect`` shows: schema, class counts and provenance of any supported input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from synthaug.pipeline.config import BUNDLED_PREFIX, DatasetConfig
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.errors import UserInputError, echo
from synthaug.pipeline.files import require_regular
from synthaug.pipeline.layout import (
    CARD_FILE,
    EXPORT_FILE,
    IMAGE_MANIFEST_FILE,
    MANIFEST_FILE,
    ROWS_FILE,
    SYNTHETIC_DIR,
)
from synthaug.pipeline.manifest import read_manifest
from synthaug.pipeline.schema import TabularSchema
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.synthetic_metadata import read_parquet_metadata
from synthaug.pipeline.watermark.keys import WatermarkKey
from synthaug.stages.export import check_checksums, check_export
from synthaug.stages.export_signature import SIGNATURE, check_signature

_RESTORE_HINT = "It was damaged or edited; export the run again or restore the file."
LIKELY_TARGETS = ("target", "label", "labels", "class", "y", "diagnosis", "outcome")


def describe(source: str, *, target: str | None = None, key: WatermarkKey | None = None) -> dict[str, Any]:
    """A JSON-friendly description of a dataset file, folder, bundled set or run directory; an
    export's signature is checked with ``key`` when given."""
    path = Path(source)
    if not source.startswith(BUNDLED_PREFIX) and (path / EXPORT_FILE).exists():
        return describe_export(path, key)
    if not source.startswith(BUNDLED_PREFIX) and (path / MANIFEST_FILE).is_file():
        manifest = read_manifest(path / MANIFEST_FILE)
        info = {"run_directory": str(path), "manifest": manifest.to_json()}
        recorded = (manifest.generation or {}).get("files", {})
        synthetic = describe_synthetic(path / SYNTHETIC_DIR, recorded=recorded)
        if synthetic:
            info["synthetic"] = synthetic
        return info
    if not source.startswith(BUNDLED_PREFIX) and path.is_dir() and (path / CARD_FILE).is_file():
        raise UserInputError(
            f"this looks like a synthaug export ({CARD_FILE} is here) but {EXPORT_FILE} is missing, so "
            "its files cannot be checked",
            where=path,
            hint="Export the run again (`synthaug export RUN_DIR --to NEW_DIR`); do not use data whose "
            "export record was removed.",
        )
    dataset = load_dataset(DatasetConfig(source=source, target=target), require_target=False)
    info = describe_dataset(dataset)
    if isinstance(dataset.schema, TabularSchema) and target is None:
        lowered = {name.lower(): name for name in dataset.schema.names}
        guess = next((lowered[name] for name in LIKELY_TARGETS if name in lowered), None)
        if guess is not None:
            counts = dataset.features[guess].astype("string").value_counts(dropna=False)
            info["target"] = f"{guess} (guessed; pass --target to choose)"
            info["class_counts"] = {str(k): int(v) for k, v in counts.sort_index().items()}
    return info


def describe_dataset(dataset: Dataset) -> dict[str, Any]:
    info: dict[str, Any] = {
        "source": dataset.source.to_dict(),
        "kind": dataset.kind,
        "rows": len(dataset),
        "schema": dataset.schema.to_dict(),
        "class_counts": dataset.class_counts(),
    }
    if isinstance(dataset.schema, TabularSchema):
        info["target"] = dataset.schema.target or None
    if dataset.source.format == "image-folder":
        info["provenance"] = _png_text_chunks(Path(dataset.source.uri))
    return info


def describe_export(folder: Path, key: WatermarkKey | None = None) -> dict[str, Any]:
    """An export's summary, provenance, every checksum (export.json, and the image manifest), each
    file hashed once, and its signature checked with ``key``."""
    summary = read_export_summary(folder)
    digests: dict[str, str] = {}
    info: dict[str, Any] = {
        "export_directory": str(folder),
        "export": {
            **{k: v for k, v in summary.items() if k not in ("files", SIGNATURE)},
            "files": len(summary["files"]),
        },
        "checksums": check_export(folder, summary, digests),
        "signature": check_signature(summary, key),
    }
    synthetic = describe_synthetic(folder, digests)
    if "checksums" in synthetic:
        info["image_checksums"] = synthetic["checksums"]
    return info


def read_verified_export(folder: Path) -> dict[str, Any]:
    """``export.json`` once every file it lists matched its sha256 and nothing was added."""
    summary = read_export_summary(folder)
    checks = check_export(folder, summary)
    if not checks["ok"]:
        problems = {k: checks[k] for k in ("missing", "altered", "unlisted") if checks[k]}
        raise UserInputError(
            f"the export does not match its {EXPORT_FILE}: {problems}",
            where=folder,
            hint="Export the run again (`synthaug export RUN_DIR --to NEW_DIR`).",
        )
    return summary


def read_export_summary(folder: Path) -> dict[str, Any]:
    """``export.json``, or a clear error when it was damaged or edited into something else."""
    path = folder / EXPORT_FILE
    require_regular(path, what=EXPORT_FILE)
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserInputError(
            f"{EXPORT_FILE} is not valid JSON ({echo(exc)}); the export was edited or damaged",
            where=path,
            hint="Export the run again (`synthaug export RUN_DIR --to NEW_DIR`).",
        ) from None
    if not isinstance(summary, dict) or not isinstance(summary.get("files"), list):
        raise UserInputError(
            f"{EXPORT_FILE} does not list the export's files; the export was edited or damaged",
            where=path,
            hint="Export the run again (`synthaug export RUN_DIR --to NEW_DIR`).",
        )
    return summary


def describe_synthetic(
    folder: Path, digests: dict[str, str] | None = None, *, recorded: dict[str, str] | None = None
) -> dict[str, Any]:
    """Provenance of a run's synthetic outputs and their checksums: for images every file against
    the sha256 its manifest lists, and the data files (``rows.parquet``, ``manifest.parquet``)
    against the sha256 the run recorded when it wrote them (``recorded``); ``checksums.ok`` is
    false when one is missing or altered."""
    manifest, rows = folder / IMAGE_MANIFEST_FILE, folder / ROWS_FILE
    recorded = recorded or {}
    if manifest.is_file():
        try:
            table = pq.read_table(manifest, columns=["file", "sha256"]).to_pydict()
        except (pa.ArrowException, OSError, KeyError) as exc:
            raise UserInputError(
                f"the image manifest cannot be read ({echo(exc)})",
                where=manifest,
                hint=_RESTORE_HINT,
            ) from None
        expected = {**dict(zip(table["file"], table["sha256"], strict=True)), **recorded}
        return {
            "manifest": str(manifest),
            "provenance": read_parquet_metadata(manifest),
            "checksums": check_checksums(folder, expected, digests),
        }
    if rows.is_file():
        info = {"rows": str(rows), "provenance": _provenance(rows)}
        if recorded:
            info["checksums"] = check_checksums(folder, recorded, digests)
        return info
    return {}


def _provenance(path: Path) -> dict[str, Any]:
    """The Parquet file's provenance metadata; a damaged file is reported by its checksum instead."""
    try:
        return read_parquet_metadata(path)
    except (pa.ArrowException, OSError) as exc:
        return {"unreadable": echo(exc)}


def _png_text_chunks(root: Path, limit: int = 1) -> dict[str, str]:
    """Text chunks of the first PNG found (provenance of exported synthetic images)."""
    for path in sorted(root.rglob("*.png"))[:limit]:
        with Image.open(path) as image:
            return {str(k): str(v) for k, v in getattr(image, "text", {}).items()}
    return {}
