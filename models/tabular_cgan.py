"""``TabularCGAN``: the class-conditional tabular GAN behind a scikit-learn-shaped API.

    gan = TabularCGAN(config.training, seed=0).fit(train_split, workdir=run_dir / "training")
    rows = gan.sample(100, labels="malignant").rows   # original columns, dtypes, categories
    gan.save(path); TabularCGAN.load(path)

The class is an exact condition: ``sample`` returns exactly the requested labels (no rejection).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from synthaug.models.synthesizer import ConditionalSynthesizer, Labels
from synthaug.models.tabular_data import ConditionSampler, TabularData, categorical_layout, category_codes
from synthaug.models.tabular_networks import PacDiscriminator, TabularGenerator
from synthaug.models.trainer import GanTrainer
from synthaug.pipeline.config import PrivacyConfig, TrainingConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.schema import TabularSchema
from synthaug.pipeline.split import TrainSplit
from synthaug.pipeline.synthetic_set import SyntheticSet
from synthaug.pipeline.tabular_transform import TabularTransformer, transformer_from_state, transformer_state
from synthaug.privacy.class_means import release_class_means
from synthaug.privacy.counts import noisy_category_counts
from synthaug.privacy.public_schema import conform, encoded_norm_bound, public_transformer
from synthaug.privacy.training import PrivateTraining

log = logging.getLogger(__name__)


class TabularCGAN(ConditionalSynthesizer):
    """Class-conditional tabular GAN (CTGAN family). Fitted attributes end in ``_``."""

    MODEL_FORMAT = "synthaug.tabular_cgan/1"

    def __init__(
        self,
        config: TrainingConfig | None = None,
        *,
        seed: int = 0,
        bounds: dict[str, tuple[float, float]] | None = None,
        privacy: PrivacyConfig | None = None,
    ):
        super().__init__(config, seed=seed, privacy=privacy)
        self.bounds = dict(bounds or {})

    def fit(
        self,
        train: TrainSplit,
        *,
        workdir: Path | None = None,
        resume: bool = False,
        on_step: Callable[[int], None] | None = None,
        later_steps: int = 0,
    ) -> TabularCGAN:
        data = self._require_split(train).data
        if not isinstance(data.schema, TabularSchema):
            raise UserInputError("TabularCGAN needs tabular data", where="dataset.kind")
        frame, labels, classes, schema = data.features, data.labels, data.classes, data.schema
        private = self._private_training(len(frame), kind="tabular", resume=resume)
        cfg = self.config.resolved("tabular", private=private is not None)
        model_cfg = cfg.tabular
        if cfg.batch_size % model_cfg.pac:
            raise UserInputError(
                f"training.batch_size ({cfg.batch_size}) must be a multiple of training.tabular.pac "
                f"({model_cfg.pac})",
                where="training.batch_size",
                hint=f"Use a multiple, e.g. {model_cfg.pac * max(1, round(cfg.batch_size / model_cfg.pac))}.",
            )
        self.classes_ = tuple(classes)
        device = self._training_device(cfg.device)
        if private is None:
            self.transformer_ = TabularTransformer(
                max_modes=model_cfg.max_modes,
                max_categories=model_cfg.max_categories,
                seed=self.seed,
                bounds=self.bounds,
            ).fit(frame, schema)
            encoded = self.transformer_.transform(frame, rng=np.random.default_rng(self.seed))
            gan_data = TabularData(encoded, labels, len(classes), self.transformer_, device)
        else:
            encoded, counts = self._private_encoding(frame, labels, schema, private)
            moments = release_class_means(
                encoded,
                labels,
                num_classes=len(classes),
                bound=encoded_norm_bound(self.transformer_),
                private=private,
                seed=self.seed,
            )
            gan_data = TabularData(
                encoded,
                labels,
                len(classes),
                self.transformer_,
                device,
                private_counts=counts,
                class_means=None if moments is None else moments.means,
                class_means_weight=self.privacy.class_means_weight,
                nearest_mean_weight=self.privacy.nearest_mean_weight,
            )
        self.schema_ = self.transformer_.schema_
        self.sampler_ = gan_data.sampler
        # spectral norm steadies the hinge critic, but Opacus cannot compute its per-sample gradients
        generator, discriminator = self._build(spectral=cfg.loss == "hinge" and private is None)
        workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="synthaug-tabular-"))
        trainer = GanTrainer(
            generator=generator,
            discriminator=discriminator,
            data=gan_data,
            config=cfg,
            device=device,
            seed=self.seed,
            workdir=workdir,
            privacy=private,
        )
        if resume:
            trainer.resume()
        log.info(
            "training the tabular GAN on %d rows (%d columns -> %d encoded, %d classes) on %s",
            len(frame),
            len(schema.columns),
            self.transformer_.output_width,
            len(classes),
            device,
        )
        self._adopt(trainer, trainer.train(on_step=on_step, later_steps=later_steps))
        self.workdir_ = workdir
        return self

    def _private_encoding(
        self, frame: pd.DataFrame, labels: np.ndarray, schema: TabularSchema, private: PrivateTraining
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encode with the public declarations only; release per-class category counts with noise."""
        spec = self.privacy
        self.transformer_ = public_transformer(
            schema, spec.public_columns, modes=spec.numeric_modes, seed=self.seed
        )
        encoded = self.transformer_.transform(
            conform(frame, spec.public_columns), rng=np.random.default_rng(self.seed)
        )
        private.public.append(
            "every column's bounds, categories, integer and missing flags (privacy.public_columns); numeric "
            f"columns encoded with {spec.numeric_modes} equal-width modes over the declared bounds"
        )
        _, widths = categorical_layout(self.transformer_)
        if not widths:
            return encoded, np.zeros((len(self.classes_), 0))
        exact = ConditionSampler.from_data(
            category_codes(encoded, self.transformer_), np.asarray(labels), len(self.classes_), widths
        ).counts
        counts, release = noisy_category_counts(
            exact,
            columns=len(widths),
            noise_multiplier=spec.count_noise_multiplier,
            seed=self.seed,
            secure=spec.secure_mode,
        )
        private.ledger.add(release)
        return encoded, counts

    @torch.no_grad()
    def sample(
        self,
        n: int,
        labels: Labels = None,
        *,
        seed: int | None = None,
        use_ema: bool = True,
        batch_size: int = 1024,
    ) -> SyntheticSet:
        """``n`` rows with the original columns and the target column holding exactly ``labels``."""
        y, chunks = self._generate(
            n, labels, seed=seed, use_ema=use_ema, batch_size=batch_size, condition=self.sampler_.for_classes
        )
        encoded = torch.cat(chunks).numpy() if chunks else np.zeros((0, self.transformer_.output_width))
        frame = self.transformer_.inverse_transform(encoded)
        target = self.schema_.target
        frame[target] = target_values(np.asarray(self.classes_)[y], self.schema_.target_dtype)
        return SyntheticSet("tabular", self.classes_, y, rows=frame, target=target)

    def _extra_state(self) -> dict:
        return {"transformer": transformer_state(self.transformer_), "conditions": self.sampler_.state_dict()}

    def _restore_extra_state(self, state: dict) -> None:
        self.transformer_ = transformer_from_state(state["transformer"])
        self.schema_ = self.transformer_.schema_
        self.sampler_ = ConditionSampler.from_state(state["conditions"])

    def _new_generator(self) -> TabularGenerator:
        return self._build(spectral=False)[0]

    def _build(self, *, spectral: bool) -> tuple[TabularGenerator, PacDiscriminator]:
        cfg = self.config.resolved("tabular", private=self.privacy.enabled)
        model_cfg = cfg.tabular
        generator = TabularGenerator(
            cfg.z_dim,
            self.sampler_.condition_dim,
            self.transformer_.output_spans,
            width=model_cfg.generator_width,
            depth=model_cfg.depth,
            tau=model_cfg.gumbel_tau,
        )
        discriminator = PacDiscriminator(
            self.transformer_.output_width,
            self.sampler_.condition_dim,
            pac=model_cfg.pac,
            width=model_cfg.discriminator_width,
            depth=model_cfg.depth,
            dropout=model_cfg.dropout,
            spectral=spectral,
        )
        return generator, discriminator


def target_values(names: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "int64":
        return names.astype(np.int64)
    if dtype == "float64":
        return names.astype(np.float64)
    return names.astype(object)
