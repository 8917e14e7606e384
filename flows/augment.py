"""The ``augment`` flow: the main job behind ``synthaug run`` and ``synthaug demo``.

Tasks: ingest -> check -> split -> record. Datasets pass between tasks in memory (the flow runs
in one process), so the tasks do not cache or persist results.
"""

from __future__ import annotations

from flows.prefect_settings import apply_defaults

apply_defaults()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from pipeline import job  # noqa: E402
from pipeline.config import DatasetConfig, SynthaugConfig  # noqa: E402
from pipeline.dataset import Dataset  # noqa: E402
from pipeline.rundir import RunDirectory, create_run_directory, run_lifecycle  # noqa: E402
from pipeline.split import HeldOutTest, TrainSplit  # noqa: E402

_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="ingest", **_TASK)
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


@flow(name="augment", persist_result=False)
def augment(config: SynthaugConfig, command: list[str] | None = None) -> str:
    """Run the augmentation job for ``config``; returns the completed run directory."""
    run = create_run_directory(config.output_dir, config.name)
    with run_lifecycle(run):
        dataset = ingest_task(config.dataset)
        validate_task(dataset)
        train, test = split_task(dataset, config)
        record_task(run, config, dataset, train, test, command or [])
    return str(run.final)
