"""The privacy statement every export and report carries: what was spent, how, and what was public."""

from __future__ import annotations

from typing import Any

from synthaug.privacy.engine import PrivateDiscriminator

GUARANTEE = (
    "(epsilon, delta)-differential privacy with respect to adding or removing one training record, "
    "for the generator and everything generated from it. Real records reach training only through "
    "the releases listed (each composed in one accountant): the discriminator, trained with DP-SGD; "
    "for tables with categorical columns, noised per-class category counts; and, unless turned off, "
    "noised per-class mean samples (for images with each class's spread, which sets the per-class "
    "scale of the latent noise at sampling). The generator learns only from these, so it is "
    "post-processing of private mechanisms."
)
NOT_COVERED = (
    "The run directory itself is private: it holds the training data, and training diagnostics "
    "computed on real records (losses, D(real), diversity relative to real images) that are not "
    "noised. Neither is the verification: its scores come from classifiers trained and tested on "
    "real records, and the generators that choose the amount of synthetic data (one per selection "
    "fold, trained with the same DP-SGD settings) keep their samples in the run directory. The "
    "dataset card in the export repeats a few of those scores (and a human evaluation's, whose page "
    "shows real records): aggregate numbers outside epsilon. Share the exported synthetic data and "
    "the model, not the run directory."
)
NO_PRIVACY = "none"


def privacy_statement(private: PrivateDiscriminator, *, stop_reason: str) -> dict[str, Any]:
    """A JSON-ready statement of the whole budget of a private run."""
    plan, config, ledger = private.plan, private.config, private.ledger
    releases = [*ledger.releases, private.dp_sgd_release]
    return {
        "mechanism": "DP-SGD on the discriminator (Opacus), Poisson sampling",
        "epsilon": round(private.epsilon(), 4),
        "target_epsilon": config.target_epsilon,
        "delta": ledger.delta,
        "accountant": ledger.accountant,
        "noise_multiplier": round(plan.noise_multiplier, 6),
        "noise_multiplier_source": "calibrated to the target" if plan.calibrated else "configured",
        "sample_rate": round(plan.sample_rate, 6),
        "expected_real_batch": round(plan.expected_real_batch, 2),
        "fake_batch": plan.fake_batch,
        "steps": private.steps_taken,
        "planned_steps": plan.planned_steps,
        "max_steps_within_budget": plan.max_steps,
        "stop_reason": stop_reason,
        "max_grad_norm": config.max_grad_norm,
        "grad_sample_mode": private.grad_sample_mode,
        "secure_mode": config.secure_mode,
        "rng": private.rng_note,
        "releases": [
            {
                "name": r.name,
                "noise_multiplier": r.noise_multiplier,
                "sample_rate": r.sample_rate,
                "steps": r.steps,
            }
            for r in releases
        ],
        "public": list(private.public),
        "guarantee": GUARANTEE,
        "not_covered": NOT_COVERED,
    }
