"""What a GAN's ``fit`` hands the trainer to train privately: the settings, the ledger of what was
already released from the same data, and what was treated as public."""

from __future__ import annotations

from dataclasses import dataclass, field

from synthaug.pipeline.config import PrivacyConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.privacy.accounting import PrivacyLedger, default_delta


@dataclass
class PrivateTraining:
    config: PrivacyConfig
    ledger: PrivacyLedger
    public: list[str] = field(default_factory=list)  # what was used without spending budget

    @classmethod
    def start(cls, config: PrivacyConfig, *, num_records: int) -> PrivateTraining:
        """A fresh ledger at the configured (or default) delta, which must be below 1/N."""
        delta = config.delta if config.delta is not None else default_delta(num_records)
        if delta >= 1.0 / num_records:
            raise UserInputError(
                f"privacy.delta {delta:g} is not below 1/N = {1.0 / num_records:.3g} for the {num_records} "
                "training records: at that delta a mechanism may publish a whole record and still qualify",
                where="privacy.delta",
                hint=f"Leave privacy.delta unset (default {default_delta(num_records):g}) or set it below "
                f"{1.0 / num_records:.3g}.",
            )
        return cls(
            config,
            PrivacyLedger(config.accountant, delta),
            public=[
                f"the number of training records (N = {num_records}), used for the sampling rate and delta",
                "the set of class names",
            ],
        )
