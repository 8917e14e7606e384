import pytest
import torch
from torch import nn

from synthaug.models.image_networks import ARCHITECTURES, ImageShape, generator_plan
from synthaug.pipeline.errors import UserInputError


@pytest.mark.parametrize(("size", "channels"), [(8, 1), (28, 1), (28, 3), (64, 3), (64, 1), (9, 3)])
def test_forward_shapes_and_output_range(size, channels):
    generator, discriminator = ARCHITECTURES.get("sngan").build(
        ImageShape(size, channels), 5, z_dim=16, width=8, minibatch_stddev=True
    )
    z, y = torch.randn(8, 16), torch.randint(0, 5, (8,))
    images = generator(z, y)
    assert images.shape == (8, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1
    logits, features = discriminator(images, y)
    assert logits.shape == (8,) and features.shape == (8, discriminator.feature_dim)


def test_depth_follows_the_size():
    assert generator_plan(8) == (4, 1)
    assert generator_plan(28) == (7, 2)
    assert generator_plan(64) == (4, 4)
    assert generator_plan(128) == (4, 5)
    small, _ = ARCHITECTURES.get("sngan").build(ImageShape(8, 1), 2, z_dim=8, width=8, minibatch_stddev=False)
    large, _ = ARCHITECTURES.get("sngan").build(
        ImageShape(64, 1), 2, z_dim=8, width=8, minibatch_stddev=False
    )
    assert len(large.blocks) == len(small.blocks) + 3


def test_discriminator_has_no_batchnorm_and_spectral_norm_everywhere():
    _, discriminator = ARCHITECTURES.get("sngan").build(
        ImageShape(28, 3), 4, z_dim=8, width=8, minibatch_stddev=True
    )
    assert not [m for m in discriminator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    weighted = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d | nn.Linear | nn.Embedding)]
    assert weighted and all(
        hasattr(m, "parametrizations") and "weight" in m.parametrizations for m in weighted
    )


def test_projection_uses_the_class():
    torch.manual_seed(0)
    _, discriminator = ARCHITECTURES.get("sngan").build(
        ImageShape(8, 1), 3, z_dim=8, width=8, minibatch_stddev=False
    )
    x = torch.randn(4, 1, 8, 8)
    a, _ = discriminator(x, torch.zeros(4, dtype=torch.long))
    b, _ = discriminator(x, torch.full((4,), 2, dtype=torch.long))
    assert not torch.allclose(a, b)


def test_generator_is_conditional():
    torch.manual_seed(0)
    generator, _ = ARCHITECTURES.get("sngan").build(
        ImageShape(8, 1), 3, z_dim=8, width=8, minibatch_stddev=False
    )
    generator.eval()
    with torch.no_grad():  # make the class embeddings differ from their neutral start
        for module in generator.modules():
            if isinstance(module, nn.Embedding):
                module.weight.normal_()
    z = torch.randn(4, 8)
    assert not torch.allclose(
        generator(z, torch.zeros(4, dtype=torch.long)), generator(z, torch.ones(4, dtype=torch.long))
    )


def test_minibatch_stddev_groups_never_mix_halves():
    from synthaug.models.image_networks import MinibatchStdDev

    layer = MinibatchStdDev()
    real, fake = torch.zeros(4, 2, 3, 3), torch.randn(4, 2, 3, 3)
    out = layer(torch.cat([real, fake]), group_size=4)
    assert (
        torch.all(out[:4, -1] == out[0, -1, 0, 0]) and float(out[0, -1, 0, 0]) < 1e-3
    )  # real half: no spread


def test_unknown_architecture_lists_known_names():
    with pytest.raises(UserInputError, match="training.architecture: unknown architecture 'sngn'.*sngan"):
        ARCHITECTURES.get("sngn")
