"""File checks and content hashes shared by every source."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from synthaug.pipeline.errors import UserInputError

_CHUNK = 1 << 20


def require_file(
    path: Path,
    *,
    what: str = "data file",
    missing_hint: str = "Check dataset.source (relative paths are relative to the config file's folder).",
) -> Path:
    """The path if it is a non-empty regular file; a clear error otherwise."""
    if not path.exists():
        raise UserInputError(f"{what} not found", where=path, hint=missing_hint)
    if path.is_dir():
        raise UserInputError(f"expected a {what} but found a folder", where=path)
    require_regular(path, what=what)
    if path.stat().st_size == 0:
        raise UserInputError(
            f"{what} is empty (0 bytes)",
            where=path,
            hint="Point dataset.source at a file that holds the data.",
        )
    return path


def require_regular(path: Path, *, what: str = "file", where: Path | None = None) -> os.stat_result:
    """``os.stat`` of a path that is a regular file (links followed), before anything opens it:
    a FIFO would block the reader forever, a device may never end, a link loop cannot be read."""
    try:
        info = os.stat(path)
    except OSError as exc:  # a link loop (ELOOP), a dangling link, no permission
        raise UserInputError(
            f"cannot read {what} ({exc.strerror or exc})",
            where=where or path,
            hint="Replace it with a regular file, or remove it (check for links that point at each other).",
        ) from None
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise UserInputError(
            f"{what} is a {kind}, not a regular file; refused (reading it could block forever)",
            where=where or path,
            hint="Point at a regular file, or remove that entry.",
        )
    return info


_KINDS = {
    stat.S_IFIFO: "named pipe (FIFO)",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFDIR: "folder",
}


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
