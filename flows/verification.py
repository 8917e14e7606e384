"""The ``verify`` subflow: a run's verification units (evaluation/run_verification.py)
spread over the task runner named by the config's ``execution`` section.

select-amount (one task per classifier) -> score-seed (one per classifier and seed, each after its
classifier's selection), fidelity alongside -> combine-verification. With the default one thread
worker the tasks run one after another in the flow's thread (see ``in_this_thread``). Each task
loads its inputs from the run directory and writes its output there, so tasks pass paths and
small summaries and run equally well in threads or in Dask worker processes. The order does not
change the result; on CPU, the image CNN's scores depend on torch's thread count (one in a Dask
worker).
"""

# No ``from __future__ import annotations``: Prefect validates flow parameters against the real
# classes (see flows/augment.py).
from typing import TYPE_CHECKING, Any

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE

from synthaug.evaluation import run_verification as units
from synthaug.flows import artifacts
from synthaug.flows.task_runners import task_runner_for
from synthaug.pipeline.config import EvaluationConfig, ExecutionConfig, SynthaugConfig
from synthaug.pipeline.rundir import RunDirectory
from synthaug.stages import verification

if TYPE_CHECKING:  # imports torch: the tasks only need the name
    from synthaug.evaluation.verification_inputs import VerificationFiles

_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="select-amount", **_TASK)
def select_task(
    files: "VerificationFiles", spec: EvaluationConfig, classifier: str, device: str
) -> dict[str, Any]:
    return units.select_unit(files, spec=spec, classifier=classifier, device=device)


@task(name="score-seed", **_TASK)
def score_task(
    files: "VerificationFiles", spec: EvaluationConfig, classifier: str, seed: int, device: str
) -> dict[str, Any]:
    return units.score_unit(files, spec=spec, classifier=classifier, seed=seed, device=device)


@task(name="fidelity", **_TASK)
def fidelity_task(files: "VerificationFiles", spec: EvaluationConfig, device: str) -> dict[str, Any]:
    return units.fidelity_unit(files, spec=spec, device=device)


@task(name="combine-verification", **_TASK)
def combine_task(files: "VerificationFiles", spec: EvaluationConfig) -> dict[str, Any]:
    return units.combine_units(files, spec=spec)


@flow(name="verify", persist_result=False)
def verify_flow(run: RunDirectory, config: SynthaugConfig) -> dict[str, Any]:
    """Every verification unit of ``run``, then the combined result (its summary is returned and
    published as a table artifact)."""
    found = verification.plan(run, config)
    if found is None:
        return verification.not_verified()
    files, spec, device = found.files, found.spec, found.device
    names = units.classifier_names(spec, files.kind)
    on_update = artifacts.progress(
        config.name, "verification-progress", "Verification progress, % of classifier fits"
    )
    # tasks in threads report each fit to this progress (a Dask worker's do not: they show as done)
    with units.verification_progress(files, spec, on_update=on_update):
        if in_this_thread(config.execution):
            for name in names:
                select_task(files, spec, name, device)
                for seed in range(spec.seeds):
                    score_task(files, spec, name, seed, device)
            fidelity_task(files, spec, device)
            done = []
        else:
            selections = {name: select_task.submit(files, spec, name, device) for name in names}
            scores = [
                future
                for name in names
                for future in score_task.map(
                    unmapped(files),
                    unmapped(spec),
                    name,
                    range(spec.seeds),
                    unmapped(device),
                    wait_for=[selections[name]],
                )
            ]
            done = [*selections.values(), *scores, fidelity_task.submit(files, spec, device)]
            for future in done:
                future.wait()
    summary = combine_task(files, spec, wait_for=done)
    verification.log_verdict(summary)
    artifacts.verification_table(config.name, summary)
    return summary


def in_this_thread(execution: ExecutionConfig) -> bool:
    """One thread worker: run the units one after another in the flow's own thread. Torch's
    OpenMP threads serve the thread that first used them (the GAN training, in this thread) at
    full speed; measured here, a CNN fit in another thread of the process took 1.5-1.8x as long."""
    return execution.task_runner == "threads" and execution.workers == 1


def run_verify_flow(run: RunDirectory, config: SynthaugConfig) -> dict[str, Any]:
    """The subflow on a fresh task runner for ``config.execution``."""
    return verify_flow.with_options(task_runner=task_runner_for(config.execution))(run, config)
