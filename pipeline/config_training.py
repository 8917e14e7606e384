"""The ``training`` section of the config: GAN and copula settings, the training failure detectors,
the defaults that depend on the data kind and on privacy, and the settings a resumed run may change.

:mod:`pipeline.config` is the entry to the config and re-exports every name defined here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from synthaug.pipeline.config_dataset import ConfigSection, DatasetKind


class DetectorConfig(ConfigSection):
    """Training failure detectors (see models/detectors.py). Non-finite losses always stop training."""

    check_every: Annotated[int, Field(gt=0)] = Field(100, description="Steps between detector checks.")
    window: Annotated[int, Field(ge=10)] = Field(200, description="Steps of history a detector looks at.")
    overpowered_d_accuracy: Annotated[float, Field(gt=0.5, le=1)] = 0.98
    min_g_grad_norm: Annotated[float, Field(ge=0)] = 1e-4
    min_diversity_ratio: Annotated[float, Field(ge=0, le=1)] = Field(
        0.3, description="Mode collapse: per-class sample diversity relative to real data below this."
    )
    stop_on: list[str] = Field(
        default_factory=list,
        description="Detectors that stop training: d_overpowering, vanishing_g_gradients, mode_collapse.",
    )


class TabularModelConfig(ConfigSection):
    """Settings only the tabular GAN uses."""

    pac: Annotated[int, Field(ge=1)] | None = Field(
        None, description="PacGAN: rows the critic judges together; default 10 (1 under privacy)."
    )
    generator_width: Annotated[int, Field(ge=8)] = 256
    discriminator_width: Annotated[int, Field(ge=8)] = 256
    depth: Annotated[int, Field(ge=1, le=6)] = 2
    dropout: Annotated[float, Field(ge=0, lt=1)] = 0.5
    gumbel_tau: Annotated[float, Field(gt=0)] = 0.2
    max_modes: Annotated[int, Field(ge=1)] = Field(10, description="Mixture modes per numeric column.")
    max_categories: Annotated[int, Field(ge=2)] = Field(
        100, description="A categorical column with more categories is refused (drop or group it)."
    )


class CopulaConfig(ConfigSection):
    """Settings only the Gaussian copula uses (models/tabular_copula.py)."""

    smoothing: Annotated[float, Field(ge=0, le=4)] = Field(
        0.0,
        description="Each class's numeric marginals as a Gaussian kernel density, with this multiple "
        "of Silverman's bandwidth (clipped to the column's range): 0 draws only between the class's "
        "observed values, so on a few dozen rows a sample sits near a training row; 1 spreads the "
        "draws between and a little beyond them (benchmarks/results/copula_variants_*.md).",
    )
    correlation: Literal["ledoit-wolf", "empirical", "cross-validated"] = Field(
        "cross-validated",
        description="How each class's correlation of normal scores is estimated "
        "(models/copula_correlation.py): cross-validated shrinks it toward independent columns by the "
        "amount that best predicts the class's held-out rows (K-fold Gaussian likelihood); ledoit-wolf by "
        "Ledoit and Wolf's formula, which on a few dozen rows also shrinks a few strong correlations "
        "(crabs' body measurements, whose low-variance directions separate the classes) and fills those "
        "directions with noise; empirical keeps the sample correlation, singular with no more rows in a "
        "class than columns (its draws then stay in the span of the class's training rows). At fixed "
        "amounts on the scarce tables cross-validated rows gained more than ledoit-wolf's at every amount "
        "(benchmarks/results/real_data_ceiling_copula_cross_validated*.md); the default since 2026-12-07.",
    )
    marginals: Literal["per-class", "pooled"] = Field(
        "pooled",
        description="Each numeric column's marginal per class: pooled shares one shape between the "
        "classes, every class's values standardised by their mean and spread and pooled, so each class "
        "keeps its location and spread but draws from every row's quantiles (models/copula_marginals.py; "
        "only where every class has 5 or more distinct values); per-class draws from the class's own "
        "values only. At fixed amounts on the scarce tables pooled rows gained more than per-class ones "
        "(benchmarks/results/real_data_ceiling_copula_pooled_marginals*.md against "
        "real_data_ceiling_copula_cross_validated*.md), and through the job on full tables more than "
        "ledoit-wolf per-class rows on three seed sets; the default since 2026-12-07.",
    )
    truncation: Annotated[float, Field(gt=0, le=1)] = Field(
        0.75,
        description="Each class's numeric normal scores are drawn at this fraction of their spread, so a "
        "sample's numbers lie nearer the class's typical ones (the truncation trick of GANs, for the "
        "copula): 1 draws from the fitted copula. The dependence between columns is kept, and "
        "categorical columns and numbers with fewer than 5 distinct values in a class keep their "
        "shares. Measured through the job on six seed sets (the README's paragraph on truncating the "
        "copula's numbers); the default since 2026-12-07.",
    )
    independence: Annotated[float, Field(ge=0, le=1)] = Field(
        0.0,
        description="How far each class's correlation is moved from its estimate toward "
        "the identity: 0 keeps the estimate; 1 draws the columns independently within a class. At 15 "
        "rows per class, 1 with smoothing 2 kept the samples within the memorisation bounds on more "
        "tables, at half the gain (benchmarks/results/verification_gain_tables_copula_independent_*.md).",
    )


# Defaults that differ by data kind; a None in TrainingConfig means "the kind's default".
KIND_DEFAULTS = {
    "image": {
        "loss": "hinge",
        "lr_generator": 1e-4,  # two time-scale rule
        "lr_discriminator": 4e-4,
        "batch_size": 64,
        "minibatch_stddev": True,
        "augmentation": "adaptive",
        "mode_seeking_weight": 0.5,
    },
    "tabular": {  # CTGAN's settings
        "loss": "wgan-gp",
        "lr_generator": 2e-4,
        "lr_discriminator": 2e-4,
        "betas": (0.5, 0.9),
        "batch_size": 500,
        "d_steps_per_g_step": 1,
        "minibatch_stddev": False,
        "augmentation": "off",
        "mode_seeking_weight": 0.0,
    },
}
TABULAR_MODEL_DEFAULTS = {"pac": 10}
# Under DP-SGD (privacy.enabled) these replace the kind defaults: no penalty needing a second
# backward pass, nothing mixing samples of a batch (minibatch stddev, packing), no augmentation
# strength steered by statistics of the real data. See privacy/compatibility.py.
PRIVATE_DEFAULTS = {
    "image": {
        "loss": "hinge",
        "minibatch_stddev": False,
        "augmentation": "on",
        "d_steps_per_g_step": 2,
        "mode_seeking_weight": 0.0,  # allowed (it reads no real data); measured no help at epsilon 3
    },
    "tabular": {"loss": "hinge", "betas": (0.5, 0.9), "batch_size": 64, "d_steps_per_g_step": 2},
}
PRIVATE_TABULAR_MODEL_DEFAULTS = {"pac": 1}


# training.synthesizer -> the model in words (run summary, report, dataset card)
SYNTHESIZER_WORDS = {"gan": "class-conditional GAN", "copula": "class-conditional Gaussian copula"}


class TrainingConfig(ConfigSection):
    """GAN training settings (consumed by the trainer in models/)."""

    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    synthesizer: Literal["gan", "copula"] = Field(
        "gan",
        description="What learns the data: gan, the class-conditional GAN (images and tables; the only "
        "one with differential privacy); copula, a class-conditional Gaussian copula for tables "
        "(models/tabular_copula.py): fitted in seconds, no training steps, and on the small public "
        "tables it kept each class far more faithfully than the GAN "
        "(benchmarks/results/verification_gain_*_copula.md). The GAN settings below do not apply to it.",
    )
    architecture: str = Field("sngan", description="Generator/discriminator family (models registry).")
    steps: Annotated[int, Field(gt=0)] = Field(2000, description="Generator updates.")
    batch_size: Annotated[int, Field(gt=0)] | None = Field(
        None, description="Default 64 (images), 500 (tables)."
    )
    z_dim: Annotated[int, Field(ge=8)] = 64
    width: Annotated[int, Field(ge=8)] = Field(64, description="Channels of the widest conv layer / 2.")
    loss: str | None = Field(
        None, description="hinge, non-saturating or wgan-gp; default hinge for images, wgan-gp for tables."
    )
    lr_generator: Annotated[float, Field(gt=0)] | None = Field(
        None, description="Default 1e-4 (images), 2e-4 (tables)."
    )
    lr_discriminator: Annotated[float, Field(gt=0)] | None = Field(
        None, description="Default 4e-4 (images, two time-scale rule), 2e-4 (tables)."
    )
    betas: tuple[float, float] | None = Field(None, description="Adam betas; the loss's default if unset.")
    d_steps_per_g_step: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Discriminator updates per generator update; the loss's default if unset."
    )
    grad_clip_norm: Annotated[float, Field(gt=0)] | None = None
    r1_gamma: Annotated[float, Field(ge=0)] = Field(
        0.0, description="R1 penalty weight on real data (0: off)."
    )
    lecam_weight: Annotated[float, Field(ge=0)] = Field(0.0, description="LeCam regulariser weight (0: off).")
    feature_matching_weight: Annotated[float, Field(ge=0)] = Field(
        0.0, description="G feature matching (0: off)."
    )
    mode_seeking_weight: Annotated[float, Field(ge=0)] | None = Field(
        None,
        description="Mode-seeking regulariser on G (pairs of latents of one class pushed to different "
        "samples); default 0.5 for images, 0 for tables and under privacy.",
    )
    minibatch_stddev: bool | None = Field(
        None, description="Minibatch standard deviation in D; default on for images, off under privacy."
    )
    ema_decay: Annotated[float, Field(ge=0, lt=1)] = 0.999
    augmentation: Literal["off", "on", "adaptive"] | None = Field(
        None, description="DiffAugment on real and fake images: default adaptive (on under privacy)."
    )
    augment_ops: list[Literal["color", "translation", "cutout", "affine"]] = Field(
        default_factory=lambda: ["color", "translation", "cutout"],
        description="DiffAugment ops, in this order; affine is the downstream CNN's classic "
        "augmentation (rotation, shift, scale).",
    )
    ada_target: Annotated[float, Field(gt=0, lt=1)] = 0.6
    ada_interval: Annotated[int, Field(ge=1)] = 4
    ada_kimg: Annotated[float, Field(gt=0)] = Field(
        10.0, description="Thousands of real images over which p can move from 0 to 1."
    )
    mixed_precision: bool = Field(True, description="bf16 autocast on CUDA (ignored on CPU).")
    max_cpu_minutes: Annotated[float, Field(gt=0)] | None = Field(
        15.0,
        description="On the CPU, stop (exit code 2) when the training time estimated on the first "
        "steps exceeds this many minutes, saying how to make it shorter; null: no limit.",
    )
    grid_every: Annotated[int, Field(gt=0)] = Field(250, description="Steps between latent-bank grids.")
    checkpoint_every: Annotated[int, Field(gt=0)] = 500
    log_every: Annotated[int, Field(gt=0)] = Field(50, description="Steps between log lines.")
    detectors: DetectorConfig = Field(default_factory=DetectorConfig)
    tabular: TabularModelConfig = Field(default_factory=TabularModelConfig)
    copula: CopulaConfig = Field(default_factory=CopulaConfig)

    def resolved(self, kind: DatasetKind, *, private: bool = False) -> TrainingConfig:
        """This config with every unset (None) setting filled with the data kind's default
        (the differentially private defaults when ``private``)."""
        chosen = {**KIND_DEFAULTS[kind], **(PRIVATE_DEFAULTS[kind] if private else {})}
        model = {**TABULAR_MODEL_DEFAULTS, **(PRIVATE_TABULAR_MODEL_DEFAULTS if private else {})}
        tabular = self.tabular.model_copy(
            update={k: v for k, v in model.items() if getattr(self.tabular, k) is None}
        )
        defaults = {k: v for k, v in chosen.items() if getattr(self, k) is None}
        return self.model_copy(update={**defaults, "tabular": tabular})

    @property
    def is_resolved(self) -> bool:
        return None not in (self.loss, self.lr_generator, self.lr_discriminator, self.batch_size)

    def changes_from(self, recorded: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        """``training.<key>`` -> (recorded, now) for every setting of this resolved config that differs
        from ``recorded`` (a resolved config dumped to JSON, as a training checkpoint holds it),
        other than those a resumed run may change (RESUMABLE_CHANGES)."""
        now = self.model_dump(mode="json")
        keys = (set(now) | set(recorded)) - RESUMABLE_CHANGES
        return {
            f"training.{k}": (recorded.get(k), now.get(k))
            for k in sorted(keys)
            if recorded.get(k) != now.get(k)
        }


# Settings a resumed run may change: how long it trains and where, how often it logs and
# checkpoints, and its stop rules. Every other setting shapes what is learned, so a checkpoint
# must resume under the one it was trained with; an unset setting resolves to the code's
# current default, which a later version may change (mode seeking for images did).
RESUMABLE_CHANGES = frozenset(
    {"steps", "device", "max_cpu_minutes", "log_every", "checkpoint_every", "grid_every", "detectors"}
)
