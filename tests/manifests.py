"""A valid run manifest for tests that need a run directory without running a job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthaug.pipeline.layout import MANIFEST_FILE
from synthaug.pipeline.manifest import WATERMARK_PENDING, RunManifest, WatermarkRecord, write_manifest

SPLIT = {
    "test_fraction": 0.3,
    "stratified": True,
    "per_class": 15,
    "train_rows": 30,
    "test_rows": 171,
    "unused_rows": 368,
    "train_class_counts": {"a": 15, "b": 15},
    "test_class_counts": {"a": 107, "b": 64},
    "notes": [],
}


def run_manifest(*, split: dict[str, Any] | None = None, **fields: Any) -> RunManifest:
    """A manifest as the split stage leaves it, with ``fields`` (and ``split`` keys) replaced."""
    base: dict[str, Any] = {
        "run_id": "r-1",
        "status": "running",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:00:01+00:00",
        "seed": 0,
        "split_seed": 0,
        "command": ["synthaug", "run"],
        "data": {"uri": "bundled:breast_cancer", "sha256": "f" * 64},
        "split": {**SPLIT, **(split or {})},
        "stages_completed": ["ingest", "validate", "split"],
        "environment": {},
        "watermark": WatermarkRecord.not_applied(WATERMARK_PENDING),
    }
    return RunManifest.model_validate({**base, **fields})


def write_run_manifest(run: Path, **fields: Any) -> RunManifest:
    return write_manifest(Path(run) / MANIFEST_FILE, run_manifest(**fields))
