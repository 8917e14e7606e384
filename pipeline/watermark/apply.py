"""The main job's watermark step: which key, which scheme, and marking the generated samples.

The key comes from ``watermark.key_file``, else from the file named by $SYNTHAUG_WATERMARK_KEY_FILE;
without either, a new key is generated into the run's private area (``private/watermark.key``,
mode 0600, never part of the synthetic outputs) and the log says where. Exports carry only the
scheme's public parameters and the key id.

Tables are marked in their numeric columns (pipeline/watermark/table_mark.py), images by
dither modulation of their pixels (pipeline/watermark/image_mark.py).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthaug.pipeline.config import WatermarkConfig
from synthaug.pipeline.layout import RUN_KEY_FILE
from synthaug.pipeline.synthetic_metadata import WATERMARK
from synthaug.pipeline.tabular_transform import NumericEncoding, TabularTransformer
from synthaug.pipeline.watermark.detection import INCONCLUSIVE, MARKED, Detection
from synthaug.pipeline.watermark.image_mark import ImageWatermark, psnr
from synthaug.pipeline.watermark.keys import KEY_FILE_ENV, WatermarkKey, generate_key_file, read_key_file
from synthaug.pipeline.watermark.table_mark import ColumnCells, TableWatermark

log = logging.getLogger(__name__)

METADATA_KEY = WATERMARK  # Parquet key-value metadata: the scheme's public parameters (JSON)


def check_configured_key(spec: WatermarkConfig) -> None:
    """Read the configured key (watermark.key_file, else $SYNTHAUG_WATERMARK_KEY_FILE), so that a
    missing, unreadable or world-readable key stops the job before training; none configured is
    fine (the run generates its own)."""
    if spec.key_file is not None:
        read_key_file(spec.key_file)
    elif os.environ.get(KEY_FILE_ENV):
        read_key_file(Path(os.environ[KEY_FILE_ENV]))


def existing_key(spec: WatermarkConfig, run_dir: Path) -> WatermarkKey | None:
    """The key a finished run was marked with (configured, from the environment, or generated
    into the run), without making a new one; None when the run has none."""
    if not spec.enabled:
        return None
    if spec.key_file is not None or os.environ.get(KEY_FILE_ENV):
        return resolve_key(spec, run_dir)[0]
    path = run_dir / RUN_KEY_FILE
    return read_key_file(path) if path.exists() else None


def resolve_key(spec: WatermarkConfig, run_dir: Path) -> tuple[WatermarkKey, str]:
    """The key and where it came from (a description for the manifest; never the key itself)."""
    if spec.key_file is not None:
        return read_key_file(spec.key_file), f"watermark.key_file ({spec.key_file})"
    from_env = os.environ.get(KEY_FILE_ENV)
    if from_env:
        return read_key_file(Path(from_env)), f"${KEY_FILE_ENV} ({from_env})"
    path = run_dir / RUN_KEY_FILE
    if path.exists():  # a resumed run, or a later stage of this one, keeps its key
        key = read_key_file(path)
    else:
        key = generate_key_file(path)
        log.warning(
            "no watermark key configured: generated one for this run (%s in the run directory; keep it to "
            "verify the data later; set watermark.key_file or $%s to use your own)",
            RUN_KEY_FILE,
            KEY_FILE_ENV,
        )
    # the run folder is renamed when the run completes: name the key by its place inside it
    return key, f"generated for this run ({RUN_KEY_FILE} in the run directory)"


def table_watermark(key: WatermarkKey, transformer: TabularTransformer) -> TableWatermark:
    """Mark every numeric column over the generator's own output range (its encoding bounds)."""
    columns = [
        ColumnCells.for_range(enc.column.name, enc.low, enc.high, integer=enc.column.integer)
        for enc in transformer.encodings_
        if isinstance(enc, NumericEncoding)
    ]
    return TableWatermark(key, [c for c in columns if c is not None])


def self_check(detection: Detection, what: str) -> dict[str, Any]:
    """The run's own test of the mark it just embedded, recorded with the parameters; a mark the
    run itself cannot detect is said loudly (and in the dataset card), not at INFO level."""
    check = {
        "outcome": detection.outcome,
        "p_value": float(f"{detection.p_value:.3g}"),
        "z": round(detection.z, 2),
        "threshold": detection.threshold,
        "samples": detection.samples,
    }
    if detection.outcome != MARKED:
        log.warning(
            "the watermark cannot be detected in these %s: the run's own test with the right key gives "
            "p %.3g (threshold %g; %s), so `verify-watermark` will not identify them%s. Train longer, "
            "generate more samples, or set watermark.require_detectable: true to refuse such exports",
            what,
            detection.p_value,
            detection.threshold,
            detection.outcome,
            " (too few samples to reach the threshold)" if detection.outcome == INCONCLUSIVE else "",
        )
    return check


def mark_rows(rows: pd.DataFrame, watermark: TableWatermark) -> tuple[pd.DataFrame, dict[str, Any]]:
    marked = watermark.embed(rows)
    detection = watermark.detect(marked)
    log.info(
        "watermarked %d rows in %d numeric columns (self-check z %.1f, p %.2g)",
        len(rows),
        len(watermark.columns),
        detection.z,
        detection.p_value,
    )
    return marked, {**watermark.params(), "self_check": self_check(detection, f"{len(rows)} rows")}


def mark_images(images: np.ndarray, key: WatermarkKey) -> tuple[np.ndarray, dict[str, Any]]:
    """Mark uint8 images (N, H, W, C); the parameters include the PSNR of marked vs unmarked."""
    watermark = ImageWatermark(key)
    marked = watermark.embed(images)
    _, height, width, _ = images.shape
    detection = watermark.detect(marked)
    quality = round(psnr(images, marked), 2)
    log.info(
        "watermarked %d images (PSNR %.1f dB, self-check z %.1f, p %.2g)",
        len(images),
        quality,
        detection.z,
        detection.p_value,
    )
    return marked, {
        **watermark.params(height, width),
        "psnr_db": quality,
        "self_check": self_check(detection, f"{len(images)} images"),
    }


def public_statement(watermark: dict[str, Any]) -> dict[str, Any]:
    """What the exported files say about the mark: everything but where the key is kept."""
    return {k: v for k, v in watermark.items() if k != "key_source"}
