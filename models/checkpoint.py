"""Atomic, CPU-safe checkpoints: ``torch.save`` to a temp file, rename; load with ``weights_only``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from synthaug.pipeline.atomic import atomic_path


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu", weights_only=True)
