"""``ImageCGAN``: the class-conditional image GAN behind a scikit-learn-shaped API.

gan = ImageCGAN(config.training, seed=0).fit(train_split, workdir=run_dir / "training")
images, labels = gan.sample(100, labels="7")   # uint8 (100, H, W, C), all of class "7"
gan.save(path); ImageCGAN.load(path)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from models.checkpoint import load_checkpoint, save_checkpoint
from models.image_data import ImageData
from models.image_networks import ARCHITECTURES, ImageShape
from models.synthesizer import ConditionalSynthesizer, Labels
from models.trainer import GanTrainer, TrainingResult
from pipeline.config import TrainingConfig
from pipeline.errors import UserInputError
from pipeline.schema import ImageSchema
from pipeline.split import TrainSplit

log = logging.getLogger(__name__)
MODEL_FORMAT = "synthaug.image_cgan/1"


class ImageCGAN(ConditionalSynthesizer):
    """Class-conditional image GAN. Fitted attributes end in ``_``."""

    def __init__(self, config: TrainingConfig | None = None, *, seed: int = 0):
        self.config = config or TrainingConfig()
        self.seed = seed

    # ---- fitting --------------------------------------------------------------------------------
    def fit(
        self,
        train: TrainSplit,
        *,
        workdir: Path,
        resume: bool = False,
        on_step: Callable[[int], None] | None = None,
    ) -> ImageCGAN:
        """Train on the real training split; metrics, grids and checkpoints go to ``workdir``."""
        if not isinstance(train, TrainSplit):
            raise TypeError(
                f"fit takes a TrainSplit, not {type(train).__name__}: held-out data never trains a GAN"
            )
        schema = train.data.schema
        if not isinstance(schema, ImageSchema):
            raise UserInputError("ImageCGAN needs image data", where="dataset.kind")
        self.classes_ = tuple(train.data.classes)
        self.shape_ = ImageShape(schema.height, schema.channels)
        device = self._training_device(self.config.device)
        generator, discriminator = self._build()
        images = to_model_range(train.data.features)
        labels = torch.as_tensor(train.data.labels, dtype=torch.long)
        trainer = GanTrainer(
            generator=generator,
            discriminator=discriminator,
            data=ImageData(images, labels, len(self.classes_), device),
            config=self.config.resolved("image"),
            device=device,
            seed=self.seed,
            workdir=workdir,
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
        self.training_: TrainingResult = trainer.train(on_step=on_step)
        self.generator_ = trainer.G.cpu().eval()
        self.ema_generator_ = trainer.ema.model.cpu().eval()
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
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` images as uint8 (n, H, W, C) and their class indices, exactly as requested.

        ``labels``: None (classes in turn), one class (index or name) for all, or one per image.
        """
        self._check_fitted()
        y = self._labels(n, labels)
        generator = torch.Generator().manual_seed(self.seed if seed is None else seed)
        model = self.ema_generator_ if use_ema else self.generator_
        chunks = []
        for start in range(0, n, batch_size):
            part = torch.as_tensor(y[start : start + batch_size])
            z = torch.randn(len(part), model.z_dim, generator=generator)
            chunks.append(model(z, part).float())
        images = (
            torch.cat(chunks)
            if chunks
            else torch.empty(0, self.shape_.channels, self.shape_.size, self.shape_.size)
        )
        return to_uint8(images), y

    def save(self, path: Path) -> Path:
        self._check_fitted()
        save_checkpoint(
            path,
            {
                "format": MODEL_FORMAT,
                "config": self.config.model_dump(mode="json"),
                "seed": self.seed,
                "classes": list(self.classes_),
                "shape": [self.shape_.size, self.shape_.channels],
                "generator": self.generator_.state_dict(),
                "ema_generator": self.ema_generator_.state_dict(),
            },
        )
        return path

    @classmethod
    def load(cls, path: Path) -> ImageCGAN:
        """Load on CPU with ``weights_only=True`` (no arbitrary code from the file)."""
        state = load_checkpoint(path)
        if state.get("format") != MODEL_FORMAT:
            raise UserInputError(f"not a synthaug image model (format {state.get('format')!r})", where=path)
        model = cls(TrainingConfig.model_validate(state["config"]), seed=int(state["seed"]))
        model.classes_ = tuple(state["classes"])
        model.shape_ = ImageShape(*state["shape"])
        generator, _ = model._build()
        ema = model._build()[0]
        generator.load_state_dict(state["generator"])
        ema.load_state_dict(state["ema_generator"])
        model.generator_, model.ema_generator_ = generator.eval(), ema.eval()
        return model

    def _build(self):
        cfg = self.config
        return ARCHITECTURES.get(cfg.architecture).build(
            self.shape_,
            len(self.classes_),
            z_dim=cfg.z_dim,
            width=cfg.width,
            minibatch_stddev=cfg.minibatch_stddev,
        )


def to_model_range(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, C) -> float (N, C, H, W) in [-1, 1]."""
    return torch.as_tensor(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float (N, C, H, W) in [-1, 1] -> uint8 (N, H, W, C)."""
    pixels = images.clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).contiguous().numpy()
