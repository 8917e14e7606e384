"""What DP-SGD on the discriminator rules out, checked before any training starts.

Per-sample gradient clipping bounds what one training record can change in one step only if
every per-sample gradient depends on that record alone. So, under privacy:

- no BatchNorm, and nothing else that mixes the samples of a batch (minibatch standard
  deviation, PacGAN packing): each output must be a function of one input;
- no penalty needing a second backward pass through D (R1, WGAN-GP): Opacus clips the
  gradients of one backward pass, and a second pass would be accumulated unclipped;
- nothing that feeds statistics of the real data into training outside the clipped, noised
  gradient: LeCam's running means of D(real), adaptive augmentation steered by sign D(real),
  generator feature matching on real batches, detectors that stop training on D(real);
- a class distribution for generated samples that is public (uniform), not the data's;
- a GAN at all: the Gaussian copula (training.synthesizer: copula) is fitted on exact
  statistics of the rows, with no noise and nothing to clip.

Settings left unset get the private defaults (``pipeline.config.PRIVATE_DEFAULTS``); settings the
user chose explicitly and which break one of the rules are refused, each with its fix.
"""

from __future__ import annotations

from opacus.validators import ModuleValidator
from torch import nn

from synthaug.pipeline.config import GenerationConfig, TrainingConfig
from synthaug.pipeline.errors import UserInputError

DATA_DEPENDENT_DETECTORS = ("d_overpowering", "mode_collapse")  # judge D(real) or real samples


def check_training_config(training: TrainingConfig, *, kind: str) -> None:
    """Refuse explicitly chosen settings that DP-SGD cannot keep private (``training`` unresolved)."""
    problems: list[tuple[str, str]] = []
    if training.synthesizer == "copula":
        problems.append(
            (
                "training.synthesizer",
                "the Gaussian copula is fitted on exact quantiles and correlations of the rows, outside "
                "any privacy accounting; use gan",
            )
        )
    if training.loss == "wgan-gp":
        problems.append(
            ("training.loss", "wgan-gp's gradient penalty needs a second backward pass; use hinge")
        )
    if training.r1_gamma > 0:
        problems.append(("training.r1_gamma", "R1 needs a second backward pass through D; set it to 0"))
    if training.lecam_weight > 0:
        problems.append(
            ("training.lecam_weight", "LeCam keeps running means of D(real) outside DP-SGD; set it to 0")
        )
    if training.feature_matching_weight > 0:
        problems.append(
            (
                "training.feature_matching_weight",
                "feature matching shows the generator real batches directly; set it to 0",
            )
        )
    if training.minibatch_stddev:
        problems.append(
            ("training.minibatch_stddev", "it mixes the samples of a batch in D; set it to false")
        )
    if training.augmentation == "adaptive" and kind == "image":
        problems.append(
            (
                "training.augmentation",
                "adaptive augmentation is steered by sign D(real) outside DP-SGD; use on or off",
            )
        )
    if training.tabular.pac is not None and training.tabular.pac > 1 and kind == "tabular":
        problems.append(
            (
                "training.tabular.pac",
                "packing judges several records as one sample, so one clip covers several people; use 1",
            )
        )
    stopping = [name for name in training.detectors.stop_on if name in DATA_DEPENDENT_DETECTORS]
    if stopping:
        problems.append(
            (
                "training.detectors.stop_on",
                f"{', '.join(stopping)} decide(s) on real data outside DP-SGD; keep them as warnings only",
            )
        )
    if problems:
        where = ", ".join(key for key, _ in problems)
        raise UserInputError(
            "privacy.enabled is true, but "
            + "; ".join(f"{key}: {why}" for key, why in problems)
            + " (leaving a setting unset picks its private default)",
            where=where,
            hint="Change these settings or set privacy.enabled: false.",
        )


def check_generation_config(generation: GenerationConfig) -> None:
    if generation.strategy == "fill-to-majority":
        raise UserInputError(
            "generation.strategy fill-to-majority sizes the synthetic set from the private class counts",
            where="generation.strategy",
            hint="Under privacy.enabled use strategy: balanced (per_class) or explicit (counts).",
        )


def check_batch_size(batch_size: int, num_records: int) -> None:
    """The expected Poisson batch must be smaller than the data it samples."""
    if batch_size >= num_records:
        raise UserInputError(
            f"training.batch_size ({batch_size}) must be smaller than the {num_records} training records "
            "under privacy (it is the expected size of a Poisson sample of them)",
            where="training.batch_size",
            hint=f"Set training.batch_size to about {max(1, num_records // 10)}.",
        )


def check_discriminator(module: nn.Module) -> None:
    """Refuse a discriminator DP-SGD cannot train privately, naming the offending layer."""
    problems: list[str] = []
    for name, layer in module.named_modules():
        label = name or type(module).__name__
        if getattr(layer, "mixes_batch", False):
            problems.append(f"{label} ({type(layer).__name__}) mixes the samples of a batch")
            continue
        if getattr(layer, "pac", 1) > 1:
            problems.append(f"{label} packs {layer.pac} records into one sample")
        if hasattr(layer, "parametrizations"):
            kinds = ", ".join(
                type(p).__name__.lstrip("_") for ps in layer.parametrizations.values() for p in ps
            )
            problems.append(
                f"{label} ({type(layer).__name__}): parametrised weight ({kinds}) whose buffers Opacus "
                "cannot compute per-sample gradients through"
            )
            continue
        if ".parametrizations" in name:
            continue
        is_leaf = not any(True for _ in layer.children())
        if is_leaf:
            for error in ModuleValidator.validate(layer, strict=False):
                reason = str(error).split(". ")[0].split("\n")[0]
                problems.append(f"{label} ({type(layer).__name__}): {reason}")
    if problems:
        raise UserInputError(
            "the discriminator cannot be trained with DP-SGD: " + "; ".join(dict.fromkeys(problems)),
            where="training.architecture",
            hint="Use GroupNorm or LayerNorm instead of BatchNorm, no spectral-norm parametrisation, and "
            "no layer that looks at several samples at once (the built-in architectures switch these off "
            "under privacy.enabled).",
        )
