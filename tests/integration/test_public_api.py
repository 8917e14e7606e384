"""``import synthaug``: run a job from a config, load its model, read its export."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import synthaug
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.synthetic_set import class_folders
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

    frame = synthaug.load_export(export)  # one line, checksums first
    assert frame.equals(pd.read_parquet(export / "rows.parquet"))  # plain pandas reads it as it is
    about = frame.attrs["synthaug"]
    assert about["run_id"] == manifest["run_id"] and about["verification"]["verdict"] == "not verified"
    assert about["provenance"]["synthetic"] == "true" and about["class_counts"] == {
        "benign": 5,
        "malignant": 5,
    }

    (export / "extra.csv").write_text("added,after,export\n")
    with pytest.raises(UserInputError, match="unlisted"):
        synthaug.read_export(export)
    with pytest.raises(UserInputError, match="unlisted"):
        synthaug.load_export(export)


@pytest.mark.usefixtures("prefect_api")
def test_an_image_export_loads_as_a_dataset_and_as_torchvision_reads_it(tmp_path: Path) -> None:
    from torchvision import transforms
    from torchvision.datasets import ImageFolder

    overrides = ["training.steps=4", "generation.per_class=3", "evaluation.enabled=false"]
    run_dir = synthaug.run(
        REPO / "examples" / "digits.yaml", overrides=[*overrides, f"output_dir={tmp_path}"]
    )
    export = run_dir / "export"
    images = synthaug.load_export(export, transform=transforms.ToTensor())
    assert len(images) == 30 and images.classes == [str(d) for d in range(10)]
    tensor, target = images[4]
    assert tuple(tensor.shape) == (1, 8, 8) and images.classes[target] == "1"
    assert images.verification["verdict"] == "not verified" and images.provenance["generator"] == "synthaug"
    plain = ImageFolder(export / "images")  # torchvision reads the export as it is
    assert len(plain) == 30 and plain.classes == images.classes
    folders = dict(zip(images.classes, class_folders(tuple(images.classes)), strict=True))
    names = {Path(path).relative_to(export): images.classes[t] for path, t in images.samples}
    for path, target in plain.samples:  # the same class for every file, by name
        assert folders[names[Path(path).relative_to(export)]] == plain.classes[target]
    (export / "images" / "3").rename(export / "images" / "three")
    with pytest.raises(UserInputError):
        synthaug.load_export(export)


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
