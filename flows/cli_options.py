"""The options several ``synthaug`` commands share (--set, --config, --seed, --name, --output-dir)
and their checks: the config overrides they stand for, the execution of several --config, and
serve's --cron schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthaug.pipeline.errors import UserInputError

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        metavar="KEY=VALUE",
        help="Override a config value, e.g. --set dataset.per_class=20 (repeatable).",
    ),
]
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="YAML config file.", dir_okay=False)]
SeedOption = Annotated[int | None, typer.Option(help="Run seed (overrides the config).")]
NameOption = Annotated[str | None, typer.Option(help="Run name, the run directory's prefix.")]
OutputOption = Annotated[Path | None, typer.Option("--output-dir", help="Where run directories go.")]


def overrides(
    set_: list[str] | None, seed: int | None, name: str | None, output_dir: Path | None
) -> list[str]:
    items = list(set_ or [])
    for key, value in (("seed", seed), ("name", name), ("output_dir", output_dir)):
        if value is not None:
            items.append(f"{key}={value}")
    return items


def execution_options(task_runner: str, workers: int, dask_address: str | None):
    from pydantic import ValidationError

    from synthaug.pipeline.config import ExecutionConfig

    try:
        return ExecutionConfig(task_runner=task_runner, workers=workers, dask_address=dask_address)
    except ValidationError as error:
        problem = error.errors()[0]
        option = "--" + str(problem["loc"][0]).replace("_", "-") if problem["loc"] else "--task-runner"
        raise UserInputError(problem["msg"], where=option, hint="See 'synthaug run --help'.") from None


def cron_schedule(cron: str, timezone: str):
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        return CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as error:
        raise UserInputError(
            f"invalid schedule '{cron}' ({timezone}): {error.errors()[0]['msg']}",
            where="--cron / --timezone",
            hint="Give five cron fields (minute hour day-of-month month day-of-week), e.g. '0 2 * * *', "
            "and an IANA time zone such as UTC or Europe/Berlin.",
        ) from error
