"""The installed ``synthaug`` console script, end to end on the bundled sets, in fresh processes."""

from __future__ import annotations

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

from tests.settings import SMALL_TABULAR_GAN

REPO = Path(__file__).resolve().parents[2]
SYNTHAUG = Path(sys.executable).parent / "synthaug"
TINY_TABULAR = [  # what is tested here ends with the split and the data: no verification
    arg
    for item in ("training.steps=4", *SMALL_TABULAR_GAN, "generation.per_class=5", "evaluation.enabled=false")
    for arg in ("--set", item)
]


def synthaug(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)  # the embedded ephemeral API, as a user gets by default
    env.pop("SYNTHAUG_COMMAND_TOKEN", None)  # its own process guard, as from a shell
    # generous: a loaded CI machine starts Prefect's server slowly; a hang still fails
    return subprocess.run(
        [str(SYNTHAUG), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def only_run_dir(output: Path) -> Path:
    [run_dir] = list(output.iterdir())
    return run_dir


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
    overrides = [  # training is what is killed and resumed: no verification
        "training.steps=120",
        "training.width=8",
        "training.z_dim=16",
        "training.checkpoint_every=10",
        "generation.per_class=2",
        "evaluation.enabled=false",
    ]
    settings = [arg for item in overrides for arg in ("--set", item)]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("SYNTHAUG_COMMAND_TOKEN", None)
    process = subprocess.Popen(  # its own session: the kill takes Prefect's temporary server down too
        [str(SYNTHAUG), "demo", *settings],
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

    relative = f"runs/{partial.name}"  # synthaug run --resume runs/<run-id>.partial
    result = synthaug("run", "--resume", relative, "--set", "training.steps=5", cwd=tmp_path)
    assert (
        result.returncode == 2 and "--resume continues a run with the config it started with" in result.stderr
    )
    result = synthaug("run", "--resume", relative, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [run_dir] = list(out.iterdir())
    assert not run_dir.name.endswith((".partial", ".failed"))
    steps = [
        json.loads(line)["step"] for line in (run_dir / "training" / "metrics.jsonl").read_text().splitlines()
    ]
    assert steps == list(range(1, 121))
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "complete"
