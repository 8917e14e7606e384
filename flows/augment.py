"""The ``augment`` flow: the main job behind ``synthaug run`` and ``synthaug demo``.

Tasks: ingest -> validate -> split -> train -> generate -> cross-fit (the selection folds'
generators, stages/fold_generators.py) -> verify (a subflow whose units fan out
over the ``execution`` task runner, flows/verification.py) -> export -> report -> finish.
Tasks pass paths and small summaries: ingestion writes the parsed dataset to a file and passes
its path; ``split`` writes the run directory, from which every later task reads what it needs
(which is also what lets ``--resume`` continue a killed run).
Training has no retries: a retry cannot fix a diverging GAN and would repeat hours of work.
"""

# No ``from __future__ import annotations``: Prefect validates a deployment run's JSON parameters
# against these signatures in a fresh process, which needs the real classes, not strings.
from datetime import timedelta
from pathlib import Path
from typing import Any

from synthaug.flows.prefect_settings import apply_defaults

apply_defaults()

from prefect import flow, task, unmapped  # noqa: E402
from prefect.cache_policies import INPUTS, NO_CACHE, TASK_SOURCE, CacheKeyFnPolicy  # noqa: E402

from synthaug.flows import artifacts  # noqa: E402
from synthaug.flows.gpu_lock import gpu_slot  # noqa: E402
from synthaug.flows.task_runners import task_runner_for  # noqa: E402
from synthaug.flows.verification import run_verify_flow  # noqa: E402
from synthaug.pipeline.config import DatasetConfig, ExecutionConfig, SynthaugConfig  # noqa: E402
from synthaug.pipeline.config_loading import load_config  # noqa: E402
from synthaug.pipeline.dataset_io import read_dataset  # noqa: E402
from synthaug.pipeline.errors import UserInputError  # noqa: E402
from synthaug.pipeline.rundir import RunDirectory, create_run_directory, reopen_run_directory, run_lifecycle  # noqa: E402
from synthaug.pipeline.sources import source_fingerprint  # noqa: E402
from synthaug.pipeline.stage_clock import StageClock  # noqa: E402
from synthaug.stages import job, preflight  # noqa: E402
from synthaug.stages.order import CROSS_FIT, EXPORT, GENERATE, INGEST, REPORT, SPLIT, TRAIN, VALIDATE, VERIFY  # noqa: E402

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
# The cached result is the parsed dataset's path ($PREFECT_HOME/synthaug/ingested/) and summary.
INGEST_CACHE = INPUTS + TASK_SOURCE + CacheKeyFnPolicy(cache_key_fn=_source_key)


@task(name="ingest", cache_policy=INGEST_CACHE, persist_result=True, cache_expiration=timedelta(days=7))
def ingest_task(spec: DatasetConfig) -> job.IngestedData:
    return job.ingest_to(spec, ingested_folder())


def ingested_folder() -> Path:
    """Parsed datasets, kept beside Prefect's cached results (which hold only their paths)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home) / "synthaug" / "ingested"


def ingest(spec: DatasetConfig) -> job.IngestedData:
    """The cached ingestion, run again when its file has been removed since it was cached."""
    ingested = ingest_task(spec)
    if not Path(ingested.path).is_file():
        ingested = ingest_task.with_options(refresh_cache=True)(spec)
    return ingested


@task(name="validate", **_TASK)
def validate_task(ingested: job.IngestedData) -> dict[str, int]:
    return job.check(read_dataset(Path(ingested.path)))


@task(name="split", **_TASK)
def split_task(
    run: RunDirectory, config: SynthaugConfig, ingested: job.IngestedData, command: list[str]
) -> job.SplitSummary:
    return job.split_into_run(run, config, dataset_file=Path(ingested.path), command=command)


@task(name="train", **_TASK)
def train_task(run: RunDirectory, config: SynthaugConfig, resume: bool) -> dict[str, Any]:
    from synthaug.models.device import select_device

    gan = config.training.synthesizer == "gan"  # a copula takes no steps to show
    progress = artifacts.training_progress(config.name, config.training.steps) if gan else None
    with gpu_slot(select_device(config.training.device).type):  # one GPU training at a time
        return job.train(run, config, resume=resume, on_step=progress)


@task(name="generate", **_TASK)
def generate_task(run: RunDirectory, config: SynthaugConfig) -> dict[str, Any]:
    return job.generate(run, config)


@task(name="cross-fit", **_TASK)
def cross_fit_task(run: RunDirectory, config: SynthaugConfig) -> dict[str, Any]:
    """The selection folds' generators (stages/fold_generators.py)."""
    from synthaug.models.device import select_device
    from synthaug.stages.fold_generators import train_fold_generators

    with gpu_slot(select_device(config.training.device).type):
        return train_fold_generators(run, config)


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
def report_task(
    run: RunDirectory, exported: dict[str, Any], stage_seconds: dict[str, float]
) -> dict[str, str]:
    from synthaug.reports.run_report import write_report  # matplotlib: imported when used

    return write_report(run.path, exported, stage_seconds)


@task(name="finish", **_TASK)
def finish_task(
    run: RunDirectory, exported: dict[str, Any], reported: dict[str, str], stage_seconds: dict[str, float]
) -> dict[str, Any]:
    return job.finish(run, exported=exported, reported=reported, stage_seconds=stage_seconds)


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
    preflight.check_config(config)  # before anything is written
    run = (
        reopen_run_directory(Path(resume)) if resume else create_run_directory(config.output_dir, config.name)
    )
    clock = StageClock()  # each stage's wall time, into the manifest and the report
    with run_lifecycle(run):
        if not resume:
            with clock.stage(INGEST):
                ingested = ingest(config.dataset)
            with clock.stage(VALIDATE):
                validate_task(ingested)
            with clock.stage(SPLIT):
                split_task(run, config, ingested, command or [])
        with clock.stage(TRAIN):
            training = train_task(run, config, bool(resume))
        with clock.stage(GENERATE):
            generation = generate_task(run, config)
        with clock.stage(CROSS_FIT):
            cross_fit_task(run, config)
        with clock.stage(VERIFY):
            verification = run_verify_flow(run, config)  # a subflow: its units fan out
        with clock.stage(EXPORT):
            exported = export_task(run, config, training, generation, verification)
        with clock.stage(REPORT):
            reported = report_task(run, exported, dict(clock.seconds))
        manifest = finish_task(run, exported, reported, clock.seconds)
    artifacts.run_summary(config.name, run.final, manifest)
    return str(run.final)


@task(name="augment-dataset", **_TASK)
def augment_dataset_task(config: SynthaugConfig, command: list[str]) -> str:
    """One dataset's whole job, as a nested ``augment`` flow run."""
    return augment(config, command=command)


@flow(name="augment-many", persist_result=False)
def augment_many(configs: list[SynthaugConfig], command: list[str] | None = None) -> list[str]:
    """The augmentation job for several datasets, spread over the flow's task runner (see
    ``run_many``); returns the completed run directories in the order of ``configs``.

    Every config is checked before any job starts. A job that fails does not stop the others:
    its run directory is marked failed as usual, and the flow fails at the end, naming it.
    """
    for config in configs:
        preflight.check_config(config)
    futures = augment_dataset_task.map(configs, unmapped(command or []))
    done, failed = [], []
    for config, future in zip(configs, futures, strict=True):
        future.wait()
        try:
            done.append(future.result())
        except Exception as error:  # each failure was logged and recorded by its own run
            failed.append((config.name, error))
    if failed:
        message = "; ".join(f"{name}: {error}" for name, error in failed)
        summary = f"{len(failed)} of {len(configs)} datasets failed ({message})"
        if all(isinstance(error, UserInputError) for _, error in failed):
            raise UserInputError(summary, hint="Fix those configs or their data and run them again.")
        raise RuntimeError(summary)
    return done


def run_many(configs: list[SynthaugConfig], execution: ExecutionConfig, command: list[str]) -> list[str]:
    """``augment_many`` with its datasets spread over a task runner for ``execution`` (each job's
    own verification fans out as its config's ``execution`` says)."""
    return augment_many.with_options(task_runner=task_runner_for(execution))(configs, command)
