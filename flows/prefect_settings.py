"""Prefect settings synthaug applies before Prefect is imported.

Telemetry is off, and without ``PREFECT_API_URL`` flows run on Prefect's embedded ephemeral API
(no server to start). Values the user has already set are left alone.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def apply_defaults() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
