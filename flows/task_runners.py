"""The task runner for work that can run side by side, built from ``execution`` (pipeline/config.py).

- ``threads``: Prefect's ThreadPoolTaskRunner with ``workers`` threads in the flow's process.
- ``dask``: prefect-dask's DaskTaskRunner. Without ``dask_address`` it starts a local cluster of
  ``workers`` processes with one thread each (Dask sets ``OMP_NUM_THREADS=1`` in them, so torch
  does not oversubscribe the cores); with it, tasks go to the running cluster, whose workers must
  have synthaug installed and reach the same run directories (a shared filesystem).

Local worker processes report their task runs to the flow's Prefect API, the embedded ephemeral
one included (its address is passed to them), so every task shows up in one place.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect.task_runners import ThreadPoolTaskRunner

from synthaug.pipeline.config import ExecutionConfig
from synthaug.pipeline.errors import UserInputError


def task_runner_for(spec: ExecutionConfig) -> Any:
    """A fresh task runner for ``spec`` (a runner is entered by one flow run only)."""
    if spec.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=spec.workers)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as missing:
        raise UserInputError(
            "execution.task_runner is dask, but prefect-dask is not installed",
            where="execution.task_runner",
            hint="Install the extra (pip install 'synthaug[dask]'), or use task_runner: threads.",
        ) from missing
    logging.getLogger("distributed").setLevel(logging.WARNING)  # cluster start-up chatter
    if spec.dask_address is not None:
        return DaskTaskRunner(address=spec.dask_address)
    cluster = {
        "n_workers": spec.workers,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": None,  # no web server on a port nobody asked for
        "env": {"PREFECT_API_URL": current_api_url()},
    }
    return DaskTaskRunner(cluster_kwargs=cluster)


def current_api_url() -> str:
    """The Prefect API this process talks to (the ephemeral server's address when there is no
    PREFECT_API_URL)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url)
