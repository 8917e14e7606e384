"""Helpers for the bad-input tests: run the main job and assert the user-error contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image


@pytest.fixture
def run_job(cli, write_config, tmp_path, caplog):
    """Run the main job on a dataset spec; assert the user-error contract; return stderr."""

    def run(dataset: dict) -> str:
        config = write_config(dataset)
        out = tmp_path / "runs"
        code, _, err = cli("run", "--config", config, "--output-dir", out)
        assert code == 2, err
        assert "Traceback" not in err
        assert not [r for r in caplog.records if r.exc_info], "a user error was logged with a traceback"
        assert not out.exists(), f"left output behind: {list(out.rglob('*'))}"
        return " ".join(err.split())  # unwrap

    return run


def csv(tmp_path: Path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def png(path: Path, mode: str = "L", size: tuple[int, int] = (16, 16)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size).save(path)
    return path


def image_folder(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    for name in ("a/1.png", "a/2.png", "b/3.png", "b/4.png"):
        png(root / name)
    return root
