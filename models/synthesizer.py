"""The synthesizer contract (``Synthesizer``), and what both GANs share (``ConditionalSynthesizer``).

    gan = SYNTHESIZERS.get("tabular")(config.training, seed=0, privacy=config.privacy)
    gan.fit(train_split, workdir=run_dir / "training")   # a TrainSplit only: held-out data never trains
    synthetic = gan.sample(100, labels="malignant")      # a SyntheticSet with exactly these labels
    gan.save(path); type(gan).load(path)                 # CPU-safe (weights_only), privacy kept

Shared by every synthesizer: resolving requested labels. Shared by the GANs: the fitted check,
the device / determinism set-up before training, and saving / loading the generators.
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from synthaug.models.checkpoint import load_checkpoint, save_checkpoint
from synthaug.models.device import select_device
from synthaug.models.trainer import GanTrainer, TrainingResult
from synthaug.pipeline.config import PrivacyConfig, TrainingConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.split import TrainSplit
from synthaug.pipeline.synthetic_set import SyntheticSet
from synthaug.privacy.compatibility import check_training_config
from synthaug.privacy.training import PrivateTraining

Labels = int | str | Sequence[int | str] | np.ndarray | None
# Fitting seeds torch's global RNG (weight initialisation, dropout) and sets process-wide
# determinism flags, so fits in threads of one process must take turns to stay reproducible
# (separate processes train side by side). Callers that may fit in parallel threads hold it.
FIT_LOCK = threading.Lock()
# matching a released spread (_match_spreads): samples per class, its seed, the range of the
# latent scale and the bisection steps (the scale is then known to within 0.2%)
SPREAD_SAMPLES, SPREAD_SEED, SCALE_RANGE, SPREAD_BISECTIONS = 512, 7, (0.25, 4.0), 12


class Synthesizer(ABC):
    """The contract every synthesizer keeps (the GANs below, models/tabular_copula.py); fitted
    attributes end in ``_``."""

    MODEL_FORMAT = ""  # each subclass names its file format
    classes_: tuple[str, ...]
    seed: int
    config: TrainingConfig

    def __init__(
        self, config: TrainingConfig | None = None, *, seed: int = 0, privacy: PrivacyConfig | None = None
    ):
        self.config = config or TrainingConfig()
        self.seed = seed
        self.privacy = privacy or PrivacyConfig()

    @abstractmethod
    def fit(
        self,
        train: TrainSplit,
        *,
        workdir: Path,
        resume: bool = False,
        on_step: Callable[[int], None] | None = None,
        later_steps: int = 0,
    ) -> Synthesizer:
        """Train on the real training split; metrics, grids and checkpoints go to ``workdir``.
        ``later_steps``: steps of the same network the job trains afterwards (its selection folds'
        generators), counted in the time estimate and ``training.max_cpu_minutes``."""

    @abstractmethod
    def sample(
        self, n: int, labels: Labels = None, *, seed: int | None = None, use_ema: bool = True, batch_size: int
    ) -> SyntheticSet:
        """``n`` samples whose labels are exactly ``labels``: None (classes in turn), one class
        (index or name) for all, or one per sample."""

    @abstractmethod
    def save(self, path: Path) -> Path:
        """Write the fitted model (loadable with ``torch.load(weights_only=True)``)."""

    @classmethod
    @abstractmethod
    def load(cls, path: Path) -> Synthesizer:
        """The model ``save`` wrote, on CPU; no code runs from the file."""

    @abstractmethod
    def _check_fitted(self) -> None:
        """Raise RuntimeError unless ``fit`` or ``load`` has run."""

    def _write_model_file(self, path: Path, state: dict[str, Any]) -> Path:
        """``state`` (plain values and tensors) with what every model file holds: its format, the
        training config, the seed and the classes."""
        self._check_fitted()
        save_checkpoint(
            path,
            {
                "format": self.MODEL_FORMAT,
                "config": self.config.model_dump(mode="json"),
                "seed": self.seed,
                "classes": list(self.classes_),
                **state,
            },
        )
        return path

    @classmethod
    def _read_model_file(cls, path: Path) -> dict[str, Any]:
        """A model file's state, loaded on CPU with ``weights_only``; refused unless it is this
        class's format."""
        state = load_checkpoint(path)
        if state.get("format") != cls.MODEL_FORMAT:
            raise UserInputError(
                f"not a {cls.__name__} model file (format {state.get('format')!r})", where=path
            )
        return state

    @classmethod
    def _from_state(cls, state: dict[str, Any], **options: Any):
        """A model built from a model file's config, seed and classes (``options``: more
        constructor arguments)."""
        model = cls(TrainingConfig.model_validate(state["config"]), seed=int(state["seed"]), **options)
        model.classes_ = tuple(state["classes"])
        return model

    @staticmethod
    def _require_split(train: object) -> TrainSplit:
        if not isinstance(train, TrainSplit):
            raise TypeError(
                f"fit takes a TrainSplit, not {type(train).__name__}: held-out data never trains a model"
            )
        return train

    def _labels(self, n: int, labels: Labels) -> np.ndarray:
        """Class indices for ``n`` samples: classes in turn, one class for all, or one per sample."""
        if labels is None:
            return np.arange(n, dtype=np.int64) % len(self.classes_)
        if isinstance(labels, int | str | np.integer):
            return np.full(n, self._class_index(labels), dtype=np.int64)
        values = list(labels)
        if len(values) != n:
            raise ValueError(f"got {len(values)} labels for n={n}")
        return np.array([self._class_index(v) for v in values], dtype=np.int64)

    def _class_index(self, label: Any) -> int:
        if isinstance(label, str):
            if label not in self.classes_:
                raise ValueError(f"unknown class {label!r}; classes: {', '.join(self.classes_)}")
            return self.classes_.index(label)
        if not 0 <= int(label) < len(self.classes_):
            raise ValueError(f"class index {label} outside 0..{len(self.classes_) - 1}")
        return int(label)


class ConditionalSynthesizer(Synthesizer):
    """Base of ``ImageCGAN`` and ``TabularCGAN``: the generators, saving and loading them, and
    sampling through a condition."""

    # ---- what each family adds ------------------------------------------------------------------
    @abstractmethod
    def _extra_state(self) -> dict:
        """Fitted state beyond the generators (plain values and tensors only)."""

    @abstractmethod
    def _restore_extra_state(self, state: dict) -> None:
        """Inverse of ``_extra_state`` on a freshly constructed model."""

    @abstractmethod
    def _new_generator(self) -> nn.Module:
        """An untrained generator of this model's shape (``load`` fills in the weights)."""

    # ---- shared ---------------------------------------------------------------------------------
    def _adopt(self, trainer: GanTrainer, result: TrainingResult) -> None:
        """Keep the trained generators (on CPU, in eval mode) and the training summary."""
        self.training_ = result
        self.privacy_ = result.privacy  # the privacy statement, or None without DP
        self.generator_ = trainer.G.cpu().eval()
        self.ema_generator_ = trainer.ema.model.cpu().eval()
        self.latent_scale_ = None  # every class samples z ~ N(0, I) unless _match_spreads says otherwise

    @torch.no_grad()
    def _match_spreads(
        self,
        spreads: np.ndarray,
        *,
        condition: Callable[[np.ndarray, torch.Generator], torch.Tensor],
        largest: float = SCALE_RANGE[1],
    ) -> list[float]:
        """Per class, the factor on the latent noise z at which the (EMA) generator's samples
        spread as widely as ``spreads`` (K,) says: the mean squared distance of a class's
        flattened outputs to their mean, released with the class means (privacy/class_means.py).
        Found by bisection on log(scale) within [1/4, ``largest``] (at most 4) over a fixed draw
        of z; the spread grows with the scale for the generators here, and a target outside the
        range takes its end."""
        model = self.ema_generator_
        generator = torch.Generator().manual_seed(SPREAD_SEED)
        scales = []
        for k, target in enumerate(spreads):
            classes = np.full(SPREAD_SAMPLES, k, dtype=np.int64)
            z = torch.randn(SPREAD_SAMPLES, model.z_dim, generator=generator)
            c = condition(classes, generator)

            def spread(scale: float, z: torch.Tensor = z, c: torch.Tensor = c) -> float:
                x = model(z * scale, c).float().flatten(1)
                return float(((x - x.mean(dim=0)) ** 2).sum(dim=1).mean())

            low, high = math.log(SCALE_RANGE[0]), math.log(min(largest, SCALE_RANGE[1]))
            for _ in range(SPREAD_BISECTIONS):
                middle = (low + high) / 2
                low, high = (middle, high) if spread(math.exp(middle)) < target else (low, middle)
            scales.append(round(math.exp((low + high) / 2), 4))
        return scales

    def save(self, path: Path) -> Path:
        return self._write_model_file(
            path,
            {
                "privacy": self.privacy_,
                "privacy_config": self.privacy.model_dump(mode="json"),
                **self._extra_state(),
                "latent_scale": self.latent_scale_,
                "generator": self.generator_.state_dict(),
                "ema_generator": self.ema_generator_.state_dict(),
            },
        )

    @classmethod
    def load(cls, path: Path):
        """Load on CPU with ``torch.load(weights_only=True)``: no code runs from the file."""
        state = cls._read_model_file(path)
        privacy = PrivacyConfig.model_validate(state.get("privacy_config") or {})
        model = cls._from_state(state, privacy=privacy)
        model.privacy_ = state.get("privacy")
        model._restore_extra_state(state)
        model.latent_scale_ = state.get("latent_scale")
        model.generator_, model.ema_generator_ = model._new_generator(), model._new_generator()
        model.generator_.load_state_dict(state["generator"])
        model.ema_generator_.load_state_dict(state["ema_generator"])
        model.generator_.eval()
        model.ema_generator_.eval()
        return model

    @torch.no_grad()
    def _generate(
        self,
        n: int,
        labels: Labels,
        *,
        seed: int | None,
        use_ema: bool,
        batch_size: int,
        condition: Callable[[np.ndarray, torch.Generator], torch.Tensor],
    ) -> tuple[np.ndarray, list[torch.Tensor]]:
        """Class indices for ``n`` samples and the generator's float outputs in batches; each batch
        draws z, then its condition (``condition(classes, generator)``), from one seeded stream."""
        self._check_fitted()
        y = self._labels(n, labels)
        generator = torch.Generator().manual_seed(self.seed if seed is None else seed)
        model = self.ema_generator_ if use_ema else self.generator_
        chunks = []
        for start in range(0, n, batch_size):
            part = y[start : start + batch_size]
            z = torch.randn(len(part), model.z_dim, generator=generator)
            if self.latent_scale_ is not None:  # each class's spread matched to a private release
                z = z * torch.tensor(self.latent_scale_)[torch.as_tensor(part)][:, None]
            chunks.append(model(z, condition(part, generator)).float())
        return y, chunks

    def _private_training(
        self, num_records: int, *, kind: str, resume: bool = False
    ) -> PrivateTraining | None:
        """The DP set-up for ``fit`` when privacy is enabled (config checked, delta < 1/N)."""
        if not self.privacy.enabled:
            return None
        if resume and self.privacy.secure_mode:
            # the released counts and class means are drawn again on every fit; seeded noise repeats
            # them exactly, OS noise would not, and the restored ledger counts them once
            raise UserInputError(
                "a private run in secure mode cannot be resumed: its released statistics would be drawn "
                "again with fresh noise, and the budget would count them once",
                where="privacy.secure_mode",
                hint="Start the run again from the beginning.",
            )
        check_training_config(self.config, kind=kind)
        return PrivateTraining.start(self.privacy, num_records=num_records)

    def _check_fitted(self) -> None:
        if not hasattr(self, "ema_generator_"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet: call fit() or load()")

    def _training_device(self, preference: str) -> torch.device:
        """The device to train on, seeded; deterministic kernels on CPU (exact resume)."""
        device = select_device(preference)
        if device.type == "cpu":
            torch.use_deterministic_algorithms(True, warn_only=True)
        torch.manual_seed(self.seed)
        return device
