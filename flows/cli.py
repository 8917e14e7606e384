"""The ``synthaug`` command line.

Exit codes: 0 success, 2 a problem the user can fix (one paragraph, no traceback unless
``--debug``), 1 an internal error, 3 ``verify-watermark`` found no mark of that key, 4 a run whose
export was refused by evaluation.require_gain (verdict not gain) or watermark.require_detectable
(nothing exported; the run is kept), 5 ``verify-watermark`` had too little data to decide, 130 / 143
stopped by Ctrl-C / SIGTERM (a run in progress is kept, resumable).

The options several commands share live in :mod:`flows.cli_options`; what the commands print, in
:mod:`flows.cli_output`.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from synthaug.flows.cli_options import (
    ConfigOption,
    NameOption,
    OutputOption,
    SeedOption,
    SetOption,
    cron_schedule,
    execution_options,
    overrides,
)
from synthaug.flows.cli_output import err, out, print_description, print_outcome
from synthaug.flows.cli_output import verdict_line as verdict_line  # re-exported: part of the CLI's API
from synthaug.flows.process_guard import guard_children, received_sigterm
from synthaug.pipeline.config import SynthaugConfig, demo_config
from synthaug.pipeline.config_loading import given_settings, load_config
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import (
    CONFIG_FILE,
    EXPORT_FILE,
    HUMAN_EVAL_SCORES_FILE,
    MANIFEST_FILE,
    RunLayout,
)

EXIT_OK, EXIT_INTERNAL, EXIT_USER, EXIT_NOT_MARKED, EXIT_NO_GAIN, EXIT_INCONCLUSIVE = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # the shell's codes for SIGINT and SIGTERM

app = typer.Typer(
    name="synthaug",
    help="Grow scarce datasets with class-conditional synthetic data, and check that it helps.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for every error.")] = False,
) -> None:
    """synthaug: ingest, generate, watermark, export and verify synthetic training data."""


@app.command()
def run(
    configs: Annotated[
        list[Path] | None,
        typer.Option(
            "--config",
            "-c",
            help="YAML config file; repeat it to run several datasets side by side.",
            dir_okay=False,
        ),
    ] = None,
    set_: SetOption = None,
    seed: SeedOption = None,
    name: NameOption = None,
    output_dir: OutputOption = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            help="Continue an interrupted (.partial) or failed (.failed) run from its last checkpoint."
        ),
    ] = None,
    task_runner: Annotated[
        str, typer.Option(help="With several --config: how the datasets are spread (threads or dask).")
    ] = "threads",
    workers: Annotated[int, typer.Option(help="With several --config: datasets at once.")] = 1,
    dask_address: Annotated[
        str | None, typer.Option(help="With several --config and --task-runner dask: a running cluster.")
    ] = None,
) -> None:
    """Run the main augmentation job described by a config file (or resume one); with several
    --config, one job per dataset (--set, --seed and --output-dir apply to each)."""
    if configs and len(configs) > 1:
        if resume is not None or name is not None:
            raise UserInputError(
                "--resume and --name take one run, not several configs",
                where="--config",
                hint="Give one --config, or drop --resume / --name (each config names its runs).",
            )
        execution = execution_options(task_runner, workers, dask_address)
        resolved_all = [
            load_config(path, overrides=overrides(set_, seed, None, output_dir)) for path in configs
        ]
        _run_many(resolved_all, execution)
        return
    config = configs[0] if configs else None
    if resume is not None:
        if config is not None or set_ or seed is not None or name is not None or output_dir is not None:
            raise UserInputError(
                "--resume continues a run with the config it started with",
                where="--resume",
                hint="Drop --config, --set, --seed, --name and --output-dir.",
            )
        snapshot = resume / CONFIG_FILE
        if not snapshot.is_file():
            raise UserInputError(f"not a run directory (no {CONFIG_FILE})", where=resume)
        resolved = load_config(snapshot, snapshot=True)
        _run_flow(resolved, resume=resume)
        return
    if config is None:
        raise UserInputError(
            "run needs --config FILE (or --resume RUN_DIR)",
            where="synthaug run",
            hint="Try 'synthaug run --help', or 'synthaug demo' for the bundled example.",
        )
    resolved = load_config(config, overrides=overrides(set_, seed, name, output_dir))
    _run_flow(resolved)


@app.command()
def demo(set_: SetOption = None, seed: SeedOption = None, output_dir: OutputOption = None) -> None:
    """Run the main job on the bundled default (scarce digits, 20 images per class)."""
    resolved = load_config(base=demo_config(), overrides=overrides(set_, seed, None, output_dir))
    _run_flow(resolved)


@app.command()
def validate(config: ConfigOption, set_: SetOption = None) -> None:
    """Check a config and its data (ingest, checks, split) without writing anything."""
    from synthaug.stages import job, preflight

    resolved = load_config(config, overrides=overrides(set_, None, None, None))
    preflight.check_config(resolved)
    prepared = job.prepare(resolved)
    dataset, counts = prepared.dataset, prepared.class_counts
    summary = job.summarize_split(dataset, prepared.train, prepared.test)
    out.print(
        f"[green]OK[/green] {config}: {len(dataset)} {dataset.kind} rows, {len(counts)} classes "
        f"{counts}; split {summary.train_rows} train / {summary.test_rows} held-out test"
        + (f" / {summary.unused_rows} unused (per_class)" if summary.unused_rows else "")
    )
    for note in summary.notes:
        out.print(f"[yellow]note[/yellow] {note}")


@app.command()
def inspect(
    path: Annotated[
        str,
        typer.Argument(
            help="A CSV/Parquet/NPZ file, an image folder, a run directory, an export, "
            "or bundled:digits / bundled:breast_cancer."
        ),
    ],
    target: Annotated[str | None, typer.Option(help="Class column of a table.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help=f"An export's key: check its signature (any edit of {EXPORT_FILE})."),
    ] = None,
) -> None:
    """Show a dataset's schema, class counts and provenance metadata; for a run or an export, check
    every file against its recorded checksum (exit 2 if anything was altered, removed or added)."""
    from synthaug.pipeline.integrity import integrity_problem
    from synthaug.pipeline.watermark.keys import read_key_file
    from synthaug.stages.describe import describe

    key = read_key_file(key_file) if key_file is not None else None
    info = describe(path, target=target, key=key)
    if as_json:
        out.print_json(json.dumps(info, default=str))
    else:
        print_description(info)
    signature = info.get("signature")
    if signature and not signature["checked"]:
        err.print(
            f"[yellow]note[/yellow] {signature['problem']}"
            + (f"; pass --key-file to check that {EXPORT_FILE} was not edited" if signature["signed"] else "")
        )
    problem = integrity_problem(info, Path(path))
    if problem is not None:
        raise problem


@app.command()
def keygen(path: Annotated[Path, typer.Argument(help="Where to write the new key (mode 0600).")]) -> None:
    """Write a new random watermark key; point watermark.key_file or $SYNTHAUG_WATERMARK_KEY_FILE at it."""
    from synthaug.pipeline.watermark.keys import generate_key_file

    key = generate_key_file(path)
    out.print(f"wrote a new watermark key to {path} (key id {key.key_id}); keep it secret and backed up")


@app.command("verify-watermark")
def verify_watermark(
    path: Annotated[
        Path,
        typer.Argument(
            help="A run directory, an export, synthetic rows (Parquet), an image or a folder of images."
        ),
    ],
    key_file: Annotated[Path, typer.Option("--key-file", help="The key the data should carry.")],
    params: Annotated[
        Path | None,
        typer.Option(
            "--params",
            help=f"Rows saved as CSV or without their metadata: the {EXPORT_FILE} of the export they came "
            "from (it holds the mark's parameters).",
        ),
    ] = None,
) -> None:
    """Test data for this key's watermark: exit 0 when marked, 3 when not, 5 when the data are too
    few to tell (even perfectly marked data of this size could not reach the threshold)."""
    from synthaug.pipeline.watermark.verify import verify

    result = verify(path, key_file, params_file=params)
    verdict = {
        "marked": "[green]MARKED[/green]",
        "not marked": "[yellow]NOT MARKED[/yellow]",
        "inconclusive": "[yellow]INCONCLUSIVE[/yellow]",
    }[result["outcome"]]
    p_value = f"{result['p_value']:.3g}" if result["p_value"] > 0 else f"1e{result['log10_p_value']:.0f}"
    out.print(
        f"{verdict} with key {result['key_id']}: p-value {p_value} "
        f"(threshold {result['threshold']:g}), z {result['z']:.2f}, {result['samples']} samples tested "
        f"({result['file']})"
    )
    if result["default_parameters"]:
        out.print(
            "[yellow]note[/yellow] no watermark parameters stored with the images: tested with the defaults"
        )
    if result.get("key_matches_export") is False:
        out.print("[yellow]note[/yellow] the data's metadata name a different key id than this key's")
    if result["outcome"] == "inconclusive":
        out.print(
            f"[yellow]note[/yellow] too little data to decide: marked data of this size reach about "
            f"z {result['reachable_z']:.2f}; the threshold needs {result['needed_z']:.2f} "
            "(test more rows or images together)"
        )
        raise typer.Exit(EXIT_INCONCLUSIVE)
    if not result["marked"]:
        raise typer.Exit(EXIT_NOT_MARKED)


@app.command()
def export(
    run_dir: Annotated[Path, typer.Argument(help="A completed run directory.")],
    to: Annotated[Path, typer.Option("--to", help="The export directory to write.")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing export at --to.")] = False,
) -> None:
    """Export a run's synthetic data (data, dataset card, checksums) to a new directory, atomically."""
    from synthaug.stages.export import export_completed_run

    summary = export_completed_run(run_dir, to, overwrite=overwrite)
    signed = (
        f", signed with key {summary['key_id']}"
        if summary["key_id"] is not None
        else " (unsigned: the run has no watermark key)"
    )
    out.print(f"[green]exported[/green] {summary['files']} files to {summary['directory']}{signed}")


@app.command()
def serve(
    config: ConfigOption,
    cron: Annotated[str, typer.Option(help='Cron schedule, e.g. "0 2 * * *" for 02:00 every day.')],
    set_: SetOption = None,
    name: Annotated[str | None, typer.Option(help="Deployment name (default: the config's name).")] = None,
    timezone: Annotated[str, typer.Option(help="Time zone of the schedule (IANA name).")] = "UTC",
) -> None:
    """Create a scheduled deployment of the augment flow and serve it until interrupted (Ctrl-C).

    Scheduled and manual runs (`prefect deployment run 'augment/NAME'`) execute in this process's
    machine; they need a Prefect server (set PREFECT_API_URL, see `prefect server start`).
    """
    from synthaug.stages import preflight

    resolved = load_config(config, overrides=overrides(set_, None, None, None))
    preflight.check_config(resolved)
    schedule = cron_schedule(cron, timezone)
    deployment = name or resolved.name
    guard_children()
    from synthaug.flows.augment import augment

    out.print(
        f"serving [bold]augment/{deployment}[/bold] on '{cron}' ({timezone}); "
        f"runs go to {resolved.output_dir}.\n"
        f"Run it now: prefect deployment run 'augment/{deployment}' [--param 'overrides=[\"seed=3\"]']"
    )
    augment.serve(
        name=deployment,
        schedules=[schedule],
        parameters={
            "config": given_settings(resolved),
            "command": ["synthaug", "serve", str(config)],
        },
        print_starting_message=False,
    )


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="A run directory.")]) -> None:
    """(Re)build a run's report: report/report.html (self-contained) and report/report.md."""
    from synthaug.reports.run_report import write_report

    if not RunLayout(run_dir).manifest.is_file():
        raise UserInputError(
            f"{run_dir} is not a run directory (it has no {MANIFEST_FILE})",
            where=run_dir,
            hint="Give a directory that `synthaug run` created.",
        )
    written = write_report(run_dir)
    out.print(f"[green]report[/green] {run_dir / written['html']} and {run_dir / written['markdown']}")


@app.command("human-eval")
def human_eval(
    args: Annotated[
        list[str],
        typer.Argument(
            metavar="[score] RUN [ANSWERS.json ...]", help="A run directory; with score, answers files."
        ),
    ],
    n: Annotated[int, typer.Option("--n", help="Items on the page, half real and half synthetic.")] = 40,
    seed: Annotated[
        int | None, typer.Option(help="Which samples are shown (default: the run's seed).")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing page that differs.")] = False,
    include_private_records: Annotated[
        bool, typer.Option(help="Allow a page for a differentially private run (it shows real records).")
    ] = False,
) -> None:
    """A "real or synthetic?" page for people, and the scores of their answers.

    `synthaug human-eval RUN [--n 40]` writes RUN/human-eval/page.html: one self-contained file to
    send to raters; each saves a JSON file of answers. `synthaug human-eval score RUN answers.json
    [more.json ...]` scores them (50% correct means people cannot tell) into
    RUN/human-eval/scores.json and the report.
    """
    from synthaug.reports.human_eval import score_answers, write_page

    if args and args[0] == "score":
        if len(args) < 3:
            raise UserInputError(
                "score needs a run directory and at least one answers file",
                where="synthaug human-eval score",
                hint="Run `synthaug human-eval score RUN answers.json [more.json ...]`.",
            )
        result = score_answers(Path(args[1]), [Path(a) for a in args[2:]])
        out.print(result["summary"], highlight=False)
        for rater in result["raters"]:
            low, high = rater["ci95"]
            out.print(
                f"  {rater['rater']}: {rater['accuracy']:.0%} of {rater['answered']} [{low:.0%}, {high:.0%}]",
                highlight=False,
            )
        out.print(
            f"scores: {Path(args[1]) / HUMAN_EVAL_SCORES_FILE}; the report shows them, and the dataset card "
            f"of the next export (synthaug export {args[1]} --to DIR)",
            highlight=False,
        )
        return
    if len(args) != 1:
        raise UserInputError(
            f"expected one run directory, got {len(args)} arguments",
            where="synthaug human-eval",
            hint="Run `synthaug human-eval RUN [--n 40]`, or `synthaug human-eval score RUN answers.json`.",
        )
    page = write_page(
        Path(args[0]), n=n, seed=seed, overwrite=overwrite, include_private_records=include_private_records
    )
    out.print(f"[green]page[/green] {page.absolute().as_uri()} ({n} items)", highlight=False)
    out.print(
        f"It shows {n // 2} real training samples: send it only to people allowed to see the real data. "
        "It needs no network; each rater saves answers-*.json. Then: "
        f"synthaug human-eval score {args[0]} answers-*.json",
        highlight=False,
    )


def _run_flow(config: SynthaugConfig, resume: Path | None = None) -> None:
    from synthaug.stages import preflight

    preflight.check_config(config)  # a mistake is reported now, before Prefect and the job start
    guard_children()
    from synthaug.flows.augment import augment

    run_dir = augment(config=config, command=sys.argv, resume=str(resume) if resume else None)
    if print_outcome(Path(run_dir)):
        raise typer.Exit(EXIT_NO_GAIN)


def _run_many(configs: list[SynthaugConfig], execution) -> None:
    from synthaug.stages import preflight

    for config in configs:  # every config is checked before any job starts
        preflight.check_config(config)
    guard_children()
    from synthaug.flows.augment import run_many

    refused = [print_outcome(Path(run_dir)) for run_dir in run_many(configs, execution, sys.argv)]
    if any(refused):
        raise typer.Exit(EXIT_NO_GAIN)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code (see module docstring)."""

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if not debug:
        _quiet_user_error_tracebacks()
    try:
        code = app(args=args, standalone_mode=False, prog_name="synthaug")
        if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C (and our SIGTERM) into exit code 130
            return _stopped()
        if isinstance(code, int) and code:  # click returns (not raises) typer.Exit codes here
            return code
    except UserInputError as exc:
        if debug:
            traceback.print_exc()
        err.print(f"[red]error:[/red] {escape(exc.render())}", highlight=False)  # [..] is text, not markup
        return EXIT_USER
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("aborted")
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        return _stopped()
    except typer.TyperException as exc:  # usage errors: typer shows them and says exit code 2
        exc.show()
        return exc.exit_code
    except Exception as exc:
        if debug:
            traceback.print_exc()
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}", highlight=False)
        err.print(
            "This is a bug in synthaug, not in your data. Re-run with --debug and report the traceback."
        )
        return EXIT_INTERNAL
    return EXIT_OK


def _stopped() -> int:
    """Ctrl-C or SIGTERM: say where the run went and how to continue it."""
    how = "SIGTERM" if received_sigterm() else "Ctrl-C"
    err.print(
        f"stopped by {how}. A run in progress was kept as <run-id>.failed with its checkpoints: "
        "continue it with `synthaug run --resume RUN_DIR`."
    )
    return EXIT_TERMINATED if how == "SIGTERM" else EXIT_INTERRUPTED


class _DropUserErrorTraceback(logging.Filter):
    """Prefect logs failed tasks with a traceback; a user error needs only its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], UserInputError):
            record.exc_info = None
            record.exc_text = None
        return True


def _quiet_user_error_tracebacks() -> None:
    for name in ("prefect.flow_runs", "prefect.task_runs", "prefect.flow_engine", "prefect.task_engine"):
        logging.getLogger(name).addFilter(_DropUserErrorTraceback())


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
