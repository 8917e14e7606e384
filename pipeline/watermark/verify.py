"""Checking data for a key's watermark: synthetic rows, one image, or a set of images.

``verify`` accepts a run directory, an export directory, a Parquet or CSV file (synthetic rows,
or an image manifest), a single image file, or any folder of images. Table marks are read with
the grid stored in the Parquet metadata; rows that lost it (saved as CSV, or re-written without
metadata) are tested with the grid from ``params_file``: the ``export.json`` of the export they
came from (or the run's ``manifest.json``). Image marks need only the key: the scheme's parameters are
taken from the manifest or the PNG text chunks when present, and otherwise (images re-encoded as
JPEG, or stripped of their metadata) from the scheme's defaults, which the result says.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from PIL import Image, UnidentifiedImageError

from synthaug.pipeline.config import ImageOptions
from synthaug.pipeline.errors import UserInputError, echo
from synthaug.pipeline.files import require_regular
from synthaug.pipeline.layout import EXPORT_FILE, IMAGE_MANIFEST_FILE, MANIFEST_FILE, ROWS_FILE, SYNTHETIC_DIR
from synthaug.pipeline.synthetic_metadata import WATERMARK
from synthaug.pipeline.watermark.detection import needed_z, signed_sum_test
from synthaug.pipeline.watermark.image_mark import EXPECTED_ALIGNMENT, ImageWatermark
from synthaug.pipeline.watermark.image_mark import SCHEME as IMAGE_SCHEME
from synthaug.pipeline.watermark.keys import WatermarkKey, read_key_file
from synthaug.pipeline.watermark.table_mark import SCHEME as TABLE_SCHEME
from synthaug.pipeline.watermark.table_mark import TableWatermark

TABLE_SUFFIXES = (".parquet", ".csv", ".tsv")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
MAX_PIXELS = ImageOptions.model_fields["max_pixels"].default  # ingestion's decompression-bomb limit
NOT_MARKABLE = "Only tables and images exported by synthaug with watermark.enabled: true carry a mark."


def verify(path: Path, key_file: Path, *, params_file: Path | None = None) -> dict[str, Any]:
    """The detection result (JSON-ready) for the data at ``path`` and the key in ``key_file``."""
    key = read_key_file(key_file)
    target = _resolve(Path(path))
    if target.suffix in TABLE_SUFFIXES and not _is_image_manifest(target):
        return _verify_rows(target, key, params_file)
    if params_file is not None:
        raise UserInputError(
            "--params applies to tables only (image marks need only the key)", where=params_file
        )
    return _verify_images(target, key)


def _resolve(path: Path) -> Path:
    """The file or folder to test: run directories and exports point at their synthetic data."""
    if not path.exists():
        raise UserInputError("nothing to test here: the path does not exist", where=path)
    if path.is_file():
        return path
    for folder in (path / SYNTHETIC_DIR, path):
        for name in (ROWS_FILE, IMAGE_MANIFEST_FILE):
            if (folder / name).is_file():
                return folder / name
    return path  # a plain folder of images


def _is_image_manifest(path: Path) -> bool:
    return path.suffix == ".parquet" and {"file", "sha256"} <= set(_schema(path).names)


def _schema(path: Path):
    try:
        return pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise UserInputError(f"not a readable Parquet file ({exc})", where=path) from None


def _stored_params(raw: bytes | str | None, where: Path, scheme: str) -> dict[str, Any] | None:
    """The scheme parameters from stored metadata; None when there are none; an error when the
    data say they were not marked, or were marked with another scheme."""
    if raw is None:
        return None
    params = json.loads(raw)
    if not isinstance(params, dict) or params.get("applied") is False:  # an unmarked run says why
        reason = params.get("reason") if isinstance(params, dict) else params  # a string before 0.2
        raise UserInputError(
            f"the data carry no synthaug watermark parameters, so they cannot be tested ({reason})",
            where=where,
            hint=NOT_MARKABLE,
        )
    if params.get("scheme") != scheme:
        raise UserInputError(
            f"unknown watermark scheme {params.get('scheme')!r} (this version reads {scheme!r})", where=where
        )
    return params


def _verify_rows(file: Path, key: WatermarkKey, params_file: Path | None) -> dict[str, Any]:
    stored = None if file.suffix != ".parquet" else (_schema(file).metadata or {}).get(WATERMARK.encode())
    params = _stored_params(stored, file, TABLE_SCHEME)
    source = "stored with the data"
    if params is None and params_file is not None:
        params, source = _params_from(params_file), f"from {params_file.name}"
    if params is None:
        raise UserInputError(
            "the file carries no synthaug watermark parameters, so it cannot be tested",
            where=file,
            hint=f"Pass --params EXPORT/{EXPORT_FILE} (the export the rows came from) to test rows saved as "
            f"CSV or without their metadata. {NOT_MARKABLE}",
        )
    detection = TableWatermark.from_params(key, params).detect(_read_rows(file))
    return _result(detection.to_dict(), key, params, file, kind="table", parameters=source)


def _params_from(path: Path) -> dict[str, Any]:
    """The table scheme's parameters from an export's ``export.json`` or a run's ``manifest.json``."""
    require_regular(path, what="--params")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        record = None
    found = None
    if isinstance(record, dict):
        found = (record.get("metadata") or {}).get(WATERMARK) or record.get("watermark")
    if not isinstance(found, dict):
        raise UserInputError(
            "no watermark parameters here",
            where=path,
            hint=f"Give the {EXPORT_FILE} of the export the rows came from, or the run's {MANIFEST_FILE}.",
        )
    return _stored_params(json.dumps(found), path, TABLE_SCHEME)


def _read_rows(file: Path):
    if file.suffix == ".parquet":
        return pq.read_table(file).to_pandas()
    try:
        return pd.read_csv(file, sep="\t" if file.suffix == ".tsv" else ",")
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserInputError(f"not a readable CSV file ({echo(exc)})", where=file) from None


def _verify_images(target: Path, key: WatermarkKey) -> dict[str, Any]:
    files, params = _image_files(target)
    if not files:
        raise UserInputError(
            "no images to test here", where=target, hint="Pass an image, a folder of images or an export."
        )
    by_size: dict[tuple[int, int], list[np.ndarray]] = {}
    for file in files:
        pixels, chunk = _read_image(file)
        params = params or _stored_params(chunk, file, IMAGE_SCHEME)
        by_size.setdefault(pixels.shape[:2], []).append(pixels)
    parameters = "stored with the data" if params else "the scheme's defaults (no stored parameters found)"
    watermark = ImageWatermark.from_params(key, params) if params else ImageWatermark(key)
    alignments, weights = [], []
    for images in by_size.values():  # sizes are tested apart (their units differ) and pooled
        a, w = watermark.units(np.stack(images))
        alignments.append(a.ravel())
        weights.append(w.ravel())
    detection = signed_sum_test(
        np.concatenate(alignments),
        np.concatenate(weights),
        samples=len(files),
        expected_alignment=EXPECTED_ALIGNMENT,
    )
    return _result(detection.to_dict(), key, params, target, kind="image", parameters=parameters)


def _image_files(target: Path) -> tuple[list[Path], dict[str, Any] | None]:
    """The images to test and, for a manifest, the parameters stored in it."""
    if target.suffix == ".parquet":
        params = _stored_params(
            (_schema(target).metadata or {}).get(WATERMARK.encode()), target, IMAGE_SCHEME
        )
        names = pq.read_table(target, columns=["file"]).column("file").to_pylist()
        missing = [n for n in names if not (target.parent / n).is_file()]
        if missing:
            raise UserInputError(
                f"{len(missing)} image(s) listed in the manifest are missing, e.g. {missing[0]}",
                where=target,
                hint="Test the folder of images that is there instead, or restore the files.",
            )
        return [target.parent / n for n in names], params
    if target.is_file():
        return [target], None
    return sorted(p for p in target.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()), None


def _read_image(file: Path) -> tuple[np.ndarray, str | None]:
    """(H, W, C) uint8 pixels (grey or RGB, as the mark was embedded) and the stored parameters."""
    require_regular(file, what="image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(file)
        with opened as image:
            if image.width * image.height > MAX_PIXELS:
                raise UserInputError(
                    f"image is {image.width}x{image.height} pixels, over the limit of {MAX_PIXELS:,} "
                    "(a guard against decompression bombs); synthaug writes images far smaller",
                    where=file,
                    hint="Test the images the run exported.",
                )
            chunk = getattr(image, "text", {}).get(WATERMARK)
            if image.mode in ("L", "RGB"):
                converted = image
            elif image.mode in ("1", "I", "I;16", "F", "LA"):
                converted = image.convert("L")
            else:
                converted = image.convert("RGB")
            pixels = np.asarray(converted)
    except Image.DecompressionBombError as exc:
        raise UserInputError(f"image refused: {exc}", where=file) from None
    except (UnidentifiedImageError, OSError) as exc:
        raise UserInputError(f"not a readable image ({exc})", where=file) from None
    return (pixels[..., None] if pixels.ndim == 2 else pixels), chunk


def _result(
    detection: dict, key: WatermarkKey, params: dict | None, path: Path, **extra: str
) -> dict[str, Any]:
    return {
        **detection,
        **extra,
        "key_id": key.key_id,
        "key_matches_export": None if params is None else key.key_id == params.get("key_id"),
        "default_parameters": params is None,
        "needed_z": needed_z(
            detection["threshold"]
        ),  # what the threshold asks of z  # images without stored parameters: the scheme's defaults
        "file": str(path),
    }
