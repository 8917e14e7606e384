"""Does the pipeline's synthetic data help? The verification protocol on the public scarce settings.

    make setup bench-env
    .venv/bin/python -m benchmarks.verification_gain [--datasets digits breast_cancer] \
        [--seeds 0 1 2 3 4] [--no-ctgan] [--full] [--keep DIR [--reverify [--refit-folds] --set KEY=VALUE]]
    .venv/bin/python -m benchmarks.verification_gain --from-result NAME --result-name NAME

Settings: scikit-learn's digits and breast_cancer, 15 real training images / rows per class,
30% of the data held out for scoring. For every dataset and pipeline seed s the job's stages
(ingest, validate, split, record, train, generate with its watermark, verify) run in a fresh run
directory exactly as ``synthaug run --set seed=s`` runs them (called directly rather than
through Prefect). The seed re-draws the held-out split and the scarce subsample and re-trains
the GAN; inside verification the downstream classifiers are trained with 5 seeds per condition. Every
run of seed s marks its samples with a watermark key derived from s (``common.seed_key_file``),
so two benchmarks of the same seeds differ only in what they change.

Baselines, scored by the same protocol on the same splits:
- classic: SMOTE (tables, amount chosen by inner CV like ours) or standard image augmentation;
- CTGAN, the reference implementation (``benchmarks/ctgan_sampler.py`` in ``.venv-bench``,
  2000 epochs), fitted on the run's recorded training split (digits as 64 pixel columns) and
  given to the verification protocol in place of our samples: same amount grid, inner CV, seeds.

Per pipeline seed a method's gain is its mean paired difference in balanced accuracy versus
real-only over the downstream seeds; the table gives the mean over pipeline seeds with a 95%
t-interval and a paired t-test across them. A head-to-head table pairs synthaug with each
baseline, and classic+synthaug with classic, on the same runs (per seed the mean over the tables'
datasets and classifiers, then an interval across seeds): it says whether "ahead of SMOTE" is
more than the seeds' noise.
Each run's own privacy audit (ours and CTGAN's) is tabulated per dataset against the memorisation
goals (``benchmarks/memorisation.py``). ``--reverify --refit-folds`` trains the selection folds'
generators again first (with the ``--set`` settings, e.g. another ``evaluation.fold_generator_share``),
keeping the run's own generator. ``--from-result`` summarises a results file again. The summary,
goals and results files (``benchmarks/results/verification_gain.json`` and ``.md``) are
``benchmarks/gain_summary.py``'s.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import memorisation
from benchmarks.common import add_set_option, read_result, seed_key_file
from benchmarks.gain_summary import per_seed_rows, write_summary
from synthaug.evaluation.run_verification import verify_run
from synthaug.evaluation.verification_inputs import VerificationFiles
from synthaug.pipeline.config import EvaluationConfig, SynthaugConfig
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.dataset_io import read_dataset
from synthaug.pipeline.layout import CONFIG_FILE, RESULT_FILE, SELECTION_DIR
from synthaug.pipeline.rundir import RunDirectory, create_run_directory, run_lifecycle, split_file
from synthaug.pipeline.synthetic_set import write_image_set, write_rows
from synthaug.stages import job, preflight, verification
from synthaug.stages.fold_generators import train_fold_generators
from synthaug.stages.order import CROSS_FIT, GENERATE, TRAIN, VERIFY

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {name: ROOT / "examples" / f"{name}.yaml" for name in ("digits", "breast_cancer")}
# the public tables beside the repository (../shared/data, see its README): file stem -> class column
TABLES = {"birthwt": "low", "crabs": "sp", "oj": "Purchase", "melanoma": "status"}
DATA_DIR = ROOT.parent / "shared" / "data"
FULL_PER_CLASS = 2000  # synthetic rows per class for full tables: every amount up to 4x can be tried
SETTING_FILE = "baselines/setting.json"  # which dataset and setting a kept run belongs to
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
PER_CLASS = 15
CTGAN_EPOCHS = 2000


def run_pipeline(config: SynthaugConfig) -> tuple[RunDirectory, dict[str, float]]:
    """The job's stages up to verification, as the ``augment`` flow runs them; stage seconds."""
    preflight.check_config(config)
    run = create_run_directory(config.output_dir, config.name)
    seconds: dict[str, float] = {}
    with run_lifecycle(run):
        started = time.perf_counter()
        prepared = job.prepare(config)
        job.record_run(
            run,
            config=config,
            dataset=prepared.dataset,
            train=prepared.train,
            test=prepared.test,
            command=["benchmark"],
        )
        stages = (
            (TRAIN, job.train),
            (GENERATE, job.generate),
            (CROSS_FIT, train_fold_generators),
            (VERIFY, verification.verify),
        )
        for stage, call in stages:
            call(run, config)
            seconds[stage] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
    return run, seconds


def ctgan_protocol(run: RunDirectory, config: SynthaugConfig, seed: int) -> float:
    """CTGAN fitted on the run's training split, through the same protocol; returns seconds."""
    train = read_dataset(split_file(run.final, "train"))
    folder = run.final / "baselines" / "ctgan"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        table, out = Path(tmp) / "train.parquet", Path(tmp) / "ctgan.parquet"
        target = train.schema.target if train.kind == "tabular" else "label"
        frame = train.to_frame() if train.kind == "tabular" else _pixel_table(train)
        frame[target] = frame[target].astype(str)
        frame.to_parquet(table, index=False)
        per_class = config.generation.per_class
        options = ["--target", target, "--per-class", str(per_class), "--epochs", str(CTGAN_EPOCHS)]
        subprocess.run(
            [
                str(BENCH_PYTHON),
                "-m",
                "benchmarks.ctgan_sampler",
                str(table),
                str(out),
                *options,
                "--seed",
                str(seed),
            ],
            check=True,
            cwd=ROOT,
        )
        rows = pd.read_parquet(out)
    if train.kind == "tabular":
        write_rows(folder / "synthetic" / "rows.parquet", rows)
    else:
        images, labels = _pixel_images(rows, train)
        write_image_set(folder / "synthetic", images, labels, train.classes)
    files = VerificationFiles(
        folder, train=split_file(run.final, "train"), test=split_file(run.final, "test")
    )
    verify_run(files, spec=ctgan_evaluation(config))
    return round(time.perf_counter() - started, 1)


def ctgan_evaluation(config: SynthaugConfig) -> EvaluationConfig:
    """The run's evaluation settings for CTGAN's samples: the same protocol, but a preferred amount
    is our synthesizer's own measured recipe (SYNTHESIZER_PREFERRED_AMOUNT), so CTGAN's amount is
    chosen by the selection rule alone."""
    return config.evaluation.without_preference()


def _pixel_table(train) -> pd.DataFrame:
    """Images (N, H, W, C) as one numeric column per pixel plus the class name."""
    flat = train.features.reshape(len(train.features), -1).astype(np.float64)
    frame = pd.DataFrame(flat, columns=[f"p{i:04d}" for i in range(flat.shape[1])])
    frame["label"] = np.asarray(train.classes)[np.asarray(train.labels)]
    return frame


def _pixel_images(rows: pd.DataFrame, train) -> tuple[np.ndarray, np.ndarray]:
    pixels = rows.drop(columns=["label"]).to_numpy(np.float64)
    images = np.clip(np.rint(pixels), 0, 255).astype(np.uint8).reshape(-1, *train.features.shape[1:])
    labels = np.array([list(train.classes).index(c) for c in rows["label"].astype(str)], dtype=np.int64)
    return images, labels


def dataset_config(
    dataset: str, seed: int, output: Path, *, full: bool, data_dir: Path, extra: list[str] | None = None
) -> SynthaugConfig:
    """The shipped example for digits and breast_cancer; for a public table, breast_cancer's
    settings with that table as the source. Scarce: PER_CLASS per class; ``full``: every row.
    ``extra``: more KEY=VALUE overrides (a variant of the generator), applied last."""
    overrides = [f"seed={seed}", f"output_dir={output}"]
    overrides.append(f"watermark.key_file={seed_key_file(output / 'keys', seed)}")  # reruns mark alike
    if dataset in TABLES:
        path = data_dir / f"{dataset}.csv"
        overrides += [f"dataset.source={path}", f"dataset.target={TABLES[dataset]}", f"name={dataset}"]
        base = EXAMPLES["breast_cancer"]
    else:
        base = EXAMPLES[dataset]
    if full:
        overrides += [
            "dataset.per_class=null",
            f"generation.per_class={FULL_PER_CLASS}",
            f"name={dataset}-full",
        ]
    else:
        overrides.append(f"dataset.per_class={PER_CLASS}")
    return load_config(base, overrides=[*overrides, *(extra or [])])


SECONDS_FILE = "baselines/stage_seconds.json"


def reverify(output: Path, overrides: list[str], *, refit_folds: bool = False) -> None:
    """Verify every completed run under ``output`` again, ours and CTGAN's samples, with
    ``overrides`` applied to the run's config snapshot. The run's generator is not touched; the
    selection folds' generators are trained again first with ``refit_folds``. The time of our
    samples' verification (and of the new fold generators) replaces the run's stage time."""
    for run_dir in sorted(p for p in output.iterdir() if (p / RESULT_FILE).is_file()):
        config = load_config(run_dir / CONFIG_FILE, overrides=overrides, snapshot=True)
        seconds_file = run_dir / SECONDS_FILE
        seconds = json.loads(seconds_file.read_text()) if seconds_file.is_file() else {}
        if refit_folds:
            shutil.rmtree(run_dir / SELECTION_DIR, ignore_errors=True)
            started = time.perf_counter()
            train_fold_generators(RunDirectory(run_dir.name, run_dir.parent, datetime.now(UTC)), config)
            seconds[CROSS_FIT] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        verify_run(VerificationFiles.of_run(run_dir), spec=config.evaluation)
        seconds[VERIFY] = round(time.perf_counter() - started, 1)
        seconds_file.parent.mkdir(exist_ok=True)
        seconds_file.write_text(json.dumps(seconds))
        ctgan = run_dir / "baselines" / "ctgan"
        if (ctgan / RESULT_FILE).is_file():
            files = VerificationFiles(
                ctgan, train=split_file(run_dir, "train"), test=split_file(run_dir, "test")
            )
            verify_run(files, spec=ctgan_evaluation(config))
        print(json.dumps({"reverified": run_dir.name, "overrides": overrides}), flush=True)


def collect(output: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-seed rows, stage timings and privacy audits of every completed run under ``output``."""
    rows, timings, audits = [], [], []
    for run_dir in sorted(p for p in output.iterdir() if (p / RESULT_FILE).is_file()):
        manifest = json.loads((run_dir / "manifest.json").read_text())
        dataset, seed = manifest["data"]["uri"].removeprefix("bundled:"), manifest["seed"]
        if (run_dir / SETTING_FILE).is_file():
            dataset = json.loads((run_dir / SETTING_FILE).read_text())["dataset"]
        results = {"ours": json.loads((run_dir / RESULT_FILE).read_text())}
        ctgan_file = run_dir / "baselines" / "ctgan" / RESULT_FILE
        if ctgan_file.exists():
            results["ctgan"] = json.loads(ctgan_file.read_text())
        rows.extend(per_seed_rows(dataset, seed, results))
        audits.extend(memorisation.audit_rows(dataset, seed, results))
        if (seconds := run_dir / SECONDS_FILE).is_file():
            timings.append({"dataset": dataset, "seed": seed, **json.loads(seconds.read_text())})
    return rows, timings, audits


SEEDS_IN_WORDS = re.compile(r"pipeline seeds \[[0-9, ]*\]")


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def merge_results(names: list[str]) -> tuple[str, str, list, list, list, dict[str, Any]]:
    """The stored results ``names`` (benchmarks/results/NAME.json) as one: their per-seed rows,
    timings and audits together, the title and settings naming every seed. Refuses results whose
    settings differ other than in their seeds, or that share a dataset and seed."""
    stored = [read_result(name) for name in names]
    settings = {SEEDS_IN_WORDS.sub("pipeline seeds {}", s["settings"]) for s in stored}
    methods = {frozenset(row["method"] for row in s["per_seed"]) for s in stored}
    if len(settings) > 1 or len(methods) > 1:
        raise SystemExit(
            f"--from-result {' '.join(names)}: the results differ in more than their seeds "
            "(settings or methods, e.g. one with CTGAN and one without)"
        )
    runs: set[tuple[str, int]] = set()
    for s in stored:
        these = {(row["dataset"], row["seed"]) for row in s["per_seed"]}
        if twice := sorted(runs & these):
            raise SystemExit(
                f"--from-result {' '.join(names)}: {twice[0][0]} seed {twice[0][1]} is in two of them"
            )
        runs |= these
    rows = [row for s in stored for row in s["per_seed"]]
    seeds = str(sorted({row["seed"] for row in rows}))
    title, words = (
        SEEDS_IN_WORDS.sub(f"pipeline seeds {seeds}", stored[0][k]) for k in ("title", "settings")
    )
    # when and where the runs ran (a pooled result's own lists flattened)
    when = [t for s in stored for t in _listed(s["measured_at"])]
    machines = [m for s in stored for m in _listed(s["machine"])]
    distinct = [m for i, m in enumerate(machines) if m not in machines[:i]]
    measured = {
        "measured_at": when[0] if len(when) == 1 else when,
        "machine": distinct[0] if len(distinct) == 1 else distinct,
    }
    timings = [t for s in stored for t in s["stage_seconds"]]
    audits = [a for s in stored for a in s.get("audits", [])]
    return title, words, rows, timings, audits, measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="+", choices=[*EXAMPLES, *TABLES], default=list(EXAMPLES))
    parser.add_argument("--full", action="store_true", help="every row (imbalanced), not 15 per class")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where the public tables are")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--no-ctgan", action="store_true", help="skip CTGAN (no .venv-bench needed)")
    parser.add_argument("--keep", type=Path, help="keep the run directories here (default: a temp dir)")
    parser.add_argument(
        "--summarise-only", action="store_true", help="run nothing: summarise the runs kept in --keep"
    )
    parser.add_argument(
        "--reverify",
        action="store_true",
        help="train nothing: verify the runs kept in --keep again (theirs and CTGAN's samples) with "
        "--set applied to each run's config, e.g. another evaluation setting on the same generators; "
        "their results are replaced",
    )
    parser.add_argument("--result-name", default="verification_gain", help="results file stem")
    parser.add_argument(
        "--from-result",
        metavar="NAME",
        nargs="+",
        help="run nothing: summarise the per-seed rows stored in benchmarks/results/NAME.json again "
        "(tables, head to head and goals), written to --result-name; several NAMEs of the same "
        "settings on other seeds are pooled into one summary over all their seeds",
    )
    add_set_option(
        parser, "a config override for every run (as synthaug run --set), e.g. a generator variant"
    )
    parser.add_argument(
        "--refit-folds",
        action="store_true",
        help="with --reverify: train the selection folds' generators again first, with --set applied",
    )
    args = parser.parse_args()
    if args.refit_folds and not args.reverify:
        parser.error("--refit-folds goes with --reverify")
    if (args.summarise_only or args.reverify) and not args.keep:
        parser.error("--summarise-only and --reverify need --keep DIR (the kept runs)")
    if args.from_result:
        title, settings, rows, timings, audits, measured = merge_results(args.from_result)
        write_summary(args.result_name, title, settings, rows, timings, audits, measured)
        return
    trains = not (args.summarise_only or args.reverify)
    if not args.no_ctgan and trains and not BENCH_PYTHON.exists():
        parser.error(f"{BENCH_PYTHON} is missing: run `make bench-env` first, or pass --no-ctgan")
    with tempfile.TemporaryDirectory() as tmp:
        output = args.keep or Path(tmp)
        if args.reverify:
            reverify(output, args.overrides, refit_folds=args.refit_folds)
        for dataset in args.datasets if trains else []:
            for seed in args.seeds:
                config = dataset_config(
                    dataset, seed, output, full=args.full, data_dir=args.data_dir, extra=args.overrides
                )
                run, seconds = run_pipeline(config)
                name = f"{dataset} (full)" if args.full else dataset
                (run.final / SETTING_FILE).parent.mkdir(exist_ok=True)
                (run.final / SETTING_FILE).write_text(json.dumps({"dataset": name}))
                if not args.no_ctgan:
                    seconds["ctgan_fit_and_verify"] = ctgan_protocol(run, config, seed)
                (run.final / SECONDS_FILE).parent.mkdir(exist_ok=True)
                (run.final / SECONDS_FILE).write_text(json.dumps(seconds))
                print(json.dumps({"dataset": dataset, "seed": seed, **seconds}), flush=True)
        rows, timings, audits = collect(output)
    seeds = sorted({r["seed"] for r in rows})
    full = args.full or any(str(r["dataset"]).endswith("(full)") for r in rows)  # kept runs say
    setting = "every row" if full else f"{PER_CLASS} per class"
    changed = f", overrides {args.overrides}" if args.overrides else ""
    settings = (
        f"{setting}, test fraction 0.3, pipeline seeds {seeds}{changed}, "
        "5 downstream seeds per condition; metric: balanced accuracy, points"
    )
    title = f"{setting}, pipeline seeds {seeds}{changed}"
    write_summary(args.result_name, title, settings, rows, timings, audits)


if __name__ == "__main__":
    main()
