"""Run directories: ``<output_dir>/<name>-<UTC timestamp>/``, never half-written.

A run works in ``<id>.partial/``. On success it is renamed to ``<id>/`` (complete); on a user
error it is removed (nothing left behind); on an internal error it becomes ``<id>.failed/`` with
``FAILED.txt`` holding the traceback. A directory without a suffix is therefore always complete.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import shutil
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import (
    FAILURE_FILE,
    LOG_FILE,
    MANIFEST_FILE,
    RunLayout,
)

PARTIAL_SUFFIX = ".partial"
FAILED_SUFFIX = ".failed"
CAPTURED_LOGGERS = (
    "synthaug",
    "prefect.flow_runs",
    "prefect.task_runs",
)


def completed_run(path: Path) -> Path:
    """``path`` if it is a completed run directory; a clear error for a missing folder, a run that
    failed or is still running, or a folder that is not a run."""
    path = Path(path)
    if not path.exists():
        raise UserInputError("no run directory here", where=path, hint="Check the path (see `ls runs/`).")
    if not path.is_dir():
        raise UserInputError("expected a run directory but found a file", where=path)
    for suffix, state, hint in (
        (FAILED_SUFFIX, "failed", "Resume it with `synthaug run --resume RUN_DIR`, then export."),
        (
            PARTIAL_SUFFIX,
            "not finished (still running, or killed)",
            "Resume it with `synthaug run --resume RUN_DIR`.",
        ),
    ):
        if path.name.endswith(suffix):
            raise UserInputError(
                f"this run {state}; only a completed run can be exported", where=path, hint=hint
            )
    if not (path / MANIFEST_FILE).is_file():
        raise UserInputError(
            f"not a run directory (no {MANIFEST_FILE})",
            where=path,
            hint="Give the folder a `synthaug run` created under its output directory.",
        )
    return path


def split_file(run_path: Path, part: str) -> Path:
    """A run's recorded ``train`` or ``test`` data file (NPZ for images, Parquet for tables)."""
    layout = RunLayout(run_path)
    found = [path for kind in ("image", "tabular") if (path := layout.split_data(part, kind)).exists()]
    if not found:
        raise UserInputError(f"the run has no recorded {part} split", where=layout.data)
    return found[0]


@dataclass(frozen=True)
class RunDirectory:
    run_id: str
    output_dir: Path
    started_at: datetime
    created_output_dir: bool = False  # remove it again if the run leaves nothing
    resumed: bool = False  # a resumed run is never discarded: it holds earlier work

    @property
    def partial(self) -> Path:
        return self.output_dir / f"{self.run_id}{PARTIAL_SUFFIX}"

    @property
    def final(self) -> Path:
        return self.output_dir / self.run_id

    @property
    def failed(self) -> Path:
        return self.output_dir / f"{self.run_id}{FAILED_SUFFIX}"

    @property
    def path(self) -> Path:
        """Where the run's files are right now."""
        for candidate in (self.partial, self.final, self.failed):
            if candidate.exists():
                return candidate
        return self.partial

    def file(self, relative: str) -> Path:
        return self.path / relative

    def complete(self) -> Path:
        os.replace(self.partial, self.final)
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.partial, ignore_errors=True)
        if self.created_output_dir:
            with contextlib.suppress(OSError):
                self.output_dir.rmdir()  # only if empty

    def mark_failed(self, details: str) -> Path:
        (self.partial / FAILURE_FILE).write_text(details, encoding="utf-8")
        os.replace(self.partial, self.failed)
        return self.failed


def reopen_run_directory(path: Path) -> RunDirectory:
    """An interrupted (``.partial``) or failed (``.failed``) run, made ``.partial`` again to resume."""
    path = path.resolve()
    name = path.name
    for suffix in (PARTIAL_SUFFIX, FAILED_SUFFIX):
        if name.endswith(suffix):
            run_id = name.removesuffix(suffix)
            break
    else:
        raise UserInputError(
            "only an interrupted (.partial) or failed (.failed) run can be resumed",
            where=path,
            hint="A directory without a suffix is a completed run; start a new run instead.",
        )
    if not path.is_dir():
        raise UserInputError("run directory not found", where=path)
    started = datetime.fromtimestamp(path.stat().st_ctime, UTC)
    run = RunDirectory(run_id, path.parent, started, resumed=True)
    if path != run.partial:
        (path / FAILURE_FILE).unlink(missing_ok=True)
        os.replace(path, run.partial)
    return run


def create_run_directory(output_dir: Path, name: str, *, now: datetime | None = None) -> RunDirectory:
    """A new, empty ``.partial`` directory with a unique id (its paths are absolute)."""
    now = now or datetime.now(UTC)
    output_dir = Path(os.path.abspath(output_dir))
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    created = not output_dir.exists()
    output_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        run_id = f"{name}-{stamp}" if attempt == 1 else f"{name}-{stamp}-{attempt}"
        run = RunDirectory(run_id, output_dir, now, created)
        if any(p.exists() for p in (run.partial, run.final, run.failed)):
            continue
        try:
            run.partial.mkdir()
        except FileExistsError:
            continue
        return run
    raise RuntimeError(f"could not find a free run id under {output_dir}")


# The run whose code is executing: set by run_lifecycle, inherited by the threads Prefect runs
# tasks in (they copy the context), so that runs side by side in one process keep their own logs.
_ACTIVE_RUN: contextvars.ContextVar[str | None] = contextvars.ContextVar("synthaug_run", default=None)


class _ThisRunOnly(logging.Filter):
    def __init__(self, run_id: str):
        super().__init__()
        self.run_id = run_id

    def filter(self, record: logging.LogRecord) -> bool:
        return _ACTIVE_RUN.get() == self.run_id


@contextlib.contextmanager
def run_lifecycle(run: RunDirectory) -> Iterator[RunDirectory]:
    """Capture the run's logs into it, then complete, discard (user error) or mark it failed."""
    log_path = run.partial / LOG_FILE
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_ThisRunOnly(run.run_id))
    active = _ACTIVE_RUN.set(run.run_id)
    loggers = [logging.getLogger(name) for name in CAPTURED_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
    succeeded = False
    try:
        yield run
        succeeded = True
    except UserInputError as exc:
        _detach(handler, loggers)
        if getattr(exc, "keep_run", False) or run.resumed:
            run.mark_failed(exc.render())
        else:
            run.discard()
        raise
    except BaseException:
        _detach(handler, loggers)
        run.mark_failed(traceback.format_exc())
        raise
    finally:
        _detach(handler, loggers)
        _ACTIVE_RUN.reset(active)
        if succeeded:
            run.complete()


def _detach(handler: logging.Handler, loggers: list[logging.Logger]) -> None:
    for logger in loggers:
        logger.removeHandler(handler)
    handler.close()
