"""Ingestion is cached by dataset settings and source contents: a re-run that changes only training
settings skips it, a changed source file does not."""

import asyncio

import pytest

from tests.settings import SMALL_TABULAR_GAN, set_args


async def ingest_states() -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName
    from prefect.client.schemas.sorting import TaskRunSort

    async with get_client() as client:
        runs = await client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="ingest")),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
        )
    return [run.state.name for run in runs]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_a_rerun_with_new_training_settings_reuses_the_ingested_data(cli, write_config, tmp_path):
    rows = ["a,b,label"] + [f"{i % 7},{(i * 3) % 5},{'x' if i % 2 else 'y'}" for i in range(60)]
    (tmp_path / "cached.csv").write_text("\n".join(rows) + "\n")
    tiny = set_args(*SMALL_TABULAR_GAN, "generation.per_class=5", "evaluation.enabled=false")
    config = write_config({"source": "cached.csv", "target": "label"}, output_dir=str(tmp_path / "runs"))
    before = len(asyncio.run(ingest_states()))
    for steps in (4, 6):
        code, _, err = cli("run", "--config", config, *tiny, f"--set=training.steps={steps}")
        assert code == 0, err
    (tmp_path / "cached.csv").write_text("\n".join([*rows, "1,1,x"]) + "\n")  # the data changed
    code, _, err = cli("run", "--config", config, *tiny, "--set=training.steps=4")
    assert code == 0, err
    assert asyncio.run(ingest_states())[before:] == ["Completed", "Cached", "Completed"]

    from synthaug.flows.augment import ingested_folder

    for parsed in ingested_folder().glob("*.parquet"):  # the cache outlived its file: ingest again
        parsed.unlink()
    code, _, err = cli("run", "--config", config, *tiny, "--set=training.steps=4")
    assert code == 0, err
    assert asyncio.run(ingest_states())[before + 3 :] == ["Cached", "Completed"]
