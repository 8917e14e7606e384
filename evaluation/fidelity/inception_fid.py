"""Standard Inception FID, computed only from a local weights file the user names.

Nothing is downloaded: ``evaluation.inception_weights`` points at one of
- a TorchScript Inception detector called as ``detector(images, return_features=True)`` on
  uint8 (N, 3, H, W) images, returning (N, 2048) pool features; this is the form of the
  ``inception-2015-12-05.pt`` file StyleGAN2-ADA's metrics use, whose FID matches the original
  TensorFlow reference numbers;
- a torchvision ``inception_v3`` state dict (e.g. ``inception_v3_google-0cc3c7bd.pth``): 2048-d
  pool features of 299x299 inputs scaled to [-1, 1]. Its FIDs compare among themselves but are
  not the published TensorFlow values.
Grey images are repeated to three channels. Without a weights file the metric is reported as
not computed, with the reason.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.evaluation.fidelity.base import REFERENCE, VALUE, FidelityInputs, FidelityMetric
from synthaug.evaluation.fidelity.frechet_distance import frechet_distance
from synthaug.pipeline.errors import UserInputError

WHERE = "evaluation.inception_weights"
BATCH = 64


def load_inception(path: Path, device: str = "cpu") -> Callable[[np.ndarray], np.ndarray]:
    """A function from uint8 (N, H, W, C) images to (N, 2048) float features."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise UserInputError(
            f"the Inception weights file {path} does not exist",
            where=WHERE,
            hint="Point it at a local TorchScript Inception detector or torchvision inception_v3 "
            "state dict, or remove the setting (nothing is downloaded).",
        )
    try:
        with warnings.catch_warnings():  # TorchScript is deprecated, but it is the detector's format
            warnings.simplefilter("ignore", FutureWarning)
            detector = torch.jit.load(str(path), map_location=device).eval()
        return lambda images: _batched(images, device, lambda x: detector(x, return_features=True))
    except RuntimeError:
        pass  # not TorchScript: try a state dict
    network = _torchvision_inception(path, device)

    def forward(x):
        x = torch.nn.functional.interpolate(x.float(), size=(299, 299), mode="bilinear", align_corners=False)
        return network(x / 127.5 - 1.0)

    return lambda images: _batched(images, device, forward)


def _torchvision_inception(path: Path, device: str):
    import torch
    from torchvision.models import inception_v3

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        network = inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=False)
        network.load_state_dict(state)
    except Exception as error:  # any failure means the same to the user: not a usable file
        raise UserInputError(
            f"{path} is neither a TorchScript Inception detector nor a torchvision inception_v3 "
            f"state dict ({type(error).__name__}: {str(error)[:200]})",
            where=WHERE,
            hint="Use the file the FID tool you compare with uses, or remove the setting.",
        ) from error
    network.fc = torch.nn.Identity()  # the 2048-d pool features instead of ImageNet logits
    return network.to(device).eval()


def _batched(images: np.ndarray, device: str, forward) -> np.ndarray:
    import torch

    x = np.asarray(images)
    if x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    parts = []
    with torch.no_grad():
        for start in range(0, len(x), BATCH):
            batch = torch.as_tensor(x[start : start + BATCH], device=device).permute(
                0, 3, 1, 2
            )  # (B, 3, H, W)
            parts.append(forward(batch).reshape(len(batch), -1).double().cpu().numpy())
    return np.concatenate(parts)


def _compute(inputs: FidelityInputs) -> dict[str, Any]:
    weights = inputs.options.inception_weights
    if weights is None:
        return {"computed": False, "reason": f"no local Inception weights ({WHERE} is not set)"}
    extract = load_inception(weights, inputs.options.device)
    real = extract(inputs.real.x)
    return {
        "computed": True,
        "weights": str(weights),
        VALUE: frechet_distance(real, extract(inputs.synthetic.x)),
        REFERENCE: frechet_distance(real, extract(inputs.reference.x)),
    }


METRIC = FidelityMetric(
    name="inception_fid",
    kind="image",
    description="FID in Inception-v3 pool features from a local weights file (computed only when "
    "evaluation.inception_weights is set)",
    compute=_compute,
)
