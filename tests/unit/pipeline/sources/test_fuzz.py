"""A seeded fuzz of ingestion and config loading: a few hundred small malformed CSV, Parquet, NPZ,
image-folder and YAML inputs. Each must either load or raise the project's user-error type (exit
code 2 with a message), within a few seconds; any other exception, or a hang, is a bug."""

from __future__ import annotations

import contextlib
import io
import signal
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.validate import validate_dataset

CASES_PER_KIND = 200
SECONDS_PER_CASE = 5
CELLS = [
    "1",
    "-2.5",
    "",
    "x",
    "1e400",
    "nan",
    "inf",
    '"a,b"',
    '"',
    "0,5",
    "\x00",
    "é",
    "1" * 400,
    " ",
    "TRUE",
]


@contextlib.contextmanager
def time_limit(seconds: int, case: str) -> Iterator[None]:
    def expire(signum, frame):
        raise TimeoutError(f"{case}: still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


CLEAN_SHARE = 0.4  # cases built well-formed, so that loading succeeds often enough to be exercised


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """Truncate, flip bytes, duplicate a slice, or (most often) leave as is."""
    choice = rng.integers(6) if rng.random() > 0.3 else 0
    if not data or choice == 0:
        return data
    if choice == 1:
        return data[: rng.integers(0, len(data))]
    if choice in (2, 4, 5):
        out = bytearray(data)
        for _ in range(rng.integers(1, 8)):
            out[rng.integers(len(out))] = int(rng.integers(256))
        return bytes(out)
    start = int(rng.integers(len(data)))
    return data[:start] + data[start : start + 64] * 3 + data[start:]


def csv_case(folder: Path, rng: np.random.Generator) -> DatasetConfig:
    path = folder / "data.csv"
    if rng.random() < CLEAN_SHARE:
        rows = "".join(f"{rng.normal():.3f},{rng.choice(['u', 'v'])},{'pq'[i % 2]}\n" for i in range(12))
        path.write_bytes(mutate(f"a,b,y\n{rows}".encode(), rng))
        return DatasetConfig(source=str(path), target="y")
    columns = int(rng.integers(1, 5))
    header = [rng.choice(["a", "b", "y", "", "a", "1", "é"]) for _ in range(columns)] + ["y"]
    delimiter = str(rng.choice([",", ";", "\t", "|"]))
    lines = [delimiter.join(header)]
    for _ in range(int(rng.integers(0, 12))):
        width = columns + 1 + int(rng.integers(-1, 2)) * (rng.random() < 0.2)
        lines.append(delimiter.join(str(rng.choice(CELLS)) for _ in range(max(1, width))))
    text = "\n".join(lines) + rng.choice(["\n", "", "\r\n"])
    path.write_bytes(mutate(text.encode(str(rng.choice(["utf-8", "latin-1", "utf-16"]))), rng))
    return DatasetConfig(source=str(path), target="y")


def parquet_case(folder: Path, rng: np.random.Generator) -> DatasetConfig:
    clean = rng.random() < CLEAN_SHARE
    n = 12 if clean else int(rng.integers(0, 12))
    makers: list[Callable[[], pa.Array]] = [
        lambda: pa.array(rng.normal(size=n)),
        lambda: pa.array(rng.integers(0, 2**63, n, dtype=np.uint64), pa.uint64()),
        lambda: pa.array([[1, 2]] * n),
        lambda: pa.array([None] * n, pa.float64()),
        lambda: pa.array(rng.choice(["p", "q", None], n).tolist()),
        lambda: pa.array(np.arange(n).astype("datetime64[s]")),
        lambda: pa.array(rng.random(n) < 0.5),
        lambda: pa.array([float("nan"), 1.0, float("inf")] * (n // 3) + [0.0] * (n % 3)),
    ]
    kinds = [0, 1, 6] if clean else list(range(len(makers)))
    table = pa.table({f"c{i}": makers[int(rng.choice(kinds))]() for i in range(int(rng.integers(1, 4)))})
    label = pa.array(["p", "q"] * 6) if clean else makers[int(rng.integers(len(makers)))]()
    table = table.append_column("y", label)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression=str(rng.choice(["none", "snappy"])))
    path = folder / "data.parquet"
    path.write_bytes(buffer.getvalue() if clean else mutate(buffer.getvalue(), rng))
    return DatasetConfig(source=str(path), target="y")


def npz_case(folder: Path, rng: np.random.Generator) -> DatasetConfig:
    shapes = [(), (4,), (4, 8, 8), (4, 8, 8, 1), (4, 3, 8, 8), (4, 8, 8, 2), (4, 1, 1, 1, 1), (0, 8, 8)]
    dtypes = [np.uint8, np.int64, np.float32, np.float64, np.bool_, np.complex64, "U3"]
    x = np.zeros(shapes[int(rng.integers(len(shapes)))], dtype=dtypes[int(rng.integers(len(dtypes)))])
    if x.dtype.kind in "iuf":
        x = (rng.random(x.shape) * rng.choice([1, 1.5, 255, 1000, -1])).astype(x.dtype)
    arrays = {"x": x, "y": rng.integers(0, 3, int(rng.choice([0, 1, 4, 5])))}
    if rng.random() < CLEAN_SHARE:
        arrays = {"x": rng.integers(0, 256, (8, 8, 8), dtype=np.uint8), "y": np.array([0, 1] * 4)}
    elif rng.random() < 0.2:
        arrays["y"] = np.array(1)
    if rng.random() < 0.2:
        arrays["classes"] = np.array(rng.choice(["a", "a", "b"], int(rng.integers(0, 4))))
    if rng.random() < 0.1:
        arrays.pop(str(rng.choice(["x", "y"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in arrays.items():
            with archive.open(f"{name}.npy", "w") as handle:
                np.lib.format.write_array(handle, np.asarray(value), allow_pickle=False)
    path = folder / "data.npz"
    path.write_bytes(mutate(buffer.getvalue(), rng))
    return DatasetConfig(source=str(path))


def image_folder_case(folder: Path, rng: np.random.Generator) -> DatasetConfig:
    root = folder / "images"
    if rng.random() < CLEAN_SHARE:
        mode = str(rng.choice(["L", "RGB"]))
        for c in range(2):
            (root / f"class{c}").mkdir(parents=True)
            for i in range(3):
                Image.new(mode, (8, 8), int(rng.integers(256))).save(root / f"class{c}" / f"{i}.png")
        return DatasetConfig(source=str(root))
    for c in range(int(rng.integers(0, 3))):
        (root / f"class{c}").mkdir(parents=True, exist_ok=True)
        for i in range(int(rng.integers(0, 4))):
            mode = str(rng.choice(["L", "RGB", "RGBA", "1", "P", "I;16"]))
            size = (int(rng.integers(1, 24)), int(rng.integers(1, 24)))
            buffer = io.BytesIO()
            Image.new(mode, size).save(
                buffer, format="BMP" if mode in ("L", "RGB") and rng.random() < 0.3 else "PNG"
            )
            name = root / f"class{c}" / f"{i}{rng.choice(['.png', '.bmp', '.jpg', '.txt'])}"
            name.write_bytes(mutate(buffer.getvalue(), rng) if rng.random() < 0.5 else buffer.getvalue())
    root.mkdir(exist_ok=True)
    if rng.random() < 0.2:
        (root / "stray.png").write_bytes(b"")
    return DatasetConfig(source=str(root))


VALID = {
    "name": "fuzz",
    "dataset": {"source": "bundled:breast_cancer", "target": "diagnosis", "per_class": 15},
    "training": {"steps": 10, "width": 32},
    "evaluation": {"amounts": [0, 1], "seeds": 2},
}
ODD_VALUES = [None, -1, 0, 2**70, 1e400, "x" * 500, [], {}, [1, "a"], True, "0x10", {"a": {"b": {}}}, 0.5]


def yaml_case(folder: Path, rng: np.random.Generator) -> Path:
    config = yaml.safe_load(yaml.safe_dump(VALID))
    for _ in range(0 if rng.random() < CLEAN_SHARE else int(rng.integers(1, 4))):
        section = str(
            rng.choice(["dataset", "training", "evaluation", "split", "generation", "watermark", "x"])
        )
        node = config.setdefault(section, {}) if rng.random() < 0.8 else config
        key = str(
            rng.choice(["steps", "per_class", "source", "seeds", "amounts", "test_fraction", "unknown"])
        )
        if isinstance(node, dict):
            node[key] = ODD_VALUES[int(rng.integers(len(ODD_VALUES)))]
    text = yaml.safe_dump(config)
    if rng.random() < 0.2:
        text = text.replace("  ", "\t", 1) if rng.random() < 0.5 else text + "training:\n  steps: 3\n"
    path = folder / "config.yaml"
    path.write_bytes(mutate(text.encode(), rng) if rng.random() < 0.2 else text.encode())
    return path


KINDS = {"csv": csv_case, "parquet": parquet_case, "npz": npz_case, "images": image_folder_case}


@pytest.mark.parametrize("kind", [*KINDS, "yaml"])
def test_malformed_inputs_raise_only_user_errors(kind, tmp_path):
    rng = np.random.default_rng(list(KINDS).index(kind) if kind in KINDS else 99)
    outcomes = {"loaded": 0, "user error": 0}
    for case in range(CASES_PER_KIND):
        folder = tmp_path / f"{case}"
        folder.mkdir()
        label = f"{kind} case {case} (seed of the kind's generator: see the test)"
        with time_limit(SECONDS_PER_CASE, label):
            try:
                if kind == "yaml":
                    load_config(yaml_case(folder, rng))
                else:
                    validate_dataset(load_dataset(KINDS[kind](folder, rng)))
                outcomes["loaded"] += 1
            except UserInputError as exc:
                assert str(exc) and len(str(exc)) < 3000, f"{label}: message of {len(str(exc))} characters"
                outcomes["user error"] += 1
    # the generator makes both: inputs that load, and inputs that must be refused
    assert min(outcomes.values()) > CASES_PER_KIND / 10, outcomes
