"""Measured privacy-utility curves, shipped with the package so that a private run's report can
show where the run sits among them.

``benchmarks/privacy_utility.py`` measures each curve: the GAN trained on a dataset's full
training split at epsilon 1, 3 and 10 and without privacy, then a standardised logistic
regression trained on synthetic samples only and scored on the held-out real rows (balanced
accuracy), beside the same classifier trained on the real rows. It writes the curve here, keyed
by the sha256 of the data, so a run on the same data finds its own curve whatever the data are
called or where they lie.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from synthaug.pipeline.atomic import write_json

REFERENCE_FILE = Path(__file__).with_name("utility_curves.json")


@dataclass(frozen=True)
class CurvePoint:
    epsilon: float | None  # None: the same training without privacy
    balanced_accuracy: float  # train on synthetic only, test on held-out real rows
    epsilon_spent: float | None = None


@dataclass(frozen=True)
class UtilityCurve:
    dataset: str
    sha256: str  # of the data, as the run manifest records it
    train_rows: int
    classifier: str
    real_only: float  # the same classifier trained on the real training rows
    points: tuple[CurvePoint, ...]
    measured_at: str
    seeds: int  # per point, each its own split and GAN; the points are their means
    result: str  # the benchmark result the curve came from, relative to the repository

    @property
    def private_points(self) -> tuple[CurvePoint, ...]:
        return tuple(sorted((p for p in self.points if p.epsilon is not None), key=lambda p: p.epsilon))

    @property
    def without_privacy(self) -> CurvePoint | None:
        return next((p for p in self.points if p.epsilon is None), None)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "points": [asdict(p) for p in self.points]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UtilityCurve:
        points = tuple(CurvePoint(**p) for p in data["points"])
        return cls(**{**data, "points": points})


def reference_curves(path: Path = REFERENCE_FILE) -> list[UtilityCurve]:
    """Every shipped curve, in the order measured; none if the file is absent."""
    if not path.is_file():
        return []
    return [UtilityCurve.from_dict(c) for c in json.loads(path.read_text(encoding="utf-8"))["curves"]]


def curve_for(sha256: str | None, curves: list[UtilityCurve]) -> UtilityCurve | None:
    return next((c for c in curves if sha256 and c.sha256 == sha256), None)


def record_curve(curve: UtilityCurve, path: Path = REFERENCE_FILE) -> None:
    """Add ``curve`` to the file, replacing an earlier curve of the same data (written atomically)."""
    kept = [c for c in reference_curves(path) if c.sha256 != curve.sha256]
    write_json(path, {"curves": [c.to_dict() for c in [*kept, curve]]})
