"""Wall time of a run's verification by task runner (flows/verification.py), and whether each
runner writes the same result as one thread.

Makes one demo run (digits, 20 per class; a short GAN training, since only the verification is
timed), then runs the ``verify`` subflow on a fresh copy of its run directory for each setting:
threads with 1 and N workers, and a local Dask cluster of N worker processes.

    .venv/bin/python -m benchmarks.verification_fanout [--workers 2] [--gan-steps 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from benchmarks.common import RESULTS, markdown_table, write_result
from synthaug.pipeline.config import demo_config
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.layout import EVALUATION_DIR, RESULT_FILE, SCORES_FILE


def settings(workers: int) -> list[tuple[str, list[str]]]:
    return [
        ("threads x1", ["execution.workers=1"]),
        (f"threads x{workers}", [f"execution.workers={workers}"]),
        (f"dask x{workers} processes", ["execution.task_runner=dask", f"execution.workers={workers}"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gan-steps", type=int, default=300)
    args = parser.parse_args()

    from prefect import flow

    from synthaug.flows.augment import augment
    from synthaug.flows.verification import run_verify_flow
    from synthaug.pipeline.rundir import RunDirectory

    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(
            base=demo_config(),
            overrides=[
                f"training.steps={args.gan_steps}",
                f"output_dir={tmp}/runs",
                "evaluation.enabled=false",
            ],
        )
        source = Path(augment(config))

        @flow(name="verification-fanout-benchmark", persist_result=False)
        def timed(run_path: str, overrides: list[str]) -> float:
            run_config = load_config(
                Path(run_path) / "config.yaml", overrides=["evaluation.enabled=true", *overrides]
            )
            run = RunDirectory(Path(run_path).name, Path(run_path).parent, datetime.now(UTC))
            started = time.perf_counter()
            run_verify_flow(run, run_config)
            return time.perf_counter() - started

        rows, outputs = [], {}
        for label, overrides in settings(args.workers):
            copy = Path(tmp) / label.replace(" ", "_")
            shutil.copytree(source, copy)
            shutil.rmtree(copy / EVALUATION_DIR, ignore_errors=True)
            seconds = timed(str(copy), overrides)
            outputs[label] = [(copy / name).read_text() for name in (RESULT_FILE, SCORES_FILE)]
            rows.append({"runner": label, "seconds": round(seconds, 1)})
            print(rows[-1], flush=True)
    first = next(iter(outputs.values()))
    for row in rows:  # CNN scores depend on torch's thread count (Dask workers run one thread)
        row["same_result_as_threads_x1"] = outputs[row["runner"]] == first
    identical = all(row["same_result_as_threads_x1"] for row in rows)
    spec = config.evaluation
    result = {
        "dataset": "digits, 20 training images per class (demo config)",
        "verification": {
            "seeds": spec.seeds,
            "folds": spec.folds,
            "amounts": spec.amounts,
            "cnn_steps": spec.cnn_steps,
        },
        "timings": rows,
        "identical_results": identical,
    }
    write_result("verification_fanout", result)
    (RESULTS / "verification_fanout.md").write_text(
        markdown_table(pd.DataFrame(rows)) + f"\n\nidentical gain.json and scores.jsonl: {identical}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
