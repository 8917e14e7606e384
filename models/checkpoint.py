"""Atomic, CPU-safe checkpoints: ``torch.save`` to a temp file, rename; load with ``weights_only``.

Also what a GAN training checkpoint holds: :class:`TrainerCheckpoints`, the base of
:class:`~synthaug.models.trainer.GanTrainer` that saves and resumes its state and refuses to resume
under other training settings.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from synthaug.models.detectors import Finding
from synthaug.pipeline.atomic import atomic_path
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import CHECKPOINT_FILE, CONFIG_FILE

# the trainer's logger, as before its checkpoint methods moved here (run.log names each line's logger)
log = logging.getLogger("synthaug.models.trainer")


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu", weights_only=True)


class TrainerCheckpoints:
    """The checkpoint methods of :class:`~synthaug.models.trainer.GanTrainer`, its base class: they
    save and restore the state ``GanTrainer.__init__`` sets up (networks, optimisers, random streams,
    augmentation, detectors, privacy accounting, step and elapsed time)."""

    # ---- checkpoints --------------------------------------------------------------------------
    def save(self) -> Path:
        path = self.workdir / CHECKPOINT_FILE
        save_checkpoint(
            path,
            {
                "step": self.step,
                "elapsed": self.elapsed,
                "settings": self.config.model_dump(mode="json"),  # resolved: resume checks them
                "torch_threads": torch.get_num_threads(),  # on CPU they change the weights
                "generator": self.G.state_dict(),
                "ema_generator": self.ema.model.state_dict(),
                "discriminator": self.D.state_dict(),
                "opt_g": self.opt_g.state_dict(),
                "opt_d": self.opt_d.state_dict(),
                "rng": {name: g.get_state() for name, g in self.rng.items()},
                "torch_rng": torch.get_rng_state(),  # dropout and other layers draw from the global stream
                "augment_p": self.augment.p,
                "ada": self.ada.state_dict() if self.ada else None,
                "lecam": self.lecam.state_dict() if self.lecam else None,
                "detectors": {d.name: d.state_dict() for d in self.detectors},
                "findings": [[f.detector, f.step, f.message] for f in self.findings],
                "privacy": self.private.state_dict() if self.private else None,
            },
        )
        return path

    def resume(self) -> int:
        """Restore the latest checkpoint; returns its step."""
        path = self.workdir / CHECKPOINT_FILE
        if not path.is_file():
            raise UserInputError(
                "no checkpoint to resume from",
                where=path,
                hint="The run was stopped before its first checkpoint; start a new run.",
            )
        state = load_checkpoint(path)
        self._check_settings(state.get("settings"), path)
        self._check_threads(state.get("torch_threads"), path)
        self.G.load_state_dict(state["generator"])
        self.ema.model.load_state_dict(state["ema_generator"])
        self.D.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        for name, generator in self.rng.items():
            generator.set_state(state["rng"][name])
        torch.set_rng_state(state["torch_rng"])
        self.augment.p = float(state["augment_p"])
        if self.ada is not None:
            self.ada.load_state_dict(state["ada"])
        if self.lecam is not None:
            self.lecam.load_state_dict(state["lecam"])
        for detector in self.detectors:
            detector.load_state_dict(state["detectors"][detector.name])
        self.findings = [Finding(d, int(s), m) for d, s, m in state["findings"]]
        if (self.private is None) != (state.get("privacy") is None):
            raise UserInputError(
                "the checkpoint was written with privacy.enabled "
                f"{state.get('privacy') is not None}, but the config now says {self.private is not None}",
                where=path,
                hint=f"Resume with the config the run was started with (its {CONFIG_FILE}).",
            )
        if self.private is not None:
            self.private.load_state_dict(state["privacy"])
        self.step, self.elapsed = int(state["step"]), float(state["elapsed"])
        self.metrics.truncate_after(self.step)
        log.info("resumed from step %d (%s)", self.step, path)
        return self.step

    def _check_threads(self, recorded: int | None, path: Path) -> None:
        """Warn when a CPU run resumes with another number of torch threads: they split the sums
        differently, so it will not end with exactly the weights of an uninterrupted run."""
        threads = torch.get_num_threads()
        if self.device.type == "cpu" and recorded is not None and recorded != threads:
            log.warning(
                "%s was written with %d torch threads and this process has %d: the resumed run trains "
                "on, but will not end with exactly the weights of an uninterrupted run (start it with "
                "OMP_NUM_THREADS=%d for that)",
                path,
                recorded,
                threads,
                recorded,
            )

    def _check_settings(self, recorded: dict[str, Any] | None, path: Path) -> None:
        """Refuse to resume under training settings other than the checkpoint's (config.RESUMABLE_CHANGES
        lists those that may change)."""
        if recorded is None:
            log.warning(
                "%s predates recorded training settings, so resuming cannot check them: settings left "
                "unset take this version's defaults (images: mode_seeking_weight 0.5 since 2026-12-04)",
                path,
            )
            return
        changed = self.config.changes_from(recorded)
        if changed:
            listed = "; ".join(f"{key} was {old!r}, now {new!r}" for key, (old, new) in changed.items())
            raise UserInputError(
                f"the checkpoint was trained with other settings: {listed}",
                where=path,
                hint="Resume with the settings it was trained with (set each key above to its old value "
                "in the config), or start a new run.",
            )
