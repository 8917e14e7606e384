"""Shared fixtures. Prefect gets a private home and no telemetry before anything imports it."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
# a private Prefect home (database, ingest cache); under pytest -n, one per worker process.
# Removed when the process exits, so repeated runs do not fill the disk.
if "PYTEST_XDIST_WORKER" in os.environ or "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="synthaug-prefect-home-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    # pytest -n N: the workers share the cores. Torch's default, a thread per core in every worker
    # and in every command a test starts, oversubscribes them, and OpenMP threads waiting for a
    # busy core slowed training tests up to six times. Set before torch is imported; inherited.
    workers = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, cores // workers)))

from pathlib import Path

import pytest

from synthaug.flows.cli import main


@pytest.fixture(scope="session")
def prefect_api():
    """One throw-away Prefect API server for every in-process flow run of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``synthaug`` in-process: returns (exit code, stdout, stderr). The process guard (a
    watchdog and a SIGTERM handler for the whole process) is left to the subprocess tests
    (tests/integration/test_process_cleanup.py): here it would guard pytest itself."""
    monkeypatch.setattr("synthaug.flows.cli.guard_children", lambda: None)

    def invoke(*args: str) -> tuple[int, str, str]:
        _point_prefect_console_at(sys.stderr)  # so err holds what a terminal would show
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def _point_prefect_console_at(stream) -> None:
    """Prefect's console handlers keep the stream they were made with; capsys swaps it per test."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *map(logging.getLogger, list(logging.root.manager.loggerDict))]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler):
                handler.stream = stream  # not setStream(): it flushes the old, closed stream
                handler.console.file = stream


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a YAML config next to the data; returns its path."""
    import yaml

    def write(dataset: dict, name: str = "config.yaml", **sections) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump({"dataset": dataset, **sections}), encoding="utf-8")
        return path

    return write
