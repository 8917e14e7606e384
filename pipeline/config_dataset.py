"""The ``dataset`` section of the config: where the data comes from and how CSV files and images are
read (``dataset.csv``, ``dataset.image``), and ``ConfigSection``, the base of every config section.

:mod:`pipeline.config` is the entry to the config and re-exports every name defined here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BUNDLED_PREFIX = "bundled:"
BUNDLED_DATASETS = ("digits", "breast_cancer")
TABULAR_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq")
IMAGE_SUFFIXES = (".npz",)

DatasetKind = Literal["tabular", "image"]


# The base of every config section (config.py and config_training.py build on it too).
class ConfigSection(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class CsvOptions(ConfigSection):
    """How to read a CSV file; ``None`` means sniff it from the file."""

    delimiter: str | None = Field(None, description="Field separator; sniffed from ',;\\t|' when unset.")
    encoding: str | None = Field(
        None, description="Text encoding; UTF-8 (with or without BOM) or UTF-16 with BOM when unset."
    )
    header: bool = Field(True, description="Whether the first row holds the column names.")
    column_names: list[str] | None = Field(None, description="Names to use when header is false.")
    na_values: list[str] = Field(
        default_factory=lambda: ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"],
        description="Cell values read as missing.",
    )

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("must be a single character such as ',' or ';' (use '\\t' for tabs)")
        return value

    @model_validator(mode="after")
    def _names_need_headerless(self) -> CsvOptions:
        if self.column_names is not None and self.header:
            raise ValueError("column_names is only used with header: false")
        if not self.header and not self.column_names:
            raise ValueError("header: false needs column_names listing every column in order")
        return self


class ImageOptions(ConfigSection):
    """How images are brought to one shape. Policy: see :mod:`pipeline.sources.image_shape`."""

    size: Annotated[int, Field(ge=8, le=128)] | None = Field(
        None, description="Square side in pixels; unset keeps the source size (all images must share it)."
    )
    resize: Literal["center-crop", "pad", "stretch"] = Field(
        "center-crop",
        description="center-crop: scale the short side to size, crop the centre; pad: scale the long "
        "side to size, pad with black; stretch: scale both sides independently.",
    )
    channels: Literal["auto", 1, 3] = Field(
        "auto", description="auto: all images must share a channel count; 1 or 3 converts every image."
    )
    max_pixels: Annotated[int, Field(gt=0)] = Field(
        40_000_000, description="Images with more pixels are refused (decompression-bomb guard)."
    )


class DatasetConfig(ConfigSection):
    source: str = Field(
        ..., description="A path (CSV, Parquet, NPZ or a folder of class folders) or 'bundled:<name>'."
    )
    kind: DatasetKind | None = Field(None, description="tabular or image; inferred from the source.")
    target: str | None = Field(None, description="Class column (required for tabular data).")
    per_class: Annotated[int, Field(ge=2)] | None = Field(
        None, description="Scarce subsampling: keep at most this many training rows per class."
    )
    numeric_columns: list[str] = Field(default_factory=list, description="Force these columns numeric.")
    categorical_columns: list[str] = Field(
        default_factory=list, description="Force these columns categorical."
    )
    drop_columns: list[str] = Field(default_factory=list, description="Ignore these columns.")
    max_columns: Annotated[int, Field(ge=2)] = Field(
        1000,
        description="Refuse tables with more feature columns than this (the target and dropped "
        "columns not counted): each column gets its own encoding and a share of the GAN, so a very "
        "wide table takes minutes to set up.",
    )
    csv: CsvOptions = Field(default_factory=CsvOptions)
    image: ImageOptions = Field(default_factory=ImageOptions)

    @field_validator("source")
    @classmethod
    def _known_bundled(cls, value: str) -> str:
        if value.startswith(BUNDLED_PREFIX):
            name = value.removeprefix(BUNDLED_PREFIX)
            if name not in BUNDLED_DATASETS:
                known = ", ".join(BUNDLED_PREFIX + n for n in BUNDLED_DATASETS)
                raise ValueError(f"unknown bundled dataset {name!r}; known: {known}")
        elif not value.strip():
            raise ValueError("must name a file, a folder or a bundled dataset")
        return value

    @model_validator(mode="after")
    def _columns_not_forced_both_ways(self) -> DatasetConfig:
        both = sorted(set(self.numeric_columns) & set(self.categorical_columns))
        if both:
            raise ValueError(f"columns {both} are listed as both numeric and categorical")
        return self

    @property
    def is_bundled(self) -> bool:
        return self.source.startswith(BUNDLED_PREFIX)

    @property
    def bundled_name(self) -> str:
        return self.source.removeprefix(BUNDLED_PREFIX)

    def resolved_kind(self) -> DatasetKind:
        """The declared kind, or the one the source implies."""
        if self.kind is not None:
            return self.kind
        if self.is_bundled:
            return "image" if self.bundled_name == "digits" else "tabular"
        path = Path(self.source)
        suffix = path.suffix.lower()
        if suffix in TABULAR_SUFFIXES:
            return "tabular"
        if suffix in IMAGE_SUFFIXES or path.is_dir() or suffix == "":
            return "image"
        return "tabular"
