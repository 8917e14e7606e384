"""The distribution installs one name, ``synthaug``: every package folder is mapped under it, and
a built wheel holds nothing else at the top of site-packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def package_folders() -> dict[str, str]:
    """Installed package name -> folder, for every folder of the mapping holding an __init__.py."""
    found = {}
    for package, folder in SETUPTOOLS["package-dir"].items():
        for init in sorted((ROOT / folder).rglob("__init__.py")):
            parts = init.parent.relative_to(ROOT / folder).parts
            found[".".join((package, *parts))] = init.parent.relative_to(ROOT).as_posix()
    return found


def test_every_package_folder_is_installed_under_synthaug() -> None:
    assert sorted(SETUPTOOLS["packages"]) == sorted(package_folders())
    assert all(name == "synthaug" or name.startswith("synthaug.") for name in SETUPTOOLS["packages"])


def test_no_python_file_outside_a_listed_package() -> None:
    listed = set(package_folders().values())
    stray = [
        path.relative_to(ROOT).as_posix()
        for folder in SETUPTOOLS["package-dir"].values()
        for path in (ROOT / folder).rglob("*.py")
        if path.parent.relative_to(ROOT).as_posix() not in listed
    ]
    assert stray == []


@pytest.mark.slow
def test_the_wheel_holds_only_synthaug(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the repository
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in SETUPTOOLS["package-dir"].values():
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip_wheel, "-w", tmp_path, source], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("synthaug-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    version = wheel.name.split("-")[1]
    assert {name.split("/")[0] for name in names} == {"synthaug", f"synthaug-{version}.dist-info"}
    assert "synthaug/pipeline/config.py" in names
    assert "synthaug/evaluation/fidelity/registry.py" in names
    assert "synthaug/privacy/utility_curves.json" in names  # package data
    assert "synthaug/flows/cli.py" in names
