import pytest
import torch

from synthaug.models.augment import AdaptiveProbability, DifferentiableAugment
from synthaug.models.ema import EmaModel
from synthaug.models.losses import (
    LOSSES,
    LeCamRegulariser,
    feature_matching,
    gradient_penalty,
    mode_seeking,
    r1_penalty,
)
from synthaug.pipeline.errors import UserInputError

CONFIDENT_REAL, CONFIDENT_FAKE = torch.full((8,), 3.0), torch.full((8,), -3.0)


@pytest.mark.parametrize("name", ["hinge", "non-saturating", "wgan-gp"])
def test_d_loss_is_lower_when_d_is_right(name):
    loss = LOSSES.get(name)
    assert loss.d_loss(CONFIDENT_REAL, CONFIDENT_FAKE) < loss.d_loss(CONFIDENT_FAKE, CONFIDENT_REAL)


@pytest.mark.parametrize("name", ["hinge", "non-saturating", "wgan-gp"])
def test_g_loss_is_lower_when_fakes_fool_d(name):
    loss = LOSSES.get(name)
    assert loss.g_loss(CONFIDENT_REAL) < loss.g_loss(CONFIDENT_FAKE)


def test_reference_values():
    hinge = LOSSES.get("hinge")
    assert float(hinge.d_loss(torch.tensor([1.0, 2.0]), torch.tensor([-1.0, -2.0]))) == 0.0
    assert float(hinge.d_loss(torch.tensor([0.0]), torch.tensor([0.0]))) == 2.0
    ns = LOSSES.get("non-saturating")
    # one-sided smoothing: the real target is 0.9, so a perfectly confident D still pays on reals
    assert float(ns.d_loss(torch.tensor([20.0]), torch.tensor([-20.0]))) == pytest.approx(2.0, abs=0.01)
    wgan = LOSSES.get("wgan-gp")
    assert wgan.gradient_penalty == 10.0 and wgan.betas == (0.0, 0.9) and wgan.d_steps == 5
    assert hinge.d_steps == 1


def test_penalties():
    x = torch.randn(4, 1, 8, 8, requires_grad=True)
    logits = (x * 2).flatten(1).sum(dim=1)  # gradient 2 everywhere: ||grad||^2 = 4 * 64
    assert float(r1_penalty(logits, x)) == pytest.approx(256.0)
    generator = torch.Generator().manual_seed(0)
    gp = gradient_penalty(lambda v: (v / 8).flatten(1).sum(dim=1), x, torch.randn(4, 1, 8, 8), generator)
    assert float(gp) == pytest.approx(0.0, abs=1e-6)  # ||grad|| = 64 / 8 = 1: no penalty
    lecam = LeCamRegulariser(decay=0.0)
    assert float(lecam(torch.ones(3), torch.ones(3))) == 0.0
    assert float(feature_matching(torch.ones(2, 3), torch.zeros(2, 3))) == 3.0


def test_unknown_loss():
    with pytest.raises(UserInputError, match="unknown loss 'hing'.*hinge"):
        LOSSES.get("hing")


def test_augmentation_is_differentiable_and_off_at_p0():
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(6, 3, 16, 16, requires_grad=True)
    assert DifferentiableAugment(["color", "translation", "cutout"], p=0.0, generator=generator)(x) is x
    y = DifferentiableAugment(["color", "translation", "cutout"], p=1.0, generator=generator)(x)
    assert y.shape == x.shape and not torch.equal(y, x)
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_the_affine_op_moves_every_image_its_own_way_within_the_classic_ranges():
    x = torch.zeros(8, 1, 32, 32)
    x[:, :, 12:20, 12:20] = 1.0  # a centred square
    x.requires_grad_(True)
    y = DifferentiableAugment(["affine"], p=1.0, generator=torch.Generator().manual_seed(0))(x)
    assert y.shape == x.shape
    rows = torch.arange(32, dtype=torch.float32)
    mass = y.detach().sum(dim=(1, 2, 3))
    centre_row = (y.detach()[:, 0].sum(dim=2) * rows).sum(dim=1) / mass
    # shifts of up to 10% of the side (3.2 pixels) around the square's centre at 15.5
    assert (centre_row - 15.5).abs().max() <= 3.5
    assert centre_row.std() > 0.3  # each image its own draw
    # scale 0.9-1.1 keeps the square's mass within about a fifth of its 64 pixels
    assert ((mass > 64 * 0.75) & (mass < 64 * 1.3)).all()
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_adaptive_probability_moves_with_the_overfitting_signal():
    ada = AdaptiveProbability(target=0.6, interval=2, kimg=0.1, batch_size=10)
    for _ in range(4):
        ada.observe(torch.ones(10))  # D confident on every real: r_t = 1 > 0.6
    assert ada.r_t == 1.0 and ada.p == pytest.approx(0.4)
    for _ in range(2):
        ada.observe(-torch.ones(10))
    assert ada.p == pytest.approx(0.2)
    for _ in range(20):
        ada.observe(-torch.ones(10))
    assert ada.p == 0.0


def test_ema_tracks_the_model():
    model = torch.nn.Linear(2, 2)
    ema = EmaModel(model, decay=0.5)
    with torch.no_grad():
        model.weight.add_(1.0)
    before = ema.model.weight.clone()
    ema.update(model, step=1000)
    assert torch.allclose(ema.model.weight, before + 0.5)


def test_mode_seeking_reference_values_and_direction():
    z = torch.zeros(4, 8)
    z[2:] = 1.0  # each pair's latents differ by 1 in every coordinate
    fake = torch.zeros(4, 1, 2, 2)
    fake[2:] = 0.5  # and their images by 0.5 in every pixel: ratio 0.5
    assert mode_seeking(fake, z).item() == pytest.approx(1 / (0.5 + 1e-5))
    fake.requires_grad_(True)
    mode_seeking(fake, z).backward()
    # the loss falls as the pair's images move apart
    assert torch.all(fake.grad[2:] < 0) and torch.all(fake.grad[:2] > 0)
    collapsed = torch.zeros(4, 1, 2, 2)  # identical images for different latents: the loss is huge
    assert mode_seeking(collapsed, z).item() == pytest.approx(1e5)


def test_mode_seeking_pairs_an_odd_batch_around_its_middle():
    """N = 5: samples 0 and 3, 1 and 4 are pairs; sample 2 is in none."""
    z = torch.zeros(5, 4)
    z[3:] = 2.0
    fake = torch.zeros(5, 3)
    fake[3:] = 1.0
    fake[2] = 100.0  # unpaired: it must not count
    assert mode_seeking(fake, z).item() == pytest.approx(1 / (0.5 + 1e-5))
