"""DP-SGD wiring: the clipping Opacus applies, per-sample gradients of the summed loss, refusals."""

import pytest
import torch
from torch import nn

from synthaug.models.image_networks import ImageShape, ProjectionDiscriminator
from synthaug.models.losses import LOSSES
from synthaug.pipeline.config import PrivacyConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.privacy.accounting import PrivacyLedger
from synthaug.privacy.engine import make_private_discriminator, resolve_grad_sample_mode

SHAPE = ImageShape(8, 1)


def private(discriminator: nn.Module, **settings) -> object:
    config = PrivacyConfig(enabled=True, **settings)
    return make_private_discriminator(
        discriminator=discriminator,
        optimizer=torch.optim.SGD(discriminator.parameters(), lr=0.1),
        num_records=1000,
        batch_size=16,
        planned_steps=50,
        config=config,
        ledger=PrivacyLedger("rdp", 1e-5),
        seed=0,
    )


def dp_discriminator() -> ProjectionDiscriminator:
    torch.manual_seed(0)
    return ProjectionDiscriminator(SHAPE, 3, width=8, minibatch_stddev=False, spectral_norm=False)


def summed_grad_after_clipping(engine, x, y, scale: float) -> torch.Tensor:
    """What the DP optimizer sums for this batch: the clipped per-sample gradients."""
    engine.optimizer.zero_grad()
    logits, _ = engine.module(x, y)
    (scale * logits).sum().backward()
    engine.optimizer.clip_and_accumulate()
    return torch.cat([p.summed_grad.flatten() for p in engine.optimizer.params])


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_every_clipped_per_sample_gradient_is_within_max_grad_norm(scale):
    engine = private(dp_discriminator(), max_grad_norm=0.5)
    x, y = torch.randn(6, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2])
    for i in range(len(x)):  # a batch of one: the sum is that sample's clipped gradient
        norm = float(summed_grad_after_clipping(engine, x[i : i + 1], y[i : i + 1], scale).norm())
        assert norm <= 0.5 * (1 + 1e-5)
        if scale == 1e3:
            assert norm == pytest.approx(0.5, rel=1e-4)  # large gradients are scaled down to C exactly
    batch = float(summed_grad_after_clipping(engine, x, y, 1e3).norm())
    assert batch <= len(x) * 0.5 * (1 + 1e-5)


def test_per_sample_gradients_of_the_summed_d_loss_are_each_samples_own():
    """The trainer backpropagates the sum of per-sample hinge terms over real+fake in one pass."""
    engine = private(dp_discriminator())
    x, y = torch.randn(5, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1])
    hinge = LOSSES.get("hinge")
    logits, _ = engine.module(x, y)
    real_terms, fake_terms = hinge.d_terms(logits[:2], logits[2:])
    (real_terms.sum() + fake_terms.sum()).backward()
    for i in range(5):
        reference = dp_discriminator()
        out, _ = reference(x[i : i + 1], y[i : i + 1])
        real, fake = (out, out[:0]) if i < 2 else (out[:0], out)
        sum(t.sum() for t in hinge.d_terms(real, fake)).backward()
        for (name, p), q in zip(engine.discriminator.named_parameters(), reference.parameters(), strict=True):
            assert torch.allclose(p.grad_sample[i], q.grad, atol=1e-5), name


def test_noise_has_the_promised_scale():
    # hooks: expanded weights refuse an empty batch, which the trainer never passes (its D
    # steps always hold the generated half); they are covered with a zero loss below
    engine = private(dp_discriminator(), max_grad_norm=2.0, noise_multiplier=3.0, grad_sample_mode="hooks")
    engine.optimizer.zero_grad()
    logits, _ = engine.module(torch.zeros(0, 1, 8, 8), torch.zeros(0, dtype=torch.long))
    logits.sum().backward()  # an empty Poisson batch: the update is pure noise
    engine.optimizer.pre_step()
    noise = torch.cat([p.grad.flatten() for p in engine.optimizer.params])
    expected_std = 3.0 * 2.0 / engine.optimizer.expected_batch_size
    assert float(noise.std()) == pytest.approx(expected_std, rel=0.05)


def test_poisson_batches_vary_in_size_around_the_expected_batch():
    engine = private(dp_discriminator())
    sizes = torch.tensor([len(engine.next_batch()) for _ in range(400)], dtype=torch.float)
    assert sizes.std() > 0
    assert float(sizes.mean()) == pytest.approx(16, rel=0.1)


@pytest.mark.parametrize(
    ("discriminator", "message"),
    [
        (nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)), "1 (BatchNorm1d): BatchNorm"),
        (ProjectionDiscriminator(SHAPE, 3, width=8, minibatch_stddev=True, spectral_norm=False), "stddev"),
        (
            ProjectionDiscriminator(SHAPE, 3, width=8, minibatch_stddev=False, spectral_norm=True),
            "blocks.0.conv1",
        ),
    ],
)
def test_a_discriminator_dp_sgd_cannot_train_is_refused_naming_the_layer(discriminator, message):
    with pytest.raises(UserInputError, match="cannot be trained with DP-SGD") as error:
        private(discriminator)
    assert message in str(error.value)


def test_impossible_budgets_are_refused_up_front():
    with pytest.raises(UserInputError, match="cannot pay for 50 discriminator steps"):
        private(dp_discriminator(), target_epsilon=1e-4)
    with pytest.raises(
        UserInputError, match="the 1 discriminator step\\(s\\) of one generator update already spend more"
    ):
        private(dp_discriminator(), target_epsilon=0.01, noise_multiplier=0.3)


def test_secure_mode_uses_opacus_secure_noise_and_os_seeded_generators():
    engine = private(dp_discriminator(), secure_mode=True)
    assert engine.optimizer.secure_mode is True
    assert "os.urandom" in engine.rng_note or "torchcsprng" in engine.rng_note
    other = private(dp_discriminator(), secure_mode=True)
    assert not torch.equal(engine.next_batch(), other.next_batch())  # not reproducible from the seed


def tabular_discriminator() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(5, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1)
    )


def clipped_sum(mode: str, make, inputs, scale: float) -> torch.Tensor:
    """The sum of clipped per-sample gradients of the D step's summed hinge terms (2 real, rest
    fake), as the optimizer holds it before noise, under ``mode``."""
    engine = private(make(), max_grad_norm=0.5, grad_sample_mode=mode)
    engine.optimizer.zero_grad()
    logits = engine.module(*inputs)
    logits = (logits[0] if isinstance(logits, tuple) else logits).flatten()
    real_terms, fake_terms = LOSSES.get("hinge").d_terms(scale * logits[:2], scale * logits[2:])
    engine.backward(torch.cat([real_terms, fake_terms]))
    if mode == "ghost":  # the second backward pass leaves the clipped sum in .grad
        return torch.cat([p.grad.flatten() for p in engine.discriminator.parameters()])
    engine.optimizer.clip_and_accumulate()
    return torch.cat([p.summed_grad.flatten() for p in engine.optimizer.params])


@pytest.mark.parametrize("scale", [1e-2, 1.0, 1e2])
@pytest.mark.parametrize(
    ("make", "inputs"),
    [
        (tabular_discriminator, (torch.randn(7, 5),)),
        (dp_discriminator, (torch.randn(7, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2, 0]))),
    ],
    ids=["linear", "convolutional"],
)
@pytest.mark.parametrize("mode", ["ghost", "ew"])
def test_ghost_clipping_and_expanded_weights_sum_the_same_clipped_gradients_as_hooks(
    make, inputs, scale, mode
):
    other, hooks = clipped_sum(mode, make, inputs, scale), clipped_sum("hooks", make, inputs, scale)
    assert torch.allclose(other, hooks, rtol=1e-4, atol=1e-6), float((other - hooks).abs().max())
    if scale == 1e2:  # every sample clipped: the sum is at most n x C
        assert float(other.norm()) <= 7 * 0.5 * (1 + 1e-5)


@pytest.mark.parametrize("mode", ["ghost", "ew"])
def test_ghost_clipping_and_expanded_weights_add_the_promised_noise(mode):
    engine = private(dp_discriminator(), max_grad_norm=2.0, noise_multiplier=3.0, grad_sample_mode=mode)
    engine.optimizer.zero_grad()
    logits, _ = engine.module(torch.zeros(1, 1, 8, 8), torch.tensor([0]))
    engine.backward(0.0 * logits.flatten())  # a zero gradient: the update is pure noise
    engine.optimizer.pre_step()
    noise = torch.cat([p.grad.flatten() for p in engine.optimizer.params])
    expected_std = 3.0 * 2.0 / engine.optimizer.expected_batch_size
    assert float(noise.std()) == pytest.approx(expected_std, rel=0.05)


def test_auto_picks_ghost_clipping_for_all_linear_discriminators_and_expanded_weights_for_convolutions():
    assert resolve_grad_sample_mode(tabular_discriminator(), "auto") == "ghost"
    assert resolve_grad_sample_mode(dp_discriminator(), "auto") == "ew"  # convolutions
    assert resolve_grad_sample_mode(nn.Sequential(nn.Embedding(3, 4), nn.Linear(4, 1)), "auto") == "ghost"
    with_norm = nn.Sequential(nn.Conv2d(1, 4, 3), nn.GroupNorm(2, 4))  # a layer auto keeps on hooks
    assert resolve_grad_sample_mode(with_norm, "auto") == "hooks"
    for mode in ("hooks", "functorch", "ew", "ghost"):
        assert resolve_grad_sample_mode(tabular_discriminator(), mode) == mode
    assert private(tabular_discriminator()).grad_sample_mode == "ghost"
    assert private(dp_discriminator()).grad_sample_mode == "ew"


@pytest.mark.parametrize("mode", ["hooks", "ew", "ghost"])
def test_the_generator_step_forms_no_per_sample_gradients_and_the_next_d_step_runs(mode):
    """The G step backpropagates through the plain discriminator; under every mode that leaves no
    per-sample gradient behind, and the next D step (expanded weights refuse to run over stale
    per-sample gradients) works after the optimizer clears the last one."""
    engine = private(dp_discriminator(), grad_sample_mode=mode)
    x, y = torch.randn(4, 1, 8, 8), torch.tensor([0, 1, 2, 0])
    for _ in range(2):
        engine.optimizer.zero_grad(set_to_none=True)
        logits, _ = engine.module(x, y)
        engine.backward(logits)
        engine.optimizer.step()
        with engine.outside_d_step():
            for p in engine.discriminator.parameters():
                p.grad_sample = None
            logits, _ = engine.discriminator(x, y)
            logits.sum().backward()
        assert all(getattr(p, "grad_sample", None) is None for p in engine.discriminator.parameters())
