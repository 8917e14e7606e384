import builtins

import pytest
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner
from pydantic import ValidationError

from synthaug.flows.task_runners import task_runner_for
from synthaug.pipeline.config import ExecutionConfig
from synthaug.pipeline.errors import UserInputError


def test_threads_by_default_with_the_configured_number_of_workers():
    runner = task_runner_for(ExecutionConfig())
    assert isinstance(runner, ThreadPoolTaskRunner) and runner._max_workers == 1
    assert task_runner_for(ExecutionConfig(workers=3))._max_workers == 3


def test_dask_at_an_address_connects_to_that_cluster():
    runner = task_runner_for(ExecutionConfig(task_runner="dask", dask_address="tcp://10.0.0.5:8786"))
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://10.0.0.5:8786"


def test_local_dask_cluster_has_single_threaded_workers_reporting_to_this_api(monkeypatch):
    monkeypatch.setattr("synthaug.flows.task_runners.current_api_url", lambda: "http://127.0.0.1:4200/api")
    runner = task_runner_for(ExecutionConfig(task_runner="dask", workers=3))
    assert runner.address is None
    assert runner.cluster_kwargs["n_workers"] == 3 and runner.cluster_kwargs["threads_per_worker"] == 1
    assert runner.cluster_kwargs["env"] == {"PREFECT_API_URL": "http://127.0.0.1:4200/api"}


def test_an_address_without_dask_is_refused_with_the_fix():
    with pytest.raises(ValidationError, match="set task_runner: dask"):
        ExecutionConfig(dask_address="tcp://10.0.0.5:8786")


def test_dask_without_prefect_dask_installed_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def without_prefect_dask(name, *args, **kwargs):
        if name == "prefect_dask":
            raise ImportError("No module named 'prefect_dask'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_prefect_dask)
    with pytest.raises(UserInputError, match=r"synthaug\[dask\]"):
        task_runner_for(ExecutionConfig(task_runner="dask", dask_address="tcp://10.0.0.5:8786"))
