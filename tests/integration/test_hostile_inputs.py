"""Hostile and unlucky inputs (issue 17): each stops with exit code 2 and one paragraph naming the
file, column, row or key and what to do; nothing hangs, nothing is left behind."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from tests.integration.conftest import csv, image_folder, png

pytestmark = pytest.mark.usefixtures("prefect_api")


def user_error(cli, *args) -> str:
    code, _, err = cli(*args)
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    return " ".join(err.split())


EXAMPLE = "examples/breast_cancer.yaml"


def refused_run(cli, output: Path, *args) -> str:
    """``synthaug run`` of the breast_cancer example with ``args``: a user error, and nothing
    written under ``output``."""
    err = user_error(cli, "run", "-c", EXAMPLE, *args, "--output-dir", output)
    assert not output.exists()
    return err


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "file"
    path.write_text("x")
    return path


# ---- sources ------------------------------------------------------------------------------------
@pytest.mark.timeout(60)
def test_a_fifo_in_an_image_folder_is_refused_not_read(run_job, tmp_path):
    root = image_folder(tmp_path)
    os.mkfifo(root / "a" / "pipe.png")  # opening it would block until a writer comes
    err = run_job({"source": str(root)})
    assert "image 'a/pipe.png' is a named pipe (FIFO), not a regular file" in err


def test_a_symlink_loop_in_an_image_folder(run_job, tmp_path):
    root = image_folder(tmp_path)
    os.symlink("y.png", root / "a" / "x.png")
    os.symlink("x.png", root / "a" / "y.png")
    err = run_job({"source": str(root)})
    assert "symbolic link 'a/x.png' cannot be followed" in err and "Remove the link" in err


def test_a_parquet_file_with_a_corrupt_page(run_job, tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"a": list(range(400)), "y": ["p", "q"] * 200}), path, compression="none")
    damaged = bytearray(path.read_bytes())
    damaged[10:60] = b"\xff" * 50  # the first page header
    path.write_bytes(bytes(damaged))
    err = run_job({"source": str(path), "target": "y"})
    assert "data.parquet: the Parquet file is corrupt after 0 readable rows" in err
    assert "Write the file again" in err


def test_npz_with_zero_dimensional_arrays(run_job, tmp_path):
    np.savez(tmp_path / "x0.npz", x=np.array(3), y=np.array([1, 2]))
    assert "'x' is a single value of shape ()" in run_job({"source": str(tmp_path / "x0.npz")})
    np.savez(tmp_path / "y0.npz", x=np.zeros((4, 8, 8), np.uint8), y=np.array(1))
    assert "'y' has shape ()" in run_job({"source": str(tmp_path / "y0.npz")})


def test_npz_floats_on_neither_pixel_scale(run_job, tmp_path):
    x = np.random.default_rng(0).uniform(0, 1.5, (20, 8, 8))
    np.savez(tmp_path / "f.npz", x=x, y=np.repeat([0, 1], 10))
    err = run_job({"source": str(tmp_path / "f.npz")})
    assert "neither the [0, 1] nor the [0, 255] pixel scale" in err and "Rescale" in err


def test_csv_cells_beyond_a_float_name_the_file_column_and_rows(run_job, tmp_path):
    rows = "".join(f"{'1e400' if i % 2 else i},{i},{'pq'[i % 3 == 0]}\n" for i in range(40))
    err = run_job({"source": csv(tmp_path, "a,b,y\n" + rows), "target": "y"})
    assert "data.csv: column 'a' has a value too large for a 64-bit float ('1e400'" in err
    assert "row 2 (line 3) and 19 other rows" in err


def test_nan_labels_in_parquet_are_missing_classes_not_a_class_called_nan(run_job, tmp_path):
    pq.write_table(
        pa.table({"a": list(range(40)), "y": [0.0, 1.0, float("nan"), 1.0] * 10}), tmp_path / "d.parquet"
    )
    err = run_job({"source": str(tmp_path / "d.parquet"), "target": "y"})
    assert "target column 'y' is missing in row 3 and 9 other rows" in err


def test_uint64_above_int64_is_kept_positive(tmp_path, caplog):
    from synthaug.pipeline.config import DatasetConfig
    from synthaug.pipeline.sources import load_dataset

    values = [2**64 - 1, *range(39)]
    pq.write_table(
        pa.table({"a": pa.array(values, pa.uint64()), "y": ["p", "q"] * 20}), tmp_path / "u.parquet"
    )
    data = load_dataset(DatasetConfig(source=str(tmp_path / "u.parquet"), target="y"))
    assert data.features["a"].iloc[0] == pytest.approx(2.0**64) and data.features["a"].min() == 0
    assert "holds unsigned integers above" in caplog.text


def test_decimal_commas_are_announced(tmp_path, caplog):
    from synthaug.pipeline.config import DatasetConfig
    from synthaug.pipeline.sources import load_dataset

    rows = "".join(f"{i},5;{'pq'[i % 2]}\n" for i in range(20))
    load_dataset(DatasetConfig(source=csv(tmp_path, "a;y\n" + rows), target="y"))
    assert "column 'a' looks like numbers written with decimal commas (e.g. '0,5')" in caplog.text


# ---- config -----------------------------------------------------------------------------------
def test_a_key_given_twice_in_yaml(cli, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("dataset:\n  source: bundled:digits\ntraining:\n  steps: 10\n  steps: 5000000\n")
    err = user_error(cli, "validate", "--config", path)
    assert "key 'steps' appears twice in one section (lines 4 and 5)" in err


def test_a_yaml_alias_bomb_gives_a_short_message(cli, tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for p, q in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{q}: &{q} [{', '.join(['*' + p] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\ndataset:\n  source: bundled:digits\n  bomb: *i\n")
    err = user_error(cli, "validate", "--config", path)
    assert "config expands to more than 10,000 values" in err and len(err) < 1000


def test_long_values_are_cut_in_messages(cli, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"dataset": {"source": "bundled:digits"}, "seed": "x" * 100_000}))
    err = user_error(cli, "validate", "--config", path)
    assert "'seed'" in err and "(100,002 characters)" in err and len(err) < 1000


@pytest.mark.parametrize(
    "args",
    [("--seed", str(2**32)), ("--set", "split.seed=-1")],
)
def test_seeds_out_of_range(cli, tmp_path, args):
    err = refused_run(cli, tmp_path / "r", *args)
    assert "seed" in err and (
        "less than or equal to 2147483647" in err or "greater than or equal to 0" in err
    )


def test_a_plan_of_zero_samples(cli, tmp_path):
    err = refused_run(cli, tmp_path / "r", "--set", "generation.per_class=0")
    assert "generation.per_class: generation plans no synthetic samples at all" in err


# ---- destinations -----------------------------------------------------------------------------
def test_output_dir_that_is_a_file_or_cannot_be_created(cli, a_file):
    err = user_error(cli, "run", "-c", EXAMPLE, "--output-dir", a_file)
    assert "output_dir (--output-dir) points at an existing file" in err
    err = refused_run(cli, a_file / "runs")
    assert "lies under" in err and "which is a file" in err
    if Path("/proc/self").is_dir():
        err = refused_run(cli, Path("/proc/synthaug-runs"))
        assert "cannot create the folder for run directories under '/proc'" in err


def test_export_directory_under_a_file_is_refused_before_training(cli, tmp_path, a_file):
    err = refused_run(cli, tmp_path / "r", "--set", f"export.directory={a_file}/out")
    assert "export.directory lies under" in err


def test_export_of_a_missing_failed_or_unwritable_run(cli, tmp_path, a_file):
    assert "no run directory here" in user_error(cli, "export", tmp_path / "nope", "--to", tmp_path / "e")
    failed = tmp_path / "job-20260101T000000Z.failed"
    failed.mkdir()
    assert "this run failed; only a completed run can be exported" in user_error(
        cli, "export", failed, "--to", tmp_path / "e"
    )
    assert "--to lies under" in user_error(cli, "export", failed, "--to", a_file / "e")


def test_keygen_under_a_file(cli, a_file):
    err = user_error(cli, "keygen", a_file / "key")
    assert "lies under" in err and "which is a file" in err


@pytest.mark.parametrize("problem", ["missing", "world-readable"])
def test_the_key_file_is_checked_before_training(cli, tmp_path, problem):
    key = tmp_path / "key"
    if problem == "world-readable":
        key.write_text("00" * 32 + "\n")
        key.chmod(0o644)
    err = refused_run(cli, tmp_path / "r", "--set", f"watermark.key_file={key}")
    assert ("watermark key file not found" if problem == "missing" else "readable by other users") in err


# ---- reading what synthaug wrote --------------------------------------------------------------
def _bomb_png(path: Path, side: int = 10_000) -> Path:
    """A valid PNG header claiming side x side pixels (the pixels are never decoded)."""
    png(path, size=(8, 8))
    data = bytearray(path.read_bytes())
    ihdr = bytearray(data[12:29])  # b"IHDR" + 13 bytes
    ihdr[4:12] = struct.pack(">II", side, side)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    path.write_bytes(bytes(data))
    return path


def test_verify_watermark_on_a_decompression_bomb(cli, tmp_path):
    key = tmp_path / "key"
    assert cli("keygen", key)[0] == 0
    bomb = _bomb_png(tmp_path / "bomb.png")
    err = user_error(cli, "verify-watermark", bomb, "--key-file", key)
    assert "bomb.png: image is 10000x10000 pixels, over the limit" in err


def test_inspect_a_malformed_export_json(cli, tmp_path):
    (tmp_path / "export.json").write_text("{not json")
    err = user_error(cli, "inspect", tmp_path)
    assert "export.json is not valid JSON" in err and "Export the run again" in err


def test_bad_image_png_never_reaches_a_traceback(run_job, tmp_path):
    root = image_folder(tmp_path)
    Image.new("L", (8, 8)).save(root / "b" / "5.png")
    _bomb_png(root / "a" / "big.png")
    err = run_job({"source": str(root)})
    assert "image 'a/big.png' is 10000x10000 = 100,000,000 pixels, over the limit" in err


# ---- messages that pointed the wrong way ------------------------------------------------------
def test_a_five_megabyte_cell_is_read(tmp_path):
    from synthaug.pipeline.config import DatasetConfig
    from synthaug.pipeline.sources import load_dataset

    rows = "".join(f"{i},{'pq'[i % 2]},{'x' * (5 << 20) if i == 3 else 'short'}\n" for i in range(10))
    data = load_dataset(DatasetConfig(source=csv(tmp_path, "a,y,note\n" + rows), target="y"))
    assert len(data) == 10 and len(str(data.features["note"].iloc[3])) == 5 << 20


def test_npz_class_names_given_twice(run_job, tmp_path):
    np.savez(
        tmp_path / "d.npz",
        x=np.zeros((6, 8, 8), np.uint8),
        y=np.array([0, 1] * 3),
        classes=np.array(["a", "a"]),
    )
    assert "'classes' lists 'a' more than once (2 names, 1 different)" in run_job(
        {"source": str(tmp_path / "d.npz")}
    )


def test_an_export_without_its_record(cli, tmp_path):
    (tmp_path / "DATASET_CARD.md").write_text("# card")
    (tmp_path / "images" / "a").mkdir(parents=True)
    err = user_error(cli, "inspect", tmp_path)
    assert "looks like a synthaug export" in err and "export.json is missing" in err


def test_a_table_wider_than_the_limit(run_job, tmp_path):
    header = ",".join(f"c{i}" for i in range(12)) + ",y\n"
    rows = "".join(",".join(["1"] * 12) + f",{'pq'[i % 2]}\n" for i in range(10))
    err = run_job({"source": csv(tmp_path, header + rows), "target": "y", "max_columns": 10})
    assert (
        "the table has 12 feature columns, more than dataset.max_columns (10)" in err
        and "drop_columns" in err
    )
