"""Parquet ingestion through pyarrow, streamed in record batches to bound memory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from synthaug.pipeline.dataset import Dataset, SourceInfo
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.files import require_file, sha256_file
from synthaug.pipeline.sources.table_assembly import ColumnRules, assemble

BATCH_ROWS = 65_536
READ_BUFFER_BYTES = 1 << 20


def read_parquet(path: Path, rules: ColumnRules, *, require_target: bool = True) -> Dataset:
    require_file(path, what="Parquet file")
    parquet = open_parquet(path)
    n_rows = parquet.metadata.num_rows
    frame, labels, classes, schema = assemble(
        _stream(parquet, path),
        parquet.schema_arrow,
        n_rows,
        rules,
        where=str(path),
        require_target=require_target,
    )
    source = SourceInfo(
        uri=str(path),
        format="parquet",
        sha256=sha256_file(path),
        details={"rows": n_rows, "metadata": parquet_metadata(parquet.schema_arrow)},
    )
    return Dataset(frame, labels, classes, schema, source)


def _stream(parquet: pq.ParquetFile, path: Path) -> Iterator[pa.RecordBatch]:
    """Record batches, handing Arrow's freed buffers back to the system as we go; a page that
    cannot be decoded is the file's fault, reported with the rows read before it."""
    pool = pa.default_memory_pool()
    batches = parquet.iter_batches(batch_size=BATCH_ROWS, use_threads=False)
    rows = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
            raise UserInputError(
                f"the Parquet file is corrupt after {rows:,} readable rows ({exc})",
                where=path,
                hint="Write the file again from its source; a copy may have been cut short or damaged.",
            ) from None
        rows += batch.num_rows
        yield batch
        del batch
        pool.release_unused()


def open_parquet(path: Path) -> pq.ParquetFile:
    """A streaming reader: no pre-buffering of whole row groups, 1 MiB reads."""
    try:
        return pq.ParquetFile(path, pre_buffer=False, buffer_size=READ_BUFFER_BYTES)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # damaged footer or schema
        raise UserInputError(
            f"not a readable Parquet file ({exc})",
            where=path,
            hint="Check that the file is Parquet and was written completely.",
        ) from None


def parquet_metadata(schema: pa.Schema) -> dict[str, Any]:
    """The file's key-value metadata (provenance), minus the bulky pandas block."""
    out: dict[str, Any] = {}
    for key, value in (schema.metadata or {}).items():
        name = key.decode("utf-8", "replace")
        if name in ("pandas", "ARROW:schema"):
            continue
        text = value.decode("utf-8", "replace")
        try:
            out[name] = json.loads(text)
        except ValueError:
            out[name] = text
    return out
