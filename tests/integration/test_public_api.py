"""``import synthaug``: run a job from a config, load its model, read its export."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import synthaug
from synthaug.pipeline.errors import UserInputError
from tests.settings import SMALL_TABULAR_GAN

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.usefixtures("prefect_api")
def test_run_load_model_and_read_export(tmp_path: Path) -> None:
    overrides = [
        "training.steps=4",
        *SMALL_TABULAR_GAN,
        "generation.per_class=5",
        "evaluation.enabled=false",
        f"output_dir={tmp_path / 'runs'}",
    ]
    run_dir = synthaug.run(REPO / "examples" / "breast_cancer.yaml", overrides=overrides)
    assert run_dir.parent == tmp_path / "runs" and (run_dir / "manifest.json").is_file()

    gan = synthaug.load_model(run_dir)
    synthetic = gan.sample(6, labels=[0, 0, 0, 1, 1, 1], seed=1)
    assert isinstance(synthetic.rows, pd.DataFrame) and len(synthetic.rows) == 6
    assert synthetic.rows["diagnosis"].tolist() == ["benign"] * 3 + ["malignant"] * 3

    manifest = json.loads((run_dir / "manifest.json").read_text())
    export = run_dir / manifest["export"]["directory"]
    summary = synthaug.read_export(export)
    assert "rows.parquet" in {entry["path"] for entry in summary["files"]}

    (export / "extra.csv").write_text("added,after,export\n")
    with pytest.raises(UserInputError, match="unlisted"):
        synthaug.read_export(export)


def test_a_bad_config_is_a_user_error_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="training.steps"):
        synthaug.run(REPO / "examples" / "breast_cancer.yaml", overrides=["training.steps=-1"])
    with pytest.raises(UserInputError, match="no run directory"):
        synthaug.load_model(tmp_path / "missing")


def test_import_synthaug_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, synthaug; print(sorted(m for m in ('torch', 'prefect') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
