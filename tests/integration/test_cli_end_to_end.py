"""The installed ``synthaug`` console script, end to end on the bundled sets, in fresh processes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from pipeline.config import ImageOptions, demo_config
from pipeline.dataset_io import read_dataset
from pipeline.sources.image_folder import read_image_folder
from tests.settings import FAST_EVALUATION, SMALL_TABULAR_GAN

REPO = Path(__file__).resolve().parents[2]
SYNTHAUG = Path(sys.executable).parent / "synthaug"
TINY_TRAINING = [
    arg
    for item in (
        "training.steps=10",
        "training.width=8",
        "training.z_dim=16",
        "training.checkpoint_every=5",
        "training.grid_every=5",
        "generation.per_class=3",
        *FAST_EVALUATION,
    )
    for arg in ("--set", item)
]


TINY_TABULAR = [
    arg
    for item in (
        "training.steps=4",
        *SMALL_TABULAR_GAN,
        "generation.per_class=5",
        *FAST_EVALUATION,
    )
    for arg in ("--set", item)
]


def synthaug(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)  # the embedded ephemeral API, as a user gets by default
    return subprocess.run(
        [str(SYNTHAUG), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def only_run_dir(output: Path) -> Path:
    [run_dir] = list(output.iterdir())
    return run_dir


@pytest.mark.slow
def test_demo_writes_a_complete_run_directory(tmp_path):
    result = synthaug("demo", "--output-dir", tmp_path / "runs", *TINY_TRAINING, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "runs")
    assert run_dir.name.startswith("digits-demo-") and run_dir.name.endswith("Z")
    assert f"run complete: {run_dir}" in " ".join(result.stdout.split())

    snapshot = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert snapshot["training"]["steps"] == 10
    assert snapshot["dataset"] == demo_config().model_dump(mode="json")["dataset"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 0
    assert manifest["data"]["sha256"] and manifest["data"]["rows"] == 1797
    assert manifest["environment"]["packages"]["torch"] and manifest["environment"]["packages"]["prefect"]
    assert manifest["command"][1:4] == ["demo", "--output-dir", str(tmp_path / "runs")]
    assert manifest["training"]["steps"] == 10 and manifest["training"]["stop_reason"] == "completed"
    assert manifest["generation"] == {
        "strategy": "balanced",
        "counts": {str(i): 3 for i in range(10)},
        "total": 30,
        "watermark": manifest["generation"]["watermark"],
    }
    mark = manifest["watermark"]
    assert mark["applied"] is True and mark["scheme"] == "synthaug-image-dither/1" and mark["psnr_db"] > 30
    assert manifest["stages_completed"][-5:] == ["train", "generate", "verify", "export", "report"]
    assert manifest["report"] == {"html": "report/report.html", "markdown": "report/report.md"}
    page = (run_dir / "report" / "report.html").read_text()
    assert "Verdict: " in page and page.count("data:image/png;base64,") >= 4 and 'src="http' not in page
    assert manifest["verification"]["verdict"] in ("gain", "no-gain", "harm")
    assert (run_dir / "evaluation" / "gain.json").is_file() and (
        run_dir / "evaluation" / "scores.jsonl"
    ).is_file()
    fidelity = json.loads((run_dir / "evaluation" / "fidelity.json").read_text())["metrics"]
    assert fidelity["class_counts"]["per_class"]["0"] == {"real": 20, "synthetic": 3}
    assert fidelity["frechet_distance"]["value"] > 0 and fidelity["inception_fid"]["computed"] is False
    assert 0 <= manifest["verification"]["fidelity"]["precision_recall/coverage"]["value"] <= 1
    assert "| frechet_distance |" in (run_dir / "export" / "DATASET_CARD.md").read_text()
    assert manifest["export"]["directory"] == "export" and (run_dir / "export" / "DATASET_CARD.md").is_file()
    assert "data: 1797 image rows from bundled:digits" in (run_dir / "logs" / "run.log").read_text()

    split = pq.read_table(run_dir / "split.parquet").to_pandas()
    parts = split["part"].astype(str).value_counts().to_dict()
    assert parts == {"test": 540, "train": 200, "unused": 1057}
    train, test = read_dataset(run_dir / "data" / "train.npz"), read_dataset(run_dir / "data" / "test.npz")
    assert train.features.shape == (200, 8, 8, 1) and test.features.shape == (540, 8, 8, 1)
    assert train.class_counts() == {str(i): 20 for i in range(10)}

    lines = (run_dir / "training" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == list(range(1, 11))
    assert sorted(p.name for p in (run_dir / "training" / "grids").iterdir()) == [
        "step_000005.png",
        "step_000010.png",
    ]
    assert (run_dir / "model" / "image_cgan.pt").is_file()
    synthetic = pq.read_table(run_dir / "synthetic" / "manifest.parquet").to_pandas()
    assert len(synthetic) == 30 and synthetic["label"].value_counts().to_dict() == {
        str(i): 3 for i in range(10)
    }
    first = run_dir / "synthetic" / synthetic["file"][0]
    assert hashlib.sha256(first.read_bytes()).hexdigest() == synthetic["sha256"][0]
    with Image.open(first) as png:  # plain Pillow reads the provenance from the PNG's text chunks
        chunks = dict(png.text)
    assert chunks["synthetic"] == "true" and chunks["run_id"] == run_dir.name
    assert chunks["digital_source_type"].endswith("/digitalsourcetype/trainedAlgorithmicMedia")
    assert chunks["source_data_sha256"] == manifest["data"]["sha256"]
    assert chunks["config_sha256"] == hashlib.sha256((run_dir / "config.yaml").read_bytes()).hexdigest()
    assert json.loads(chunks["synthaug.privacy"]) == "none" and chunks["generator"] == "synthaug"
    assert (
        pq.read_schema(run_dir / "synthetic" / "manifest.parquet").metadata[b"run_id"]
        == run_dir.name.encode()
    )
    regenerated = read_image_folder(run_dir / "synthetic" / "images", ImageOptions())
    assert regenerated.features.shape == (30, 8, 8, 1) and regenerated.classes == tuple(
        str(i) for i in range(10)
    )


@pytest.mark.slow
def test_run_with_the_tabular_example(tmp_path):
    result = synthaug(
        "run",
        "--config",
        REPO / "examples" / "breast_cancer.yaml",
        "--output-dir",
        tmp_path / "runs",
        "--seed",
        "3",
        *TINY_TABULAR,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "runs")
    train = read_dataset(run_dir / "data" / "train.parquet")
    test = read_dataset(run_dir / "data" / "test.parquet")
    assert train.class_counts() == {"benign": 15, "malignant": 15}
    assert len(test) == 171 and len(train.schema.columns) == 30
    assert json.loads((run_dir / "manifest.json").read_text())["seed"] == 3
    frame = pq.read_table(run_dir / "data" / "train.parquet").to_pandas()
    assert "diagnosis" in frame.columns and len(frame) == 30
    synthetic = pq.read_table(run_dir / "synthetic" / "rows.parquet").to_pandas()
    assert list(synthetic.columns) == list(frame.columns)
    assert synthetic["diagnosis"].value_counts().to_dict() == {"benign": 5, "malignant": 5}
    assert (run_dir / "model" / "tabular_cgan.pt").is_file()
    assert json.loads((run_dir / "manifest.json").read_text())["privacy"] == "none"
    exported = pq.read_schema(run_dir / "synthetic" / "rows.parquet").metadata
    assert json.loads(exported[b"synthaug.privacy"]) == "none"
    figures = {p.name for p in (run_dir / "report" / "figures").iterdir()}
    assert {"training_curves.png", "column_distributions.png", "correlations.png", "gains.png"} <= figures
    markdown = (run_dir / "report" / "report.md").read_text()
    assert "## Does it help?" in markdown and "| column_shapes |" in markdown


@pytest.mark.slow
@pytest.mark.parametrize(
    ("example", "tiny", "synthetic_file"),
    [
        ("breast_cancer_dp.yaml", TINY_TABULAR, "rows.parquet"),
        ("digits_dp.yaml", TINY_TRAINING, "manifest.parquet"),
    ],
)
def test_private_examples_state_their_budget_in_the_run_and_the_export(
    tmp_path, example, tiny, synthetic_file
):
    result = synthaug(
        "run", "--config", REPO / "examples" / example, "--output-dir", tmp_path / "runs", *tiny, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "runs")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    statement = manifest["privacy"]
    assert statement == manifest["training"]["privacy"]
    assert 0 < statement["epsilon"] <= statement["target_epsilon"] == 3.0
    for key in ("delta", "accountant", "noise_multiplier", "sample_rate", "steps", "max_grad_norm", "public"):
        assert statement[key], key
    assert statement["delta"] < 1 / manifest["split"]["train_rows"]
    exported = pq.read_schema(run_dir / "synthetic" / synthetic_file).metadata
    assert json.loads(exported[b"synthaug.privacy"]) == statement


@pytest.mark.slow
def test_user_errors_in_a_real_process_are_one_paragraph_with_exit_2(tmp_path):
    (tmp_path / "c.yaml").write_text("dataset:\n  source: missing.csv\n  target: y\n")
    result = synthaug("run", "--config", "c.yaml", "--output-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert f"error: {tmp_path / 'missing.csv'}: CSV file not found" in " ".join(result.stderr.split())
    assert not (tmp_path / "runs").exists()


@pytest.mark.usefixtures("prefect_api")
def test_same_seed_same_split_and_data(cli, tmp_path):
    def run(seed: int, out: str) -> Path:
        code, _, err = cli(
            "run",
            "--config",
            REPO / "examples" / "breast_cancer.yaml",
            "--seed",
            seed,
            "--output-dir",
            tmp_path / out,
            *TINY_TABULAR,
        )
        assert code == 0, err
        return only_run_dir(tmp_path / out)

    a, b, c = run(5, "a"), run(5, "b"), run(6, "c")
    split = {
        d: pq.read_table(d / "split.parquet").to_pandas()["part"].astype(str).to_numpy() for d in (a, b, c)
    }
    assert np.array_equal(split[a], split[b]) and not np.array_equal(split[a], split[c])
    hashes = {json.loads((d / "manifest.json").read_text())["data"]["sha256"] for d in (a, b, c)}
    assert len(hashes) == 1
    assert (a / "data" / "train.parquet").read_bytes() == (b / "data" / "train.parquet").read_bytes()


@pytest.mark.slow
def test_a_killed_run_resumes_from_its_checkpoint(tmp_path):
    """SIGKILL mid-training leaves <id>.partial; --resume finishes it with every step logged once."""
    out = tmp_path / "runs"
    overrides = [
        "training.steps=600",
        "training.width=8",
        "training.z_dim=16",
        "training.checkpoint_every=10",
        "generation.per_class=2",
        *FAST_EVALUATION,
    ]
    settings = [arg for item in overrides for arg in ("--set", item)]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    process = subprocess.Popen(  # its own session: the kill takes Prefect's temporary server down too
        [str(SYNTHAUG), "demo", "--output-dir", str(out), *settings],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    checkpoint = None
    while time.monotonic() < deadline and checkpoint is None:
        found = list(out.glob("*.partial/training/checkpoints/latest.pt")) if out.exists() else []
        checkpoint = found[0] if found else None
        time.sleep(0.5)
    assert checkpoint is not None, "no checkpoint appeared"
    time.sleep(0.3)
    assert process.poll() is None, "training finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    [partial] = list(out.iterdir())
    assert partial.name.endswith(".partial")

    result = synthaug("run", "--resume", partial, "--set", "training.steps=5", cwd=tmp_path)
    assert (
        result.returncode == 2 and "--resume continues a run with the config it started with" in result.stderr
    )
    result = synthaug("run", "--resume", partial, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [run_dir] = list(out.iterdir())
    assert not run_dir.name.endswith((".partial", ".failed"))
    steps = [
        json.loads(line)["step"] for line in (run_dir / "training" / "metrics.jsonl").read_text().splitlines()
    ]
    assert steps == list(range(1, 601))
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "complete"
