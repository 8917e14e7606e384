"""CUDA paths (bf16 autocast, device placement); skipped where no CUDA device exists."""

import numpy as np
import pytest
import torch

from models.image_cgan import ImageCGAN
from pipeline.errors import UserInputError
from tests.unit.models.conftest import tiny_config

pytestmark = pytest.mark.gpu


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_training_with_bf16_on_cuda(digits_train, tmp_path):
    gan = ImageCGAN(tiny_config(device="cuda", mixed_precision=True), seed=0).fit(
        digits_train, workdir=tmp_path
    )
    images, labels = gan.sample(4, labels=1)
    assert images.shape == (4, 8, 8, 1) and labels.tolist() == [1] * 4
    assert np.isfinite(gan.training_.samples_per_second)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_asking_for_cuda_without_one_is_a_clear_error(digits_train, tmp_path):
    with pytest.raises(UserInputError, match="training.device is 'cuda' but no CUDA device is available"):
        ImageCGAN(tiny_config(device="cuda")).fit(digits_train, workdir=tmp_path)
