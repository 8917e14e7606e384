"""The table side of the shared trainer: conditions, training-by-sampling, features, snapshots.

A condition vector is [class one-hot (K) | one categorical value one-hot (all categorical slots)].
Training-by-sampling (CTGAN): pick a class uniformly, a categorical column uniformly, then a
value by log-frequency among that class's rows, and a real row having it. Real and generated
samples draw their conditions from the same sampler, so the critic cannot tell them apart by
condition, and rare categories are seen often enough to be learned. When sampling, the
categorical part follows each class's empirical frequencies instead.

Under privacy, real rows come from Poisson sampling instead (``real_rows``): a row's condition
is its class and, for one column picked at random, its own value. Generated samples draw the
class uniformly and the value from DP-noised per-class counts (privacy/counts.py); the counts
kept in the model are those noised ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from synthaug.models.gan_data import GanData
from synthaug.pipeline.atomic import atomic_path
from synthaug.pipeline.tabular_transform import CategoricalEncoding, TabularTransformer

EMPIRICAL_SEED = 7


class ConditionSampler:
    """Draws (class, categorical value) conditions; holds only per-class value counts and rows."""

    def __init__(self, num_classes: int, slot_offsets: list[int], slot_widths: list[int], counts: np.ndarray):
        # counts: (K, total categorical slots) rows of class k having each value (noised under DP)
        self.num_classes, self.slot_offsets, self.slot_widths = num_classes, slot_offsets, slot_widths
        self.counts = counts
        self.condition_dim = num_classes + int(sum(slot_widths))

    @classmethod
    def from_data(
        cls,
        codes: np.ndarray,
        labels: np.ndarray,
        num_classes: int,
        widths: list[int],
        counts: np.ndarray | None = None,
    ) -> ConditionSampler:
        """``codes``: (N, J) value index of each row in each categorical column; ``counts``, when
        given, replaces the exact per-class counts (the DP release)."""
        offsets = slot_offsets(widths)
        if counts is None:
            counts = np.zeros((num_classes, int(sum(widths))), dtype=np.int64)
            for j, offset in enumerate(offsets):
                np.add.at(counts, (labels, offset + codes[:, j]), 1)
        return cls(num_classes, offsets, list(widths), counts)

    def draw(self, uniforms: np.ndarray, *, log_frequency: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(class, column, slot) for each row of ``uniforms`` (n, 3) in [0, 1); column -1 if none."""
        n = len(uniforms)
        classes = np.minimum((uniforms[:, 0] * self.num_classes).astype(int), self.num_classes - 1)
        if not self.slot_widths:
            return classes, np.full(n, -1), np.full(n, -1)
        columns = np.minimum((uniforms[:, 1] * len(self.slot_widths)).astype(int), len(self.slot_widths) - 1)
        slots = np.empty(n, dtype=int)
        for i in range(n):
            offset, width = self.slot_offsets[columns[i]], self.slot_widths[columns[i]]
            weights = self.counts[classes[i], offset : offset + width].astype(float)
            weights = np.log1p(weights) if log_frequency else weights
            cdf = np.cumsum(weights) / weights.sum()
            slots[i] = offset + min(int(np.searchsorted(cdf, uniforms[i, 2], side="right")), width - 1)
        return classes, columns, slots

    def vectors(self, classes: np.ndarray, slots: np.ndarray) -> torch.Tensor:
        condition = torch.zeros(len(classes), self.condition_dim)
        condition[torch.arange(len(classes)), torch.as_tensor(classes)] = 1.0
        has_slot = slots >= 0
        if has_slot.any():
            rows = torch.as_tensor(np.flatnonzero(has_slot))
            condition[rows, self.num_classes + torch.as_tensor(slots[has_slot])] = 1.0
        return condition

    def for_classes(self, labels: np.ndarray, generator: torch.Generator) -> torch.Tensor:
        """Conditions asking for these classes, categorical part from each class's real frequencies."""
        uniforms = torch.rand(len(labels), 3, generator=generator).numpy()
        uniforms[:, 0] = (np.asarray(labels) + 0.5) / self.num_classes  # pin the class
        classes, _, slots = self.draw(uniforms, log_frequency=False)
        return self.vectors(classes, slots)

    def state_dict(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "slot_offsets": self.slot_offsets,
            "slot_widths": self.slot_widths,
            "counts": torch.as_tensor(self.counts),
        }

    @classmethod
    def from_state(cls, state: dict) -> ConditionSampler:
        return cls(
            int(state["num_classes"]),
            list(state["slot_offsets"]),
            list(state["slot_widths"]),
            state["counts"].numpy(),
        )


def slot_offsets(widths: list[int]) -> list[int]:
    return np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(int).tolist() if widths else []


def category_codes(encoded: np.ndarray, transformer: TabularTransformer) -> np.ndarray:
    """(N, J) value index of each encoded row in each categorical column."""
    row_offsets, widths = categorical_layout(transformer)
    if not widths:
        return np.zeros((len(encoded), 0), dtype=int)
    return np.stack(
        [encoded[:, o : o + w].argmax(axis=1) for o, w in zip(row_offsets, widths, strict=True)], axis=1
    )


def categorical_layout(transformer: TabularTransformer) -> tuple[list[int], list[int]]:
    """(offset in the encoded row, width) of every categorical column's one-hot group."""
    offsets, widths, position = [], [], 0
    for encoding in transformer.encodings_:
        if isinstance(encoding, CategoricalEncoding):
            offsets.append(position)
            widths.append(encoding.slots)
            position += encoding.slots
        else:
            position += 1 + encoding.slots  # scalar + mode one-hot
    return offsets, widths


class TabularData(GanData):
    """Encoded real rows (N, W) and labels; conditions from a :class:`ConditionSampler`."""

    def __init__(
        self,
        encoded: np.ndarray,
        labels: np.ndarray,
        num_classes: int,
        transformer: TabularTransformer,
        device: torch.device,
        *,
        private_counts: np.ndarray | None = None,
        class_means: np.ndarray | None = None,
        class_means_weight: float = 0.0,
        nearest_mean_weight: float = 0.0,
    ):
        self.x = torch.as_tensor(encoded, dtype=torch.float32)
        self.set_class_means(class_means, class_means_weight, nearest_mean_weight)  # (K, W) mean encoded rows
        self.labels = torch.as_tensor(labels, dtype=torch.long)
        self.num_classes, self.transformer, self.device = num_classes, transformer, device
        self.private = private_counts is not None
        row_offsets, widths = categorical_layout(transformer)
        codes = category_codes(encoded, transformer)
        self.codes = codes
        self.sampler = ConditionSampler.from_data(
            codes, np.asarray(labels), num_classes, widths, counts=private_counts
        )
        # condition slot -> position of that value in the encoded row (for the generator's extra loss)
        self.slot_to_row = torch.as_tensor(
            [o + v for o, w in zip(row_offsets, widths, strict=True) for v in range(w)], dtype=torch.long
        )
        # rows holding each (class, slot); rows of each class for tables without categorical columns
        self.rows_by_class_slot: dict[tuple[int, int], np.ndarray] = {}
        labels = np.asarray(labels)
        for j, offset in enumerate(self.sampler.slot_offsets):
            for k in range(num_classes):
                for value in range(widths[j]):
                    rows = np.flatnonzero((labels == k) & (codes[:, j] == value))
                    if len(rows):
                        self.rows_by_class_slot[(k, offset + value)] = rows
        self.rows_by_class = [np.flatnonzero(labels == k) for k in range(num_classes)]

    @property
    def condition_dim(self) -> int:
        return self.sampler.condition_dim

    def real_batch(
        self, n: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        uniforms = torch.rand(n, 4, generator=generator).numpy()
        classes, _, slots = self.sampler.draw(uniforms[:, :3], log_frequency=True)
        rows = np.empty(n, dtype=int)
        for i in range(n):
            pool = (
                self.rows_by_class_slot[(classes[i], slots[i])]
                if slots[i] >= 0
                else self.rows_by_class[classes[i]]
            )
            rows[i] = pool[min(int(uniforms[i, 3] * len(pool)), len(pool) - 1)]
        condition = self.sampler.vectors(classes, slots)
        return self.x[rows].to(self.device), self.labels[rows].to(self.device), condition.to(self.device)

    def real_rows(
        self, index: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rows = index.numpy()
        classes = self.labels.numpy()[rows]
        slots = np.full(len(rows), -1)
        widths = self.sampler.slot_widths
        if widths and len(rows):
            column = (torch.rand(len(rows), generator=generator).numpy() * len(widths)).astype(int)
            column = np.minimum(column, len(widths) - 1)
            offsets = np.asarray(self.sampler.slot_offsets)
            slots = offsets[column] + self.codes[rows, column]
        condition = self.sampler.vectors(classes, slots)
        return self.x[rows].to(self.device), self.labels[rows].to(self.device), condition.to(self.device)

    def fake_conditions(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        uniforms = torch.rand(n, 4, generator=generator).numpy()  # same draws as real_batch
        # training-by-sampling uses log-frequencies; under DP real rows carry their own values, so
        # generated ones follow the (noised) frequencies themselves
        classes, _, slots = self.sampler.draw(uniforms[:, :3], log_frequency=not self.private)
        return torch.as_tensor(classes).to(self.device), self.sampler.vectors(classes, slots).to(self.device)

    def class_condition(self, labels: torch.Tensor) -> torch.Tensor:
        generator = torch.Generator().manual_seed(EMPIRICAL_SEED)
        return self.sampler.for_classes(labels.cpu().numpy(), generator).to(self.device)

    def generator_extra_loss(self, fake: torch.Tensor, condition: torch.Tensor) -> torch.Tensor | None:
        """Cross-entropy making the generated row carry the conditioned categorical value; under
        privacy with released class means, plus their pull (gan_data.class_means_loss)."""
        losses = []
        if len(self.slot_to_row):
            slot = condition[:, self.num_classes :].argmax(dim=1)
            probability = fake.gather(1, self.slot_to_row.to(fake.device)[slot][:, None]).squeeze(1)
            losses.append(-torch.log(probability.clamp_min(1e-8)).mean())
        pull = self.class_means_term(fake, condition[:, : self.num_classes])
        if pull is not None:
            losses.append(pull)
        return sum(losses) if losses else None

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return x.float().cpu()

    @property
    def real_data(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x, self.labels

    def render(self, samples: torch.Tensor, labels: torch.Tensor, path: Path, per_class: int) -> Path:
        frame = self.transformer.inverse_transform(samples.float().cpu().numpy())
        frame.insert(0, "class_index", labels.cpu().numpy())
        target = path.with_suffix(".csv")
        with atomic_path(target) as tmp:
            pd.DataFrame(frame).to_csv(tmp, index=False)
        return target
