"""Choosing the torch device: cuda > mps > cpu unless the config names one."""

from __future__ import annotations

import torch

from synthaug.pipeline.errors import UserInputError


def select_device(preference: str = "auto") -> torch.device:
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if preference == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (preference == "cuda" and not cuda) or (preference == "mps" and not mps):
        raise UserInputError(
            f"training.device is '{preference}' but no {preference.upper()} device is available",
            where="training.device",
            hint="Use 'auto' (picks the best available device) or 'cpu'.",
        )
    return torch.device(preference)
