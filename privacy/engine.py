"""DP-SGD for the discriminator: Opacus per-sample gradients, clipping, noise and Poisson batches.

Why only the discriminator: it is the only network that reads real records. The generator is
updated from the discriminator's outputs on generated samples, so the generator, everything it
produces and everything computed from those products are post-processing of a DP-trained
discriminator and carry the same (epsilon, delta) guarantee.

One D step under privacy:

- real records are drawn by Poisson sampling (each record independently with probability
  q = batch_size / N, Opacus' ``UniformWithReplacementSampler``), which is what the subsampled
  Gaussian accounting assumes; the batch size therefore varies;
- ``fake_batch`` generated samples join them in one forward and one backward pass;
- every sample's gradient is clipped to ``max_grad_norm`` C (generated ones too: they cost
  nothing, and clipping them keeps the update well scaled), the clipped gradients are summed,
  Gaussian noise of std sigma C is added, and the sum is divided by the expected number of
  samples (q N + fake_batch). One record changes the sum by at most C, so the step is the
  subsampled Gaussian mechanism with noise multiplier sigma, whatever the generated half holds.

The per-sample losses are summed (``loss_reduction="sum"`` for the per-sample gradients), and the
optimizer's "mean" reduction divides by the expected count, so no sample's gradient is scaled by
the size of the batch it happened to land in.

How the clipping is computed (``privacy.grad_sample_mode``): ``hooks``, ``functorch`` and ``ew``
build every sample's gradient (a (samples, *parameter shape) tensor per parameter) and clip
those. ``hooks`` computes them in backward hooks beside the ordinary batch gradient, which
autograd still computes and the optimizer then discards; ``ew`` (PyTorch's expanded weights)
computes them in place of it, so each layer's weight gradient is computed once per step.
``ghost`` is Opacus' ghost clipping: a first backward pass yields each sample's gradient norm
from the layer's activations and output gradients alone (for linear layers, without forming
the per-sample gradient), and a second backward pass of the per-sample losses weighted by
min(1, C / norm) yields the sum of the clipped gradients. All give the same clipped sum, so the
noise, the accounting and the epsilon do not depend on the mode; ``auto`` picks the fastest
(``resolve_grad_sample_mode``).
"""

from __future__ import annotations

import logging
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from opacus import GradSampleModule
from opacus.grad_sample import (
    AbstractGradSampleModule,
    GradSampleModuleExpandedWeights,
    GradSampleModuleFastGradientClipping,
)
from opacus.optimizers import DPOptimizer, DPOptimizerFastGradientClipping
from opacus.utils.fast_gradient_clipping_utils import DPTensorFastGradientClipping
from opacus.utils.uniform_sampler import UniformWithReplacementSampler
from torch import nn

from synthaug.pipeline.config import PrivacyConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.privacy.accounting import MAX_NOISE_MULTIPLIER, PrivacyLedger, Release
from synthaug.privacy.compatibility import check_batch_size, check_discriminator

log = logging.getLogger(__name__)
# Opacus' backward hooks fire on D's first layer although its input (images, rows) needs no
# gradient; PyTorch notes this on every step. It is expected here.
warnings.filterwarnings("ignore", message="Full backward hook is firing", category=UserWarning)

DP_SGD = "dp-sgd discriminator"
# layers whose per-sample gradient norms ghost clipping gets without forming the gradients
GHOST_LAYERS = (nn.Linear, nn.Embedding)
# layers whose per-sample gradients PyTorch's expanded weights compute within the backward pass
EW_LAYERS = (nn.Linear, nn.Embedding, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def resolve_grad_sample_mode(discriminator: nn.Module, requested: str) -> str:
    """``requested`` unless it is ``auto``: then ghost clipping when every layer with parameters
    is linear (or an embedding), expanded weights when every such layer is one they support
    (convolutions too), hooks otherwise. Measured per D step against plain training
    (benchmarks/dp_overhead.py, CPU): on the all-linear tabular critic ghost clipping never forms
    a per-sample gradient and costs 1.5x against 4.4x for hooks; on the convolutional image
    discriminator it must form them for the convolutions and adds a second backward pass, so
    expanded weights, which form them instead of the batch gradient, are the cheapest there."""
    if requested != "auto":
        return requested
    layers = [m for m in discriminator.modules() if next(m.parameters(recurse=False), None) is not None]
    if layers and all(isinstance(m, GHOST_LAYERS) for m in layers):
        return "ghost"
    return "ew" if layers and all(type(m) in EW_LAYERS for m in layers) else "hooks"


@dataclass(frozen=True)
class DpSgdPlan:
    """The DP-SGD numbers fixed before training."""

    noise_multiplier: float
    sample_rate: float
    expected_real_batch: float
    fake_batch: int
    planned_steps: int  # D steps the training config asks for
    max_steps: int  # D steps the budget allows (>= planned when calibrated)
    calibrated: bool


class PrivateDiscriminator:
    """The discriminator, its DP optimizer, the Poisson sampler and the ledger, together.

    Build with :func:`make_private_discriminator`. ``module`` replaces the discriminator in the
    training loop and ``optimizer`` its optimizer; call ``next_batch`` for the indices of the real
    records of the next D step and ``record_step`` after each D step.
    """

    def __init__(
        self,
        *,
        module: AbstractGradSampleModule,
        optimizer: DPOptimizer,
        sampler: UniformWithReplacementSampler,
        ledger: PrivacyLedger,
        plan: DpSgdPlan,
        config: PrivacyConfig,
        generators: dict[str, torch.Generator],
        rng_note: str,
        public: list[str],
        grad_sample_mode: str,
    ):
        self.module, self.optimizer, self.sampler = module, optimizer, sampler
        self.grad_sample_mode = grad_sample_mode  # as resolved (never "auto")
        self.ledger, self.plan, self.config = ledger, plan, config
        self.generators, self.rng_note, self.public = generators, rng_note, public
        self.steps_taken = 0
        self._batches: Iterator[list[int]] = iter(())

    # ---- the training loop's side -------------------------------------------------------------
    def next_batch(self) -> torch.Tensor:
        """Indices of the real records in the next D step (Poisson: possibly none)."""
        try:
            indices = next(self._batches)
        except StopIteration:
            self._batches = iter(self.sampler)
            indices = next(self._batches)
        return torch.as_tensor(indices, dtype=torch.long)

    def can_take(self, steps: int) -> bool:
        """Whether ``steps`` more D steps stay within the budget (checked before every G step)."""
        return self.steps_taken + steps <= self.plan.max_steps

    def record_step(self) -> None:
        self.steps_taken += 1

    @contextmanager
    def outside_d_step(self) -> Iterator[None]:
        """While the generator step runs the plain discriminator: no per-sample gradients. The
        hooks of every mode but ``ew`` sit on the discriminator's own layers and are switched off;
        expanded weights act only when the wrapped module is called, which the G step does not."""
        hooked = self.grad_sample_mode != "ew"
        if hooked:
            self.module.disable_hooks()
        try:
            yield
        finally:
            if hooked:
                self.module.enable_hooks()

    def backward(self, per_sample_losses: torch.Tensor) -> None:
        """The D step's backward pass from its (samples,) per-sample losses (summed), leaving the
        sum of the clipped per-sample gradients, or the per-sample gradients the optimizer clips,
        for ``optimizer.step()`` to noise."""
        if self.grad_sample_mode == "ghost":
            DPTensorFastGradientClipping(
                self.module, self.optimizer, per_sample_losses, loss_reduction="sum"
            ).backward()
        else:
            per_sample_losses.sum().backward()

    @property
    def dp_sgd_release(self) -> Release:
        return Release(DP_SGD, self.plan.noise_multiplier, self.plan.sample_rate, self.steps_taken)

    def epsilon(self) -> float:
        """Epsilon spent so far: every release of the ledger plus the D steps taken."""
        return self.ledger.epsilon(extra=self.dp_sgd_release)

    @property
    def discriminator(self) -> nn.Module:
        """The plain discriminator (for saving)."""
        return self.module._module

    # ---- checkpoints --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "steps_taken": self.steps_taken,
            "ledger": self.ledger.state_dict(),
            "rng": {name: g.get_state() for name, g in self.generators.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        self.steps_taken = int(state["steps_taken"])
        self.ledger = PrivacyLedger.from_state(state["ledger"])
        for name, generator in self.generators.items():
            generator.set_state(state["rng"][name])
        self._batches = iter(())


def make_private_discriminator(
    *,
    discriminator: nn.Module,
    optimizer: torch.optim.Optimizer,
    num_records: int,
    batch_size: int,
    planned_steps: int,
    config: PrivacyConfig,
    ledger: PrivacyLedger,
    seed: int,
    public: list[str] | None = None,
    steps_per_update: int = 1,
) -> PrivateDiscriminator:
    """Wrap ``discriminator`` and its ``optimizer`` for DP-SGD within ``config.target_epsilon``.

    ``ledger`` already holds whatever else was released from the same data (it is composed with
    the D steps). The noise multiplier is calibrated so ``planned_steps`` D steps spend what is
    left, or taken from ``config.noise_multiplier``, in which case training stops at the last
    step that stays within the budget. Budgets that cannot buy the ``steps_per_update`` D steps of
    one generator update are refused.
    """
    check_discriminator(discriminator)
    check_batch_size(batch_size, num_records)
    sample_rate = batch_size / num_records
    target = config.target_epsilon
    if ledger.epsilon() >= target:
        raise UserInputError(
            f"the releases before training already spend epsilon {ledger.epsilon():.3f} of the "
            f"target {target}",
            where="privacy.target_epsilon",
            hint="Raise privacy.target_epsilon or privacy.count_noise_multiplier, or lower "
            "privacy.class_means_share.",
        )
    if config.noise_multiplier is None:
        sigma = ledger.calibrate(name=DP_SGD, sample_rate=sample_rate, steps=planned_steps, target=target)
        if sigma > MAX_NOISE_MULTIPLIER:
            raise UserInputError(
                f"a budget of epsilon {target} cannot pay for {planned_steps} discriminator steps at "
                f"sample rate {sample_rate:.4f}: it would need a noise multiplier above "
                f"{MAX_NOISE_MULTIPLIER:g}, and the discriminator would learn nothing",
                where="privacy.target_epsilon",
                hint="Raise privacy.target_epsilon, lower privacy.class_means_share (the class means "
                f"take {config.class_means_share or 0:.0%} of the target), lower training.steps or "
                "training.d_steps_per_g_step, or lower training.batch_size.",
            )
    else:
        sigma = config.noise_multiplier
    max_steps = ledger.max_steps(name=DP_SGD, noise_multiplier=sigma, sample_rate=sample_rate, target=target)
    if max_steps < steps_per_update:
        raise UserInputError(
            f"at noise multiplier {sigma:g} the {steps_per_update} discriminator step(s) of one generator "
            f"update already spend more than the target epsilon {target}",
            where="privacy.noise_multiplier",
            hint="Raise privacy.noise_multiplier, leave it unset to calibrate it, or raise the target.",
        )
    plan = DpSgdPlan(
        noise_multiplier=sigma,
        sample_rate=sample_rate,
        expected_real_batch=sample_rate * num_records,
        fake_batch=batch_size,
        planned_steps=planned_steps,
        max_steps=max_steps,
        calibrated=config.noise_multiplier is None,
    )
    generators, rng_note = _generators(seed, secure=config.secure_mode)
    mode = resolve_grad_sample_mode(discriminator, config.grad_sample_mode)
    if mode == "ghost":
        module: AbstractGradSampleModule = GradSampleModuleFastGradientClipping(
            discriminator,
            batch_first=True,
            loss_reduction="sum",
            max_grad_norm=config.max_grad_norm,
            use_ghost_clipping=True,
        )
        optimizer_class: type[DPOptimizer] = DPOptimizerFastGradientClipping
    elif mode == "ew":
        module = GradSampleModuleExpandedWeights(discriminator, batch_first=True, loss_reduction="sum")
        optimizer_class = DPOptimizer
    else:
        module = GradSampleModule(
            discriminator,
            batch_first=True,
            loss_reduction="sum",
            force_functorch=mode == "functorch",
        )
        optimizer_class = DPOptimizer
    dp_optimizer = optimizer_class(
        optimizer,
        noise_multiplier=sigma,
        max_grad_norm=config.max_grad_norm,
        expected_batch_size=round(plan.expected_real_batch) + plan.fake_batch,
        loss_reduction="mean",
        generator=generators["noise"],
        secure_mode=config.secure_mode,
    )
    sampler = UniformWithReplacementSampler(
        num_samples=num_records, sample_rate=sample_rate, generator=generators["poisson"]
    )
    log.info(
        "DP-SGD: noise multiplier %.4f (%s), sample rate %.4f, clipping norm %g (%s), %d D steps planned, "
        "budget allows %d",
        sigma,
        "calibrated" if plan.calibrated else "configured",
        sample_rate,
        config.max_grad_norm,
        mode,
        planned_steps,
        max_steps,
    )
    return PrivateDiscriminator(
        module=module,
        optimizer=dp_optimizer,
        sampler=sampler,
        ledger=ledger,
        plan=plan,
        config=config,
        generators=generators,
        rng_note=rng_note,
        public=list(public or []),
        grad_sample_mode=mode,
    )


def _generators(seed: int, *, secure: bool) -> tuple[dict[str, torch.Generator], str]:
    """The Poisson-sampling and noise generators: seeded from the run seed (reproducible), or, in
    secure mode, from the operating system's CSPRNG, through torchcsprng when it is installed."""
    if not secure:
        generators = {
            "poisson": torch.Generator().manual_seed(seed * 1000 + 17),
            "noise": torch.Generator().manual_seed(seed * 1000 + 18),
        }
        return generators, "torch generators seeded from the run seed (reproducible; not for production)"
    try:
        import torchcsprng  # type: ignore[import-not-found]

        device = torchcsprng.create_random_device_generator("/dev/urandom")
        return {"poisson": device, "noise": device}, "torchcsprng /dev/urandom generator"
    except ImportError:
        generators = {
            "poisson": torch.Generator().manual_seed(secrets.randbits(63)),
            "noise": torch.Generator().manual_seed(secrets.randbits(63)),
        }
        log.warning(
            "secure_mode: torchcsprng is not installed (no build exists for this torch), so the Poisson "
            "sampler and the noise use torch generators seeded from os.urandom; the noise is sampled "
            "with Opacus' floating-point-attack-resistant method"
        )
        return generators, (
            "torch generators seeded from os.urandom (torchcsprng unavailable); Opacus secure noise sampling"
        )
