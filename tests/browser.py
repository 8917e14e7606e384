"""Debian's chromium for the browser tests: found, installed by .ci/ensure-chromium when this
machine allows it, or the test is skipped with the reason. Nothing is downloaded by playwright:
it drives the system browser (``executable_path``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def system_chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:  # pytest run directly, without make test: try the same set-up step
        subprocess.run(["sh", str(REPO / ".ci" / "ensure-chromium")], check=False, timeout=600)
        browser = shutil.which("chromium")
    if browser is None:
        pytest.skip(
            "Chromium is not installed and .ci/ensure-chromium could not install it (needs root and apt-get)"
        )
    return browser


def headless(*args: str) -> subprocess.CompletedProcess:
    """One headless chromium command (``--dump-dom``, ``--screenshot=...``)."""
    command = [system_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)
