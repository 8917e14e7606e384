"""Watermark keys: a secret file that never enters an export, and the public id that does.

A key file holds 32 random bytes as hex (one line). Exports carry only the key id, a hash of
the key, so anyone holding the key can check which key marked a dataset, and nobody can derive
the key from an export.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthaug.pipeline.destinations import check_writable_file
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.files import require_regular

KEY_BYTES = 32
KEY_FILE_ENV = "SYNTHAUG_WATERMARK_KEY_FILE"


@dataclass(frozen=True)
class WatermarkKey:
    secret: bytes

    @property
    def key_id(self) -> str:
        """Public: identifies the key without revealing it."""
        return hashlib.sha256(b"synthaug-watermark-key-id|" + self.secret).hexdigest()[:16]

    def stream(self, context: str) -> np.random.Generator:
        """A pseudo-random generator determined by the key and ``context`` (HMAC-SHA256 seeded)."""
        digest = hmac.new(self.secret, context.encode("utf-8"), hashlib.sha256).digest()
        return np.random.default_rng(int.from_bytes(digest, "big"))

    def bits(self, context: str, labels: list[str]) -> np.ndarray:
        """One pseudo-random sign (+-1) per label, each from its own HMAC (order independent)."""
        return np.array(
            [
                1.0
                if hmac.new(self.secret, f"{context}|{label}".encode(), hashlib.sha256).digest()[0] & 1
                else -1.0
                for label in labels
            ]
        )

    def __repr__(self) -> str:  # never print the secret
        return f"WatermarkKey(key_id={self.key_id})"


def generate_key_file(path: Path, *, overwrite: bool = False) -> WatermarkKey:
    """Write a new random key to ``path`` with mode 0600 (created that way, never widened)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise UserInputError(
            "a key file already exists here; refusing to replace it (data marked with it could no "
            "longer be verified)",
            where=path,
            hint="Choose another path, or delete the old key deliberately first.",
        )
    check_writable_file(path, key="the key path", what="key file")
    return write_key_file(path, WatermarkKey(secrets.token_bytes(KEY_BYTES)))


def write_key_file(path: Path, key: WatermarkKey) -> WatermarkKey:
    """Write ``key`` to ``path`` as one hex line with mode 0600 (created that way, never widened)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    descriptor = os.open(path, flags, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, (key.secret.hex() + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return key


def read_key_file(path: Path) -> WatermarkKey:
    path = Path(path)
    if not path.exists():
        raise UserInputError(
            "watermark key file not found",
            where=path,
            hint="Create one with `synthaug keygen PATH`, then point watermark.key_file (or "
            f"{KEY_FILE_ENV}) at it.",
        )
    mode = stat.S_IMODE(require_regular(path, what="watermark key file").st_mode)
    if mode & 0o077:
        raise UserInputError(
            f"watermark key file is readable by other users (mode {mode:o})",
            where=path,
            hint=f"Run `chmod 600 {path}`: anyone who can read the key can forge or strip the mark.",
        )
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise UserInputError(
            f"not a synthaug watermark key (expected {KEY_BYTES * 2} hex characters on one line)",
            where=path,
            hint="Create a key with `synthaug keygen PATH`.",
        )
    return WatermarkKey(secret)
