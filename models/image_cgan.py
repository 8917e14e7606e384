"""``ImageCGAN``: the class-conditional image GAN behind a scikit-learn-shaped API.

gan = ImageCGAN(config.training, seed=0).fit(train_split, workdir=run_dir / "training")
synthetic = gan.sample(100, labels="7")   # synthetic.images: uint8 (100, H, W, C), all of class "7"
gan.save(path); ImageCGAN.load(path)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from synthaug.models.image_data import ImageData
from synthaug.models.image_networks import ARCHITECTURES, ImageShape
from synthaug.models.synthesizer import ConditionalSynthesizer, Labels
from synthaug.models.trainer import GanTrainer
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.schema import ImageSchema
from synthaug.pipeline.split import TrainSplit
from synthaug.pipeline.synthetic_set import SyntheticSet
from synthaug.privacy.class_means import release_class_means

log = logging.getLogger(__name__)


class ImageCGAN(ConditionalSynthesizer):
    """Class-conditional image GAN. Fitted attributes end in ``_``."""

    MODEL_FORMAT = "synthaug.image_cgan/1"

    # ---- fitting --------------------------------------------------------------------------------
    def fit(
        self,
        train: TrainSplit,
        *,
        workdir: Path,
        resume: bool = False,
        on_step: Callable[[int], None] | None = None,
        later_steps: int = 0,
    ) -> ImageCGAN:
        schema = self._require_split(train).data.schema
        if not isinstance(schema, ImageSchema):
            raise UserInputError("ImageCGAN needs image data", where="dataset.kind")
        self.classes_ = tuple(train.data.classes)
        self.shape_ = ImageShape(schema.height, schema.channels)
        private = self._private_training(len(train.data), kind="image", resume=resume)
        if private is not None:
            private.public += [
                "pixel scaling by fixed constants (x / 127.5 - 1), not by statistics of the data",
                f"the image shape ({self.shape_.size}x{self.shape_.size}, {self.shape_.channels} channels)",
            ]
        device = self._training_device(self.config.device)
        generator, discriminator = self._build()
        images = to_model_range(train.data.features)
        labels = torch.as_tensor(train.data.labels, dtype=torch.long)
        moments = None
        if private is not None:  # flattened pixels in [-1, 1]: norm at most sqrt(C*H*W)
            pixels = images.flatten(1).numpy()
            moments = release_class_means(
                pixels,
                train.data.labels,
                num_classes=len(self.classes_),
                bound=math.sqrt(pixels.shape[1]),
                private=private,
                seed=self.seed,
                with_spread=self.privacy.match_class_spread,
            )
        data = ImageData(
            images,
            labels,
            len(self.classes_),
            device,
            memory_format=torch.contiguous_format if private is not None else torch.channels_last,
            class_means=None if moments is None else moments.means,
            class_means_weight=self.privacy.class_means_weight,
            nearest_mean_weight=self.privacy.nearest_mean_weight,
        )
        spreads = None if moments is None else moments.spreads  # (K,): private images only
        if spreads is not None:
            data.set_class_spreads(spreads, self.privacy.class_spread_weight)
        trainer = GanTrainer(
            generator=generator,
            discriminator=discriminator,
            data=data,
            config=self.config.resolved("image", private=private is not None),
            device=device,
            seed=self.seed,
            workdir=workdir,
            privacy=private,
        )
        if resume:
            trainer.resume()
        log.info(
            "training %s on %d images (%dx%d, %d channels, %d classes) on %s",
            self.config.architecture,
            len(images),
            self.shape_.size,
            self.shape_.size,
            self.shape_.channels,
            len(self.classes_),
            device,
        )
        self._adopt(trainer, trainer.train(on_step=on_step, later_steps=later_steps))
        if spreads is not None:
            self.latent_scale_ = self._match_spreads(
                spreads, condition=_class_index, largest=self.privacy.max_latent_scale
            )
        return self

    # ---- sampling -------------------------------------------------------------------------------
    @torch.no_grad()
    def sample(
        self,
        n: int,
        labels: Labels = None,
        *,
        seed: int | None = None,
        use_ema: bool = True,
        batch_size: int = 256,
    ) -> SyntheticSet:
        """``n`` images, uint8 (n, H, W, C), with exactly the requested labels."""
        y, chunks = self._generate(
            n,
            labels,
            seed=seed,
            use_ema=use_ema,
            batch_size=batch_size,
            condition=_class_index,
        )
        images = (
            torch.cat(chunks)
            if chunks
            else torch.empty(0, self.shape_.channels, self.shape_.size, self.shape_.size)
        )
        return SyntheticSet("image", self.classes_, y, images=to_uint8(images))

    def _extra_state(self) -> dict:
        return {"shape": [self.shape_.size, self.shape_.channels]}

    def _restore_extra_state(self, state: dict) -> None:
        self.shape_ = ImageShape(*state["shape"])

    def _new_generator(self):
        return self._build()[0]

    def _build(self):
        private = self.privacy.enabled
        cfg = self.config.resolved("image", private=private)
        return ARCHITECTURES.get(cfg.architecture).build(
            self.shape_,
            len(self.classes_),
            z_dim=cfg.z_dim,
            width=cfg.width,
            minibatch_stddev=bool(cfg.minibatch_stddev),
            spectral_norm=not private,  # Opacus has no per-sample gradients for the SN parametrisation
        )


def to_model_range(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, C) -> float (N, C, H, W) in [-1, 1]."""
    return torch.as_tensor(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float (N, C, H, W) in [-1, 1] -> uint8 (N, H, W, C)."""
    pixels = images.clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).contiguous().numpy()


def _class_index(classes: np.ndarray, _: torch.Generator) -> torch.Tensor:
    """The image generator's condition: the class index itself."""
    return torch.as_tensor(classes)
