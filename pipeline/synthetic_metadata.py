"""What every synthetic file says about itself: that it is synthetic, and how it was made.

The same key-value pairs go into the Parquet schema metadata of ``rows.parquet`` and of the
image ``manifest.parquet``, and into a text chunk of every generated PNG, so plain pyarrow or
Pillow can read them without synthaug. The digital source type is IPTC's term for media created
by a model trained on sampled content.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from synthaug.pipeline.provenance import package_versions

IPTC_TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
SYNTHETIC = "synthetic"
DIGITAL_SOURCE_TYPE = "digital_source_type"
GENERATOR = "generator"
GENERATOR_VERSION = "generator_version"
RUN_ID = "run_id"
CONFIG_SHA256 = "config_sha256"
SOURCE_DATA_SHA256 = "source_data_sha256"
PRIVACY = "synthaug.privacy"  # JSON: the privacy statement, or "none"
WATERMARK = "synthaug.watermark"  # JSON: the watermark scheme's public parameters and key id, or a reason
CREATED = "created"
VERIFICATION = "synthaug.verification"  # JSON: the downstream-gain verdict (added at export)


def synthetic_metadata(
    *,
    run_id: str,
    config_file: Path,
    source_sha256: str,
    privacy: dict[str, Any] | None,
    watermark: Any,
    created: datetime | None = None,
) -> dict[str, str]:
    """String key-value pairs for one set of generated samples."""
    return {
        SYNTHETIC: "true",
        DIGITAL_SOURCE_TYPE: IPTC_TRAINED_ALGORITHMIC_MEDIA,
        GENERATOR: "synthaug",
        GENERATOR_VERSION: package_versions(("synthaug",)).get("synthaug") or "unknown",
        RUN_ID: run_id,
        CONFIG_SHA256: hashlib.sha256(Path(config_file).read_bytes()).hexdigest(),
        SOURCE_DATA_SHA256: source_sha256,
        PRIVACY: json.dumps(privacy if privacy is not None else "none"),
        WATERMARK: json.dumps(watermark),
        CREATED: (created or datetime.now(UTC)).isoformat(),
    }


def read_parquet_metadata(path: Path) -> dict[str, Any]:
    """The provenance pairs of a synthetic Parquet file, JSON values decoded (pandas' own omitted)."""
    raw = pq.read_schema(path).metadata or {}
    decoded: dict[str, Any] = {k.decode(): v.decode() for k, v in raw.items() if k != b"pandas"}
    for key in (PRIVACY, WATERMARK, VERIFICATION):
        if key in decoded:
            decoded[key] = json.loads(decoded[key])
    return decoded
