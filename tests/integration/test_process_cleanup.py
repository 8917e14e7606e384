"""No process outlives the command (issue 17): the temporary Prefect server and any other child
is stopped when ``synthaug`` is terminated or killed, and SIGTERM leaves a resumable run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def start_long_run(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """``synthaug run`` on a table with a training that would take hours; returns once it trains."""
    log = tmp_path / "out.log"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)  # the command's own temporary server, as a user gets it
    env.pop("SYNTHAUG_COMMAND_TOKEN", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "synthaug.flows.cli",
            "run",
            "-c",
            "examples/breast_cancer.yaml",
            "--output-dir",
            str(tmp_path / "runs"),
            "--set",
            "training.steps=1000000",
            "--set",
            "training.max_cpu_minutes=null",
            "--set",
            "training.checkpoint_every=10",
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 240
    while "estimated training time" not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
    time.sleep(2)  # past the first checkpoints
    return process, log


def descendants(process: subprocess.Popen) -> list[psutil.Process]:
    children = psutil.Process(process.pid).children(recursive=True)
    assert any("uvicorn" in " ".join(c.cmdline()) for c in children), "no temporary API server seen"
    return children


def gone_within(children: list[psutil.Process], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]:
            return True
        time.sleep(0.2)
    return False


def test_sigterm_stops_the_run_within_ten_seconds_and_leaves_it_resumable(tmp_path):
    process, log = start_long_run(tmp_path)
    children = descendants(process)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 143, log.read_text()
    assert time.monotonic() - sent < 10
    assert "stopped by SIGTERM" in log.read_text() and "--resume" in log.read_text()
    assert gone_within(children, 10)
    [failed] = list((tmp_path / "runs").iterdir())
    assert failed.name.endswith(".failed") and list((failed / "training" / "checkpoints").iterdir())


def test_sigkill_of_the_command_takes_its_server_with_it(tmp_path):
    process, _ = start_long_run(tmp_path)
    children = descendants(process)
    process.kill()
    process.wait()
    assert gone_within(children, 10), [" ".join(c.cmdline()[:4]) for c in children if c.is_running()]
