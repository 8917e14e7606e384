"""The typed run manifest: fixed field types on every write, a clear error for a damaged file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.manifest import (
    RunManifest,
    read_manifest,
    update_manifest,
    write_manifest,
)
from tests.manifests import run_manifest


def manifest() -> RunManifest:
    return run_manifest()


def test_round_trip_and_update(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_manifest(path, manifest())
    mark = {
        "applied": True,
        "scheme": "synthaug-table-cells/1",
        "key_id": "ab",
        "self_check": {"p_value": 0.0},
    }
    updated = update_manifest(path, watermark=mark, privacy={"epsilon": 3.0}, status="complete")
    assert updated.watermark.applied and updated.watermark.details()["scheme"] == "synthaug-table-cells/1"
    again = read_manifest(path)
    assert again == updated and json.loads(path.read_text())["watermark"]["key_id"] == "ab"


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"privacy": "none"}, "privacy"),  # the statement or null, never a word
        ({"watermark": "not applied"}, "watermark"),
        ({"status": "done"}, "status"),
        ({"stage_seconds": {"train": "slow"}}, "stage_seconds.train"),
    ],
)
def test_a_field_of_the_wrong_type_is_refused(tmp_path: Path, fields: dict, where: str) -> None:
    path = tmp_path / "manifest.json"
    write_manifest(path, manifest())
    before = path.read_bytes()
    with pytest.raises(ValidationError, match=where.replace(".", r"\.")):  # a stage's bug, not the user's
        update_manifest(path, **fields)
    assert path.read_bytes() == before
    path.write_text(json.dumps({**manifest().to_json(), **fields}))  # edited by hand: the user's
    with pytest.raises(UserInputError, match=rf"not a synthaug run manifest \({where}"):
        read_manifest(path)


def test_a_damaged_file_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{not json")
    with pytest.raises(UserInputError, match="not a synthaug run manifest"):
        read_manifest(path)
