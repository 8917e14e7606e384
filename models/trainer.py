"""The GAN training loop, written once for every conditional GAN family.

Read ``GanTrainer.train`` top to bottom: D steps, G step, EMA, metrics, detectors, grids,
checkpoints. What differs between images and tables comes from a ``GanData``. The D step is
one forward and one backward pass over the real and generated halves together, which is what
per-sample-gradient DP-SGD needs (no gradient accumulation across Poisson batches). With a
``PrivateTraining`` the discriminator is trained by DP-SGD (see privacy/engine.py): real records
come from Poisson sampling, and training stops before the privacy budget would be exceeded.
Saving and resuming a checkpoint come from its base class, ``TrainerCheckpoints`` (models/checkpoint.py).
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from torch import nn

from synthaug.models.augment import AdaptiveProbability, DifferentiableAugment
from synthaug.models.checkpoint import TrainerCheckpoints
from synthaug.models.detectors import Finding, build_detectors
from synthaug.models.diversity import DiversityProbe
from synthaug.models.ema import EmaModel
from synthaug.models.gan_data import GanData
from synthaug.models.losses import (
    LOSSES,
    LeCamRegulariser,
    feature_matching,
    gradient_penalty,
    mode_seeking,
    r1_penalty,
)
from synthaug.models.time_estimate import StepTimer, TimeEstimate, check_cpu_budget
from synthaug.models.training_metrics import Metric, MetricsLog
from synthaug.pipeline.config import TrainingConfig
from synthaug.pipeline.errors import TrainingStopped
from synthaug.pipeline.layout import GRID_DIR, METRICS_FILE
from synthaug.pipeline.progress import format_duration
from synthaug.privacy.engine import PrivateDiscriminator, make_private_discriminator
from synthaug.privacy.statement import privacy_statement
from synthaug.privacy.training import PrivateTraining

log = logging.getLogger(__name__)

BANK_PER_CLASS = 8
MAX_GRID_CLASSES = 20
DIVERSITY_SAMPLES_PER_CLASS = 32


@dataclass
class TrainingResult:
    steps: int
    stop_reason: str  # "completed", "privacy_budget", or the detector that stopped training
    seconds: float
    samples_per_second: float
    findings: list[Finding] = field(default_factory=list)
    privacy: dict[str, Any] | None = None  # the privacy statement under DP (privacy/statement.py)
    estimated_seconds: float | None = None  # the estimate made on the first steps


class GanTrainer(TrainerCheckpoints):
    def __init__(
        self,
        *,
        generator: nn.Module,
        discriminator: nn.Module,
        data: GanData,
        config: TrainingConfig,
        device: torch.device,
        seed: int,
        workdir: Path,
        privacy: PrivateTraining | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ):
        if not config.is_resolved:
            raise ValueError("GanTrainer needs a resolved config: call TrainingConfig.resolved(kind)")
        self.config, self.data, self.device, self.seed = config, data, device, seed
        self.num_classes = data.num_classes
        self.loss = LOSSES.get(config.loss)
        self.d_steps = config.d_steps_per_g_step or self.loss.d_steps
        betas = tuple(config.betas or self.loss.betas)
        self.G = generator.to(device, memory_format=data.memory_format)
        self.D = discriminator.to(device, memory_format=data.memory_format)
        self.ema = EmaModel(self.G, config.ema_decay)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr_generator, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr_discriminator, betas=betas)
        self.D_step_module: nn.Module = self.D  # what the D step calls: D itself, or D with DP-SGD hooks
        self.private: PrivateDiscriminator | None = None
        if privacy is not None:
            self.private = make_private_discriminator(
                discriminator=self.D,
                optimizer=self.opt_d,
                num_records=len(data.real_data[0]),
                batch_size=config.batch_size,
                planned_steps=config.steps * self.d_steps,
                config=privacy.config,
                ledger=privacy.ledger,
                seed=seed,
                public=privacy.public,
                steps_per_update=self.d_steps,
            )
            self.D_step_module, self.opt_d = self.private.module, self.private.optimizer
        self.rng = {
            name: torch.Generator().manual_seed(seed * 1000 + i)
            for i, name in enumerate(("data", "latent", "augment", "penalty", "generator_noise"))
        }
        if hasattr(self.G, "noise"):  # a generator that samples noise internally (Gumbel) draws it from here
            self.G.noise = self.rng["generator_noise"]
        augmentation = config.augmentation if data.supports_augmentation else "off"
        self.augment = DifferentiableAugment(
            config.augment_ops if data.supports_augmentation else [],
            p={"off": 0.0, "on": 1.0, "adaptive": 0.0}[augmentation],
            generator=self.rng["augment"],
        )
        self.ada = (
            AdaptiveProbability(
                target=config.ada_target,
                interval=config.ada_interval,
                kimg=config.ada_kimg,
                batch_size=config.batch_size,
            )
            if augmentation == "adaptive"
            else None
        )
        self.lecam = LeCamRegulariser() if config.lecam_weight > 0 else None
        self.detectors = build_detectors(config.detectors)
        self.group_size = discriminator.group_size(config.batch_size)  # groups never mix real and fake
        self.pack = getattr(discriminator, "pac", 1)  # PacGAN: rows judged together by the critic
        self.use_bf16 = device.type == "cuda" and config.mixed_precision
        self.workdir = workdir
        self.metrics = MetricsLog(workdir / METRICS_FILE)
        self.step, self.elapsed = 0, 0.0
        self.findings: list[Finding] = []
        self.clock = clock  # seconds; injectable so that the time estimate can be tested
        self.estimate: TimeEstimate | None = None

    # ---- the loop -------------------------------------------------------------------------
    def train(self, *, on_step: Callable[[int], None] | None = None, later_steps: int = 0) -> TrainingResult:
        cfg = self.config
        bank_z, bank_y = self.latent_bank()
        probe = DiversityProbe(*self.data.real_data, self.num_classes, features=self.data.features)
        stop_reason, started = "completed", self.clock() - self.elapsed
        timer = StepTimer(
            first_step=self.step, total_steps=cfg.steps, elapsed_seconds=self.elapsed, later_steps=later_steps
        )
        with self._progress() as progress:
            task = progress.add_task("training", total=cfg.steps, completed=self.step, stats="")
            while self.step < cfg.steps:
                if self.private is not None and not self.private.can_take(self.d_steps):
                    stop_reason = "privacy_budget"  # the next G step's D steps would exceed the budget
                    log.warning(
                        "step %d: stopping, the next %d DP-SGD steps would exceed epsilon %g",
                        self.step,
                        self.d_steps,
                        self.private.config.target_epsilon,
                    )
                    break
                step_started = self.clock()
                for _ in range(self.d_steps):
                    d_stats = self._discriminator_step()
                g_stats = self._generator_step()
                self.ema.update(self.G, self.step)
                self.step += 1
                now = self.clock()
                self.elapsed = now - started
                self._estimate(timer.observe(self.step, now, self.elapsed))
                record = {
                    Metric.STEP: self.step,
                    **g_stats,
                    **d_stats,
                    Metric.AUGMENT_P: self.augment.p,
                    Metric.LR_G: self.opt_g.param_groups[0]["lr"],
                    Metric.LR_D: self.opt_d.param_groups[0]["lr"],
                    Metric.WALL_TIME: round(self.elapsed, 4),
                    Metric.SAMPLES_PER_S: cfg.batch_size * self.d_steps / max(now - step_started, 1e-9),
                }
                self._stop_if_not_finite(record)
                if self.private is not None:
                    record[Metric.DP_STEPS] = self.private.steps_taken
                    if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                        record[Metric.EPSILON] = round(self.private.epsilon(), 4)
                if self.step % cfg.detectors.check_every == 0:
                    record.update(self._diversity(probe))
                stop = self._run_detectors(record)
                self.metrics.append(record)
                if self.step % cfg.grid_every == 0 or self.step == cfg.steps or stop:
                    self.render_grid(bank_z, bank_y)
                if self.step % cfg.checkpoint_every == 0 or self.step == cfg.steps or stop:
                    self.save()
                if self.step % cfg.log_every == 0:
                    log.info(
                        "step %d/%d  loss_d %.3f  loss_g %.3f  D acc %.2f  r_t %.2f  p %.2f  ETA %s",
                        self.step,
                        cfg.steps,
                        record[Metric.LOSS_D],
                        record[Metric.LOSS_G],
                        record[Metric.D_ACCURACY],
                        record[Metric.R_T],
                        record[Metric.AUGMENT_P],
                        format_duration(self._remaining_seconds(timer)),
                    )
                progress.update(
                    task,
                    completed=self.step,
                    stats=(
                        f"D {record[Metric.LOSS_D]:.3f} G {record[Metric.LOSS_G]:.3f} "
                        f"r_t {record[Metric.R_T]:.2f} p {record[Metric.AUGMENT_P]:.2f}"
                    ),
                )
                if on_step is not None:
                    on_step(self.step)
                if stop:
                    stop_reason = stop
                    break
        if self.private is not None and stop_reason == "privacy_budget":
            self.save()  # the checkpoint holds the steps actually taken
        seen = self.step * cfg.batch_size * self.d_steps
        statement = None
        if self.private is not None:
            statement = privacy_statement(self.private, stop_reason=stop_reason)
            log.info("privacy spent: epsilon %.3f at delta %g", statement["epsilon"], statement["delta"])
        estimated = round(self.estimate.total_seconds, 1) if self.estimate is not None else None
        return TrainingResult(
            self.step,
            stop_reason,
            self.elapsed,
            seen / max(self.elapsed, 1e-9),
            self.findings,
            statement,
            estimated,
        )

    def _estimate(self, estimate: TimeEstimate | None) -> None:
        """Log the time estimate once it is known, and refuse a CPU job over its time limit."""
        if estimate is None:
            return
        self.estimate = estimate
        log.info("%s", estimate.describe(self.config.steps, self.device.type))
        if self.device.type == "cpu":
            check_cpu_budget(estimate, total_steps=self.config.steps, max_minutes=self.config.max_cpu_minutes)

    def _remaining_seconds(self, timer: StepTimer) -> float:
        """Seconds left at the pace of this session's steps so far."""
        done = self.step - timer.first_step
        session = self.elapsed - timer.elapsed_seconds
        return session / max(done, 1) * (self.config.steps - self.step)

    # ---- one discriminator update: real and fake halves in one forward/backward --------------
    def _discriminator_step(self) -> dict[str, float]:
        cfg, n_fake = self.config, self.config.batch_size
        if self.private is None:
            x_real, _, c_real = self.data.real_batch(n_fake, self.rng["data"])
        else:  # Poisson sample: each record independently, so the batch size varies (maybe 0)
            x_real, _, c_real = self.data.real_rows(self.private.next_batch(), self.rng["data"])
        n = len(x_real)
        z = self._noise(n_fake)
        _, c_fake = self.data.fake_conditions(n_fake, self.rng["latent"])
        with torch.no_grad(), self._autocast():
            x_fake = self.G(z, c_fake).float()
        real_in, fake_in = self.augment(x_real), self.augment(x_fake)
        if cfg.r1_gamma > 0:
            real_in = real_in.detach().requires_grad_(True)
        # before the forward pass: expanded weights (DP-SGD) refuse to run while the last step's
        # per-sample gradients are still there
        self.opt_d.zero_grad(set_to_none=True)
        with self._autocast():
            logits, _ = self.D_step_module(
                torch.cat([real_in, fake_in]), torch.cat([c_real, c_fake]), group_size=self.group_size
            )
        real, fake = logits.float()[:n], logits.float()[n:]
        real_terms, fake_terms = self.loss.d_terms(real, fake)
        loss = (real_terms.mean() if n else 0.0) + fake_terms.mean()
        if self.lecam is not None:
            loss = loss + cfg.lecam_weight * self.lecam(real, fake)
        if cfg.r1_gamma > 0:
            loss = loss + cfg.r1_gamma / 2 * r1_penalty(real, real_in, group=self.pack)
        if self.loss.gradient_penalty > 0:

            def critic(x: torch.Tensor) -> torch.Tensor:
                return self.D(x, c_real, group_size=self.group_size)[0].float()

            loss = loss + self.loss.gradient_penalty * gradient_penalty(
                critic, real_in, fake_in, self.rng["penalty"], group=self.pack
            )
        if self.private is None:
            loss.backward()
            grad_norm = self._clip(self.D)
            self.opt_d.step()
        else:
            # per-sample terms: each sample's gradient is its own and is clipped (by the DP
            # optimizer, or inside the backward pass under ghost clipping); the optimizer adds
            # noise and divides by the expected sample count
            self.private.backward(torch.cat([real_terms, fake_terms]))
            self.opt_d.step()
            self.private.record_step()
            # of the clipped, noised update
            grad_norm = float(torch.nn.utils.get_total_norm([p.grad for p in self.D.parameters()]))
        real, fake = real.detach(), fake.detach()
        if self.ada is not None:
            self.ada.observe(real)
            self.augment.p = self.ada.p
        fake_right = (fake < 0).float().mean()
        real_right = (real > 0).float().mean() if n else fake_right
        stats = {
            Metric.LOSS_D: float(loss.detach()),
            Metric.D_REAL: float(real.mean()) if n else float("nan"),
            Metric.D_FAKE: float(fake.mean()),
            Metric.D_ACCURACY: float(0.5 * (real_right + fake_right)),
            Metric.GRAD_NORM_D: grad_norm,
            Metric.R_T: float(torch.sign(real).mean()) if n else 0.0,
        }
        if self.private is not None:
            stats[Metric.REAL_IN_BATCH] = n
        return stats

    # ---- one generator update ----------------------------------------------------------------
    def _generator_step(self) -> dict[str, float]:
        cfg = self.config
        seeking = cfg.mode_seeking_weight or 0.0
        z = self._noise(cfg.batch_size)
        if seeking > 0:  # the second half repeats the first half's conditions with other latents
            _, first = self.data.fake_conditions((cfg.batch_size + 1) // 2, self.rng["latent"])
            condition = torch.cat([first, first])[: cfg.batch_size]
        else:
            _, condition = self.data.fake_conditions(cfg.batch_size, self.rng["latent"])
        self.D.requires_grad_(False)
        # no per-sample gradients for D in the G step
        with self.private.outside_d_step() if self.private is not None else contextlib.nullcontext():
            with self._autocast():
                fake = self.G(z, condition)
                logits, fake_features = self.D(self.augment(fake), condition, group_size=self.group_size)
            loss = self.loss.g_loss(logits.float())
            extra = self.data.generator_extra_loss(fake.float(), condition)
            if extra is not None:
                loss = loss + extra
            if seeking > 0:
                loss = loss + seeking * mode_seeking(fake.float(), z)
            if cfg.feature_matching_weight > 0:
                x_real, _, c_real = self.data.real_batch(cfg.batch_size, self.rng["data"])
                with torch.no_grad(), self._autocast():
                    _, real_features = self.D(self.augment(x_real), c_real, group_size=self.group_size)
                loss = loss + cfg.feature_matching_weight * feature_matching(
                    real_features.float(), fake_features.float()
                )
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        self.D.requires_grad_(True)
        grad_norm = self._clip(self.G)
        self.opt_g.step()
        return {Metric.LOSS_G: float(loss.detach()), Metric.GRAD_NORM_G: grad_norm}

    # ---- helpers ------------------------------------------------------------------------------
    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, generator=self.rng["latent"]).to(self.device)

    def _clip(self, model: nn.Module) -> float:
        limit = self.config.grad_clip_norm or float("inf")
        return float(torch.nn.utils.clip_grad_norm_(model.parameters(), limit))

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.use_bf16:
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _stop_if_not_finite(self, record: dict[str, Any]) -> None:
        bad = [
            k
            for k in (Metric.LOSS_D, Metric.LOSS_G, Metric.GRAD_NORM_D, Metric.GRAD_NORM_G)
            if not math.isfinite(record[k])
        ]
        if bad:
            self.metrics.append({**record, Metric.WARNINGS: [f"non_finite: {', '.join(bad)}"]})
            raise TrainingStopped(
                f"training diverged at step {self.step}: {', '.join(bad)} became non-finite",
                where=str(self.workdir),
                hint="Lower training.lr_discriminator / lr_generator, set training.grad_clip_norm, or "
                "use training.loss: hinge. The metrics up to this step are in the run directory.",
            )

    @torch.no_grad()
    def _diversity(self, probe: DiversityProbe) -> dict[str, Any]:
        generator = torch.Generator().manual_seed(self.seed * 7919 + self.step)
        y = torch.arange(self.num_classes).repeat_interleave(DIVERSITY_SAMPLES_PER_CLASS)
        z = torch.randn(len(y), self.config.z_dim, generator=generator)
        samples = self.ema.model(z.to(self.device), self.data.class_condition(y)).float()
        ratios = probe.ratios(samples, y)
        finite = [(r, k) for k, r in enumerate(ratios) if math.isfinite(r)]
        worst, worst_class = min(finite) if finite else (float("nan"), -1)
        return {
            Metric.DIVERSITY_RATIOS: [round(r, 4) for r in ratios],
            Metric.DIVERSITY_MIN_RATIO: worst,
            Metric.DIVERSITY_MIN_CLASS: worst_class,
        }

    def _run_detectors(self, record: dict[str, Any]) -> str | None:
        stop = None
        for detector in self.detectors:
            detector.observe(record)
            if self.step % self.config.detectors.check_every:
                continue
            finding = detector.check(self.step)
            if finding is None:
                continue
            self.findings.append(finding)
            record.setdefault(Metric.WARNINGS, []).append(f"{finding.detector}: {finding.message}")
            log.warning("step %d: %s", self.step, finding.message)
            if finding.detector in self.config.detectors.stop_on:
                stop = stop or finding.detector
        return stop

    def latent_bank(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Fixed z for every class (seeded by the run seed): the same grid cells across training."""
        shown = min(self.num_classes, MAX_GRID_CLASSES)
        generator = torch.Generator().manual_seed(self.seed + 104729)
        y = torch.arange(shown).repeat_interleave(BANK_PER_CLASS)
        return torch.randn(len(y), self.config.z_dim, generator=generator), y

    @torch.no_grad()
    def render_grid(self, z: torch.Tensor, y: torch.Tensor) -> Path:
        """EMA generator on the latent bank, one row per class; returns the file written."""
        samples = self.ema.model(z.to(self.device), self.data.class_condition(y)).float()
        path = self.workdir / GRID_DIR / f"step_{self.step:06d}"
        return self.data.render(samples, y, path, BANK_PER_CLASS)

    def _progress(self) -> Progress:
        return Progress(
            TextColumn("step {task.completed}/{task.total}"),
            BarColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            disable=not sys.stderr.isatty(),
            transient=False,
        )
