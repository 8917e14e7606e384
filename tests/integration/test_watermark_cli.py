"""The main job marks synthetic tables; keygen and verify-watermark check them (in-process CLI)."""

import json
import stat
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.settings import SMALL_TABULAR_GAN, set_args

REPO = Path(__file__).resolve().parents[2]
TINY = [  # watermarks are tested here, not the verification
    "training.steps=4",
    *SMALL_TABULAR_GAN,
    "generation.per_class=100",
    "evaluation.enabled=false",
]


def run_tabular(cli, output: Path, *extra: str) -> Path:
    args = set_args(*TINY, *extra)
    config = REPO / "examples" / "breast_cancer.yaml"
    code, _, err = cli("run", "--config", config, "--output-dir", output, *args)
    assert code == 0, err
    [run_dir] = list(output.iterdir())
    return run_dir


@pytest.mark.slow
def test_a_run_without_a_key_generates_one_privately_and_marks_its_rows(cli, tmp_path):
    run_dir = run_tabular(cli, tmp_path / "runs")
    key_file = run_dir / "private" / "watermark.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    manifest = json.loads((run_dir / "manifest.json").read_text())
    mark = manifest["watermark"]
    assert mark["applied"] is True and mark["scheme"] == "synthaug-table-cells/1"
    assert len(mark["columns"]) == 30
    assert mark["key_source"] == "generated for this run (private/watermark.key in the run directory)"
    rows = run_dir / "synthetic" / "rows.parquet"
    metadata = pq.read_schema(rows).metadata
    exported = json.loads(metadata[b"synthaug.watermark"])
    assert exported["key_id"] == mark["key_id"] and "key_source" not in exported  # no key path exported
    assert metadata[b"synthetic"] == b"true" and metadata[b"run_id"] == run_dir.name.encode()
    secret_hex = key_file.read_text().strip()
    for path in (run_dir / "synthetic").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret_hex.encode() not in data and bytes.fromhex(secret_hex) not in data

    code, out, _ = cli("verify-watermark", run_dir, "--key-file", key_file)
    assert code == 0 and "MARKED" in out and "200 samples tested" in " ".join(out.split())

    # rows saved as CSV lose the Parquet metadata: the export's record supplies the mark's grid
    csv = tmp_path / "rows.csv"
    pq.read_table(run_dir / "export" / "rows.parquet").to_pandas().to_csv(csv, index=False)
    code, _, err = cli("verify-watermark", csv, "--key-file", key_file)
    assert code == 2 and "--params EXPORT/export.json" in " ".join(err.split())
    code, out, _ = cli(
        "verify-watermark", csv, "--key-file", key_file, "--params", run_dir / "export" / "export.json"
    )
    assert code == 0 and "MARKED" in out
    code, _, err = cli("verify-watermark", csv, "--key-file", key_file, "--params", csv)
    assert code == 2 and "no watermark parameters here" in err

    other = tmp_path / "other.key"
    code, out, _ = cli("keygen", other)
    assert code == 0 and "key id" in out
    code, out, _ = cli("verify-watermark", rows, "--key-file", other)
    assert code == 3 and "NOT MARKED" in out
    code, _, err = cli("keygen", other)
    assert code == 2 and "already exists" in err


@pytest.mark.slow
def test_a_configured_key_is_used_and_a_disabled_watermark_is_stated(cli, tmp_path):
    key_file = tmp_path / "team.key"
    assert cli("keygen", key_file)[0] == 0
    run_dir = run_tabular(cli, tmp_path / "marked", f"watermark.key_file={key_file}")
    assert not (run_dir / "private").exists()
    assert cli("verify-watermark", run_dir, "--key-file", key_file)[0] == 0
    plain = run_tabular(cli, tmp_path / "plain", "watermark.enabled=false")
    manifest = json.loads((plain / "manifest.json").read_text())
    assert manifest["watermark"] == {
        "applied": False,
        "reason": "not applied: disabled by watermark.enabled: false",
    }
    code, _, err = cli("verify-watermark", plain, "--key-file", key_file)
    assert code == 2 and "carry no synthaug watermark parameters" in " ".join(err.split())


@pytest.mark.slow
def test_inspect_shows_provenance_and_catches_an_altered_synthetic_image(cli, tmp_path):
    code, _, err = cli(
        "demo",
        "--output-dir",
        tmp_path / "runs",
        *[
            f"--set={item}"
            for item in (
                "training.steps=2",
                "training.width=8",
                "generation.per_class=2",
                "evaluation.enabled=false",
            )
        ],
    )
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    code, out, _ = cli("inspect", run_dir, "--json")
    info = json.loads(out)
    assert code == 0 and info["synthetic"]["checksums"] == {
        "checked": 21,  # 20 images and the manifest that lists them
        "missing": [],
        "altered": [],
        "ok": True,
    }
    assert info["synthetic"]["provenance"]["synthetic"] == "true"
    assert info["synthetic"]["provenance"]["synthaug.privacy"] == "none"
    victim = sorted((run_dir / "synthetic" / "images").rglob("*.png"))[3]
    victim.write_bytes(victim.read_bytes() + b"\0")
    code, _, err = cli("inspect", run_dir)
    assert code == 2 and "1 file(s) differ from the sha256 recorded for them" in " ".join(err.split())


def test_one_small_unmarked_image_is_inconclusive(cli, tmp_path):
    from PIL import Image
    from sklearn.datasets import load_digits

    key = tmp_path / "key"
    assert cli("keygen", key)[0] == 0
    digit = (load_digits().images[0] * 255 / 16).astype("uint8")
    Image.fromarray(digit).save(tmp_path / "one.png")
    code, out, _ = cli("verify-watermark", tmp_path / "one.png", "--key-file", key)
    assert code == 5 and "INCONCLUSIVE" in out and "too little data to decide" in " ".join(out.split())


def test_require_detectable_refuses_an_export_the_run_cannot_verify(tmp_path):
    from synthaug.pipeline.config import SynthaugConfig
    from synthaug.pipeline.rundir import create_run_directory
    from synthaug.stages import job

    run = create_run_directory(tmp_path / "runs", "mark")
    check = {"outcome": "not marked", "p_value": 0.39, "z": 1.37, "threshold": 1e-3, "samples": 1000}
    config = SynthaugConfig.model_validate(
        {
            "dataset": {"source": "bundled:breast_cancer", "target": "diagnosis"},
            "watermark": {"require_detectable": True},
        }
    )
    prepared = job.prepare(config)
    job.record_run(
        run, config=config, dataset=prepared.dataset, train=prepared.train, test=prepared.test, command=["t"]
    )
    exported = job.export(
        run,
        config,
        training={"privacy": None},
        generation={"watermark": {"applied": True, "scheme": "synthaug-table-cells/1", "self_check": check}},
        verification={"verdict": "gain"},
    )
    assert "watermark.require_detectable is true" in exported["refused"] and "p 0.39" in exported["refused"]
    assert not (run.path / "export").exists()
