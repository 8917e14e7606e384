"""What a run needs to be reproduced: package versions, code commit, command line."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

TRACKED_PACKAGES = (
    "synthaug",
    "torch",
    "torchvision",
    "opacus",
    "prefect",
    "pydantic",
    "pyarrow",
    "pandas",
    "numpy",
    "scikit-learn",
    "pillow",
    "pyyaml",
)


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def code_commit() -> dict[str, Any] | None:
    """The git commit of the synthaug source tree, if it is a git checkout."""
    source_dir = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(source_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(source_dir), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def processor() -> str:
    """The CPU's model name (Linux reads it from /proc/cpuinfo), else what ``platform`` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def compute() -> dict[str, Any]:
    """What else sets the floating-point results of training: on CPU the same seed and settings give
    the same weights only with the same number of torch threads (they split the sums differently)
    and the same kind of processor (the vector instructions torch and its libraries pick)."""
    import torch  # lazily: only runs that record their environment need it

    return {
        "processor": processor(),
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def environment() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": code_commit(),
        "compute": compute(),
    }
