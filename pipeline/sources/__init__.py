"""Sources: each reads one kind of input and returns the canonical :class:`~pipeline.dataset.Dataset`.

:func:`load_dataset` picks the reader from ``dataset.source`` (registry :data:`READERS`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.errors import UserInputError, suggest
from synthaug.pipeline.files import require_file, sha256_arrays, sha256_file
from synthaug.pipeline.sources.bundled import load_bundled
from synthaug.pipeline.sources.csv_source import read_csv
from synthaug.pipeline.sources.image_folder import read_image_folder
from synthaug.pipeline.sources.image_npz import read_npz
from synthaug.pipeline.sources.parquet_source import read_parquet
from synthaug.pipeline.sources.table_assembly import ColumnRules

Reader = Callable[[DatasetConfig, ColumnRules, bool], Dataset]

READERS: dict[str, Reader] = {
    "bundled": lambda spec, rules, req: load_bundled(spec, rules, require_target=req),
    "csv": lambda spec, rules, req: read_csv(Path(spec.source), spec.csv, rules, require_target=req),
    "parquet": lambda spec, rules, req: read_parquet(Path(spec.source), rules, require_target=req),
    "npz": lambda spec, rules, req: read_npz(Path(spec.source), spec.image),
    "image-folder": lambda spec, rules, req: read_image_folder(Path(spec.source), spec.image),
}
FORMAT_KIND = {"csv": "tabular", "parquet": "tabular", "npz": "image", "image-folder": "image"}
_SUFFIX_FORMAT = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".npz": "npz",
}


FILE_LABELS = {"csv": "CSV file", "parquet": "Parquet file", "npz": "NPZ file"}


def check_source(spec: DatasetConfig) -> str:
    """The reader name for a source whose file exists, before anything else runs (a missing
    file is then reported in a second, not after the job has started); the reader checks the rest."""
    fmt = source_format(spec)
    if fmt in FILE_LABELS:
        require_file(Path(spec.source), what=FILE_LABELS[fmt])
    return fmt


def source_format(spec: DatasetConfig) -> str:
    """The reader name for a source: by prefix, by folder, or by file suffix."""
    if spec.is_bundled:
        return "bundled"
    path = Path(spec.source)
    if path.is_dir():
        return "image-folder"
    fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
    if fmt is None:
        if not path.exists():
            raise UserInputError("data file not found", where=path, hint="Check dataset.source.")
        raise UserInputError(
            f"cannot tell the format of '{path.name}' from its suffix",
            where=path,
            hint=f"Use one of {', '.join(sorted(_SUFFIX_FORMAT))}, or a folder of class sub-folders. "
            + suggest(path.suffix.lower(), _SUFFIX_FORMAT),
        )
    return fmt


def column_rules(spec: DatasetConfig) -> ColumnRules:
    return ColumnRules(
        target=spec.target,
        numeric=frozenset(spec.numeric_columns),
        categorical=frozenset(spec.categorical_columns),
        drop=frozenset(spec.drop_columns),
        max_columns=spec.max_columns,
    )


def load_dataset(spec: DatasetConfig, *, require_target: bool = True) -> Dataset:
    """Read ``spec.source`` into the canonical dataset (no content checks: see ``validate``)."""
    fmt = source_format(spec)
    implied = FORMAT_KIND.get(fmt)
    if spec.kind is not None and implied is not None and spec.kind != implied:
        raise UserInputError(
            f"dataset.kind is '{spec.kind}' but the source is {fmt} ({implied} data)",
            where=spec.source,
            hint="Remove dataset.kind or point dataset.source at matching data.",
        )
    return READERS[fmt](spec, column_rules(spec), require_target)


def source_fingerprint(spec: DatasetConfig) -> str:
    """A cheap identity of the source's current contents, for caching ingestion: a file's sha256,
    a folder's file names, sizes and modification times, a bundled set's package version. A
    source that cannot be read gets a key of its own (ingestion then reports the problem)."""
    if spec.is_bundled:
        from importlib.metadata import version

        return sha256_arrays(spec.source, "scikit-learn", version("scikit-learn"))
    path = Path(spec.source)
    if path.is_file():
        return sha256_file(path)
    if path.is_dir():
        entries = sorted(
            (p.relative_to(path).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
            for p in path.rglob("*")
            if p.is_file()
        )
        return sha256_arrays(*(f"{name}\0{size}\0{mtime}" for name, size, mtime in entries))
    return sha256_arrays("unreadable", spec.source)
