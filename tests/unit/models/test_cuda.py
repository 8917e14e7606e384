"""CUDA paths (bf16 autocast, device placement), marked ``gpu`` and skipped where no CUDA device
exists; and the clear error for asking for CUDA without one, which runs on CPU."""

import numpy as np
import pytest
import torch

from synthaug.models.image_cgan import ImageCGAN
from synthaug.pipeline.errors import UserInputError
from tests.unit.models.conftest import tiny_config


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_training_with_bf16_on_cuda(digits_train, tmp_path):
    gan = ImageCGAN(tiny_config(device="cuda", mixed_precision=True), seed=0).fit(
        digits_train, workdir=tmp_path
    )
    synthetic = gan.sample(4, labels=1)
    images, labels = synthetic.images, synthetic.labels
    assert images.shape == (4, 8, 8, 1) and labels.tolist() == [1] * 4
    assert np.isfinite(gan.training_.samples_per_second)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_asking_for_cuda_without_one_is_a_clear_error(digits_train, tmp_path):
    with pytest.raises(UserInputError, match="training.device is 'cuda' but no CUDA device is available"):
        ImageCGAN(tiny_config(device="cuda")).fit(digits_train, workdir=tmp_path)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_verification_classifier_and_fidelity_features_on_cuda():
    from synthaug.evaluation.fidelity.base import FidelityInputs, FidelityOptions
    from synthaug.evaluation.fidelity.registry import metrics_for
    from synthaug.evaluation.fidelity.report import compute_fidelity
    from synthaug.evaluation.samples import Samples

    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 255, (30, 8, 8, 1), dtype=np.uint8), np.repeat(np.arange(3), 10)
    samples = Samples(images, labels, 3)
    inputs = FidelityInputs(
        "image", ("a", "b", "c"), samples, samples, samples, FidelityOptions(device="cuda")
    )
    report = compute_fidelity(inputs, metrics_for("image"), cnn_steps=20)["metrics"]
    assert report["frechet_distance"]["value"] == pytest.approx(0.0, abs=1e-3)
    assert report["precision_recall"]["value"]["precision"] == 1.0
