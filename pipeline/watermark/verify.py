"""Checking data for a key's watermark, from the scheme parameters stored with the data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.errors import UserInputError
from pipeline.watermark.apply import METADATA_KEY
from pipeline.watermark.keys import read_key_file
from pipeline.watermark.table_mark import SCHEME as TABLE_SCHEME
from pipeline.watermark.table_mark import TableWatermark

ROWS_IN_RUN = "synthetic/rows.parquet"


def verify(path: Path, key_file: Path) -> dict[str, Any]:
    """The detection result (JSON-ready) for the synthetic rows at ``path`` and the key in ``key_file``."""
    path = Path(path)
    file = path / ROWS_IN_RUN if path.is_dir() else path
    if not file.is_file():
        raise UserInputError(
            "no synthetic rows to test here", where=file, hint="Pass a rows.parquet file or a run directory."
        )
    key = read_key_file(key_file)
    try:
        schema = pq.read_schema(file)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise UserInputError(f"not a readable Parquet file ({exc})", where=file) from None
    raw = (schema.metadata or {}).get(METADATA_KEY.encode())
    if raw is None:
        raise UserInputError(
            "the file carries no synthaug watermark parameters, so it cannot be tested",
            where=file,
            hint="Only tables exported by synthaug with watermark.enabled: true carry them.",
        )
    params = json.loads(raw)
    if not isinstance(params, dict):  # a run that did not mark its samples says why
        raise UserInputError(
            f"the file carries no synthaug watermark parameters, so it cannot be tested ({params})",
            where=file,
            hint="Only tables exported by synthaug with watermark.enabled: true carry them.",
        )
    if params.get("scheme") != TABLE_SCHEME:
        raise UserInputError(f"unknown watermark scheme {params.get('scheme')!r}", where=file)
    detection = TableWatermark.from_params(key, params).detect(pq.read_table(file).to_pandas())
    return {
        **detection.to_dict(),
        "key_id": key.key_id,
        "key_matches_export": key.key_id == params.get("key_id"),
        "file": str(file),
    }
