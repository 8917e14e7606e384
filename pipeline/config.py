"""Typed configuration: the one place where settings and their defaults live.

This module is the entry: :class:`SynthaugConfig` and its sections. The two largest sections live
in sibling modules and are re-exported here, so every config name imports from this module:
:mod:`pipeline.config_dataset` (``dataset``, with its CSV and image options) and
:mod:`pipeline.config_training` (``training``, with the detectors and the kind and privacy defaults).

One :class:`SynthaugConfig` travels from the YAML file (or the CLI) through the Prefect flow
parameters to every step; each step takes only the section it needs. Unknown keys are errors
(``extra="forbid"``), reported with their dotted path by :mod:`pipeline.config_loading`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from synthaug.pipeline.config_dataset import (
    BUNDLED_DATASETS,
    BUNDLED_PREFIX,
    IMAGE_SUFFIXES,
    TABULAR_SUFFIXES,
    ConfigSection,
    CsvOptions,
    DatasetConfig,
    DatasetKind,
    ImageOptions,
)
from synthaug.pipeline.config_training import (
    KIND_DEFAULTS,
    PRIVATE_DEFAULTS,
    PRIVATE_TABULAR_MODEL_DEFAULTS,
    RESUMABLE_CHANGES,
    SYNTHESIZER_WORDS,
    TABULAR_MODEL_DEFAULTS,
    CopulaConfig,
    DetectorConfig,
    TabularModelConfig,
    TrainingConfig,
)

__all__ = [
    "BUNDLED_DATASETS",
    "BUNDLED_PREFIX",
    "IMAGE_SUFFIXES",
    "KIND_DEFAULTS",
    "MAX_ADDED_WEIGHT",
    "MAX_SEED",
    "PRIVATE_DEFAULTS",
    "PRIVATE_TABULAR_MODEL_DEFAULTS",
    "RESUMABLE_CHANGES",
    "SYNTHESIZER_PREFERRED_AMOUNT",
    "SYNTHESIZER_WORDS",
    "TABULAR_MODEL_DEFAULTS",
    "TABULAR_SUFFIXES",
    "CopulaConfig",
    "CsvOptions",
    "DatasetConfig",
    "DatasetKind",
    "DetectorConfig",
    "EvaluationConfig",
    "ExecutionConfig",
    "ExportConfig",
    "GenerationConfig",
    "ImageOptions",
    "PrivacyConfig",
    "PublicColumn",
    "SplitConfig",
    "SynthaugConfig",
    "TabularModelConfig",
    "TrainingConfig",
    "WatermarkConfig",
    "demo_config",
]

# seeds reach scikit-learn (random_state below 2**32) after small offsets for derived seeds
MAX_SEED = 2**31 - 1
MAX_ADDED_WEIGHT = 8  # evaluation.added_weights: an added sample may count up to 8 real ones
# training.synthesizer -> its evaluation.preferred_amount when that is unset (at weight 1, under the
# one-SE rule, when the amount is a candidate). The copula's rows at 4x helped at fixed amounts
# (real_data_ceiling_copula_truncation.md, seeds 0-7), and preferring them raised the tables' mean
# gain through the job on seeds 8-19, run after the choice (README "Preferring the copula's 4x").
# The GAN's samples have no measured amount on tables; the digits recipe (4 at weight 0.1) is set
# by hand.
SYNTHESIZER_PREFERRED_AMOUNT = {"copula": 4.0}


class SplitConfig(ConfigSection):
    test_fraction: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.3, description="Share of the real data held out for final scoring only."
    )
    stratify: bool = Field(True, description="Keep class proportions in both parts.")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = Field(
        None, description="Split seed; the run seed when unset."
    )


# generation.near_copy_quantile "auto", by data kind. Measured with the audit of privacy/audit.py
# (README "Near copies"): on scarce digits 0.5 kept the share of samples nearer a training image
# than an unseen one at or below 0.65 and the membership AUC at or below 0.6 in all six seeds,
# 0.25 in four; on scarce tables higher quantiles lowered that share but turned the attack round
# (training rows farther from the samples than unseen ones), so tables keep 0.25 ...
NEAR_COPY_QUANTILES: dict[str, float] = {"image": 0.5, "tabular": 0.25}
# ... except with a synthesizer cheap enough to fit a few more times per run: its quantile is
# calibrated on the training split (stages/near_copy_calibration.py; README "Calibrated curation").
CALIBRATED_SYNTHESIZERS = ("copula",)
CALIBRATION_FITS = 3  # folds of the training split, one synthesizer fitted on each


class GenerationConfig(ConfigSection):
    """How many synthetic samples of which class to generate."""

    strategy: Literal["balanced", "fill-to-majority", "explicit"] = Field(
        "balanced",
        description="balanced: per_class of every class; fill-to-majority: bring every class of the "
        "training split up to the largest class count (plus per_class); explicit: counts.",
    )
    per_class: Annotated[int, Field(ge=0)] = 100
    counts: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="Class name -> count, for strategy: explicit."
    )
    batch_size: Annotated[int, Field(gt=0)] = 256
    near_copy_quantile: Annotated[float, Field(gt=0, lt=1)] | Literal["auto", "calibrated"] | None = Field(
        "auto",
        description="Drop synthetic samples at most as far from a training sample as this quantile of "
        "the training samples' distances to their nearest other training sample, and draw others "
        "instead (stages/curation.py); calibrated (the copula): the candidate quantile whose samples a "
        "membership attack reads least, measured on the training split's own folds "
        "(stages/near_copy_calibration.py); auto: calibrated for the copula, 0.5 for the image GAN, "
        "0.25 for the tabular GAN (NEAR_COPY_QUANTILES); null keeps every sample. Skipped under "
        "differential privacy.",
    )

    # True when near_copy_quantile "calibrated" was filled in from "auto" for the synthesizer
    # (SynthaugConfig), not given: a config rebuilt with overrides (given_settings) chooses afresh
    _calibration_from_synthesizer: bool = PrivateAttr(default=False)

    @property
    def calibration_from_synthesizer(self) -> bool:
        return self._calibration_from_synthesizer

    def near_copy_quantile_for(self, kind: DatasetKind) -> float | str | None:
        """The quantile a run on ``kind`` data uses: a number, "calibrated" (the copula's "auto",
        filled in by SynthaugConfig), or None (keep every sample)."""
        if self.near_copy_quantile == "auto":
            return NEAR_COPY_QUANTILES[kind]
        return self.near_copy_quantile


class PublicColumn(ConfigSection):
    """What is publicly known about one column of a table (declared, never measured on the data)."""

    bounds: tuple[float, float] | None = Field(
        None, description="[low, high] of a numeric column; values outside are clipped into it."
    )
    categories: list[str] | None = Field(None, description="Every value a categorical column may take.")
    integer: bool = Field(False, description="Numeric column holding whole numbers.")
    missing: bool = Field(False, description="The column may hold missing values.")

    @model_validator(mode="after")
    def _one_kind(self) -> PublicColumn:
        if (self.bounds is None) == (self.categories is None):
            raise ValueError(
                "declare either bounds: [low, high] (numeric) or categories: [...] (categorical)"
            )
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds {list(self.bounds)} must be [low, high] with low < high")
        if self.categories is not None and len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must not repeat")
        return self


class PrivacyConfig(ConfigSection):
    """Differential privacy: DP-SGD on the discriminator with an accounted (epsilon, delta) budget."""

    enabled: bool = False
    target_epsilon: Annotated[float, Field(gt=0)] = Field(
        3.0, description="Total budget over every release computed from the training data."
    )
    delta: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None, description="Defaults to a power of ten below 1/(10 N) for N training rows; must be < 1/N."
    )
    max_grad_norm: Annotated[float, Field(gt=0)] = Field(
        1.0, description="Per-sample gradient clipping norm C of the discriminator."
    )
    noise_multiplier: Annotated[float, Field(gt=0)] | None = Field(
        None,
        description="DP-SGD noise std / C. Unset: calibrated so the planned steps spend the budget; set: "
        "training stops before the budget would be exceeded.",
    )
    accountant: Literal["prv", "rdp"] = Field("prv", description="Opacus accountant used for every number.")
    secure_mode: bool = Field(
        False, description="Noise robust to floating-point attacks and RNGs seeded from the OS."
    )
    grad_sample_mode: Literal["auto", "hooks", "functorch", "ew", "ghost"] = Field(
        "auto",
        description="How Opacus clips per-sample gradients: hooks, functorch or ew (PyTorch's "
        "expanded weights, which form them instead of the batch gradient) materialise each "
        "sample's gradient; ghost (Opacus' ghost clipping) computes each sample's gradient norm "
        "without it and takes a second, reweighted backward pass; auto: ghost for an all-linear "
        "discriminator (tables), ew for linear, embedding and convolution layers (images), hooks "
        "otherwise. The mechanism and its epsilon are the same.",
    )
    public_columns: dict[str, PublicColumn] = Field(
        default_factory=dict,
        description="Tables: every feature column's public bounds or categories (nothing is fitted on "
        "private values).",
    )
    numeric_modes: Annotated[int, Field(ge=1, le=20)] = Field(
        5, description="Tables: equal-width modes over each declared numeric range."
    )
    count_noise_multiplier: Annotated[float, Field(gt=0)] = Field(
        20.0,
        description="Tables with categorical columns: Gaussian noise std (per unit of sensitivity) on the "
        "per-class category counts that steer conditional sampling; its cost is part of the budget.",
    )
    class_means_share: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        0.8,
        description="Release each class's mean sample (a table's encoded row, an image's pixels) with "
        "Gaussian noise calibrated so that the release spends this share of target_epsilon, and pull the "
        "generator's per-class means towards them (post-processing); DP-SGD gets the rest of the budget. "
        "null: no release.",
    )
    class_means_weight: Annotated[float, Field(ge=0)] = Field(
        1.0, description="Weight of that pull in the generator's loss."
    )
    match_class_spread: bool = Field(
        True,
        description="Images: release each class's spread (mean squared distance to its mean) in the "
        "same draw as the class means, and scale each class's latent noise at sampling until the "
        "generated spread matches it (post-processing). A private generator's samples spread about "
        "half as widely as real ones otherwise.",
    )
    class_spread_weight: Annotated[float, Field(ge=0)] = Field(
        0.0,
        description="Images: weight of a generator loss matching each class's spread in the batch to the "
        "released spread (squared log-ratio; post-processing of the release).",
    )
    max_latent_scale: Annotated[float, Field(ge=1, le=4)] = Field(
        2.0,
        description="The largest factor on the latent noise that matching a class's spread may take: "
        "beyond about 2x a generator's inputs leave the range it was trained on, and private digits "
        "scored lower at 3x than at 2x (benchmarks/latent_scale.py).",
    )
    nearest_mean_weight: Annotated[float, Field(ge=0)] = Field(
        0.0,
        description="Weight of a generator loss that makes each generated sample nearer its own class's "
        "released mean than any other class's (cross-entropy of the nearest-mean rule; post-processing "
        "of the same release). The pull fixes only each class's average.",
    )


class WatermarkConfig(ConfigSection):
    enabled: bool = True
    key_file: Path | None = Field(None, description="Key file; SYNTHAUG_WATERMARK_KEY_FILE if unset.")
    require_detectable: bool = Field(
        False,
        description="Refuse to export (exit code 4) when the run's own test cannot detect the mark it "
        "embedded (too few samples, or samples the mark does not survive).",
    )


class ExportConfig(ConfigSection):
    """Where the deliverable dataset (synthetic data, manifest, dataset card) is written."""

    directory: Path | None = Field(
        None,
        description="Export directory; <run directory>/export if unset. An existing directory is "
        "never replaced unless export.overwrite is true.",
    )
    overwrite: bool = Field(False, description="Replace an existing export at export.directory.")


class EvaluationConfig(ConfigSection):
    """The verification of downstream gain (evaluation/gain.py)."""

    enabled: bool = True
    seeds: Annotated[int, Field(ge=2, description="Downstream training seeds per condition.")] = 5
    folds: Annotated[int, Field(ge=2, le=10, description="Inner CV folds in the training split.")] = 3
    cv_repeats: Annotated[
        int,
        Field(
            ge=1,
            le=20,
            description="K-fold passes of the inner CV, each on a new random fold split, averaged: more "
            "passes make the choice depend less on one lucky split. Each pass trains evaluation.folds "
            "more fold generators when cross-fitting (cheap for the copula, costly for the GAN).",
        ),
    ] = 1
    cv_seeds: Annotated[
        int,
        Field(
            ge=1,
            le=10,
            description="Classifier seeds per selection fold and candidate, their scores averaged; "
            "each seed also draws its own added samples. On 50 validation images one CNN training's "
            "luck moves a fold's score by a point or two, as much as the gains the CV has to tell "
            "apart. Each seed is one more training per candidate and fold (no more fold generators).",
        ),
    ] = 1
    amounts: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [0.0, 0.5, 1.0, 2.0, 4.0],
        description="Candidate synthetic amounts, as multiples of the real training count shared "
        "between the classes by evaluation.allocation; 0 (add nothing) is always a candidate.",
    )
    added_weights: list[Annotated[float, Field(gt=0, le=MAX_ADDED_WEIGHT)]] = Field(
        default_factory=lambda: [1.0],
        description="Candidate loss weights of an added sample (synthetic, or SMOTE for the classic "
        "baseline) relative to a real one; the inner CV chooses one with each amount. Below 1, many "
        "added samples can shape the classifier while their noise weighs less (e.g. [0.25, 0.5, 1] "
        "with amounts up to 8); above 1, they outweigh the real rows, for samples that are better "
        "training data than the rows themselves (e.g. smoothed copula rows for a random forest; "
        f"at most {MAX_ADDED_WEIGHT}). 1 (unweighted) is always a candidate.",
    )
    allocation: Literal["rarest-first", "proportional"] = Field(
        "rarest-first",
        description="How an amount is shared between the classes, for synthetic and SMOTE samples "
        "alike (evaluation/samples.py): rarest-first gives amount x the whole real count to the "
        "rarest classes first, so an imbalanced split is about balanced at 1x; proportional gives "
        "each class amount x its own count and keeps the imbalance. The same on equal class counts. "
        "Rarest-first synthetic rows on top of SMOTE rows go to the classes rarest after them.",
    )
    filtering: bool | Literal["always", "each"] = Field(
        True,
        description="true: try the filter (evaluation.filter_rule) on the amount the CV chose, kept "
        "only if it scores higher; each: score every candidate amount both unfiltered and filtered; "
        "always: filter every pool before the CV, so every candidate draws from the kept samples; "
        "false: never filter. Each fold's pool is filtered by the fold's training rows only.",
    )
    filter_confidence: Annotated[float, Field(gt=0.5, le=1.0)] = 0.8
    filter_rule: Literal["contradicted", "data-iq"] = Field(
        "contradicted",
        description="Which synthetic samples the filter drops (evaluation/fits.py): contradicted, those "
        "a classifier trained on the real rows puts on another class with probability >= "
        "filter_confidence; data-iq (tables), all but those gradient boosting on the real rows learns "
        "with mean probability >= filter_confidence over its stages (Data-IQ's easy rows, as CLLM "
        "curates; evaluation/data_iq.py).",
    )
    selection_rule: Literal["one-se", "best"] = Field(
        "one-se",
        description="How the inner CV chooses: one-se keeps the simpler choice (less synthetic data, "
        "no filtering) unless the richer one beats it by more than one standard error of their paired "
        "per-fold difference; best takes the highest mean score (noisier on a few dozen rows).",
    )
    preferred_amount: Annotated[float, Field(ge=0)] | None = Field(
        None,
        description="A synthetic amount (one of evaluation.amounts) that the one-SE rule treats as the "
        "simplest candidate, at evaluation.preferred_weight: it is added unless another candidate, "
        "adding nothing included, beats it by more than one standard error in the inner CV. For a "
        "recipe measured on other splits that the CV on a few dozen rows cannot confirm (on 15 digits "
        "per class, 4 at weight 0.1 for the p = 1, 1800-step generator); the held-out verdict still "
        "judges it. Applies to real + synthetic's amount only: the amount on top of the classic "
        "baseline (and SMOTE's) is chosen by the rule alone. Unset: the synthesizer's measured amount "
        "(SYNTHESIZER_PREFERRED_AMOUNT: 4 for the copula when 4 is a candidate, none for the GAN), "
        "recorded in the config snapshot; 0: none (adding nothing is the simplest candidate anyway).",
    )
    preferred_weight: Annotated[float, Field(gt=0, le=MAX_ADDED_WEIGHT)] | None = Field(
        None, description="The preferred amount's loss weight (one of evaluation.added_weights; default 1)."
    )
    selection: Literal["cross-fit", "shared"] = Field(
        "cross-fit",
        description="cross-fit: each inner-CV fold draws synthetic samples from its own generator, "
        "trained without that fold's validation rows (stages/fold_generators.py; not under "
        "privacy); shared: every fold draws from the run's generator (cheaper, flatters synthetic data).",
    )
    fold_generator_share: Annotated[
        float,
        Field(
            gt=0, le=1, description="Training steps of each fold's generator, as a share of training.steps."
        ),
    ] = 0.25
    bootstrap_replicates: Annotated[
        int,
        Field(ge=200, le=100_000, description="Resamples of the test rows behind each 95% interval."),
    ] = 2000
    tabular_classifiers: list[str] = Field(default_factory=lambda: ["logistic", "random_forest"])
    image_classifiers: list[str] = Field(default_factory=lambda: ["cnn"])
    cnn_steps: Annotated[
        int, Field(ge=1, description="Fixed training budget of the downstream CNN (batches of 64).")
    ] = 200
    fidelity_metrics: list[str] | None = Field(
        None,
        description="Fidelity metrics to compute (evaluation/fidelity); all that apply when unset.",
    )
    fidelity_neighbours: Annotated[int, Field(ge=1, le=50)] = Field(
        5, description="k of the precision / recall / density / coverage metric."
    )
    inception_weights: Path | None = Field(
        None,
        description="Local Inception weights (TorchScript detector or torchvision state dict) for "
        "standard FID; never downloaded.",
    )
    classic_baseline: bool = Field(
        True,
        description="Score the classic baseline (images: rotation, shift and scale in the CNN's "
        "training; tables: SMOTE rows) and real + classic + synthetic beside real only and real + "
        "synthetic. false, for a team that cannot use the classic augmentation (orientation carries the "
        "label, or interpolated rows are not allowed): neither condition is trained nor its amount "
        "chosen, the recommendation is real only or synthetic, and a gain needs real + synthetic to beat "
        "real only. The verification is then cheaper by the cross-validation on top of the classic "
        "baseline (and SMOTE's).",
    )
    require_gain: bool = Field(
        False,
        description="Refuse to export (exit code 4) unless the verdict is gain: an option with "
        "synthetic data is recommended and beats real only and the classic baseline (when scored).",
    )

    @field_validator("amounts")
    @classmethod
    def _zero_is_a_candidate(cls, amounts: list[float]) -> list[float]:
        return sorted({0.0, *amounts})

    @field_validator("added_weights")
    @classmethod
    def _one_is_a_candidate(cls, weights: list[float]) -> list[float]:
        return sorted({1.0, *weights})

    # True when preferred_amount was filled in from the synthesizer (SynthaugConfig), not given:
    # a config rebuilt from this one with overrides (given_settings) chooses it afresh
    _preference_from_synthesizer: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _preferred_is_a_candidate(self) -> EvaluationConfig:
        if not self.preferred_amount:
            # unset with a weight: the synthesizer's amount may come (SynthaugConfig checks)
            if self.preferred_weight is not None and self.preferred_amount == 0:
                raise ValueError(
                    "preferred_weight is set with preferred_amount 0 (no preference): set both, or neither"
                )
            return self
        weight = 1.0 if self.preferred_weight is None else self.preferred_weight
        if self.preferred_amount not in self.amounts:
            raise ValueError(
                f"preferred_amount {self.preferred_amount:g} is not among amounts {self.amounts}: "
                "add it to amounts (the preferred candidate is one of the CV's candidates)"
            )
        if weight not in self.added_weights:
            raise ValueError(
                f"preferred_weight {weight:g} is not among added_weights {self.added_weights}: add it there"
            )
        if self.selection_rule != "one-se":
            raise ValueError(
                "preferred_amount needs selection_rule: one-se (the best rule takes the highest CV "
                "score, so a preference would only break ties)"
            )
        return self

    @property
    def preference_from_synthesizer(self) -> bool:
        """Whether preferred_amount is the synthesizer's (SYNTHESIZER_PREFERRED_AMOUNT), not given."""
        return self._preference_from_synthesizer

    def without_preference(self) -> EvaluationConfig:
        """These settings with no preferred candidate: for samples that are not the synthesizer's
        (a baseline's, a calibration control), whose amount the selection rule alone chooses."""
        plain = self.model_copy(update={"preferred_amount": 0.0, "preferred_weight": None})
        plain._preference_from_synthesizer = False
        return plain

    @property
    def preferred(self) -> tuple[float, float] | None:
        """The preferred candidate as (amount, weight), or None (unset or 0)."""
        if not self.preferred_amount:
            return None
        return self.preferred_amount, 1.0 if self.preferred_weight is None else self.preferred_weight


class ExecutionConfig(ConfigSection):
    """How tasks that can run side by side are run (flows/task_runners.py): a run's verification
    units (per classifier and seed, and the fidelity metrics), and the datasets of
    ``synthaug run --config A --config B``. Tables score the same under every setting; on CPU the
    image CNN's scores depend on torch's thread count, which is one in a Dask worker."""

    task_runner: Literal["threads", "dask"] = Field(
        "threads",
        description="threads: a thread pool in the flow's process; dask: prefect-dask's DaskTaskRunner "
        "(a local cluster of worker processes, or the cluster at dask_address).",
    )
    workers: Annotated[int, Field(ge=1, le=256)] = Field(
        1, description="Tasks at once: threads, or local Dask worker processes (one thread each)."
    )
    dask_address: str | None = Field(
        None, description="Scheduler of a running Dask cluster, e.g. tcp://10.0.0.5:8786 (task_runner: dask)."
    )

    @model_validator(mode="after")
    def _address_needs_dask(self) -> ExecutionConfig:
        if self.dask_address is not None and self.task_runner != "dask":
            raise ValueError("dask_address is set but task_runner is not dask: set task_runner: dask")
        return self


class SynthaugConfig(ConfigSection):
    """Everything one run needs. Field order is the order of the config snapshot."""

    name: str = Field(
        "run", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Prefix of the run directory."
    )
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = Field(
        0, description=f"Run seed, 0..{MAX_SEED} (derived seeds add small offsets and stay below 2**32)."
    )
    output_dir: Path = Field(Path("runs"), description="Where run directories are created.")
    dataset: DatasetConfig
    split: SplitConfig = Field(default_factory=SplitConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    watermark: WatermarkConfig = Field(default_factory=WatermarkConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)

    @model_validator(mode="after")
    def _synthesizers_preferred_amount(self) -> SynthaugConfig:
        evaluation = self.evaluation
        amount = SYNTHESIZER_PREFERRED_AMOUNT.get(self.training.synthesizer)
        if (
            evaluation.preferred_amount is None
            and amount in evaluation.amounts
            and evaluation.selection_rule == "one-se"
        ):
            weight = evaluation.preferred_weight
            if weight is not None and weight not in evaluation.added_weights:
                raise ValueError(
                    f"evaluation.preferred_weight {weight:g} is not among evaluation.added_weights "
                    f"{evaluation.added_weights}: add it there (it goes with "
                    f"the {self.training.synthesizer}'s preferred amount {amount:g})"
                )
            # a copy: an EvaluationConfig given by the caller may be shared with other configs
            evaluation = evaluation.model_copy()
            evaluation.preferred_amount = amount
            evaluation._preference_from_synthesizer = True
            self.evaluation = evaluation
        elif evaluation.preferred_amount is None and evaluation.preferred_weight is not None:
            raise ValueError(
                "evaluation.preferred_weight is set without evaluation.preferred_amount, and "
                f"training.synthesizer {self.training.synthesizer} has no preferred amount here: set both, "
                "or neither"
            )
        return self

    @model_validator(mode="after")
    def _near_copy_calibration(self) -> SynthaugConfig:
        generation = self.generation
        if generation.near_copy_quantile == "auto" and self.training.synthesizer in CALIBRATED_SYNTHESIZERS:
            # recorded as "calibrated" in the snapshot: "auto" there means what it meant before
            generation = generation.model_copy(update={"near_copy_quantile": "calibrated"})
            generation._calibration_from_synthesizer = True
            self.generation = generation
        elif (
            self.generation.near_copy_quantile == "calibrated"
            and self.training.synthesizer not in CALIBRATED_SYNTHESIZERS
        ):
            raise ValueError(
                f"generation.near_copy_quantile: calibrated fits {CALIBRATION_FITS} more generators per run "
                f"(one per fold of the training split), which only training.synthesizer: "
                f"{' or '.join(CALIBRATED_SYNTHESIZERS)} can afford; with the {self.training.synthesizer}, "
                "set it to a number (e.g. 0.25) or auto"
            )
        return self

    @property
    def split_seed(self) -> int:
        return self.seed if self.split.seed is None else self.split.seed


def demo_config() -> SynthaugConfig:
    """The bundled default job: scarce digits, 20 training images per class, with a GAN sized
    for 8x8 images so that the whole job takes a few minutes on a 2-core CPU.

    ``examples/digits.yaml`` states the same config as a file (a test keeps them equal).
    """
    return SynthaugConfig(
        name="digits-demo",
        dataset=DatasetConfig(source="bundled:digits", per_class=20),
        training=TrainingConfig(steps=600, width=32, lr_generator=2e-4, lr_discriminator=8e-4),
    )
