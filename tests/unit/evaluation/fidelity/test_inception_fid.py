"""Standard FID from a local file: a TorchScript detector or a torchvision state dict; no downloads."""

import numpy as np
import pytest
import torch

from synthaug.evaluation.fidelity.inception_fid import load_inception
from synthaug.pipeline.errors import UserInputError


class PoolFeatures(torch.nn.Module):
    """Stands in for a TorchScript Inception detector: uint8 (N, 3, H, W) -> (N, 2048)."""

    def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        means = x.float().mean(dim=(2, 3))  # (N, 3)
        return means.repeat(1, 683)[:, :2048]


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
def test_a_torchscript_detector_is_called_for_pool_features(tmp_path):
    path = tmp_path / "detector.pt"
    torch.jit.script(PoolFeatures()).save(str(path))
    extract = load_inception(path)
    grey = np.full((5, 8, 8, 1), 100, np.uint8)  # grey is repeated to three channels
    features = extract(grey)
    assert features.shape == (5, 2048)
    assert np.allclose(features, 100.0)


def test_a_missing_or_unusable_weights_file_is_a_user_error(tmp_path):
    with pytest.raises(UserInputError, match="does not exist"):
        load_inception(tmp_path / "nowhere.pt")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not weights")
    with pytest.raises(UserInputError, match="neither a TorchScript Inception detector nor a torchvision"):
        load_inception(junk)


@pytest.mark.slow
def test_a_torchvision_inception_state_dict_gives_2048_features(tmp_path):
    from torchvision.models import inception_v3

    path = tmp_path / "inception_v3.pth"
    torch.save(inception_v3(weights=None, aux_logits=True, init_weights=False).state_dict(), path)
    features = load_inception(path)(np.random.default_rng(0).integers(0, 255, (2, 8, 8, 3), dtype=np.uint8))
    assert features.shape == (2, 2048) and np.all(np.isfinite(features))
