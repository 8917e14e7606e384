"""The ``augment`` flow: the main job behind ``synthaug run`` and ``synthaug demo``.

Tasks: ingest -> validate -> split -> write-run-directory -> train -> generate -> verify -> export ->
report -> finish.
Ingestion and splitting pass datasets in memory (one process); every later task reads what it
needs from the run directory, which is also what lets ``--resume`` continue a killed run.
Training has no retries: a retry cannot fix a diverging GAN and would repeat hours of work.
"""

# No ``from __future__ import annotations``: Prefect validates a deployment run's JSON parameters
# against these signatures in a fresh process, which needs the real classes, not strings.
from datetime import timedelta
from pathlib import Path
from typing import Any

from flows.prefect_settings import apply_defaults

apply_defaults()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import INPUTS, NO_CACHE, TASK_SOURCE, CacheKeyFnPolicy  # noqa: E402

from flows import artifacts  # noqa: E402
from flows.gpu_lock import gpu_slot  # noqa: E402
from pipeline import job  # noqa: E402
from pipeline.config import DatasetConfig, SynthaugConfig  # noqa: E402
from pipeline.config_loading import load_config  # noqa: E402
from pipeline.dataset import Dataset  # noqa: E402
from pipeline.errors import UserInputError  # noqa: E402
from pipeline.rundir import RunDirectory, create_run_directory, reopen_run_directory, run_lifecycle  # noqa: E402
from pipeline.sources import source_fingerprint  # noqa: E402
from pipeline.split import HeldOutTest, TrainSplit  # noqa: E402

_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


def transient_io_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only what a retry can fix: an OSError while writing (a full disk, a flaky network
    share). Exports and reports are written atomically, so a retry starts clean; user errors and
    bugs are not retried."""
    try:
        state.result()
    except UserInputError:
        return False
    except OSError:
        return True
    except Exception:  # a bug: retrying would only repeat it
        return False
    return False


def _source_key(context: Any, parameters: dict[str, Any]) -> str:
    return source_fingerprint(parameters["spec"])


# Ingestion is cached by the dataset settings, the task's code and the source's contents, so a
# re-run that changes only training or generation settings skips reading and parsing the data.
# The parsed dataset is kept in Prefect's local result storage ($PREFECT_HOME/storage).
INGEST_CACHE = INPUTS + TASK_SOURCE + CacheKeyFnPolicy(cache_key_fn=_source_key)


@task(name="ingest", cache_policy=INGEST_CACHE, persist_result=True, cache_expiration=timedelta(days=7))
def ingest_task(spec: DatasetConfig) -> Dataset:
    return job.ingest(spec)


@task(name="validate", **_TASK)
def validate_task(dataset: Dataset) -> dict[str, int]:
    return job.check(dataset)


@task(name="split", **_TASK)
def split_task(dataset: Dataset, config: SynthaugConfig) -> tuple[TrainSplit, HeldOutTest]:
    return job.split(dataset, config)


@task(name="write-run-directory", **_TASK)
def record_task(
    run: RunDirectory,
    config: SynthaugConfig,
    dataset: Dataset,
    train: TrainSplit,
    test: HeldOutTest,
    command: list[str],
) -> job.SplitSummary:
    return job.record_run(run, config=config, dataset=dataset, train=train, test=test, command=command)


@task(name="train", **_TASK)
def train_task(run: RunDirectory, config: SynthaugConfig, resume: bool) -> dict[str, Any]:
    from models.device import select_device

    progress = artifacts.training_progress(config.name, config.training.steps)
    with gpu_slot(select_device(config.training.device).type):  # one GPU training at a time
        return job.train(run, config, resume=resume, on_step=progress)


@task(name="generate", **_TASK)
def generate_task(run: RunDirectory, config: SynthaugConfig) -> dict[str, Any]:
    return job.generate(run, config)


@task(name="verify", **_TASK)
def verify_task(run: RunDirectory, config: SynthaugConfig) -> dict[str, Any]:
    summary = job.verify(run, config)
    artifacts.verification_table(config.name, summary)
    return summary


@task(name="export", retries=2, retry_delay_seconds=5, retry_condition_fn=transient_io_error, **_TASK)
def export_task(
    run: RunDirectory,
    config: SynthaugConfig,
    training: dict[str, Any],
    generation: dict[str, Any],
    verification: dict[str, Any],
) -> dict[str, Any]:
    return job.export(run, config, training=training, generation=generation, verification=verification)


@task(name="report", retries=2, retry_delay_seconds=5, retry_condition_fn=transient_io_error, **_TASK)
def report_task(run: RunDirectory, exported: dict[str, Any]) -> dict[str, str]:
    return job.report(run, exported=exported)


@task(name="finish", **_TASK)
def finish_task(run: RunDirectory, exported: dict[str, Any], reported: dict[str, str]) -> dict[str, Any]:
    return job.finish(run, exported=exported, reported=reported)


@flow(name="augment", persist_result=False)
def augment(
    config: SynthaugConfig,
    command: list[str] | None = None,
    resume: str | None = None,
    overrides: list[str] | None = None,
) -> str:
    """Run the augmentation job for ``config``; returns the completed run directory.

    ``overrides`` are ``KEY=VALUE`` changes to the config, as with ``--set`` (a deployment run can
    pass ``--param 'overrides=["seed=3"]'`` instead of a whole config). With ``resume`` (an
    interrupted or failed run directory), ingestion and splitting are taken from that run and
    training continues from its latest checkpoint.
    """
    if overrides:
        config = load_config(base=config, overrides=overrides)
    job.check_config(config)  # before anything is written
    run = (
        reopen_run_directory(Path(resume)) if resume else create_run_directory(config.output_dir, config.name)
    )
    with run_lifecycle(run):
        if not resume:
            dataset = ingest_task(config.dataset)
            validate_task(dataset)
            train, test = split_task(dataset, config)
            record_task(run, config, dataset, train, test, command or [])
        training = train_task(run, config, bool(resume))
        generation = generate_task(run, config)
        verification = verify_task(run, config)
        exported = export_task(run, config, training, generation, verification)
        reported = report_task(run, exported)
        manifest = finish_task(run, exported, reported)
    artifacts.run_summary(config.name, run.final, manifest)
    return str(run.final)
