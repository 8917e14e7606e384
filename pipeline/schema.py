"""What the columns (or images) of a dataset are: the schema every later step relies on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ColumnKind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class ColumnSchema:
    """One feature column of a table.

    ``integer`` marks numeric columns whose values are whole numbers (they are rounded back after
    generation); ``categories`` lists the observed values of a categorical column, in order.
    """

    name: str
    kind: ColumnKind
    integer: bool = False
    n_missing: int = 0
    categories: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class TabularSchema:
    columns: tuple[ColumnSchema, ...]
    target: str
    target_dtype: str = "object"

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSchema:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "tabular",
            "target": self.target,
            "target_dtype": self.target_dtype,
            "columns": [{**asdict(c), "categories": [_plain(v) for v in c.categories]} for c in self.columns],
        }


@dataclass(frozen=True)
class ImageSchema:
    height: int
    width: int
    channels: int
    resize_policy: str = "none"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "image", **asdict(self), "notes": list(self.notes)}


def _plain(value: Any) -> Any:
    """JSON-friendly form of a category value (numpy scalars become Python scalars)."""
    return value.item() if hasattr(value, "item") else value
