"""A real Prefect server on loopback, `synthaug serve` with a cron schedule, and a run triggered with
`prefect deployment run`: the scheduled-job path users take, end to end, in real processes."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from synthaug.pipeline.config_loading import config_to_yaml, load_config
from tests.settings import SMALL_TABULAR_GAN

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFECT_RUN = [BIN / "prefect", "deployment", "run", "augment/nightly"]
TINY = [  # the deployment path is tested here; the verification has tests of its own
    "training.steps=10",
    *SMALL_TABULAR_GAN,
    "generation.per_class=10",
    "evaluation.enabled=false",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float, what: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what}: the process exited early:\n{log.read_text()[-3000:]}")
        if check():
            return
        time.sleep(1)
    pytest.fail(f"{what}: not ready after {timeout}s:\n{log.read_text()[-3000:]}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.slow
def test_a_served_deployment_runs_when_triggered_with_parameters(tmp_path):
    api = f"http://127.0.0.1:{free_port()}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
    }
    # the user's own config beside them, small settings in it, the default (relative) output_dir
    config = load_config(REPO / "examples" / "breast_cancer.yaml", overrides=TINY)
    (tmp_path / "my.yaml").write_text(
        config_to_yaml(config.model_copy(update={"output_dir": Path("runs")})), encoding="utf-8"
    )
    port = api.split(":")[2].split("/")[0]
    processes = []
    try:
        server_log = tmp_path / "server.log"
        server = subprocess.Popen(
            [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", port, "--no-ui"],
            env=env,
            stdout=server_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        processes.append(server)
        wait_until(lambda: healthy(api), 180, "prefect server", server, server_log)

        serve_log = tmp_path / "serve.log"
        serve = subprocess.Popen(
            [BIN / "synthaug", "serve", "--config", "my.yaml", "--cron", "0 2 * * *", "--name", "nightly"],
            env=env,
            cwd=tmp_path,
            stdout=serve_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        processes.append(serve)

        def deployed() -> bool:
            inspect = subprocess.run(
                [BIN / "prefect", "deployment", "inspect", "augment/nightly"],
                env=env,
                capture_output=True,
                text=True,
            )
            return inspect.returncode == 0 and "0 2 * * *" in inspect.stdout

        wait_until(deployed, 120, "deployment", serve, serve_log)
        triggered = subprocess.run(
            [*PREFECT_RUN, "--param", 'overrides=["seed=3"]', "--watch", "--watch-timeout", "400"],
            env=env,
            capture_output=True,
            text=True,
            timeout=460,
        )
        assert triggered.returncode == 0, triggered.stdout + triggered.stderr + serve_log.read_text()[-3000:]
        [run_dir] = list((tmp_path / "runs").iterdir())
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["status"] == "complete" and manifest["seed"] == 3  # the override reached the run
        assert (run_dir / "report" / "report.html").is_file() and (
            run_dir / "export" / "export.json"
        ).is_file()
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
