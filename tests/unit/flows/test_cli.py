import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from PIL import Image

from synthaug.flows.cli import app
from synthaug.stages import job

COMMANDS = sorted(typer.main.get_command(app).commands)  # every registered command, new ones included


def test_the_commands_are_the_ones_the_readme_lists():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    block = readme.split("## Command line")[1].split("```bash")[1].split("```")[0]
    listed = {line.split()[1] for line in block.splitlines() if line.startswith("synthaug ")} - {"--help"}
    assert sorted(listed) == COMMANDS and "human-eval" in listed


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_everywhere(cli, command):
    code, out, _ = cli(*command, "--help")
    assert code == 0 and "Usage:" in out and (not command or f"synthaug {command[0]}" in out)


def test_usage_errors_exit_2(cli):
    code, _, err = cli("run")
    assert code == 2 and "--config" in err


def test_validate_checks_without_writing(cli, write_config, tmp_path):
    config = write_config(
        {"source": "bundled:breast_cancer", "per_class": 15}, output_dir=str(tmp_path / "runs")
    )
    before = sorted(tmp_path.rglob("*"))
    code, out, err = cli("validate", "--config", config)
    assert code == 0, err
    text = " ".join(out.split())
    assert "569 tabular rows, 2 classes" in text and "split 30 train / 171 held-out test / 368 unused" in text
    assert sorted(tmp_path.rglob("*")) == before


def test_validate_reports_bad_data_with_exit_2(cli, write_config, tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,p\n2,p\n")
    code, _, err = cli("validate", "--config", write_config({"source": "d.csv", "target": "y"}))
    assert code == 2 and "only one class" in err


def test_inspect_a_parquet_file_shows_schema_counts_and_metadata(cli, tmp_path):
    path = tmp_path / "t.parquet"
    table = pa.table({"x": [1.0, 2.0, 3.0], "colour": ["r", "g", "r"], "label": ["a", "b", "a"]})
    pq.write_table(table.replace_schema_metadata({"synthetic": "true", "run_id": "r-1"}), path)
    code, out, err = cli("inspect", path, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["rows"] == 3 and info["class_counts"] == {"a": 2, "b": 1}
    assert info["target"].startswith("label (guessed")
    assert info["source"]["metadata"] == {"synthetic": True, "run_id": "r-1"}
    assert [c["name"] for c in info["schema"]["columns"]] == ["x", "colour", "label"]


def test_inspect_an_image_folder_shows_png_text_chunks(cli, tmp_path):
    from PIL import PngImagePlugin

    meta = PngImagePlugin.PngInfo()
    meta.add_text("synthetic", "true")
    for name in ("a/1.png", "b/2.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("L", (8, 8)).save(tmp_path / name, pnginfo=meta)
    code, out, _ = cli("inspect", tmp_path, "--json")
    info = json.loads(out)
    assert (
        code == 0 and info["class_counts"] == {"a": 1, "b": 1} and info["provenance"] == {"synthetic": "true"}
    )


def test_inspect_tables_in_human_form(cli):
    code, out, _ = cli("inspect", "bundled:breast_cancer")
    assert code == 0
    assert "mean radius" in out and "malignant" in out and "212" in out


def test_inspect_missing_path(cli, tmp_path):
    code, _, err = cli("inspect", tmp_path / "nope.parquet")
    assert code == 2 and "not found" in err


@pytest.mark.usefixtures("prefect_api")
def test_internal_errors_exit_1_and_leave_a_failed_run(cli, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(job, "split", broken)
    out_dir = tmp_path / "runs"
    code, _, err = cli("demo", "--output-dir", out_dir)
    assert code == 1
    assert "internal error: RuntimeError: simulated bug" in err and "--debug" in err
    [failed] = list(out_dir.iterdir())
    assert failed.name.endswith(".failed") and "simulated bug" in (failed / "FAILED.txt").read_text()


@pytest.mark.usefixtures("prefect_api")
def test_demo_runs_the_flow_in_process(cli, tmp_path):
    code, _, err = cli(
        "demo",
        "--output-dir",
        tmp_path / "runs",
        "--set",
        "dataset.per_class=5",
        "--set",
        "training.steps=2",
        "--set",
        "evaluation.cnn_steps=5",
        "--set",
        "evaluation.seeds=2",
        "--set",
        "training.width=8",
        "--set",
        "generation.per_class=1",
    )
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["split"]["train_class_counts"] == {str(i): 5 for i in range(10)}
    data = np.load(run_dir / "data" / "train.npz")
    assert data["x"].shape == (50, 8, 8, 1)
    assert manifest["status"] == "complete" and manifest["generation"]["total"] == 10


def test_report_refuses_a_directory_that_is_not_a_run(cli, tmp_path):
    code, _, err = cli("report", tmp_path)
    assert code == 2 and "is not a run directory (it has no manifest.json)" in " ".join(err.split())


def test_only_io_errors_are_retried():
    from prefect.states import Completed, Failed

    from synthaug.flows.augment import transient_io_error
    from synthaug.pipeline.errors import UserInputError

    assert transient_io_error(None, None, Failed(data=OSError(28, "No space left on device")))
    assert not transient_io_error(None, None, Failed(data=UserInputError("export exists")))
    assert not transient_io_error(None, None, Failed(data=KeyError("bug")))
    assert not transient_io_error(None, None, Completed(data=1))
