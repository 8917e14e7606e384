"""Scale-out: a run's verification units on a local Dask cluster, and several datasets side by
side, through the CLI and a real Prefect API."""

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from synthaug.evaluation import run_verification as units
from synthaug.evaluation.verification_inputs import VerificationFiles
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.layout import EVALUATION_DIR
from tests.settings import QUICK_VERIFICATION, SMALL_TABULAR_GAN, set_args

REPO = Path(__file__).resolve().parents[2]
BREAST_CANCER = REPO / "examples" / "breast_cancer.yaml"
TINY = set_args(
    "training.steps=20",
    *SMALL_TABULAR_GAN,
    "generation.per_class=20",
    *QUICK_VERIFICATION,
    "evaluation.amounts=[0, 1]",
)


def outputs(run_dir: Path) -> dict:
    """Verification outputs, less how long each fidelity metric took."""
    fidelity = json.loads((run_dir / units.FIDELITY_FILE).read_text())
    for section in fidelity.values():
        for metric in section.values() if isinstance(section, dict) else ():
            if isinstance(metric, dict):
                metric.pop("seconds", None)
    return {
        "gain": (run_dir / units.RESULT_FILE).read_text(),
        "scores": (run_dir / units.SCORES_FILE).read_text(),
        "fidelity": fidelity,
    }


async def task_run_names(flow_run_name_prefix: str) -> list[str]:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return [
            run.name for run in await client.read_task_runs() if run.name.startswith(flow_run_name_prefix)
        ]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_verification_on_a_local_dask_cluster_matches_the_serial_result(cli, tmp_path):
    dask = set_args("execution.task_runner=dask", "execution.workers=2", "name=dask-verification")
    code, _, err = cli("run", "--config", BREAST_CANCER, "--output-dir", tmp_path / "runs", *TINY, *dask)
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    fanned_out = outputs(run_dir)

    serial = tmp_path / "serial"
    shutil.copytree(run_dir, serial)
    for path in (serial / EVALUATION_DIR).iterdir():  # keep the cross-fit stage's fold generators
        if path.name != "selection":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    spec = load_config(run_dir / "config.yaml").evaluation
    units.verify_run(VerificationFiles.of_run(serial), spec=spec)
    assert outputs(serial) == fanned_out

    names = asyncio.run(task_run_names("score-seed"))
    assert len(names) >= 2 * 2  # classifiers x seeds, each its own task run on the workers


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_a_failing_dataset_does_not_stop_the_others(cli, tmp_path, write_config):
    broken = write_config({"source": "bundled:breast_cancer", "target": "no_such_column"}, name="broken.yaml")
    code, _, err = cli(
        "run",
        "--config",
        broken,
        "--config",
        BREAST_CANCER,
        "--workers",
        "2",
        "--output-dir",
        tmp_path / "runs",
        *TINY,
    )
    assert code == 2
    assert "1 of 2 datasets failed" in err and "no_such_column" in err
    [completed] = list((tmp_path / "runs").iterdir())  # the broken run left nothing behind
    assert completed.name.startswith("breast-cancer-") and (completed / "report" / "report.html").is_file()
