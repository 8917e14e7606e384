"""The run's ``manifest.json``: one typed record of what ran, with fixed field types.

The split stage creates it; later stages add their summaries (:func:`update_manifest`, which
validates every write); the report, the dataset card, ``synthaug inspect`` and the CLI read it
(:func:`read_manifest`). A field is never a string in one run and a dict in another: privacy is
the privacy statement or ``None``; the watermark is always a :class:`WatermarkRecord` that says
whether a mark was applied and, when not, why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from synthaug.pipeline.atomic import write_json
from synthaug.pipeline.errors import UserInputError

RUNNING, COMPLETE = "running", "complete"
WATERMARK_PENDING = "pending: applied when the synthetic samples are generated"
WATERMARK_DISABLED = "not applied: disabled by watermark.enabled: false"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SplitRecord(_Record):
    test_fraction: float
    stratified: bool
    per_class: int | None
    train_rows: int
    test_rows: int
    unused_rows: int
    train_class_counts: dict[str, int]
    test_class_counts: dict[str, int]
    notes: list[str]


class WatermarkRecord(BaseModel):
    """``applied`` and, when applied, the scheme's public parameters, key id and self-check (they
    differ between the image and the table scheme, so they are kept as given); else ``reason``."""

    model_config = ConfigDict(extra="allow")

    applied: bool
    reason: str | None = None

    @classmethod
    def not_applied(cls, reason: str) -> WatermarkRecord:
        return cls(applied=False, reason=reason)

    def details(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class RunManifest(_Record):
    run_id: str
    status: Literal["running", "complete"]
    started_at: str
    finished_at: str
    seed: int
    split_seed: int
    command: list[str]
    data: dict[str, Any]  # the source (uri, format, sha256, ...), kind, rows, classes, schema
    split: SplitRecord
    stages_completed: list[str]
    stage_seconds: dict[str, float] = {}
    wall_seconds: float | None = None
    environment: dict[str, Any]
    watermark: WatermarkRecord
    privacy: dict[str, Any] | None = None  # the privacy statement of a private run
    training: dict[str, Any] | None = None
    generation: dict[str, Any] | None = None
    verification: dict[str, Any] | None = None
    export: dict[str, Any] | None = None
    report: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def read_manifest(path: Path) -> RunManifest:
    """A run's manifest, or a clear error when it is not one (damaged, edited, or older)."""
    try:
        return RunManifest.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
        where = ".".join(map(str, first["loc"])) or "the file"
        raise UserInputError(
            f"not a synthaug run manifest ({where}: {first['msg']})",
            where=path,
            hint="Give a run directory that `synthaug run` created (and nobody edited).",
        ) from None


def write_manifest(path: Path, manifest: RunManifest) -> RunManifest:
    write_json(path, manifest.to_json())
    return manifest


def update_manifest(path: Path, **fields: Any) -> RunManifest:
    """The manifest at ``path`` with ``fields`` replaced, validated, written atomically."""
    current = read_manifest(path)
    return write_manifest(path, RunManifest.model_validate({**current.to_json(), **fields}))
