"""No process outlives the command, and SIGTERM stops a run cleanly.

Prefect's temporary API server, Dask workers and process-pool workers are child processes that
the parent stops at exit (``atexit``). That does not happen when the parent is killed (SIGKILL,
the OOM killer, a closed terminal), and Python's default SIGTERM ends a process without running
``atexit`` either. So commands that start such children call :func:`guard_children`:

- every child inherits a per-command token in its environment (``SYNTHAUG_COMMAND_TOKEN``);
- a small watchdog process (``python -m synthaug.flows.process_guard PID TOKEN``, in its own session so
  a signal to the terminal's process group does not reach it) polls the parent twice a second
  and, once the parent is gone, terminates every process of this user carrying the token (then
  kills what is left after 3 s), orphans included;
- SIGTERM raises :class:`Terminated` in the main thread: the run in progress is marked failed
  with its checkpoints, so ``synthaug run --resume RUN_DIR`` continues it, and ``atexit`` stops
  the server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

TOKEN_ENV = "SYNTHAUG_COMMAND_TOKEN"
POLL_SECONDS = 0.5
GRACE_SECONDS = 3.0


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, so that cleanup runs as for Ctrl-C."""


_received: list[int] = []  # the signal numbers our handler saw (the CLI reads it for its exit code)


def received_sigterm() -> bool:
    return signal.SIGTERM in _received


def guard_children() -> None:
    """Start the watchdog (once per process) and turn SIGTERM into :class:`Terminated`."""
    if os.environ.get(TOKEN_ENV):
        return  # already guarded (or a child of a guarded command)
    token = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    subprocess.Popen(
        [sys.executable, "-m", "synthaug.flows.process_guard", str(os.getpid()), token],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
    os.environ[TOKEN_ENV] = token  # children started from now on carry it
    if threading.current_thread() is threading.main_thread():  # signal handlers live there only
        signal.signal(signal.SIGTERM, _raise_terminated)


def _raise_terminated(signum: int, frame: object) -> None:
    _received.append(signum)
    raise Terminated("stopped by SIGTERM")


def _watch(parent: int, token: str) -> None:
    import psutil

    try:
        started = psutil.Process(parent).create_time()
    except psutil.NoSuchProcess:
        started = None
    while started is not None:
        try:
            alive = psutil.Process(parent).create_time() == started
        except psutil.NoSuchProcess:
            alive = False
        if not alive:
            break
        time.sleep(POLL_SECONDS)
    carriers = []
    for process in psutil.process_iter():
        if process.pid == os.getpid():
            continue
        try:
            if process.environ().get(TOKEN_ENV) == token:
                carriers.append(process)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess, OSError):
            continue
    for process in carriers:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _, alive = psutil.wait_procs(carriers, timeout=GRACE_SECONDS)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


if __name__ == "__main__":
    _watch(int(sys.argv[1]), sys.argv[2])
