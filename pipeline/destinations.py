"""Checks that a folder synthaug will write to can be written, made before any work is done.

Without them a bad ``--output-dir``, ``export.directory`` or ``export --to`` surfaces as an
internal error, or only after the GAN has trained: a path under a regular file, under a
read-only or virtual file system (``/proc``), or an existing file where a folder should go.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from synthaug.pipeline.errors import UserInputError


def check_writable_folder(path: Path, *, key: str, what: str = "folder") -> None:
    """Refuse ``path`` unless it is, or can become, a folder we can write in. ``key`` names the
    setting or option the user gave it with."""
    path = Path(os.path.abspath(path))
    if path.exists() and not path.is_dir():
        raise UserInputError(
            f"{key} points at an existing file, not a {what}",
            where=path,
            hint=f"Give {key} a folder path (it is created when missing).",
        )
    _check_creatable(path, path, key=key, what=what)


def _check_creatable(path: Path, start: Path, *, key: str, what: str) -> None:
    """The nearest existing folder at or above ``start`` must be a folder we can write in."""
    ancestor = start
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UserInputError(
            f"{key} lies under '{ancestor}', which is a file, so the {what} cannot be created",
            where=path,
            hint=f"Choose another path for {key}.",
        )
    try:  # the only reliable test: virtual and read-only file systems pass os.access for root
        probe = tempfile.mkdtemp(prefix=".synthaug-write-check-", dir=ancestor)
    except OSError as exc:
        raise UserInputError(
            f"cannot create the {what} under '{ancestor}' ({exc.strerror or exc})",
            where=path,
            hint=f"Choose a path for {key} on a writable disk you own.",
        ) from None
    os.rmdir(probe)


def check_writable_file(path: Path, *, key: str, what: str = "file") -> None:
    """Refuse a file destination whose folder cannot be written (or that is a folder)."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        raise UserInputError(f"{key} is a folder; it should name a {what}", where=path)
    _check_creatable(path, path.parent, key=key, what=what)
