"""One training at a time per GPU: a Prefect global concurrency limit around GPU training.

Scheduled jobs on one machine share its GPU. Training on CUDA holds a slot of the global
concurrency limit ``synthaug-gpu`` (created with one slot the first time it is needed), so a
second job waits for the first to finish training instead of both running out of memory. Raise
the limit (``prefect gcl update synthaug-gpu --limit 2``) on a machine with more GPUs. CPU
training takes no slot.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound

GPU_LIMIT = "synthaug-gpu"


def ensure_limit(name: str = GPU_LIMIT, slots: int = 1) -> None:
    """Create the limit unless it exists (an existing limit keeps the slots an operator set)."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=slots))


@contextmanager
def gpu_slot(device_type: str, *, timeout_seconds: float | None = None) -> Iterator[None]:
    """Hold a ``synthaug-gpu`` slot while training on CUDA; nothing for other devices."""
    if device_type != "cuda":
        yield
        return
    ensure_limit()
    with concurrency(GPU_LIMIT, occupy=1, timeout_seconds=timeout_seconds, strict=True):
        yield
