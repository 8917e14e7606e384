import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources import load_dataset


def test_types_categories_and_provenance_metadata(tmp_path):
    path = tmp_path / "t.parquet"
    table = pa.table(
        {
            "n": pa.array([1, 2, None, 4], pa.int32()),
            "f": pa.array([0.5, 1.5, 2.5, None]),
            "c": pa.array(["x", "y", "x", None]).dictionary_encode(),
            "b": pa.array([True, False, True, True]),
            "label": pa.array([0, 1, 0, 1]),
        }
    ).replace_schema_metadata({"synthetic": "true", "run_id": "abc"})
    pq.write_table(table, path, row_group_size=2)
    data = load_dataset(DatasetConfig(source=str(path), target="label"))
    cols = {c.name: c for c in data.schema.columns}
    assert cols["n"].kind == "numeric" and cols["n"].integer and cols["n"].n_missing == 1
    assert cols["f"].kind == "numeric" and not cols["f"].integer
    assert cols["c"].categories == ("x", "y") and cols["c"].n_missing == 1
    assert cols["b"].kind == "categorical" and cols["b"].categories == ("false", "true")
    assert data.classes == ("0", "1") and data.labels.tolist() == [0, 1, 0, 1]
    assert data.source.details["metadata"] == {"synthetic": True, "run_id": "abc"}


def test_text_values_in_a_numeric_text_column_name_the_row(tmp_path):
    path = tmp_path / "t.parquet"
    values = [str(v) for v in range(20)]
    values[13] = "n/a?"
    pd.DataFrame({"x": values, "y": ["a", "b"] * 10}).to_parquet(path)
    with pytest.raises(
        UserInputError, match=r"column 'x' holds numbers but row 14 contains the text 'n/a\?'"
    ):
        load_dataset(DatasetConfig(source=str(path), target="y"))


def test_unsupported_column_types_are_named(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2024-01-02"]), "y": ["a", "b"]}).to_parquet(path)
    with pytest.raises(UserInputError, match="column 'when' has type timestamp.*drop_columns"):
        load_dataset(DatasetConfig(source=str(path), target="y"))


def test_a_file_that_is_not_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    path.write_text("this is not parquet")
    with pytest.raises(UserInputError, match="not a readable Parquet file"):
        load_dataset(DatasetConfig(source=str(path), target="y"))


PEAK_PROBE = """
import sys
from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.sources import load_dataset

def kib(key):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key))

spec = DatasetConfig(source=sys.argv[1], target="label")
with open("/proc/self/clear_refs", "w") as refs:  # reset the peak (VmHWM) to the current RSS
    refs.write("5")
baseline = kib("VmRSS")
data = load_dataset(spec)
assert len(data) == int(sys.argv[2])
print((kib("VmHWM") - baseline) * 1024)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads peak RSS from /proc (Linux only)")
def test_a_million_rows_load_within_twice_the_arrow_size(tmp_path):
    """Peak memory growth while loading stays under 2x the table's Arrow size."""
    path = tmp_path / "big.parquet"
    rng = np.random.default_rng(0)
    n = 1_000_000
    table = pa.table(
        {
            **{f"x{i}": rng.normal(size=n) for i in range(6)},
            "count": rng.integers(0, 100, size=n),
            "colour": pa.array(rng.choice(["red", "green", "blue"], size=n)),
            "label": rng.integers(0, 3, size=n),
        }
    )
    arrow_bytes = table.nbytes
    pq.write_table(table, path, row_group_size=250_000)
    del table
    # a fresh process: ru_maxrss would carry this process's peak across exec, VmHWM is reset
    result = subprocess.run(
        [sys.executable, "-c", PEAK_PROBE, str(path), str(n)], capture_output=True, text=True, check=True
    )
    growth = int(result.stdout.strip().splitlines()[-1])
    assert growth <= 2 * arrow_bytes, (
        f"peak grew by {growth / 1e6:.0f} MB for {arrow_bytes / 1e6:.0f} MB of Arrow data"
    )
