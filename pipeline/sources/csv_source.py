"""CSV ingestion: encoding and delimiter sniffing, header checks, row-level error messages.

Cells are read as text by pyarrow and typed by :mod:`pipeline.sources.table_assembly`, so a
number column with a stray word is reported with its row instead of silently becoming text.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from synthaug.pipeline.config import CsvOptions
from synthaug.pipeline.dataset import Dataset, SourceInfo
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.files import require_file, sha256_file
from synthaug.pipeline.sources.table_assembly import NUMBER_PATTERN, ColumnRules, assemble, check_column_names

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_csv(path: Path, options: CsvOptions, rules: ColumnRules, *, require_target: bool = True) -> Dataset:
    require_file(path, what="CSV file")
    encoding = options.encoding or detect_encoding(path)
    sample = _sample_text(path, encoding)
    if not sample.strip():
        raise UserInputError("CSV file holds only blank space", where=path)
    delimiter = options.delimiter or sniff_delimiter(sample, path)
    first_row = next(csv.reader(sample.splitlines()[:1], delimiter=delimiter), [])
    if options.header:
        names = [name.strip() for name in first_row]
        check_column_names(names, where=str(path))
        _refuse_numeric_header(names, path)
    else:
        names = list(options.column_names or [])
        if len(names) != len(first_row):
            raise UserInputError(
                f"dataset.csv.column_names lists {len(names)} names but the first row has "
                f"{len(first_row)} fields",
                where=path,
            )
        check_column_names(names, where=str(path))
    table = _read_table(path, encoding, delimiter, names, options)
    first_line = 2 if options.header else 1
    frame, labels, classes, schema = assemble(
        table.to_batches(),
        table.schema,
        table.num_rows,
        rules,
        where=str(path),
        row_label=lambda i: f"row {i + 1} (line {i + first_line})",
        require_target=require_target,
    )
    source = SourceInfo(
        uri=str(path),
        format="csv",
        sha256=sha256_file(path),
        details={"encoding": encoding, "delimiter": delimiter, "rows": table.num_rows},
    )
    return Dataset(frame, labels, classes, schema, source)


def detect_encoding(path: Path) -> str:
    """UTF-8 / UTF-16 by byte-order mark, else UTF-8 checked over the whole file."""
    with path.open("rb") as handle:
        head = handle.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, newlines = 0, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                at = offset + exc.start
                line = newlines + chunk[: exc.start].count(b"\n") + 1
                raise UserInputError(
                    f"the file is not UTF-8 text (byte 0x{chunk[exc.start]:02x} at offset {at}, line {line})",
                    where=path,
                    hint="Set dataset.csv.encoding to the file's encoding, e.g. 'latin-1' or 'cp1252', "
                    "or re-save the file as UTF-8.",
                ) from None
            offset += len(chunk)
            newlines += chunk.count(b"\n")
    return "utf-8"


def sniff_delimiter(sample: str, path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    lines = "\n".join(sample.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _sample_text(path: Path, encoding: str) -> str:
    with path.open("rb") as handle:
        raw = handle.read(SNIFF_BYTES)
    try:
        return raw.decode(encoding, errors="ignore")
    except LookupError:
        raise UserInputError(
            f"unknown text encoding {encoding!r}",
            where="dataset.csv.encoding",
            hint="Use a Python codec name such as 'utf-8', 'latin-1' or 'cp1252'.",
        ) from None


def _refuse_numeric_header(names: list[str], path: Path) -> None:
    if names and all(NUMBER_PATTERN.match(name) for name in names):
        shown = ", ".join(repr(n) for n in names[:4])
        raise UserInputError(
            f"the file seems to have no header row: the first row ({shown}, ...) is all numbers",
            where=path,
            hint="Add a header row with column names, or set dataset.csv.header: false and list "
            "dataset.csv.column_names.",
        )


def _read_table(path: Path, encoding: str, delimiter: str, names: list[str], options: CsvOptions) -> pa.Table:
    block_size = 1 << 20  # pyarrow's default; raised to the file's size when a cell is larger

    def attempt(use_threads: bool) -> tuple[pa.Table, list[tuple[int | None, int, int, str]]]:
        bad: list[tuple[int | None, int, int, str]] = []

        def on_invalid(row) -> str:
            bad.append((row.number, row.expected_columns, row.actual_columns, row.text))
            return "skip"

        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                use_threads=use_threads,
                block_size=block_size,
                column_names=None if options.header else names,
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                null_values=options.na_values,
            ),
        )
        return table, bad

    try:
        try:
            table, bad = attempt(use_threads=True)
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc):  # a cell (or row) larger than a read block
                raise
            block_size = max(block_size, min(path.stat().st_size + 1, 1 << 30))
            table, bad = attempt(use_threads=True)
        if bad:  # only the single-threaded reader knows line numbers
            table, bad = attempt(use_threads=False)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise UserInputError(
            f"could not parse the CSV file: {exc}",
            where=path,
            hint="Check the delimiter (dataset.csv.delimiter) and quoting.",
        ) from None
    if bad:
        number, expected, actual, text = bad[0]
        where_row = f"line {number}" if number is not None else f"the row {text[:40]!r}"
        more = f" ({len(bad) - 1} more such rows)" if len(bad) > 1 else ""
        raise UserInputError(
            f"ragged rows: {where_row} has {actual} fields but the header has {expected}{more}",
            where=path,
            hint="Fix those rows (quote fields that contain the delimiter), or set "
            "dataset.csv.delimiter if the separator was guessed wrong.",
        )
    return table
