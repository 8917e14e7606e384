"""The main job marks synthetic tables; keygen and verify-watermark check them (in-process CLI)."""

import json
import stat
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.settings import FAST_EVALUATION, SMALL_TABULAR_GAN, set_args

REPO = Path(__file__).resolve().parents[2]
TINY = [
    "training.steps=4",
    *SMALL_TABULAR_GAN,
    "generation.per_class=100",
    *FAST_EVALUATION,
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
    assert len(mark["columns"]) == 30 and "generated for this run" in mark["key_source"]
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
    assert manifest["watermark"].startswith("not applied: disabled")
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
            for item in ("training.steps=2", "training.width=8", "generation.per_class=2", *FAST_EVALUATION)
        ],
    )
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    code, out, _ = cli("inspect", run_dir, "--json")
    info = json.loads(out)
    assert code == 0 and info["synthetic"]["checksums"] == {
        "checked": 20,
        "missing": [],
        "altered": [],
        "ok": True,
    }
    assert info["synthetic"]["provenance"]["synthetic"] == "true"
    assert info["synthetic"]["provenance"]["synthaug.privacy"] == "none"
    victim = sorted((run_dir / "synthetic" / "images").rglob("*.png"))[3]
    victim.write_bytes(victim.read_bytes() + b"\0")
    code, _, err = cli("inspect", run_dir)
    assert code == 2 and "1 synthetic file(s) differ from the sha256 in their manifest" in " ".join(
        err.split()
    )


@pytest.mark.slow
def test_images_are_marked_exported_and_verifiable_without_their_metadata(cli, tmp_path):
    key_file = tmp_path / "team.key"
    assert cli("keygen", key_file)[0] == 0
    destination = tmp_path / "shared" / "digits-v1"
    settings = ("training.steps=4", "training.width=8", "generation.per_class=30", *FAST_EVALUATION)
    code, _, err = cli(
        "demo",
        "--output-dir",
        tmp_path / "runs",
        *[
            f"--set={item}"
            for item in (*settings, f"watermark.key_file={key_file}", f"export.directory={destination}")
        ],
    )
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["export"]["directory"] == str(destination) and not (run_dir / "export").exists()
    assert (
        manifest["watermark"]["scheme"] == "synthaug-image-dither/1" and manifest["watermark"]["psnr_db"] > 30
    )

    # provenance readable with plain pyarrow and Pillow; the key is in no exported byte
    metadata = pq.read_schema(destination / "manifest.parquet").metadata
    assert json.loads(metadata[b"synthaug.watermark"])["key_id"] == manifest["watermark"]["key_id"]
    images = sorted((destination / "images").rglob("*.png"))
    assert len(images) == 300
    with Image.open(images[0]) as image:
        assert (
            image.text["synthetic"] == "true"
            and "trainedAlgorithmicMedia" in image.text["digital_source_type"]
        )
    secret_hex = key_file.read_text().strip()
    for path in destination.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret_hex.encode() not in data and bytes.fromhex(secret_hex) not in data
    assert "Watermark" in (destination / "DATASET_CARD.md").read_text()

    code, out, _ = cli("verify-watermark", destination, "--key-file", key_file)
    assert code == 0 and "MARKED" in out and "300 samples tested" in " ".join(out.split())
    code, out, _ = cli("verify-watermark", images[0], "--key-file", key_file)
    assert code in (0, 3) and "1 samples tested" in " ".join(out.split())
    stripped = tmp_path / "stripped"  # re-saved without text chunks, half of them, in a plain folder
    stripped.mkdir()
    for path in images[::2]:
        with Image.open(path) as image:
            Image.fromarray(np.asarray(image)).save(stripped / f"{path.parent.name}-{path.name}")
    code, out, _ = cli("verify-watermark", stripped, "--key-file", key_file)
    assert code == 0 and "150 samples tested" in " ".join(out.split()) and "defaults" in out
    other = tmp_path / "other.key"
    assert cli("keygen", other)[0] == 0
    code, out, _ = cli("verify-watermark", destination, "--key-file", other)
    assert code == 3 and "different key id" in " ".join(out.split())

    # exports: inspect checks every checksum; existing exports are not overwritten unless asked
    code, out, _ = cli("inspect", destination, "--json")
    assert code == 0 and json.loads(out)["checksums"]["ok"] and json.loads(out)["image_checksums"]["ok"]
    code, _, err = cli("export", run_dir, "--to", destination)
    assert code == 2 and "refusing to overwrite" in " ".join(err.split())
    code, _, err = cli(
        "demo",
        "--output-dir",
        tmp_path / "again",
        f"--set=export.directory={destination}",
        "--set=training.steps=1",
    )
    assert code == 2 and "export.directory already exists" in " ".join(err.split())
    assert not (tmp_path / "again").exists()  # refused before anything was written
    copy = tmp_path / "copy"
    assert cli("export", run_dir, "--to", copy)[0] == 0
    (images := sorted((copy / "images").rglob("*.png")))[0].write_bytes(b"not an image")
    code, _, err = cli("inspect", copy)
    assert code == 2 and "differ from the sha256" in " ".join(err.split())
    assert cli("export", run_dir, "--to", copy, "--overwrite")[0] == 0
    assert cli("inspect", copy)[0] == 0
