"""Content checks on a canonical dataset, shared by every source."""

from __future__ import annotations

from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.errors import UserInputError

MIN_ROWS_PER_CLASS = 2  # one for the held-out test set, one for training


def validate_dataset(dataset: Dataset) -> dict[str, int]:
    """Class counts if the dataset can be split and learned from; a clear error otherwise."""
    where = dataset.source.uri
    counts = dataset.class_counts()
    if len(counts) < 2:
        only = next(iter(counts), None)
        what = f"only one class ('{only}', {counts[only]} rows)" if only is not None else "no classes"
        raise UserInputError(
            f"the data has {what}; class-conditional generation and the downstream classifier "
            "need at least two classes",
            where=where,
            hint="Check dataset.target, or add rows of the other classes.",
        )
    small = {name: n for name, n in counts.items() if n < MIN_ROWS_PER_CLASS}
    if small:
        listed = ", ".join(f"'{name}' ({n} row{'s' if n != 1 else ''})" for name, n in small.items())
        raise UserInputError(
            f"class{'es' if len(small) > 1 else ''} {listed} ha{'ve' if len(small) > 1 else 's'} fewer "
            f"than {MIN_ROWS_PER_CLASS} rows; every class needs one row for the held-out test set and one "
            "for training",
            where=where,
            hint="Add rows of that class, or remove its rows from the data.",
        )
    return counts
