"""Arrow record batches -> canonical tabular :class:`~pipeline.dataset.Dataset`.

CSV and Parquet sources both stream record batches into :class:`TableAssembler`, which fills
pre-allocated NumPy arrays (numeric columns) or integer codes (text columns), so peak memory
stays near the size of the final frame plus one batch. Text columns are classified at the end:
all values numeric -> a numeric column; mostly numeric with some text -> an error naming the
row; otherwise categorical.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthaug.pipeline.errors import UserInputError, suggest
from synthaug.pipeline.schema import ColumnSchema, TabularSchema

NUMBER_PATTERN = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
INTEGER_PATTERN = re.compile(r"^\s*[-+]?\d+\s*$")
MOSTLY_NUMERIC = 0.5  # above this share of numeric-looking values, stray text is an error
DECIMAL_COMMA_PATTERN = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_INT64_MAX = np.iinfo(np.int64).max

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColumnRules:
    """The user's say over columns (from :class:`~pipeline.config.DatasetConfig`)."""

    target: str | None
    numeric: frozenset[str] = frozenset()
    categorical: frozenset[str] = frozenset()
    drop: frozenset[str] = frozenset()
    max_columns: int | None = None


RowLabel = Callable[[int], str]  # 0-based data row -> text naming it in the file


def default_row_label(index: int) -> str:
    return f"row {index + 1}"


class _NumericColumn:
    """A column Arrow already types as numbers."""

    def __init__(self, name: str, n_rows: int, arrow_type: pa.DataType):
        self.name = name
        self.integer = pa.types.is_integer(arrow_type)
        self.values = np.empty(n_rows, dtype=np.int64 if self.integer else np.float64)
        self.n_missing = 0

    def add(self, array: pa.Array, start: int, row_label: RowLabel) -> None:
        stop = start + len(array)
        if array.null_count and self.values.dtype == np.int64:
            self.values = self.values.astype(np.float64)  # ints with gaps are held as floats
        chunk = array.to_numpy(zero_copy_only=False)
        if chunk.dtype == np.uint64 and self.values.dtype == np.int64 and chunk.max(initial=0) > _INT64_MAX:
            log.warning(
                "column '%s' holds unsigned integers above %d (%s in %s); held as floats, which keep "
                "about 16 significant digits",
                self.name,
                _INT64_MAX,
                int(chunk.max()),
                row_label(start + int(np.argmax(chunk))),
            )
            self.values = self.values.astype(np.float64)
            self.integer = False
        if chunk.dtype.kind == "f":
            bad = np.isinf(chunk)
            if bad.any():
                row = start + int(np.flatnonzero(bad)[0])
                raise UserInputError(
                    f"column '{self.name}' has an infinite value in {row_label(row)}",
                    hint="Replace it with a finite number or leave the cell empty (missing).",
                )
            self.n_missing += int(np.isnan(chunk).sum())
        self.values[start:stop] = chunk

    def finish(self) -> tuple[np.ndarray, ColumnSchema]:
        finite = self.values[~np.isnan(self.values)] if self.values.dtype.kind == "f" else self.values
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (None, None)
        return self.values, ColumnSchema(
            self.name, "numeric", integer=self.integer, n_missing=self.n_missing, minimum=lo, maximum=hi
        )


@dataclass
class _TextColumn:
    """A text (or bool / dictionary) column, stored as codes into a growing list of values."""

    name: str
    n_rows: int
    codes: np.ndarray = field(init=False)
    values: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    numeric_flags: list[bool] = field(default_factory=list)
    first_text_row: tuple[int, str] | None = None
    first_number_row: int | None = None

    def __post_init__(self) -> None:
        self.codes = np.empty(self.n_rows, dtype=np.int32)

    def add(self, array: pa.Array, start: int, row_label: RowLabel) -> None:
        if pa.types.is_floating(array.type):  # NaN is a missing value, not the text 'nan'
            array = pc.if_else(pc.is_nan(array), pa.scalar(None, array.type), array)
        if pa.types.is_boolean(array.type) or not (
            pa.types.is_string(array.type)
            or pa.types.is_large_string(array.type)
            or pa.types.is_dictionary(array.type)
        ):
            array = pc.cast(array, pa.string())
        encoded = array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)
        local_values = encoded.dictionary.to_pylist()
        remap = np.array([self._code(str(v)) for v in local_values] + [-1], dtype=np.int32)
        local = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        codes = remap[local]  # -1 (missing) indexes the appended -1
        self.codes[start : start + len(codes)] = codes
        flags = np.array([*self.numeric_flags, True], dtype=bool)
        present = codes >= 0
        if self.first_text_row is None:
            text_rows = np.flatnonzero(present & ~flags[codes])
            if text_rows.size:
                row = int(text_rows[0])
                self.first_text_row = (start + row, self.values[codes[row]])
        if self.first_number_row is None:
            number_rows = np.flatnonzero(present & flags[codes])
            if number_rows.size:
                self.first_number_row = start + int(number_rows[0])

    def _code(self, value: str) -> int:
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.values)
            self.values.append(value)
            self.numeric_flags.append(bool(NUMBER_PATTERN.match(value)))
        return code

    def share_numeric(self) -> float:
        present = self.codes[self.codes >= 0]
        if present.size == 0:
            return 0.0
        return float(np.asarray(self.numeric_flags, dtype=bool)[present].mean())

    def finish(self, as_numeric: bool, row_label: RowLabel) -> tuple[Any, ColumnSchema]:
        n_missing = int((self.codes < 0).sum())
        if as_numeric:
            if self.first_text_row is not None:
                row, value = self.first_text_row
                raise UserInputError(
                    f"column '{self.name}' holds numbers but {row_label(row)} contains the text {value!r}",
                    hint=f"Fix or blank that cell, or list '{self.name}' under "
                    "dataset.categorical_columns if the column is really categorical.",
                )
            integer = all(INTEGER_PATTERN.match(v) for v in self.values)
            lookup = np.array([float(v) for v in self.values] + [np.nan], dtype=np.float64)
            numbers = lookup[self.codes]
            infinite = np.flatnonzero(np.isinf(numbers))
            if infinite.size:
                value = self.values[self.codes[infinite[0]]]
                more = f" and {infinite.size - 1} other rows" if infinite.size > 1 else ""
                raise UserInputError(
                    f"column '{self.name}' has a value too large for a 64-bit float ({value!r}, read as "
                    f"infinity) in {row_label(int(infinite[0]))}{more}",
                    hint="Replace it with a finite number or leave the cell empty (missing).",
                )
            if integer and n_missing == 0:
                numbers = numbers.astype(np.int64)
            finite = numbers[~np.isnan(numbers)] if numbers.dtype.kind == "f" else numbers
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (None, None)
            return numbers, ColumnSchema(
                self.name, "numeric", integer=integer, n_missing=n_missing, minimum=lo, maximum=hi
            )
        order = sorted(range(len(self.values)), key=lambda i: _natural_key(self.values[i]))
        categories = [self.values[i] for i in order]
        new_code = np.empty(len(order) + 1, dtype=np.int32)
        new_code[order] = np.arange(len(order), dtype=np.int32)
        new_code[-1] = -1
        codes = new_code[self.codes]
        series = pd.Categorical.from_codes(codes, categories=categories)
        return series, ColumnSchema(
            self.name, "categorical", n_missing=n_missing, categories=tuple(categories)
        )


def _warn_decimal_commas(column: _TextColumn) -> None:
    if column.values and all(DECIMAL_COMMA_PATTERN.match(v) for v in column.values):
        log.warning(
            "column '%s' looks like numbers written with decimal commas (e.g. %r) and is read as "
            "categorical; re-save the file with decimal points, or list the column under "
            "dataset.categorical_columns to keep it categorical on purpose",
            column.name,
            column.values[0],
        )


def _natural_key(value: str) -> tuple[int, float, str]:
    return (0, float(value), "") if NUMBER_PATTERN.match(value) else (1, 0.0, value)


class TableAssembler:
    """Collects record batches of a known total row count into the canonical dataset parts."""

    def __init__(
        self,
        arrow_schema: pa.Schema,
        n_rows: int,
        rules: ColumnRules,
        *,
        where: str,
        row_label: RowLabel = default_row_label,
        require_target: bool = True,
    ):
        self.where = where
        self.row_label = row_label
        self.rules = rules
        self.n_rows = n_rows
        names = list(arrow_schema.names)
        check_column_names(names, where=where)
        _check_rule_columns(rules, names, where=where)
        kept = [n for n in names if n not in rules.drop and n != rules.target]
        if rules.max_columns is not None and len(kept) > rules.max_columns:
            raise UserInputError(
                f"the table has {len(kept):,} feature columns, more than dataset.max_columns "
                f"({rules.max_columns:,})",
                where=where,
                hint="List the columns you do not need under dataset.drop_columns, or raise "
                f"dataset.max_columns (--set dataset.max_columns={len(kept)}) if you mean to model them all.",
            )
        if rules.target is None and require_target:
            raise UserInputError(
                "tabular data needs a target (class) column",
                where=where,
                hint=f"Set dataset.target to one of: {', '.join(names[:12])}.",
            )
        self.target = rules.target
        self.columns: dict[str, _NumericColumn | _TextColumn] = {}
        for arrow_field in arrow_schema:
            if arrow_field.name in rules.drop:
                continue
            self.columns[arrow_field.name] = self._column_for(arrow_field)
        self.filled = 0

    def _column_for(self, arrow_field: pa.Field) -> _NumericColumn | _TextColumn:
        t = arrow_field.type
        name = arrow_field.name
        numeric_type = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
        if numeric_type and name != self.target and name not in self.rules.categorical:
            return _NumericColumn(name, self.n_rows, pa.float64() if pa.types.is_decimal(t) else t)
        if numeric_type or pa.types.is_boolean(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
            return _TextColumn(name, self.n_rows)
        if pa.types.is_dictionary(t) and (
            pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
        ):
            return _TextColumn(name, self.n_rows)
        raise UserInputError(
            f"column '{name}' has type {t}, which synthaug cannot model",
            where=self.where,
            hint=f"Convert it to numbers or text, or list '{name}' under dataset.drop_columns.",
        )

    def add(self, batch: pa.RecordBatch) -> None:
        if self.filled + batch.num_rows > self.n_rows:
            raise ValueError("more rows than announced")
        for name, column in self.columns.items():
            array = batch.column(name)
            if pa.types.is_decimal(array.type):
                array = pc.cast(array, pa.float64())
            try:
                column.add(array, self.filled, self.row_label)
            except UserInputError as exc:
                raise UserInputError(exc.message, where=self.where, hint=exc.hint) from None
        self.filled += batch.num_rows

    def finish(self) -> tuple[pd.DataFrame, np.ndarray, tuple[str, ...], TabularSchema]:
        """Features frame, labels, class names (empty without a target), schema."""
        if self.filled != self.n_rows:
            raise ValueError(f"announced {self.n_rows} rows, got {self.filled}")
        if self.n_rows == 0:
            raise UserInputError(
                "the table has a header but no data rows",
                where=self.where,
                hint="Add data rows, or point dataset.source at the right file.",
            )
        features: dict[str, Any] = {}
        schemas: list[ColumnSchema] = []
        labels, classes, target_dtype = None, (), "object"
        for name, column in self.columns.items():
            if name == self.target:
                labels, classes, target_dtype = self._labels(column)
                continue
            try:
                if isinstance(column, _NumericColumn):
                    values, schema = column.finish()
                else:
                    as_numeric = self._as_numeric(column)
                    if not as_numeric and name not in self.rules.categorical:
                        _warn_decimal_commas(column)
                    values, schema = column.finish(as_numeric, self.row_label)
            except UserInputError as exc:
                raise UserInputError(exc.message, where=self.where, hint=exc.hint) from None
            if schema.n_missing == self.n_rows:
                raise UserInputError(
                    f"column '{name}' has no values at all (every cell is missing)",
                    where=self.where,
                    hint=f"Fill it, or list '{name}' under dataset.drop_columns.",
                )
            features[name] = values
            schemas.append(schema)
            self.columns[name] = None  # type: ignore[assignment]  # free as we go
        if not features:
            raise UserInputError("the table has no feature columns besides the target", where=self.where)
        frame = pd.DataFrame(features, copy=False)
        if labels is None:  # read without a target (inspect): no classes
            labels = np.zeros(self.n_rows, dtype=np.int64)
        schema = TabularSchema(tuple(schemas), target=self.target or "", target_dtype=target_dtype)
        return frame, labels, classes, schema

    def _as_numeric(self, column: _TextColumn) -> bool:
        if column.name in self.rules.categorical:
            return False
        if column.name in self.rules.numeric:
            return True
        if column.first_number_row is None:
            return False
        return column.first_text_row is None or column.share_numeric() > MOSTLY_NUMERIC

    def _labels(self, column: _NumericColumn | _TextColumn) -> tuple[np.ndarray, tuple[str, ...], str]:
        assert isinstance(column, _TextColumn)
        missing = np.flatnonzero(column.codes < 0)
        if missing.size:
            raise UserInputError(
                f"target column '{column.name}' is missing in {self.row_label(int(missing[0]))}"
                + (f" and {missing.size - 1} other rows" if missing.size > 1 else ""),
                where=self.where,
                hint="Every row needs a class: fill those cells or remove those rows.",
            )
        categorical, _ = column.finish(as_numeric=False, row_label=self.row_label)
        all_numbers = all(column.numeric_flags)
        dtype = (
            "int64"
            if all_numbers and all(INTEGER_PATTERN.match(v) for v in column.values)
            else ("float64" if all_numbers else "string")
        )
        return (
            np.asarray(categorical.codes, dtype=np.int64),
            tuple(str(c) for c in categorical.categories),
            dtype,
        )


def check_column_names(names: list[str], *, where: str) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in seen:
            raise UserInputError(
                f"column name '{name}' appears twice (columns {seen[name] + 1} and {position + 1})",
                where=where,
                hint="Rename one of them so every column has a unique name.",
            )
        seen[name] = position
    blank = [i + 1 for i, n in enumerate(names) if not str(n).strip()]
    if blank:
        raise UserInputError(
            f"column {blank[0]} has an empty name",
            where=where,
            hint="Give every column a name in the header row.",
        )


def _check_rule_columns(rules: ColumnRules, names: list[str], *, where: str) -> None:
    if rules.target is not None and rules.target not in names:
        raise UserInputError(
            f"target column '{rules.target}' is not in the data",
            where=where,
            hint=suggest(rules.target, names) + " Set dataset.target to the class column.",
        )
    for label, listed in (
        ("numeric_columns", rules.numeric),
        ("categorical_columns", rules.categorical),
        ("drop_columns", rules.drop),
    ):
        for name in sorted(listed):
            if name not in names:
                raise UserInputError(
                    f"dataset.{label} names column '{name}', which is not in the data",
                    where=where,
                    hint=suggest(name, names),
                )
    if rules.target is not None and rules.target in rules.drop:
        raise UserInputError(
            f"the target column '{rules.target}' is also listed in dataset.drop_columns", where=where
        )


def assemble(
    batches: Iterable[pa.RecordBatch],
    arrow_schema: pa.Schema,
    n_rows: int,
    rules: ColumnRules,
    *,
    where: str,
    row_label: RowLabel = default_row_label,
    require_target: bool = True,
) -> tuple[pd.DataFrame, np.ndarray, tuple[str, ...], TabularSchema]:
    assembler = TableAssembler(
        arrow_schema, n_rows, rules, where=where, row_label=row_label, require_target=require_target
    )
    for batch in batches:
        assembler.add(batch)
    return assembler.finish()
