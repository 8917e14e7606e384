"""Every bad input named in the foundation issue: a specific message, exit code 2, nothing written.

Each case runs the real main job (``synthaug run``), so the error is raised inside a Prefect task
and must still reach the user as the plain message.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.integration.conftest import csv, image_folder, png

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_missing_file(run_job, tmp_path):
    err = run_job({"source": str(tmp_path / "nope.csv"), "target": "y"})
    assert "nope.csv: CSV file not found" in err and "dataset.source" in err


def test_empty_file(run_job, tmp_path):
    err = run_job({"source": csv(tmp_path, ""), "target": "y"})
    assert "data.csv: CSV file is empty (0 bytes)" in err


def test_csv_without_header(run_job, tmp_path):
    err = run_job({"source": csv(tmp_path, "1,2,0\n3,4,1\n"), "target": "y"})
    assert "seems to have no header row" in err and "dataset.csv.header: false" in err


def test_ragged_rows(run_job, tmp_path):
    err = run_job({"source": csv(tmp_path, "a,b,y\n1,2,p\n3,q\n5,6,p\n"), "target": "y"})
    assert "ragged rows: line 3 has 2 fields but the header has 3" in err


def test_target_column_absent_suggests_close_names(run_job, tmp_path):
    err = run_job({"source": csv(tmp_path, "a,label\n1,p\n2,q\n"), "target": "lable"})
    assert "target column 'lable' is not in the data" in err and "Did you mean 'label'?" in err


def test_single_class(run_job, tmp_path):
    err = run_job({"source": csv(tmp_path, "a,y\n1,p\n2,p\n3,p\n"), "target": "y"})
    assert "only one class ('p', 3 rows)" in err


def test_class_with_fewer_than_two_rows(run_job, tmp_path):
    err = run_job({"source": csv(tmp_path, "a,y\n1,p\n2,p\n3,q\n4,q\n5,z\n"), "target": "y"})
    assert "class 'z' (1 row) has fewer than 2 rows" in err


def test_numeric_column_containing_text(run_job, tmp_path):
    rows = "".join(f"{'abc' if i == 4 else i},{'pq'[i % 2]}\n" for i in range(10))
    err = run_job({"source": csv(tmp_path, "x,y\n" + rows), "target": "y"})
    assert "column 'x' holds numbers but row 5 (line 6) contains the text 'abc'" in err
    assert "dataset.categorical_columns" in err


def test_all_missing_column(run_job, tmp_path):
    err = run_job({"source": csv(tmp_path, "a,empty,y\n1,,p\n2,NA,q\n3,,p\n4,,q\n"), "target": "y"})
    assert "column 'empty' has no values at all" in err and "dataset.drop_columns" in err


def test_duplicate_column_names(run_job, tmp_path):
    err = run_job({"source": csv(tmp_path, "a,b,a,y\n1,2,3,p\n4,5,6,q\n"), "target": "y"})
    assert "column name 'a' appears twice (columns 1 and 3)" in err


def test_non_utf8_text_without_encoding(run_job, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,y\nAnna,p\nJosé,q\n".encode("latin-1"))
    err = run_job({"source": str(path), "target": "y"})
    assert "latin.csv: the file is not UTF-8 text (byte 0xe9" in err and "line 3" in err
    assert "dataset.csv.encoding" in err


def test_image_folder_without_class_folders(run_job, tmp_path):
    root = tmp_path / "flat"
    png(root / "1.png")
    png(root / "2.png")
    err = run_job({"source": str(root)})
    assert "no class sub-folders (found 2 images at the top level)" in err


def test_corrupt_or_truncated_image_is_named(run_job, tmp_path):
    root = image_folder(tmp_path)
    broken = root / "b" / "4.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (16, 16), dtype=np.uint8)).save(broken)
    broken.write_bytes(broken.read_bytes()[:60])
    err = run_job({"source": str(root)})
    assert "image 'b/4.png' is corrupt, truncated or not an image" in err


def test_image_over_the_decompression_bomb_limit(run_job, tmp_path):
    root = image_folder(tmp_path)
    png(root / "a" / "huge.png", size=(40, 40))
    err = run_job({"source": str(root), "image": {"max_pixels": 1000, "size": 16}})
    assert "image 'a/huge.png' is 40x40 = 1,600 pixels, over the limit of 1,000" in err


def test_mixed_channel_counts_without_a_policy(run_job, tmp_path):
    root = image_folder(tmp_path)
    png(root / "b" / "colour.png", mode="RGB")
    err = run_job({"source": str(root)})
    assert "mixed channel counts: 4 grayscale" in err and "1 colour (e.g. b/colour.png)" in err
    assert "dataset.image.channels" in err


def test_npz_missing_an_array(run_job, tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((4, 8, 8), np.uint8), labels=np.zeros(4))
    err = run_job({"source": str(path)})
    assert "NPZ is missing the array 'y' (it has: labels, x)" in err


def test_npz_with_mismatched_lengths(run_job, tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((5, 8, 8), np.uint8), y=np.array([0, 1, 0, 1]))
    err = run_job({"source": str(path)})
    assert "'x' has 5 images but 'y' has shape (4,)" in err


def test_symlink_out_of_the_image_folder_is_refused(run_job, tmp_path):
    root = image_folder(tmp_path)
    secret = png(tmp_path / "elsewhere" / "secret.png")
    (root / "a" / "link.png").symlink_to(secret)
    err = run_job({"source": str(root)})
    assert "symbolic link 'a/link.png' points outside the image folder" in err and "refused" in err


def test_unknown_config_key(run_job, tmp_path):
    err = run_job({"source": "bundled:digits", "per_clas": 3})
    assert "unknown key 'dataset.per_clas'" in err and "'per_class'" in err


@pytest.mark.parametrize(
    ("dataset", "sections", "message"),
    [
        ({}, {"evaluation": {"require_gain": True, "enabled": False}}, "no gain could be shown"),
        ({}, {"evaluation": {"tabular_classifiers": ["logistc"]}}, "unknown classifier 'logistc'"),
        (
            {},
            {"privacy": {"enabled": True}, "training": {"r1_gamma": 1.0, "minibatch_stddev": True}},
            "training.r1_gamma: R1 needs a second backward pass through D; set it to 0; "
            "training.minibatch_stddev: it mixes the samples of a batch in D",
        ),
        (
            {"per_class": 3},  # 30 training images: delta 0.05 >= 1/30
            {"privacy": {"enabled": True, "delta": 0.05}},
            "privacy.delta: privacy.delta 0.05 is not below 1/N = 0.0333",
        ),
        (
            {"source": "bundled:breast_cancer", "target": "diagnosis"},
            {"privacy": {"enabled": True}},
            "privacy.public_columns is empty",
        ),
        (
            {"source": "bundled:breast_cancer", "target": "diagnosis"},
            {"privacy": {"enabled": True, "public_columns": {"mean radius": {"bounds": [0, 40]}}}},
            "columns ['mean texture',",
        ),
        (
            {},
            {"privacy": {"enabled": True}, "generation": {"strategy": "fill-to-majority"}},
            "private class counts",
        ),
    ],
)
def test_settings_that_cannot_be_kept_are_refused(cli, write_config, tmp_path, dataset, sections, message):
    config = write_config({"source": "bundled:digits", **dataset}, **sections)
    out = tmp_path / "runs"
    code, _, err = cli("run", "--config", config, "--output-dir", out)
    assert code == 2 and message in " ".join(err.split()) and not out.exists()
    code, _, err = cli("validate", "--config", config)
    assert code == 2 and message in " ".join(err.split())
