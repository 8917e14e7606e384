"""benchmarks/gpu_check.sh on a machine without a CUDA GPU: it says so and succeeds."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(torch.cuda.is_available(), reason="with a GPU the script runs the GPU checks (minutes)")
def test_gpu_check_says_there_is_no_gpu_and_exits_0():
    result = subprocess.run(
        ["bash", str(REPO / "benchmarks" / "gpu_check.sh")],
        env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no CUDA GPU visible" in result.stdout and "nothing to check" in result.stdout
