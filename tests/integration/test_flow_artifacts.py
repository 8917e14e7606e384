"""The augment flow's Prefect artifacts, read back through the Prefect API."""

import asyncio
from pathlib import Path

import pytest

from tests.settings import QUICK_VERIFICATION, SMALL_TABULAR_GAN, set_args

REPO = Path(__file__).resolve().parents[2]
TINY = [
    "training.steps=20",
    *SMALL_TABULAR_GAN,
    "generation.per_class=20",
    *QUICK_VERIFICATION,
    "evaluation.amounts=[0, 1]",
    "name=Artifact_Test.v1",
]


async def read(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_progress_verification_table_and_run_summary_artifacts(cli, tmp_path):
    args = set_args(*TINY)
    code, _, err = cli(
        "run", "--config", REPO / "examples" / "breast_cancer.yaml", "--output-dir", tmp_path, *args
    )
    assert code == 0, err
    [run_dir] = list(tmp_path.iterdir())
    for key in ("artifact-test-v1-training", "artifact-test-v1-verification-progress"):
        [progress] = asyncio.run(read(key))
        assert progress.type == "progress" and float(progress.data) == 100.0, key
    [table] = asyncio.run(read("artifact-test-v1-verification"))
    assert table.type == "table" and {"logistic", "random_forest"} <= {
        row["classifier"] for row in _rows(table.data)
    }
    [summary] = asyncio.run(read("artifact-test-v1-run"))
    assert summary.type == "markdown" and "**Verdict: " in summary.data
    assert (run_dir / "report" / "report.html").as_uri() in summary.data
    assert "- training: class-conditional GAN: 20 training steps (stopped: completed)" in summary.data


def _rows(data):
    import json

    return json.loads(data) if isinstance(data, str) else data
