"""Adversarial losses (registered by name) and the optional regularisers.

Each loss maps discriminator logits to a D loss and a G loss, and carries its customary Adam
betas and D steps per G step, used when the config leaves them unset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from synthaug.models.registry import Registry

LOSSES: Registry[AdversarialLoss] = Registry("loss", "training.loss")
REAL_LABEL_SMOOTHING = 0.9  # one-sided: real target 0.9, fake target 0
WGAN_GP_LAMBDA = 10.0


@dataclass(frozen=True)
class AdversarialLoss:
    name: str
    # (real logits (n,), fake logits (m,)) -> per-sample D losses ((n,), (m,)); DP-SGD clips each one
    d_terms: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    g_loss: Callable[[torch.Tensor], torch.Tensor]  # fake logits -> scalar
    betas: tuple[float, float]
    d_steps: int
    gradient_penalty: float = 0.0  # WGAN-GP lambda; 0 for none

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """Mean real term + mean fake term (scalar)."""
        real_terms, fake_terms = self.d_terms(real, fake)
        return real_terms.mean() + fake_terms.mean()


Terms = tuple[torch.Tensor, torch.Tensor]


def _hinge_d(real: torch.Tensor, fake: torch.Tensor) -> Terms:
    return F.relu(1.0 - real), F.relu(1.0 + fake)


def _ns_d(real: torch.Tensor, fake: torch.Tensor) -> Terms:
    real_target = torch.full_like(real, REAL_LABEL_SMOOTHING)
    return F.binary_cross_entropy_with_logits(real, real_target, reduction="none"), F.softplus(fake)


def _wasserstein_d(real: torch.Tensor, fake: torch.Tensor) -> Terms:
    return -real, fake


def _mean_negated(fake: torch.Tensor) -> torch.Tensor:
    return -fake.mean()


def _ns_g(fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-fake).mean()  # -log sigmoid(D(G(z)))


for _loss in (
    AdversarialLoss("hinge", _hinge_d, _mean_negated, betas=(0.0, 0.999), d_steps=1),
    AdversarialLoss("non-saturating", _ns_d, _ns_g, betas=(0.5, 0.999), d_steps=1),
    AdversarialLoss(
        "wgan-gp", _wasserstein_d, _mean_negated, betas=(0.0, 0.9), d_steps=5, gradient_penalty=WGAN_GP_LAMBDA
    ),
):
    LOSSES.register(_loss.name)(_loss)


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator,
    *,
    group: int = 1,
) -> torch.Tensor:
    """WGAN-GP: E[(||grad_x D(x_hat)||_2 - 1)^2] on random interpolates of real and fake.

    With a PacGAN critic (``group`` = pac) the critic repeats each pack's logit per row, so the
    sum is divided by ``group`` and the norm is taken over each pack's rows together.
    """
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, generator=generator).to(real.device)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum() / group, x_hat, create_graph=True)
    return ((grad.reshape(real.shape[0] // group, -1).norm(dim=1) - 1.0) ** 2).mean()


def r1_penalty(real_logits: torch.Tensor, real_inputs: torch.Tensor, *, group: int = 1) -> torch.Tensor:
    """R1: E[||grad_x D(x)||^2] on real data (``real_inputs`` must require grad); per pack if grouped."""
    (grad,) = torch.autograd.grad(real_logits.sum() / group, real_inputs, create_graph=True)
    return grad.pow(2).reshape(real_inputs.shape[0] // group, -1).sum(dim=1).mean()


class LeCamRegulariser:
    """LeCam (Tseng et al. 2021): keeps D's outputs near EMAs of its own past outputs.

    R = E[relu(D(x) - ema_fake)^2] + E[relu(ema_real - D(G(z)))^2].
    """

    def __init__(self, decay: float = 0.99):
        self.decay = decay
        self.ema_real = 0.0
        self.ema_fake = 0.0

    def __call__(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        self.ema_real = self.decay * self.ema_real + (1 - self.decay) * float(real.detach().mean())
        self.ema_fake = self.decay * self.ema_fake + (1 - self.decay) * float(fake.detach().mean())
        return F.relu(real - self.ema_fake).pow(2).mean() + F.relu(self.ema_real - fake).pow(2).mean()

    def state_dict(self) -> dict[str, float]:
        return {"ema_real": self.ema_real, "ema_fake": self.ema_fake}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.ema_real, self.ema_fake = float(state["ema_real"]), float(state["ema_fake"])


def feature_matching(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """Squared distance between mean discriminator features of real and generated batches."""
    return (real_features.detach().mean(dim=0) - fake_features.mean(dim=0)).pow(2).sum()


def mode_seeking(fake: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Mode-seeking regulariser (Mao et al., 2019): sample i and sample h + i (h = ceil(N / 2))
    share their condition and differ in z; the loss is 1 / (mean over pairs of mean |G(z1) - G(z2)|
    divided by mean |z1 - z2|), so it falls as two latents of one class give images further apart.

    fake: (N, ...) generator outputs; z: (N, z_dim) their latents; an odd N leaves sample h - 1
    unpaired.
    """
    half = (fake.shape[0] + 1) // 2
    pairs = fake.shape[0] - half
    output_gap = (fake[:pairs] - fake[half:]).abs().flatten(1).mean(dim=1)  # (P,)
    latent_gap = (z[:pairs] - z[half:]).abs().mean(dim=1)  # (P,)
    return 1.0 / ((output_gap / latent_gap).mean() + MODE_SEEKING_EPS)


MODE_SEEKING_EPS = 1e-5
