"""File checks and content hashes shared by every source."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import UserInputError

_CHUNK = 1 << 20


def require_file(path: Path, *, what: str = "data file") -> Path:
    """The path if it is a non-empty regular file; a clear error otherwise."""
    if not path.exists():
        hint = "Check dataset.source (relative paths are relative to the config file's folder)."
        raise UserInputError(f"{what} not found", where=path, hint=hint)
    if path.is_dir():
        raise UserInputError(f"expected a {what} but found a folder", where=path)
    if path.stat().st_size == 0:
        raise UserInputError(
            f"{what} is empty (0 bytes)",
            where=path,
            hint="Point dataset.source at a file that holds the data.",
        )
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_tree(root: Path, files: Iterable[Path]) -> str:
    """Hash of a set of files: relative path and content of each, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def sha256_arrays(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()
